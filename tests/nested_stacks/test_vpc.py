"""The VPC stack: planned subnets, NAT per zone, an isolated database tier, encrypted flow logs."""

from __future__ import annotations

from nested_stacks import vpc
from tests.conftest import spec_from


def template_of(text: str) -> dict:
    return vpc.build(spec_from(text)).to_dict()


def of_type(template: dict, kind: str) -> dict[str, dict]:
    return {k: r for k, r in template["Resources"].items() if r["Type"] == kind}


def tags(resource: dict) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in resource["Properties"].get("Tags", [])}


def test_subnets_carry_the_planned_cidrs_in_every_zone():
    subnets = of_type(template_of("name: demo\n"), "AWS::EC2::Subnet")
    assert {k: s["Properties"]["CidrBlock"] for k, s in subnets.items()} == {
        "PublicSubnet1": "10.0.0.0/20",
        "PublicSubnet2": "10.0.16.0/20",
        "PublicSubnet3": "10.0.32.0/20",
        "PrivateSubnet1": "10.0.48.0/20",
        "PrivateSubnet2": "10.0.64.0/20",
        "PrivateSubnet3": "10.0.80.0/20",
        "DatabaseSubnet1": "10.0.96.0/20",
        "DatabaseSubnet2": "10.0.112.0/20",
        "DatabaseSubnet3": "10.0.128.0/20",
    }
    assert subnets["PrivateSubnet2"]["Properties"]["AvailabilityZone"] == {
        "Fn::Select": [1, {"Fn::GetAZs": ""}]
    }
    assert all(s["Properties"]["MapPublicIpOnLaunch"] is False for s in subnets.values())


def test_the_vpc_resolves_dns_names():
    (props,) = [
        r["Properties"] for r in of_type(template_of("name: demo\n"), "AWS::EC2::VPC").values()
    ]
    assert props["EnableDnsSupport"] is True
    assert props["EnableDnsHostnames"] is True
    assert props["CidrBlock"] == "10.0.0.0/16"


def test_subnets_carry_eks_discovery_tags_for_the_cluster():
    subnets = of_type(template_of("name: demo\n"), "AWS::EC2::Subnet")
    assert tags(subnets["PublicSubnet1"]) == {
        "Name": "demo-prod-public-1",
        "kubernetes.io/role/elb": "1",
        "kubernetes.io/cluster/demo-eks": "shared",
    }
    assert tags(subnets["PrivateSubnet3"]) == {
        "Name": "demo-prod-private-3",
        "kubernetes.io/role/internal-elb": "1",
        "kubernetes.io/cluster/demo-eks": "shared",
    }
    assert tags(subnets["DatabaseSubnet1"]) == {"Name": "demo-prod-database-1"}
    custom = of_type(template_of("name: demo\neks: {cluster_name: blue}\n"), "AWS::EC2::Subnet")
    assert "kubernetes.io/cluster/blue" in tags(custom["PrivateSubnet1"])


def test_each_private_subnet_routes_through_its_own_zones_nat_gateway():
    template = template_of("name: demo\n")
    assert len(of_type(template, "AWS::EC2::NatGateway")) == 3
    routes = of_type(template, "AWS::EC2::Route")
    for zone in (1, 2, 3):
        route = routes[f"PrivateDefaultRoute{zone}"]["Properties"]
        assert route["RouteTableId"] == {"Ref": f"PrivateRouteTable{zone}"}
        assert route["NatGatewayId"] == {"Ref": f"NatGateway{zone}"}
        association = template["Resources"][f"PrivateSubnet{zone}RouteTableAssociation"]
        assert association["Properties"]["RouteTableId"] == {"Ref": f"PrivateRouteTable{zone}"}
    nat = template["Resources"]["NatGateway2"]["Properties"]
    assert nat["SubnetId"] == {"Ref": "PublicSubnet2"}
    assert nat["AllocationId"] == {"Fn::GetAtt": ["NatEip2", "AllocationId"]}


def test_single_nat_gateway_serves_every_zone():
    template = template_of("name: demo\nvpc: {single_nat_gateway: true}\n")
    assert list(of_type(template, "AWS::EC2::NatGateway")) == ["NatGateway1"]
    assert list(of_type(template, "AWS::EC2::EIP")) == ["NatEip1"]
    routes = of_type(template, "AWS::EC2::Route")
    assert {
        routes[f"PrivateDefaultRoute{z}"]["Properties"]["NatGatewayId"]["Ref"] for z in (1, 2, 3)
    } == {"NatGateway1"}


def test_public_subnets_route_to_the_internet_gateway_and_databases_nowhere():
    template = template_of("name: demo\n")
    routes = of_type(template, "AWS::EC2::Route")
    assert routes["PublicDefaultRoute"]["Properties"]["GatewayId"] == {"Ref": "InternetGateway"}
    assert routes["PublicDefaultRoute"]["DependsOn"] == "InternetGatewayAttachment"
    assert set(routes) == {"PublicDefaultRoute"} | {f"PrivateDefaultRoute{z}" for z in (1, 2, 3)}
    for zone in (1, 2, 3):
        association = template["Resources"][f"DatabaseSubnet{zone}RouteTableAssociation"]
        assert association["Properties"]["RouteTableId"] == {"Ref": "DatabaseRouteTable"}
    assert not any(
        r["Properties"]["RouteTableId"] == {"Ref": "DatabaseRouteTable"} for r in routes.values()
    )


def test_flow_logs_go_to_an_encrypted_retained_log_group():
    template = template_of("name: demo\nvpc: {flow_logs: {retention_days: 90}}\n")
    resources = template["Resources"]
    group = resources["FlowLogsLogGroup"]
    assert group["DeletionPolicy"] == group["UpdateReplacePolicy"] == "Retain"
    assert group["Properties"] == {
        "LogGroupName": "/demo/prod/vpc-flow-logs",
        "RetentionInDays": 90,
        "KmsKeyId": {"Fn::GetAtt": ["FlowLogsLogGroupKey", "Arn"]},
    }
    key = resources["FlowLogsLogGroupKey"]
    assert key["DeletionPolicy"] == key["UpdateReplacePolicy"] == "Retain"
    assert key["Properties"]["EnableKeyRotation"] is True
    logs_statement = key["Properties"]["KeyPolicy"]["Statement"][1]
    assert logs_statement["Principal"] == {
        "Service": {"Fn::Sub": "logs.${AWS::Region}.amazonaws.com"}
    }
    assert logs_statement["Condition"] == {
        "StringEquals": {
            "kms:EncryptionContext:aws:logs:arn": [
                {
                    "Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:"
                    "log-group:/demo/prod/vpc-flow-logs"
                }
            ]
        }
    }
    flow_log = resources["VpcFlowLog"]["Properties"]
    assert flow_log["TrafficType"] == "ALL"
    assert flow_log["ResourceId"] == {"Ref": "Vpc"}
    assert flow_log["LogGroupName"] == {"Ref": "FlowLogsLogGroup"}


def test_the_flow_log_role_is_least_privilege_and_pinned_to_this_account():
    role = template_of("name: demo\n")["Resources"]["FlowLogsRole"]["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    assert trust["Action"] == ["sts:AssumeRole"]
    assert trust["Condition"] == {
        "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
        "ArnLike": {
            "aws:SourceArn": {
                "Fn::Sub": "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:"
                "vpc-flow-log/*"
            }
        },
    }
    (policy,) = role["Policies"]
    assert policy["PolicyDocument"]["Statement"] == [
        {
            "Sid": "DeliverToTheFlowLogGroupOnly",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            "Resource": [{"Fn::GetAtt": ["FlowLogsLogGroup", "Arn"]}],
        }
    ]
    assert "ManagedPolicyArns" not in role


def test_disabled_flow_logs_leave_no_logging_resources():
    resources = template_of("name: demo\nvpc: {flow_logs: {enabled: false}}\n")["Resources"]
    kinds = {r["Type"] for r in resources.values()}
    assert not kinds & {
        "AWS::EC2::FlowLog",
        "AWS::Logs::LogGroup",
        "AWS::KMS::Key",
        "AWS::IAM::Role",
    }


def test_explicit_zones_become_a_defaulted_parameter():
    template = template_of(
        "name: demo\nregion: eu-west-1\nvpc:\n  az_count: 2\n"
        "  availability_zones: [eu-west-1b, eu-west-1c]\n"
    )
    assert template["Parameters"]["AvailabilityZones"] == {
        "Type": "List<AWS::EC2::AvailabilityZone::Name>",
        "Default": "eu-west-1b,eu-west-1c",
        "Description": "The spec's vpc.availability_zones, in subnet order.",
    }
    subnet = template["Resources"]["DatabaseSubnet2"]["Properties"]
    assert subnet["AvailabilityZone"] == {"Fn::Select": [1, {"Ref": "AvailabilityZones"}]}
    assert len(of_type(template, "AWS::EC2::Subnet")) == 6


def test_outputs_give_the_vpc_and_each_tiers_subnets():
    outputs = template_of("name: demo\nvpc: {az_count: 2}\n")["Outputs"]
    assert outputs["VpcId"]["Value"] == {"Ref": "Vpc"}
    assert outputs["VpcCidr"]["Value"] == {"Fn::GetAtt": ["Vpc", "CidrBlock"]}
    assert outputs["PrivateSubnetIds"]["Value"] == {
        "Fn::Join": [",", [{"Ref": "PrivateSubnet1"}, {"Ref": "PrivateSubnet2"}]]
    }
    assert set(outputs) == {
        "VpcId",
        "VpcCidr",
        "PublicSubnetIds",
        "PrivateSubnetIds",
        "DatabaseSubnetIds",
    }
