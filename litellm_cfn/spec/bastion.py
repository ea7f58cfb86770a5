"""The `bastion` section: the optional SSM-only test instance (seed: `create_bastion`)."""

from typing import Annotated

from pydantic import Field

from litellm_cfn.spec.base import Bool, Model, Str, matching

BastionInstanceType = Annotated[
    Str,
    matching(
        r"[a-z][a-z0-9-]*[0-9][a-z0-9-]*\.[a-z0-9-]+",
        "does not look like an EC2 instance type such as t3.micro",
    ),
]


class Bastion(Model):
    """A private EC2 instance reached only through SSM Session Manager."""

    enabled: Bool = Field(False, description="Create the bastion (seed: create_bastion).")
    instance_type: BastionInstanceType = Field("t3.micro", description="EC2 instance type.")
