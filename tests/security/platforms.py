"""The platforms the security tests look at: every example spec, every valid fixture, and
one spec with every optional part on (bastion, role path, boundary, inference profile,
catalog)."""

from __future__ import annotations

from litellm_cfn.spec import PlatformSpec, load_spec
from tests.conftest import GOOD_FIXTURES, SPECS, spec_from

PROFILE = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-haiku"
EVERYTHING = f"""\
name: demo
bastion: {{enabled: true}}
iam:
  role_path: /litellm/
  permissions_boundary_arn: arn:aws:iam::123456789012:policy/Boundary
  bedrock_model_arns:
    - {PROFILE}-20240307-v1:0
    - 'arn:aws:bedrock:*::foundation-model/anthropic.claude-3-haiku-20240307-v1:0'
catalog: {{share_with: ['210987654321']}}
"""


def every_spec() -> list[PlatformSpec]:
    """The specs of every example, every valid fixture, and EVERYTHING."""
    return [load_spec(path).spec for path in SPECS + GOOD_FIXTURES] + [spec_from(EVERYTHING)]
