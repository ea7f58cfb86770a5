"""CloudWatch log groups encrypted with a customer-managed key of their own and kept on delete."""

from __future__ import annotations

from awacs.aws import Allow, Condition, Principal, Statement, StringEquals
from troposphere import GetAtt, Sub, Template, logs

from litellm_cfn.spec import PlatformSpec
from nested_stacks.base import RETAIN
from nested_stacks.encryption import SERVICE_USES_KEY, THIS_KEY, customer_managed_key
from nested_stacks.policies import regional_arn


def encrypted_log_groups(
    template: Template,
    spec: PlatformSpec,
    key_id: str,
    alias: str,
    purpose: str,
    groups: dict[str, str],
    retention_days: int,
) -> dict[str, logs.LogGroup]:
    """Add `groups` (logical id -> log group name), each kept `retention_days`, all encrypted
    by one key (logical id `key_id`, alias ending in `alias`) that only they may use."""
    # CloudWatch Logs itself encrypts the events with the key, as `logs.<region>.amazonaws.com`,
    # for log groups named in the encryption context (CloudWatch Logs User Guide, "Encrypt
    # log data in CloudWatch Logs using AWS KMS", encrypt-log-data-kms.html); services that
    # deliver logs there (VPC flow logs, RDS, ElastiCache) need nothing more from the key.
    cloudwatch_logs_uses_key = Statement(
        Sid="CloudWatchLogsEncryptsTheseLogGroupsOnly",
        Effect=Allow,
        Principal=Principal("Service", Sub("logs.${AWS::Region}.amazonaws.com")),
        Action=list(SERVICE_USES_KEY),
        Resource=[THIS_KEY],
        # The encryption context names the log group; the key is string-typed, so StringEquals.
        Condition=Condition(
            StringEquals(
                "kms:EncryptionContext:aws:logs:arn",
                [regional_arn("logs", f"log-group:{name}") for name in groups.values()],
            )
        ),
    )
    key = customer_managed_key(template, spec, key_id, alias, purpose, [cloudwatch_logs_uses_key])
    return {
        logical_id: template.add_resource(
            logs.LogGroup(
                logical_id,
                LogGroupName=name,
                RetentionInDays=retention_days,
                KmsKeyId=GetAtt(key, "Arn"),
                **RETAIN,
            )
        )
        for logical_id, name in groups.items()
    }


def encrypted_log_group(
    template: Template,
    spec: PlatformSpec,
    logical_id: str,
    alias: str,
    name: str,
    retention_days: int,
    purpose: str,
) -> logs.LogGroup:
    """One log group `name` with a key of its own (logical id `<logical_id>Key`)."""
    return encrypted_log_groups(
        template, spec, f"{logical_id}Key", alias, purpose, {logical_id: name}, retention_days
    )[logical_id]
