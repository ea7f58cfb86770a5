"""The `bastion` section: the optional SSM-only test instance (seed: `create_bastion`)."""

from pydantic import Field

from litellm_cfn.spec.base import Bool, InstanceType, Model


class Bastion(Model):
    """A private EC2 instance reached only through SSM Session Manager."""

    enabled: Bool = Field(False, description="Create the bastion (seed: create_bastion).")
    instance_type: InstanceType = Field("t3.micro", description="EC2 instance type.")
