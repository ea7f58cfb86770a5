"""A nested stack that moto can update, for the fault tests: two stateful resources without
names (a log group and a secret), so the stack policies have something to guard.

moto updates a nested stack by deleting and creating it again; the platform's own stacks
name their retained resources (the VPC's flow log group), which then collide with the kept
ones, so moto can create them but never update them.
"""

from __future__ import annotations

from troposphere import Template, logs, secretsmanager

from litellm_cfn.spec import PlatformSpec
from nested_stacks.base import RETAIN, new_template

NAME = "ledger"


def enabled(spec: PlatformSpec) -> bool:
    """Always part of the test platform."""
    return True


def build(spec: PlatformSpec) -> Template:
    """A log group and a secret, both kept when deleted (tagged by the compiler)."""
    template = new_template(spec, "a ledger for the fault tests")
    template.add_resource(logs.LogGroup("LedgerLogGroup", RetentionInDays=30, **RETAIN))
    template.add_resource(
        secretsmanager.Secret(
            "LedgerSecret",
            GenerateSecretString=secretsmanager.GenerateSecretString(PasswordLength=32),
            **RETAIN,
        )
    )
    return template
