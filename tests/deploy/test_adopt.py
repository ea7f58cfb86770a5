"""`deploy --adopt-retained`: the steps that bring a destroyed platform's kept resources into
its new stacks.

CloudFormation is played back through botocore's Stubber with answers shaped like AWS's
(API reference: CreateChangeSet, DescribeChangeSet, ExecuteChangeSet, UpdateStack,
GetTemplate): moto implements no IMPORT change set (moto/cloudformation has no
ResourcesToImport) and cannot nest stacks wired by outputs. The Stubber checks each call's
parameters and order, so a call the flow should not make fails the test. What the account
holds comes from a Survey the test gives; finding it is tested against moto in
test_retained_survey.py. The answers for each step are in adopt_playback.py.
"""

from __future__ import annotations

import pytest
from botocore.stub import Stubber

import litellm_cfn.deploy.adopt as adopt
from litellm_cfn.deploy.retained_survey import Survey
from litellm_cfn.errors import LitellmCfnError, NeedsApproval
from tests.deploy.adopt_playback import (
    CHILDREN,
    IMPORT_CS,
    KEY_ID,
    NOW,
    ROOT,
    ROOT_ID,
    SECRET_ARN,
    SECRETS,
    SECRETS_ID,
    absent,
    change_set,
    clients,
    described,
    import_params,
    kept_secrets,
    nested_in_root,
    own_stack_made,
    root_made,
    secrets_import,
    stages_read,
    tagged_as_adopted,
    target_around,
)


def test_kept_secrets_are_imported_into_their_own_stack_then_nested_into_a_new_root(
    monkeypatch, capsys
):
    cfn, s3 = clients()
    target = target_around(cfn, s3, [True])
    monkeypatch.setattr(adopt, "_survey", lambda t, retained: kept_secrets(t))
    with Stubber(cfn) as stubber, Stubber(s3) as s3_stubber:
        absent(stubber, ROOT)  # the root's stage
        for child in CHILDREN:
            absent(stubber, f"{ROOT}-{child}")
        own_stack_made(stubber, target)
        root_made(stubber)
        nested_in_root(stubber, s3_stubber, "the secrets stack's template", target)
        assert adopt.adopt_retained(target, "artifacts", yes=False, plan_only=False) is True
        stubber.assert_no_pending_responses()
        s3_stubber.assert_no_pending_responses()
    shown = capsys.readouterr().out
    assert "SecretsStack -> litellm-prod-SecretsStack" in shown
    assert (
        f"import LitellmSaltKeySecret (AWS::SecretsManager::Secret) {SECRET_ARN}salt-key" in shown
    )
    assert f"import LitellmSecretsKey (AWS::KMS::Key) {KEY_ID}" in shown
    assert "  RdsStack: nothing kept was found; created with the rest" in shown
    assert "secrets not found get a new value: RdsStack/DbConnectionSecret" in shown


def test_the_plan_alone_changes_nothing(monkeypatch, capsys):
    cfn, s3 = clients()
    target = target_around(cfn, s3, [])
    monkeypatch.setattr(adopt, "_survey", lambda t, retained: kept_secrets(t))
    with Stubber(cfn) as stubber:
        stages_read(stubber)
        assert adopt.adopt_retained(target, "artifacts", yes=True, plan_only=True) is False
        stubber.assert_no_pending_responses()
    assert "nothing was imported (--no-execute)" in capsys.readouterr().out


def test_problems_refuse_the_adoption_before_anything_is_created(monkeypatch):
    cfn, s3 = clients()
    target = target_around(cfn, s3, [])
    problem = "SecretsStack/LitellmSecretsKey: key 1234 is pending deletion; cancel it"
    refused = Survey((), (), (problem,))
    monkeypatch.setattr(adopt, "_survey", lambda t, retained: refused)
    with Stubber(cfn) as stubber:
        stages_read(stubber)
        with pytest.raises(LitellmCfnError, match="refusing to adopt until these are resolved"):
            adopt.adopt_retained(target, "artifacts", yes=True, plan_only=False)
        stubber.assert_no_pending_responses()


def test_a_no_at_the_question_creates_nothing(monkeypatch):
    cfn, s3 = clients()
    target = target_around(cfn, s3, [False])
    monkeypatch.setattr(adopt, "_survey", lambda t, retained: kept_secrets(t))
    with Stubber(cfn) as stubber:
        stages_read(stubber)
        with pytest.raises(NeedsApproval):
            adopt.adopt_retained(target, "artifacts", yes=False, plan_only=False)
        stubber.assert_no_pending_responses()


def test_a_stack_of_its_own_whose_move_rolled_back_is_moved_again(monkeypatch):
    cfn, s3 = clients()
    target = target_around(cfn, s3, [])
    monkeypatch.setattr(adopt, "_survey", lambda t, retained: Survey((), tuple(retained), ()))
    body, _, _ = secrets_import(target)
    with Stubber(cfn) as stubber, Stubber(s3) as s3_stubber:
        stages_read(stubber, "UPDATE_ROLLBACK_COMPLETE")
        tagged_as_adopted(stubber)
        root_made(stubber)
        nested_in_root(stubber, s3_stubber, body, target)
        assert adopt.adopt_retained(target, "artifacts", yes=True, plan_only=False) is True
        stubber.assert_no_pending_responses()


def test_a_stack_of_its_own_in_another_state_is_named_with_how_to_clear_it(monkeypatch):
    cfn, s3 = clients()
    target = target_around(cfn, s3, [])
    with Stubber(cfn) as stubber:
        absent(stubber, ROOT)
        absent(stubber, f"{ROOT}-VpcStack")
        absent(stubber, f"{ROOT}-EksStack")
        described(stubber, f"{ROOT}-RdsStack", SECRETS_ID, "IMPORT_ROLLBACK_COMPLETE")
        with pytest.raises(LitellmCfnError) as caught:
            adopt.adopt_retained(target, "artifacts", yes=True, plan_only=False)
        stubber.assert_no_pending_responses()
    assert str(caught.value) == (
        "litellm-prod-RdsStack, a stack an earlier adoption made, is IMPORT_ROLLBACK_COMPLETE: "
        "what it imported is kept (DeletionPolicy Retain); delete it (aws cloudformation "
        "delete-stack --stack-name litellm-prod-RdsStack) and deploy with --adopt-retained again"
    )


def test_a_rerun_after_the_own_stacks_were_made_goes_on_with_the_root(monkeypatch):
    cfn, s3 = clients()
    target = target_around(cfn, s3, [])
    surveyed: list[list] = []
    monkeypatch.setattr(
        adopt,
        "_survey",
        lambda t, retained: surveyed.append(list(retained)) or Survey((), tuple(retained), ()),
    )
    with Stubber(cfn) as stubber, Stubber(s3) as s3_stubber:
        stages_read(stubber, "UPDATE_COMPLETE")
        root_made(stubber)
        nested_in_root(stubber, s3_stubber, "the secrets stack's template", target)
        assert adopt.adopt_retained(target, "artifacts", yes=True, plan_only=False) is True
        stubber.assert_no_pending_responses()
    # What the secrets stack holds is not looked for again: it is in a stack now.
    assert all(r.stack != "SecretsStack" for r in surveyed[0])


@pytest.mark.parametrize(
    ("resources", "said"),
    [
        (["AdoptionPlaceholder", "SecretsStack"], "adopted its kept resources already"),
        (["VpcStack", "SecretsStack"], "exists: nothing to adopt"),
    ],
)
def test_a_root_past_the_imports_goes_straight_to_the_deploy(resources, said, capsys):
    cfn, s3 = clients()
    target = target_around(cfn, s3, [])
    summaries = [
        {
            "LogicalResourceId": logical,
            "PhysicalResourceId": SECRETS_ID if logical.endswith("Stack") else "handle",
            "ResourceType": "AWS::CloudFormation::Stack"
            if logical.endswith("Stack")
            else "AWS::CloudFormation::WaitConditionHandle",
            "LastUpdatedTimestamp": NOW,
            "ResourceStatus": "IMPORT_COMPLETE",
        }
        for logical in resources
    ]
    with Stubber(cfn) as stubber:
        described(stubber, ROOT, ROOT_ID, "IMPORT_COMPLETE")
        for _ in range(2 if "AdoptionPlaceholder" in resources else 1):
            stubber.add_response(
                "list_stack_resources", {"StackResourceSummaries": summaries}, {"StackName": ROOT}
            )
        assert adopt.adopt_retained(target, "artifacts", yes=True, plan_only=False) is True
        stubber.assert_no_pending_responses()
    assert said in capsys.readouterr().out


def test_an_import_change_set_doing_anything_else_is_refused_and_deleted(monkeypatch):
    cfn, s3 = clients()
    target = target_around(cfn, s3, [])
    monkeypatch.setattr(adopt, "_survey", lambda t, retained: kept_secrets(t))
    body, to_import, changes = secrets_import(target)
    changes[0]["ResourceChange"]["Action"] = "Add"
    with Stubber(cfn) as stubber:
        stages_read(stubber)
        absent(stubber, SECRETS)
        change_set(stubber, SECRETS, IMPORT_CS, changes, **import_params(body, to_import))
        stubber.add_response("delete_change_set", {}, {"ChangeSetName": IMPORT_CS})
        described(stubber, SECRETS, SECRETS_ID, "REVIEW_IN_PROGRESS")
        stubber.add_response("delete_stack", {}, {"StackName": SECRETS})
        with pytest.raises(LitellmCfnError, match="it would do Add LitellmSecretsKey and not"):
            adopt.adopt_retained(target, "artifacts", yes=True, plan_only=False)
        stubber.assert_no_pending_responses()


def test_deploy_adopt_retained_no_execute_shows_the_plan_and_exits_0(monkeypatch):
    from click.testing import CliRunner

    import litellm_cfn.deploy.aws as aws_module
    from litellm_cfn.cli import cli
    from tests.conftest import REPO

    cfn, _ = clients()
    monkeypatch.setattr(aws_module, "client", lambda *args, **kwargs: cfn)
    monkeypatch.setenv("LITELLM_CFN_POLL_SECONDS", "0")
    monkeypatch.setattr(adopt, "_survey", lambda t, retained: kept_secrets(t))
    spec = str(REPO / "specs" / "platform.yaml")
    with Stubber(cfn) as stubber:
        absent(stubber, ROOT)  # deploy: did it fail to create?
        absent(stubber, ROOT)  # adoption: its stage
        for child in CHILDREN:
            absent(stubber, f"{ROOT}-{child}")
        result = CliRunner().invoke(cli, ["deploy", spec, "--adopt-retained", "--no-execute"])
        assert result.exit_code == 0, result.output
        stubber.assert_no_pending_responses()
    assert "SecretsStack -> litellm-prod-SecretsStack" in result.output
    assert "nothing was imported (--no-execute)" in result.output
