"""Bastion stack: the seed's optional `bastion` module, built only when `bastion.enabled`.

A small instance in the first private subnet, reachable only through SSM Session Manager (its
security group has no inbound rule) and admitted to the Kubernetes API on 443: the current
Amazon Linux 2023 AMI through the public SSM parameter, IMDSv2, a customer-key-encrypted root
volume, an instance role with only `AmazonSSMManagedInstanceCore` and `eks:DescribeCluster` on
this cluster, an EKS access entry, and user data that installs kubectl and helm (checksums
verified), writes the kubeconfig and defines the seed's port-forwarding aliases.
"""

from __future__ import annotations

from awacs import eks as eks_actions
from awacs.aws import Allow, PolicyDocument, Statement
from troposphere import (
    Base64,
    GetAtt,
    Output,
    Parameter,
    Ref,
    Select,
    Sub,
    Tags,
    Template,
    ec2,
    iam,
)

from litellm_cfn.spec import PlatformSpec
from litellm_cfn.spec.node_groups import ami_type_for
from nested_stacks.base import ROOT_DEVICE, new_template, resource_name, tcp_to_tier
from nested_stacks.cache import REDIS_PORT
from nested_stacks.eks.cluster import KUBERNETES_API_PORT
from nested_stacks.encryption import customer_managed_key
from nested_stacks.policies import (
    aws_managed_policy,
    cluster_access_entry,
    role,
    role_path,
    service_trust,
)
from nested_stacks.rds import POSTGRES_PORT
from nested_stacks.wiring import (
    BASTION_INSTANCE_ID,
    BASTION_PORT_FORWARD_COMMAND,
    BASTION_SSM_CONNECT_COMMAND,
    EKS_CLUSTER_ARN,
    EKS_CLUSTER_NAME,
    EKS_CONTROL_PLANE_SECURITY_GROUP_ID,
    PRIVATE_SUBNET_IDS,
    VPC_ID,
)

NAME = "bastion"

HELM_VERSION = "v3.16.4"
ROOT_VOLUME_GIB = 16
ACCESS_POLICY = "AmazonEKSEditPolicy"  # the smallest EKS access policy allowing port-forward
LITELLM_PORT = 4000  # the LiteLLM chart's Service port
# (alias, namespace, service, local port, service port): the seed's llm-* aliases.
PORT_FORWARDS = (
    ("llm-ui", "open-webui", "open-webui", 8080, 80),
    ("llm-grafana", "monitoring", "grafana", 3000, 80),
    ("llm-prometheus", "monitoring", "prometheus-server", 9090, 80),
    ("llm-jaeger", "observability", "jaeger-query", 16686, 16686),
)


def enabled(spec: PlatformSpec) -> bool:
    """Only when asked for: disabled means no bastion resources at all."""
    return spec.bastion.enabled


def build(spec: PlatformSpec) -> Template:
    """The bastion stack's template."""
    template = new_template(spec, "SSM-only bastion for kubectl port-forwarding")
    arm = "ARM_64" in ami_type_for(spec.bastion.instance_type)
    image = template.add_parameter(
        Parameter(
            "LatestAmiId",
            Type="AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>",
            Default="/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-"
            + ("arm64" if arm else "x86_64"),
            Description="Amazon Linux 2023, resolved from AWS's public SSM parameter.",
        )
    )
    inputs = {
        name: template.add_parameter(Parameter(name, Type=kind, Description=description))
        for name, kind, description in (
            (VPC_ID.name, "AWS::EC2::VPC::Id", "The platform's VPC."),
            (
                PRIVATE_SUBNET_IDS.name,
                "List<AWS::EC2::Subnet::Id>",
                "The first one hosts the bastion.",
            ),
            (EKS_CLUSTER_NAME.name, "String", "The cluster kubectl talks to."),
            (EKS_CLUSTER_ARN.name, "String", "The cluster the bastion may describe."),
            (
                EKS_CONTROL_PLANE_SECURITY_GROUP_ID.name,
                "AWS::EC2::SecurityGroup::Id",
                "Admits the bastion to the Kubernetes API.",
            ),
        )
    }
    bastion_role = template.add_resource(_role(spec, Ref(inputs[EKS_CLUSTER_ARN.name])))
    profile = template.add_resource(
        iam.InstanceProfile(
            "BastionInstanceProfile",
            # Named, because instance profiles take no tags through CloudFormation (the
            # AWS::IAM::InstanceProfile schema has no Tags property): the Service Catalog
            # launch role is scoped to this name. Per region: IAM names are account-global.
            InstanceProfileName=Sub(f"{spec.stack_name}-bastion-${{AWS::Region}}"),
            Roles=[Ref(bastion_role)],
            **role_path(spec),
        )
    )
    key = customer_managed_key(
        template, spec, "BastionVolumeKey", "bastion-volume", "bastion root volume", users=[]
    )
    security_group = template.add_resource(_security_group(spec, Ref(inputs[VPC_ID.name])))
    # The private endpoint admits nothing by default: without this rule kubectl on the
    # bastion times out (EKS User Guide, "Cluster endpoint access", private access).
    template.add_resource(
        ec2.SecurityGroupIngress(
            "BastionToKubernetesApi",
            GroupId=Ref(inputs[EKS_CONTROL_PLANE_SECURITY_GROUP_ID.name]),
            IpProtocol="tcp",
            FromPort=KUBERNETES_API_PORT,
            ToPort=KUBERNETES_API_PORT,
            SourceSecurityGroupId=Ref(security_group),
            Description=f"{spec.stack_name}: kubectl from the bastion",
        )
    )
    instance = template.add_resource(
        ec2.Instance(
            "Bastion",
            ImageId=Ref(image),
            InstanceType=spec.bastion.instance_type,
            SubnetId=Select(0, Ref(inputs[PRIVATE_SUBNET_IDS.name])),
            SecurityGroupIds=[Ref(security_group)],
            IamInstanceProfile=Ref(profile),
            MetadataOptions=ec2.MetadataOptions(
                HttpEndpoint="enabled", HttpTokens="required", HttpPutResponseHopLimit=1
            ),
            BlockDeviceMappings=[
                ec2.BlockDeviceMapping(
                    DeviceName=ROOT_DEVICE,
                    Ebs=ec2.EbsBlockDevice(
                        VolumeType="gp3",
                        VolumeSize=ROOT_VOLUME_GIB,
                        Encrypted=True,
                        KmsKeyId=GetAtt(key, "Arn"),
                        DeleteOnTermination=True,
                    ),
                )
            ],
            UserData=Base64(Sub(user_data(spec), ClusterName=Ref(inputs[EKS_CLUSTER_NAME.name]))),
            Tags=Tags(Name=resource_name(spec, "bastion")),
        )
    )
    template.add_resource(
        cluster_access_entry(
            "BastionAccessEntry",
            Ref(inputs[EKS_CLUSTER_NAME.name]),
            GetAtt(bastion_role, "Arn"),
            ACCESS_POLICY,
        )
    )
    _outputs(template, instance)
    return template


def _role(spec: PlatformSpec, cluster_arn: Ref) -> iam.Role:
    describe_cluster = PolicyDocument(
        Version="2012-10-17",
        Statement=[
            Statement(
                Sid="WriteTheKubeconfigOfThisClusterOnly",
                Effect=Allow,
                Action=[eks_actions.DescribeCluster],
                Resource=[cluster_arn],
            )
        ],
    )
    return role(
        spec,
        "BastionRole",
        "the bastion: SSM sessions and kubectl to the cluster",
        # EC2 does not send aws:SourceAccount when an instance assumes its role.
        service_trust("ec2.amazonaws.com", pinned_to_account=False),
        policies=[("describe-cluster", describe_cluster)],
        managed_policy_arns=[aws_managed_policy("AmazonSSMManagedInstanceCore")],
    )


def _security_group(spec: PlatformSpec, vpc_id: Ref) -> ec2.SecurityGroup:
    """No way in (sessions come through SSM); out only to HTTPS, the database and the cache."""
    egress = [
        ec2.SecurityGroupRule(
            IpProtocol="tcp",
            FromPort=443,
            ToPort=443,
            CidrIp="0.0.0.0/0",
            Description="HTTPS: SSM, the Kubernetes API, kubectl and helm downloads",
        ),
        *tcp_to_tier(spec, "database", POSTGRES_PORT, "PostgreSQL in"),
        *(tcp_to_tier(spec, "database", REDIS_PORT, "The cache in") if spec.cache.enabled else []),
    ]
    return ec2.SecurityGroup(
        "BastionSecurityGroup",
        GroupDescription=f"{spec.stack_name}: bastion, reached through SSM only",
        VpcId=vpc_id,
        SecurityGroupEgress=egress,
        Tags=Tags(Name=resource_name(spec, "bastion")),
    )


def port_forwards(spec: PlatformSpec) -> tuple[tuple[str, str, str, int, int], ...]:
    """The seed's aliases, and `llm-api` for LiteLLM itself (its chart's Service, release
    `litellm`, in LiteLLM's namespace)."""
    litellm = ("llm-api", spec.iam.litellm_namespace, "litellm", LITELLM_PORT, LITELLM_PORT)
    return (litellm, *PORT_FORWARDS)


def user_data(spec: PlatformSpec) -> str:
    """The boot script (an Fn::Sub template: `${ClusterName}` and `${AWS::Region}` only)."""
    aliases = "\n".join(
        f"alias {alias}='kubectl -n {namespace} port-forward svc/{service} {local}:{remote}'"
        for alias, namespace, service, local, remote in port_forwards(spec)
    )
    return f"""#!/bin/bash
# litellm-cfn bastion: kubectl and helm for the cluster, and the seed's port-forward aliases.
set -euo pipefail
arch=$(uname -m | sed 's/x86_64/amd64/; s/aarch64/arm64/')
cd "$(mktemp -d)"

kubectl_version=$(curl -fsSL https://dl.k8s.io/release/stable-{spec.eks.cluster_version}.txt)
curl -fsSLO "https://dl.k8s.io/release/$kubectl_version/bin/linux/$arch/kubectl"
curl -fsSLO "https://dl.k8s.io/release/$kubectl_version/bin/linux/$arch/kubectl.sha256"
echo "$(cat kubectl.sha256)  kubectl" | sha256sum --check
install -m 0755 kubectl /usr/local/bin/kubectl

helm_archive="helm-{HELM_VERSION}-linux-$arch.tar.gz"
curl -fsSLO "https://get.helm.sh/$helm_archive"
curl -fsSLO "https://get.helm.sh/$helm_archive.sha256sum"
sha256sum --check "$helm_archive.sha256sum"
tar -xzf "$helm_archive"
install -m 0755 "linux-$arch/helm" /usr/local/bin/helm

# No credentials inside: kubectl asks the instance role for a token each time.
mkdir -p /etc/litellm
aws eks update-kubeconfig --name ${{ClusterName}} --region ${{AWS::Region}} \\
  --kubeconfig /etc/litellm/kubeconfig
chmod 0644 /etc/litellm/kubeconfig

cat > /etc/profile.d/litellm.sh <<'PROFILE'
export KUBECONFIG=/etc/litellm/kubeconfig
{aliases}
PROFILE
"""


def _outputs(template: Template, instance: ec2.Instance) -> None:
    session = "aws ssm start-session --target ${Bastion} --region ${AWS::Region}"
    forward = (
        session + " --document-name AWS-StartPortForwardingSessionToRemoteHost"
        ' --parameters \'{"portNumber":["8080"],"localPortNumber":["8080"],"host":["localhost"]}\''
    )
    for name, description, value in (
        (BASTION_INSTANCE_ID.name, "The bastion instance", Ref(instance)),
        (BASTION_SSM_CONNECT_COMMAND.name, "Open a shell on the bastion", Sub(session)),
        (
            BASTION_PORT_FORWARD_COMMAND.name,
            "Forward localhost:8080 to the bastion's localhost:8080 (run llm-ui there first)",
            Sub(forward),
        ),
    ):
        template.add_output(Output(name, Description=description, Value=value))
