"""Managed node groups: one node role, one key for root volumes, a launch template per group."""

from __future__ import annotations

from collections.abc import Sequence

from awacs import kms as kms_actions
from awacs.aws import Principal
from troposphere import AWSHelperFn, GetAtt, Output, Ref, Sub, Tags, Template, ec2, eks, iam, kms

from litellm_cfn.spec import PlatformSpec
from litellm_cfn.spec.node_groups import NodeGroup, node_group_id
from nested_stacks.base import PLATFORM_TAG, ROOT_DEVICE, resource_name
from nested_stacks.eks.cluster import Cluster
from nested_stacks.encryption import customer_managed_key, volume_key_users
from nested_stacks.policies import aws_managed_policy, role, service_trust
from nested_stacks.wiring import (
    EKS_NODE_ROLE_ARN,
)

# Managed node groups launch through Auto Scaling, whose service-linked role is what EC2
# calls KMS as when it creates an encrypted root volume.
AUTOSCALING_ROLE = (
    "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/aws-service-role/"
    "autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"
)
# Node pods get the CNI's and EBS CSI driver's permissions through their own IRSA roles, so
# the node role keeps only what the kubelet itself needs.
NODE_POLICIES = ("AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly")


def add_node_groups(
    template: Template,
    spec: PlatformSpec,
    cluster: Cluster,
    subnets: AWSHelperFn,
    after: Sequence[eks.Addon],
) -> list[eks.Nodegroup]:
    """Add one managed node group per spec entry, after the `after` add-ons and, in spec
    order, after the group before it."""
    node_role = template.add_resource(
        role(
            spec,
            "NodeRole",
            "lets EKS nodes join the cluster and pull images",
            # EC2 does not send aws:SourceAccount when an instance assumes its role.
            service_trust("ec2.amazonaws.com", pinned_to_account=False),
            managed_policy_arns=[aws_managed_policy(p) for p in NODE_POLICIES],
        )
    )
    volume_key = _volume_key(template, spec)
    groups: list[eks.Nodegroup] = []
    for name, group in spec.eks.node_groups.items():
        # Each group waits for the one before it, so an upgrade (or any change) rolls one
        # group at a time, each within its max_unavailable, instead of all at once.
        waits_for = [*after, *groups[-1:]]
        groups.append(
            _node_group(
                template, spec, cluster, subnets, waits_for, node_role, volume_key, name, group
            )
        )
    template.add_output(
        Output(
            EKS_NODE_ROLE_ARN.name,
            Description="IAM role of the nodes",
            Value=GetAtt(node_role, "Arn"),
        )
    )
    return groups


def _volume_key(template: Template, spec: PlatformSpec) -> kms.Key:
    return customer_managed_key(
        template,
        spec,
        "NodeVolumeKey",
        alias="eks-node-volumes",
        purpose="EKS node root volumes",
        users=volume_key_users(
            Principal("AWS", Sub(AUTOSCALING_ROLE)),
            "AutoScaling",
            "NodeVolumes",
            [kms_actions.CreateGrant],
        ),
    )


def _node_group(
    template: Template,
    spec: PlatformSpec,
    cluster: Cluster,
    subnets: AWSHelperFn,
    waits_for: Sequence[eks.Addon | eks.Nodegroup],
    node_role: iam.Role,
    volume_key: kms.Key,
    name: str,
    group: NodeGroup,
) -> eks.Nodegroup:
    logical = node_group_id(name)
    launch_template = template.add_resource(
        _launch_template(spec, f"LaunchTemplate{logical}", name, group, volume_key)
    )
    props: dict[str, object] = {
        "ClusterName": Ref(cluster.resource),
        "NodeRole": GetAtt(node_role, "Arn"),
        "Subnets": subnets,
        "AmiType": group.resolved_ami_type,
        # The cluster's version: raising it upgrades the control plane first (the groups
        # refer to the cluster), then each group's AMI to the new version. Allowed because
        # the launch template names no AMI of its own (EKS API, CreateNodegroup: version).
        "Version": spec.eks.cluster_version,
        "CapacityType": group.capacity_type,
        "InstanceTypes": list(group.instance_types),
        "LaunchTemplate": eks.LaunchTemplateSpecification(
            Id=Ref(launch_template), Version=GetAtt(launch_template, "LatestVersionNumber")
        ),
        "ScalingConfig": eks.ScalingConfig(
            MinSize=group.min_size, DesiredSize=group.desired_size, MaxSize=group.max_size
        ),
        "UpdateConfig": eks.UpdateConfig(MaxUnavailable=group.max_unavailable),
        "Tags": {"Name": resource_name(spec, name)},
    }
    if group.labels:
        props["Labels"] = dict(group.labels)
    if group.taints:
        props["Taints"] = [
            eks.Taint(Key=t.key, Value=t.value, Effect=t.effect)
            if t.value
            else eks.Taint(Key=t.key, Effect=t.effect)
            for t in group.taints
        ]
    return template.add_resource(
        eks.Nodegroup(f"Nodegroup{logical}", DependsOn=[r.title for r in waits_for], **props)
    )


def _launch_template(
    spec: PlatformSpec, logical_id: str, name: str, group: NodeGroup, volume_key: kms.Key
) -> ec2.LaunchTemplate:
    # The group's own Name wins over a spec tag of that key, as everywhere (tagging.py).
    spec_tags = {k: v for k, v in sorted(spec.tags.items()) if k != "Name"}
    tags = Tags({"Name": resource_name(spec, name)} | spec_tags)
    return ec2.LaunchTemplate(
        logical_id,
        # The launch template itself: the platform tag lets only the platform's own launch
        # role delete it. These are "the tags to apply to the launch template on creation"
        # (CloudFormation, AWS::EC2::LaunchTemplate, TagSpecifications), not part of its
        # LaunchTemplateData, so adding them makes no new version and replaces no node.
        TagSpecifications=[
            ec2.TagSpecifications(
                ResourceType="launch-template",
                Tags=Tags({PLATFORM_TAG: spec.stack_name} | spec_tags),
            )
        ],
        LaunchTemplateData=ec2.LaunchTemplateData(
            MetadataOptions=ec2.MetadataOptions(
                HttpEndpoint="enabled",
                HttpTokens="required",
                HttpPutResponseHopLimit=spec.eks.imds_hop_limit,
            ),
            BlockDeviceMappings=[
                ec2.LaunchTemplateBlockDeviceMapping(
                    DeviceName=ROOT_DEVICE,
                    Ebs=ec2.EBSBlockDevice(
                        VolumeType="gp3",
                        VolumeSize=group.disk_size,
                        Encrypted=True,
                        KmsKeyId=GetAtt(volume_key, "Arn"),
                        DeleteOnTermination=True,
                    ),
                )
            ],
            TagSpecifications=[
                ec2.TagSpecifications(ResourceType=kind, Tags=tags)
                for kind in ("instance", "volume")
            ],
        ),
    )
