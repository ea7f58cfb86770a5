"""The `rds` section: the PostgreSQL instance that holds LiteLLM's keys and spend logs."""

from typing import Annotated

from pydantic import Field

from litellm_cfn.spec.base import Bool, Model, Str, matching

InstanceClass = Annotated[
    Str, matching(r"db\.[a-z0-9-]+\.[a-z0-9]+", "is not an RDS instance class such as db.t3.medium")
]


class Rds(Model):
    """The seed's `rds` module: PostgreSQL with Multi-AZ, encryption and a managed password."""

    instance_class: InstanceClass = Field("db.t3.medium", description="RDS instance class.")
    multi_az: Bool = Field(True, description="A synchronous standby in another zone.")
