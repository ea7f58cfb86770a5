"""VPC stack: the seed's `vpc` module.

A VPC with DNS, an internet gateway, public/private/database subnets in every zone (literal CIDRs
from the subnet plan, EKS discovery tags), NAT gateways (one per zone, or one), a route table per
private subnet through its own zone's NAT, database subnets with no route out, and flow logs
into a KMS-encrypted, retained log group through a least-privilege delivery role.
"""

from __future__ import annotations

from awacs import logs as logs_actions
from awacs.aws import Allow, PolicyDocument, Statement
from troposphere import GetAtt, GetAZs, Join, Output, Parameter, Ref, Select, Tags, Template, ec2

from litellm_cfn.spec import PlatformSpec
from litellm_cfn.spec.network import PlannedSubnet
from nested_stacks.base import new_template, resource_name
from nested_stacks.logs import encrypted_log_group
from nested_stacks.policies import regional_arn, role, service_trust
from nested_stacks.wiring import (
    DATABASE_SUBNET_IDS,
    PRIVATE_SUBNET_IDS,
    PUBLIC_SUBNET_IDS,
    VPC_CIDR,
    VPC_ID,
)

NAME = "vpc"

_TIER_IDS = {"public": "Public", "private": "Private", "database": "Database"}
SUBNET_IDS = {
    "public": PUBLIC_SUBNET_IDS,
    "private": PRIVATE_SUBNET_IDS,
    "database": DATABASE_SUBNET_IDS,
}
# Where Kubernetes load balancer controllers look for subnets.
_ELB_ROLE_TAGS = {"public": "kubernetes.io/role/elb", "private": "kubernetes.io/role/internal-elb"}


def enabled(spec: PlatformSpec) -> bool:
    """The VPC is always built: every other stack lives in it."""
    return True


def build(spec: PlatformSpec) -> Template:
    """The VPC stack's template."""
    template = new_template(spec, "VPC, subnets, NAT gateways and flow logs")
    zones = _availability_zones(template, spec)
    vpc = template.add_resource(
        ec2.VPC(
            "Vpc",
            CidrBlock=spec.vpc.cidr,
            EnableDnsSupport=True,
            EnableDnsHostnames=True,
            Tags=Tags(Name=resource_name(spec, "vpc")),
        )
    )
    public = _public_tier(template, spec, vpc, zones)
    nat_gateways = _nat_gateways(template, spec, public)
    private = _private_tier(template, spec, vpc, zones, nat_gateways)
    database = _database_tier(template, spec, vpc, zones)
    if spec.vpc.flow_logs.enabled:
        _flow_logs(template, spec, vpc)
    _outputs(template, vpc, public=public, private=private, database=database)
    return template


def _availability_zones(template: Template, spec: PlatformSpec) -> list[object]:
    """One zone reference per AZ index: the spec's names, else the region's first zones."""
    if not spec.vpc.availability_zones:
        return [Select(i, GetAZs("")) for i in range(spec.vpc.az_count)]
    # A defaulted parameter rather than literals: the zones show in the console and in reviews,
    # and cfn-lint (W3010) rightly flags zone names hard-coded in resources.
    zones = template.add_parameter(
        Parameter(
            "AvailabilityZones",
            Type="List<AWS::EC2::AvailabilityZone::Name>",
            Default=",".join(spec.vpc.availability_zones),
            Description="The spec's vpc.availability_zones, in subnet order.",
        )
    )
    return [Select(i, Ref(zones)) for i in range(spec.vpc.az_count)]


def _subnet(
    template: Template,
    spec: PlatformSpec,
    vpc: ec2.VPC,
    zones: list[object],
    planned: PlannedSubnet,
) -> ec2.Subnet:
    tags = {"Name": resource_name(spec, planned.tier, str(planned.az_index + 1))}
    if planned.tier in _ELB_ROLE_TAGS:
        tags[_ELB_ROLE_TAGS[planned.tier]] = "1"
        tags[f"kubernetes.io/cluster/{spec.cluster_name}"] = "shared"
    return template.add_resource(
        ec2.Subnet(
            f"{_TIER_IDS[planned.tier]}Subnet{planned.az_index + 1}",
            VpcId=Ref(vpc),
            CidrBlock=str(planned.cidr),
            AvailabilityZone=zones[planned.az_index],
            MapPublicIpOnLaunch=False,
            Tags=Tags(tags),
        )
    )


def _route_table(
    template: Template, spec: PlatformSpec, vpc: ec2.VPC, logical_id: str, name: str
) -> ec2.RouteTable:
    return template.add_resource(
        ec2.RouteTable(logical_id, VpcId=Ref(vpc), Tags=Tags(Name=resource_name(spec, name)))
    )


def _associate(template: Template, subnet: ec2.Subnet, table: ec2.RouteTable) -> None:
    template.add_resource(
        ec2.SubnetRouteTableAssociation(
            f"{subnet.title}RouteTableAssociation", SubnetId=Ref(subnet), RouteTableId=Ref(table)
        )
    )


def _subnets_sharing(
    template: Template,
    spec: PlatformSpec,
    vpc: ec2.VPC,
    zones: list[object],
    tier: str,
    table: ec2.RouteTable,
) -> list[ec2.Subnet]:
    """Every subnet of `tier`, all associated with one route table."""
    subnets = []
    for planned in spec.vpc.subnet_plan.tier(tier):
        subnet = _subnet(template, spec, vpc, zones, planned)
        _associate(template, subnet, table)
        subnets.append(subnet)
    return subnets


def _public_tier(
    template: Template, spec: PlatformSpec, vpc: ec2.VPC, zones: list[object]
) -> list[ec2.Subnet]:
    gateway = template.add_resource(
        ec2.InternetGateway("InternetGateway", Tags=Tags(Name=resource_name(spec, "igw")))
    )
    attachment = template.add_resource(
        ec2.VPCGatewayAttachment(
            "InternetGatewayAttachment", VpcId=Ref(vpc), InternetGatewayId=Ref(gateway)
        )
    )
    table = _route_table(template, spec, vpc, "PublicRouteTable", "public")
    template.add_resource(
        ec2.Route(
            "PublicDefaultRoute",
            DependsOn=attachment,
            RouteTableId=Ref(table),
            DestinationCidrBlock="0.0.0.0/0",
            GatewayId=Ref(gateway),
        )
    )
    return _subnets_sharing(template, spec, vpc, zones, "public", table)


def _nat_gateways(
    template: Template, spec: PlatformSpec, public: list[ec2.Subnet]
) -> list[ec2.NatGateway]:
    """One NAT gateway per zone, or only the first zone's with `single_nat_gateway`."""
    hosts = public[:1] if spec.vpc.single_nat_gateway else public
    gateways = []
    for number, subnet in enumerate(hosts, start=1):
        address = template.add_resource(
            ec2.EIP(
                f"NatEip{number}",
                DependsOn="InternetGatewayAttachment",
                Domain="vpc",
                Tags=Tags(Name=resource_name(spec, "nat", str(number))),
            )
        )
        gateways.append(
            template.add_resource(
                ec2.NatGateway(
                    f"NatGateway{number}",
                    AllocationId=GetAtt(address, "AllocationId"),
                    SubnetId=Ref(subnet),
                    Tags=Tags(Name=resource_name(spec, "nat", str(number))),
                )
            )
        )
    return gateways


def _private_tier(
    template: Template,
    spec: PlatformSpec,
    vpc: ec2.VPC,
    zones: list[object],
    nat_gateways: list[ec2.NatGateway],
) -> list[ec2.Subnet]:
    """Private subnets, each with its own route table out through its own zone's NAT."""
    subnets = []
    for planned in spec.vpc.subnet_plan.tier("private"):
        number = planned.az_index + 1
        subnet = _subnet(template, spec, vpc, zones, planned)
        table = _route_table(template, spec, vpc, f"PrivateRouteTable{number}", f"private-{number}")
        template.add_resource(
            ec2.Route(
                f"PrivateDefaultRoute{number}",
                RouteTableId=Ref(table),
                DestinationCidrBlock="0.0.0.0/0",
                NatGatewayId=Ref(nat_gateways[min(planned.az_index, len(nat_gateways) - 1)]),
            )
        )
        _associate(template, subnet, table)
        subnets.append(subnet)
    return subnets


def _database_tier(
    template: Template, spec: PlatformSpec, vpc: ec2.VPC, zones: list[object]
) -> list[ec2.Subnet]:
    """Database subnets share one route table with only the VPC-local route: no way out."""
    table = _route_table(template, spec, vpc, "DatabaseRouteTable", "database")
    return _subnets_sharing(template, spec, vpc, zones, "database", table)


def _flow_logs(template: Template, spec: PlatformSpec, vpc: ec2.VPC) -> None:
    group = encrypted_log_group(
        template,
        spec,
        "FlowLogsLogGroup",
        alias="vpc-flow-logs",
        name=f"/{spec.name}/{spec.environment}/vpc-flow-logs",
        retention_days=spec.vpc.flow_logs.retention_days,
        purpose="VPC flow logs",
    )
    deliver = PolicyDocument(
        Version="2012-10-17",
        Statement=[
            Statement(
                Sid="DeliverToTheFlowLogGroupOnly",
                Effect=Allow,
                Action=[
                    logs_actions.CreateLogStream,
                    logs_actions.PutLogEvents,
                    logs_actions.DescribeLogStreams,
                ],
                Resource=[GetAtt(group, "Arn")],
            )
        ],
    )
    delivery_role = template.add_resource(
        role(
            spec,
            "FlowLogsRole",
            "delivers VPC flow logs to their log group",
            service_trust("vpc-flow-logs.amazonaws.com", regional_arn("ec2", "vpc-flow-log/*")),
            policies=[("deliver-flow-logs", deliver)],
        )
    )
    template.add_resource(
        ec2.FlowLog(
            "VpcFlowLog",
            ResourceId=Ref(vpc),
            ResourceType="VPC",
            TrafficType="ALL",
            LogDestinationType="cloud-watch-logs",
            LogGroupName=Ref(group),
            DeliverLogsPermissionArn=GetAtt(delivery_role, "Arn"),
            Tags=Tags(Name=resource_name(spec, "flow-logs")),
        )
    )


def _outputs(template: Template, vpc: ec2.VPC, **tiers: list[ec2.Subnet]) -> None:
    template.add_output(Output(VPC_ID.name, Description="VPC id", Value=Ref(vpc)))
    template.add_output(
        Output(VPC_CIDR.name, Description="VPC IPv4 CIDR block", Value=GetAtt(vpc, "CidrBlock"))
    )
    for tier, subnets in tiers.items():
        template.add_output(
            Output(
                SUBNET_IDS[tier].name,
                Description=f"{tier.capitalize()} subnet ids, comma-separated, in zone order",
                Value=Join(",", [Ref(s) for s in subnets]),
            )
        )
