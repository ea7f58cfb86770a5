"""The registry: every nested stack module, in the order the root template lists them.

Adding a stack is one module here plus one entry in STACKS; the compiler, writer and linter
never change for it.
"""

from __future__ import annotations

from nested_stacks import bastion, cache, eks, iam, rds, secrets, vpc
from nested_stacks.base import StackModule

STACKS: tuple[StackModule, ...] = (vpc, eks, rds, cache, secrets, iam, bastion)
