"""CloudWatch log groups encrypted with their own customer-managed key and kept on delete."""

from __future__ import annotations

from awacs.aws import Allow, ArnEquals, Condition, Principal, Statement
from troposphere import GetAtt, Sub, Template, logs

from litellm_cfn.spec import PlatformSpec
from nested_stacks.encryption import SERVICE_USES_KEY, THIS_KEY, customer_managed_key
from nested_stacks.policies import regional_arn


def encrypted_log_group(
    template: Template,
    spec: PlatformSpec,
    logical_id: str,
    alias: str,
    name: str,
    retention_days: int,
    purpose: str,
) -> logs.LogGroup:
    """Add log group `name` with `retention_days`, encrypted by a key only it may use.

    The key's alias ends in `alias`; `purpose` describes both in the console.
    """
    cloudwatch_logs_uses_key = Statement(
        Sid="CloudWatchLogsEncryptsThisLogGroupOnly",
        Effect=Allow,
        Principal=Principal("Service", Sub("logs.${AWS::Region}.amazonaws.com")),
        Action=list(SERVICE_USES_KEY),
        Resource=[THIS_KEY],
        Condition=Condition(
            ArnEquals(
                "kms:EncryptionContext:aws:logs:arn", regional_arn("logs", f"log-group:{name}")
            )
        ),
    )
    key = customer_managed_key(
        template, spec, f"{logical_id}Key", alias, purpose, [cloudwatch_logs_uses_key]
    )
    return template.add_resource(
        logs.LogGroup(
            logical_id,
            LogGroupName=name,
            RetentionInDays=retention_days,
            KmsKeyId=GetAtt(key, "Arn"),
            DeletionPolicy="Retain",
            UpdateReplacePolicy="Retain",
        )
    )
