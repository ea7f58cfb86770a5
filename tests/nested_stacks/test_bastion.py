"""The bastion stack: SSM-only, IMDSv2, encrypted, least privilege, and absent when disabled."""

from __future__ import annotations

from litellm_cfn.compile.compiler import ROOT_FILE, compile_platform
from litellm_cfn.spec.kubernetes_versions import DEFAULT_VERSION
from nested_stacks import bastion
from tests.conftest import spec_from

ENABLED = "name: demo\nbastion: {enabled: true}\n"


def template_of(text: str = ENABLED) -> dict:
    return bastion.build(spec_from(text)).to_dict()


def test_a_disabled_bastion_leaves_no_resources_at_all():
    compiled = compile_platform(spec_from("name: demo\n"))
    assert "bastion.yaml" not in compiled.templates
    root = compiled.templates[ROOT_FILE].to_dict()
    assert "BastionStack" not in root["Resources"]
    assert not any(name.startswith("Bastion") for name in root["Outputs"])
    for template in compiled.templates.values():
        assert not any("Bastion" in name for name in template.to_dict()["Resources"])


def test_the_instance_is_private_imdsv2_encrypted_and_current_amazon_linux():
    template = template_of()
    props = template["Resources"]["Bastion"]["Properties"]
    assert props["InstanceType"] == "t3.micro"
    assert props["SubnetId"] == {"Fn::Select": [0, {"Ref": "PrivateSubnetIds"}]}
    assert props["MetadataOptions"] == {
        "HttpEndpoint": "enabled",
        "HttpTokens": "required",
        "HttpPutResponseHopLimit": 1,
    }
    (volume,) = props["BlockDeviceMappings"]
    assert volume["Ebs"]["Encrypted"] is True
    assert volume["Ebs"]["KmsKeyId"] == {"Fn::GetAtt": ["BastionVolumeKey", "Arn"]}
    assert props["ImageId"] == {"Ref": "LatestAmiId"}
    assert template["Parameters"]["LatestAmiId"] == {
        "Type": "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>",
        "Default": "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
        "Description": "Amazon Linux 2023, resolved from AWS's public SSM parameter.",
    }
    arm = template_of("name: demo\nbastion: {enabled: true, instance_type: t4g.small}\n")
    assert arm["Parameters"]["LatestAmiId"]["Default"].endswith("-arm64")


def test_nothing_can_reach_the_bastion_and_it_reaches_only_https_the_database_and_cache():
    group = template_of()["Resources"]["BastionSecurityGroup"]["Properties"]
    assert "SecurityGroupIngress" not in group
    database = ("10.0.96.0/20", "10.0.112.0/20", "10.0.128.0/20")
    assert [(r["FromPort"], r["CidrIp"]) for r in group["SecurityGroupEgress"]] == [
        (443, "0.0.0.0/0"),
        *((5432, cidr) for cidr in database),
        *((6379, cidr) for cidr in database),
    ]
    uncached = template_of("name: demo\nbastion: {enabled: true}\ncache: {enabled: false}\n")
    egress = uncached["Resources"]["BastionSecurityGroup"]["Properties"]["SecurityGroupEgress"]
    assert 6379 not in {r["FromPort"] for r in egress}


def test_the_role_has_ssm_core_and_may_only_describe_this_cluster():
    role = template_of()["Resources"]["BastionRole"]["Properties"]
    assert role["ManagedPolicyArns"] == [
        {"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"}
    ]
    (policy,) = role["Policies"]
    assert policy["PolicyDocument"]["Statement"] == [
        {
            "Sid": "WriteTheKubeconfigOfThisClusterOnly",
            "Effect": "Allow",
            "Action": ["eks:DescribeCluster"],
            "Resource": [{"Ref": "EksClusterArn"}],
        }
    ]


def test_an_access_entry_lets_kubectl_port_forward_from_the_bastion():
    entry = template_of()["Resources"]["BastionAccessEntry"]["Properties"]
    assert entry["PrincipalArn"] == {"Fn::GetAtt": ["BastionRole", "Arn"]}
    assert entry["ClusterName"] == {"Ref": "EksClusterName"}
    assert entry["AccessPolicies"][0]["PolicyArn"] == {
        "Fn::Sub": "arn:${AWS::Partition}:eks::aws:cluster-access-policy/AmazonEKSEditPolicy"
    }


def test_user_data_installs_verified_tools_writes_the_kubeconfig_and_the_seeds_aliases():
    script, variables = template_of()["Resources"]["Bastion"]["Properties"]["UserData"][
        "Fn::Base64"
    ]["Fn::Sub"]
    assert variables == {"ClusterName": {"Ref": "EksClusterName"}}
    assert f"https://dl.k8s.io/release/stable-{DEFAULT_VERSION}.txt" in script
    assert script.count("sha256sum --check") == 2
    assert "aws eks update-kubeconfig --name ${ClusterName} --region ${AWS::Region}" in script
    for alias, port in (
        ("llm-api", "4000:"),
        ("llm-ui", "8080:"),
        ("llm-grafana", "3000:"),
        ("llm-prometheus", "9090:"),
        ("llm-jaeger", "16686:"),
    ):
        (line,) = [x for x in script.splitlines() if x.startswith(f"alias {alias}=")]
        assert " port-forward svc/" in line and f" {port}" in line
    substitutions = {part.split("}")[0] for part in script.split("${")[1:]}
    assert substitutions == {"ClusterName", "AWS::Region"}, "bash variables must not use ${}"


def test_outputs_give_the_seeds_ssm_commands():
    outputs = template_of()["Outputs"]
    assert outputs["BastionSsmConnectCommand"]["Value"] == {
        "Fn::Sub": "aws ssm start-session --target ${Bastion} --region ${AWS::Region}"
    }
    assert (
        "AWS-StartPortForwardingSessionToRemoteHost"
        in (outputs["BastionPortForwardCommand"]["Value"]["Fn::Sub"])
    )


def test_the_bastion_waits_for_the_cluster_only():
    root = compile_platform(spec_from(ENABLED)).templates[ROOT_FILE].to_dict()
    parameters = root["Resources"]["BastionStack"]["Properties"]["Parameters"]
    assert {v["Fn::GetAtt"][0] for v in parameters.values()} == {"VpcStack", "EksStack"}


def test_the_bastion_is_admitted_to_the_kubernetes_api_on_443():
    rule = template_of()["Resources"]["BastionToKubernetesApi"]
    assert rule["Type"] == "AWS::EC2::SecurityGroupIngress"
    assert rule["Properties"] | {"Description": None} == {
        "GroupId": {"Ref": "EksControlPlaneSecurityGroupId"},
        "IpProtocol": "tcp",
        "FromPort": 443,
        "ToPort": 443,
        "SourceSecurityGroupId": {"Ref": "BastionSecurityGroup"},
        "Description": None,
    }
    root = compile_platform(spec_from(ENABLED)).templates[ROOT_FILE].to_dict()
    wired = root["Resources"]["BastionStack"]["Properties"]["Parameters"]
    assert wired["EksControlPlaneSecurityGroupId"] == {
        "Fn::GetAtt": ["EksStack", "Outputs.EksControlPlaneSecurityGroupId"]
    }


def test_the_instance_profile_is_named_per_platform_and_region():
    profile = template_of()["Resources"]["BastionInstanceProfile"]["Properties"]
    assert profile["InstanceProfileName"] == {"Fn::Sub": "demo-prod-bastion-${AWS::Region}"}


def test_llm_api_forwards_litellms_service_in_litellms_namespace():
    text = ENABLED + "iam: {litellm_service_account: gateway/proxy}\n"
    script = bastion.user_data(spec_from(text))
    (line,) = [x for x in script.splitlines() if x.startswith("alias llm-api=")]
    assert line == "alias llm-api='kubectl -n gateway port-forward svc/litellm 4000:4000'"
