"""The EKS stack's managed node groups: launch templates, IMDSv2, encrypted roots, the node
role, the version they follow and the order they roll in."""

from __future__ import annotations

from litellm_cfn.spec import load_spec
from nested_stacks import eks
from tests.conftest import REPO
from tests.nested_stacks.test_eks import SEED_POLICY, of_type, template_of


def test_each_node_group_has_its_own_launch_template_with_imdsv2_and_an_encrypted_gp3_root():
    spec = load_spec(REPO / "specs" / "multi-nodegroup.yaml").spec
    template = eks.build(spec).to_dict()
    groups = of_type(template, "AWS::EKS::Nodegroup")
    assert set(groups) == {"NodegroupGeneral", "NodegroupGpu"}
    gpu = groups["NodegroupGpu"]["Properties"]
    assert gpu["LaunchTemplate"] == {
        "Id": {"Ref": "LaunchTemplateGpu"},
        "Version": {"Fn::GetAtt": ["LaunchTemplateGpu", "LatestVersionNumber"]},
    }
    data = template["Resources"]["LaunchTemplateGpu"]["Properties"]["LaunchTemplateData"]
    assert data["MetadataOptions"] == {
        "HttpEndpoint": "enabled",
        "HttpTokens": "required",
        "HttpPutResponseHopLimit": 1,
    }
    assert data["BlockDeviceMappings"] == [
        {
            "DeviceName": "/dev/xvda",
            "Ebs": {
                "VolumeType": "gp3",
                "VolumeSize": 200,
                "Encrypted": True,
                "KmsKeyId": {"Fn::GetAtt": ["NodeVolumeKey", "Arn"]},
                "DeleteOnTermination": True,
            },
        }
    ]
    assert gpu["InstanceTypes"] == ["g5.xlarge", "g5.2xlarge"]
    assert gpu["AmiType"] == "AL2023_x86_64_NVIDIA"
    assert gpu["CapacityType"] == "ON_DEMAND"
    assert gpu["ScalingConfig"] == {"MinSize": 0, "DesiredSize": 0, "MaxSize": 4}
    assert gpu["UpdateConfig"] == {"MaxUnavailable": 1}
    assert gpu["Labels"] == {"workload": "inference", "nvidia.com/gpu.present": "true"}
    assert gpu["Taints"] == [{"Key": "nvidia.com/gpu", "Value": "true", "Effect": "NO_SCHEDULE"}]
    assert gpu["Subnets"] == {"Ref": "PrivateSubnetIds"}
    assert "DiskSize" not in gpu, "the launch template owns the disk"
    general = groups["NodegroupGeneral"]["Properties"]
    assert "Taints" not in general
    assert general["AmiType"] == "AL2023_x86_64_STANDARD"


def test_the_imds_hop_limit_and_tags_reach_every_launch_template():
    template = template_of(
        "name: demo\ntags: {team: ml, Name: from-spec}\neks:\n  imds_hop_limit: 2\n"
        "  node_groups: {default: {}, gpu: {instance_types: [g5.xlarge]}}\n"
    )
    launch_templates = {
        name: r["Properties"]["LaunchTemplateData"]
        for name, r in template["Resources"].items()
        if r["Type"] == "AWS::EC2::LaunchTemplate"
    }
    assert set(launch_templates) == {"LaunchTemplateDefault", "LaunchTemplateGpu"}
    for name, data in launch_templates.items():
        group = name.removeprefix("LaunchTemplate").lower()
        assert data["MetadataOptions"]["HttpPutResponseHopLimit"] == 2
        assert {s["ResourceType"] for s in data["TagSpecifications"]} == {"instance", "volume"}
        for specification in data["TagSpecifications"]:
            # The group's own Name wins over the spec's Name tag, as on every resource.
            assert specification["Tags"] == [
                {"Key": "Name", "Value": f"demo-prod-{group}"},
                {"Key": "team", "Value": "ml"},
            ]


def test_the_node_role_has_only_what_the_kubelet_needs():
    role = template_of()["Resources"]["NodeRole"]["Properties"]
    assert role["ManagedPolicyArns"] == [
        {"Fn::Sub": SEED_POLICY + "AmazonEKSWorkerNodePolicy"},
        {"Fn::Sub": SEED_POLICY + "AmazonEC2ContainerRegistryPullOnly"},
    ]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust == {
        "Effect": "Allow",
        "Principal": {"Service": "ec2.amazonaws.com"},
        "Action": ["sts:AssumeRole"],
    }


def test_node_volumes_use_a_key_only_auto_scaling_may_use_for_them():
    statements = template_of()["Resources"]["NodeVolumeKey"]["Properties"]["KeyPolicy"]["Statement"]
    autoscaling = {
        "AWS": {
            "Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/aws-service-role/"
            "autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"
        }
    }
    assert [s["Sid"] for s in statements] == [
        "AccountAdministersKeyThroughIam",
        "AutoScalingEncryptsNodeVolumes",
        "AutoScalingLetsEc2AttachNodeVolumes",
    ]
    assert statements[1]["Principal"] == statements[2]["Principal"] == autoscaling
    assert statements[2]["Action"] == ["kms:CreateGrant"]
    assert statements[2]["Condition"] == {"Bool": {"kms:GrantIsForAWSResource": "true"}}


def test_node_groups_follow_the_cluster_version_within_their_max_unavailable():
    template = template_of(
        'name: demo\neks:\n  cluster_version: "1.35"\n'
        "  node_groups:\n    a: {max_unavailable: 2}\n    gpu: {instance_types: [gr6.4xlarge]}\n"
    )
    groups = of_type(template, "AWS::EKS::Nodegroup")
    assert {g["Properties"]["Version"] for g in groups.values()} == {"1.35"}
    assert groups["NodegroupA"]["Properties"]["UpdateConfig"] == {"MaxUnavailable": 2}
    # Versions come from the cluster only if the launch template names no AMI of its own.
    for launch in of_type(template, "AWS::EC2::LaunchTemplate").values():
        assert "ImageId" not in launch["Properties"]["LaunchTemplateData"]
    assert groups["NodegroupGpu"]["Properties"]["AmiType"] == "AL2023_x86_64_NVIDIA"
