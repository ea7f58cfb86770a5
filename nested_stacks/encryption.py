"""Customer-managed KMS keys: rotation on, retained on delete, a policy naming who may use them."""

from __future__ import annotations

from collections.abc import Sequence

from awacs import kms as kms_actions
from awacs.aws import Action, Allow, Bool, Condition, PolicyDocument, Principal, Statement
from troposphere import Ref, Template, kms

from litellm_cfn.spec import PlatformSpec
from nested_stacks.base import RETAIN
from nested_stacks.policies import account_root

# In a key policy "Resource" is the key itself; AWS requires "*" there.
THIS_KEY = "*"
# What a service (CloudWatch Logs, EC2 through Auto Scaling) needs to encrypt data with a key
# and read it back: the cryptographic operations only, no administration, no grants. They
# are the operations an encryption-context condition can restrict.
SERVICE_USES_KEY = (
    kms_actions.Encrypt,
    kms_actions.Decrypt,
    kms_actions.ReEncryptFrom,
    kms_actions.ReEncryptTo,
    kms_actions.GenerateDataKey,
    kms_actions.GenerateDataKeyWithoutPlaintext,
)


def customer_managed_key(
    template: Template,
    spec: PlatformSpec,
    logical_id: str,
    alias: str,
    purpose: str,
    users: Sequence[Statement],
) -> kms.Key:
    """Add a rotating, retained key for `purpose`, usable by the `users` statements.

    Its alias, `alias/<name>/<environment>/<alias>`, lets people find it in the console.
    """
    administer = Statement(
        Sid="AccountAdministersKeyThroughIam",
        Effect=Allow,
        Principal=Principal("AWS", account_root()),
        # The default key policy: without it the key can become unmanageable; IAM policies
        # in this account then decide who administers it.
        Action=[kms_actions.Action("*")],
        Resource=[THIS_KEY],
    )
    key = template.add_resource(
        kms.Key(
            logical_id,
            Description=f"{spec.stack_name}: {purpose}",
            EnableKeyRotation=True,
            PendingWindowInDays=30,
            KeyPolicy=PolicyDocument(Version="2012-10-17", Statement=[administer, *users]),
            **RETAIN,
        )
    )
    template.add_resource(
        kms.Alias(
            f"{logical_id}Alias",
            AliasName=f"alias/{spec.name}/{spec.environment}/{alias}",
            TargetKeyId=Ref(key),
        )
    )
    return key


def volume_key_users(
    principal: Principal, who: str, volumes: str, grants: Sequence[Action]
) -> list[Statement]:
    """Key policy statements for whoever creates EBS volumes with a key: encrypt with it, and
    grant EC2 its use for the volumes it attaches (grants for AWS resources only)."""
    return [
        Statement(
            Sid=f"{who}Encrypts{volumes}",
            Effect=Allow,
            Principal=principal,
            Action=[*SERVICE_USES_KEY, kms_actions.DescribeKey],
            Resource=[THIS_KEY],
        ),
        Statement(
            Sid=f"{who}LetsEc2Attach{volumes}",
            Effect=Allow,
            Principal=principal,
            Action=list(grants),
            Resource=[THIS_KEY],
            Condition=Condition(Bool("kms:GrantIsForAWSResource", "true")),
        ),
    ]
