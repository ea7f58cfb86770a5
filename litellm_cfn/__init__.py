"""litellm-cfn: compile one platform.yaml into the CloudFormation that runs LiteLLM on EKS."""

from __future__ import annotations

__version__ = "0.1.0"
