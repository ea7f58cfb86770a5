"""The `catalog` section: publishing the platform as a versioned Service Catalog product."""

from typing import Annotated

from pydantic import Field

from litellm_cfn.spec.base import Model, Str, TagKey, TagValue, distinct, matching

PrincipalArn = Annotated[
    Str,
    matching(
        r"arn:aws(-[a-z]+)*:iam::[0-9]{12}:(role|group|user)/[\w+=,.@/-]+",
        "is not an IAM role, group or user ARN such as arn:aws:iam::123456789012:role/Dev",
    ),
]
RoleArn = Annotated[
    Str,
    matching(
        r"arn:aws(-[a-z]+)*:iam::[0-9]{12}:role/[\w+=,.@/-]+",
        "is not an IAM role ARN such as arn:aws:iam::123456789012:role/LaunchRole",
    ),
]
ShareTarget = Annotated[
    Str,
    matching(
        r"[0-9]{12}|ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}",
        "is not an AWS account id (12 digits) or organizational unit id (ou-xxxx-xxxxxxxx)",
    ),
]
Email = Annotated[Str, matching(r"[^@\s]+@[^@\s]+\.[^@\s]+", "is not an email address")]
HttpsUrl = Annotated[Str, matching(r"https://[^\s]+", "is not an https:// URL")]
Text = Annotated[
    Str, matching(r"[^\x00-\x08\x0b\x0c\x0e-\x1f]{1,2000}", "must be 1 to 2000 characters")
]
ShortText = Annotated[
    Str, matching(r"[^\x00-\x1f]{1,100}", "must be 1 to 100 characters on one line")
]


class Portfolio(Model):
    """The portfolio end users see the product in."""

    display_name: ShortText = Field("LiteLLM platform", description="Portfolio name.")
    provider_name: ShortText = Field("Platform team", description="Who provides it.")
    description: Text = Field(
        "LiteLLM on Amazon EKS, published by litellm-cfn", description="What it holds."
    )


class Product(Model):
    """The product: the platform's root template, one provisioning artifact per version."""

    name: ShortText = Field("LiteLLM on EKS", description="Product name.")
    owner: ShortText = Field("Platform team", description="Product owner.")
    distributor: ShortText | None = Field(None, description="Distributor, if not the owner.")
    description: Text = Field(
        "The LiteLLM gateway on Amazon EKS with its database, secrets and IAM roles",
        description="What launching it creates.",
    )
    support_email: Email | None = Field(None, description="Where users ask for help.")
    support_url: HttpsUrl | None = Field(None, description="Support page.")


class Catalog(Model):
    """Service Catalog publishing (`litellm-cfn publish`)."""

    portfolio: Portfolio = Field(default_factory=Portfolio)
    product: Product = Field(default_factory=Product)
    principal_arns: Annotated[tuple[PrincipalArn, ...], distinct()] = Field(
        (), description="IAM roles, groups or users allowed to launch the product."
    )
    launch_role: RoleArn | None = Field(
        None,
        description="Existing role Service Catalog launches with; default: one generated "
        "from what the templates create.",
    )
    share_with: Annotated[tuple[ShareTarget, ...], distinct()] = Field(
        (), description="Account ids and organizational unit ids to share the portfolio with."
    )
    organization_id: (
        Annotated[
            Str, matching(r"o-[a-z0-9]{10,32}", "is not an AWS Organizations id (o-xxxxxxxxxx)")
        ]
        | None
    ) = Field(
        None,
        description="Your organization's id: lets every account in it read the shared "
        "templates (needed to share with organizational units).",
    )
    tags: dict[TagKey, TagValue] = Field(
        default_factory=dict, max_length=20, description="Tags on the portfolio and product."
    )
