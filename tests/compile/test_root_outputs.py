"""The root's outputs: every nested output under its own name, plus the seed's composed ones."""

from __future__ import annotations

from litellm_cfn.compile.compiler import ROOT_FILE, compile_platform
from tests.conftest import spec_from

SEED_OUTPUTS = {
    "EksClusterEndpoint",
    "EksClusterName",
    "RdsEndpoint",
    "RdsMasterUserSecretArn",
    "LitellmBedrockRoleArn",
    "ExternalSecretsRoleArn",
    "ConfigureKubectl",
    "DeployScriptEnvVars",
}


def root_outputs(text: str) -> dict:
    return compile_platform(spec_from(text)).templates[ROOT_FILE].to_dict()["Outputs"]


def test_the_seeds_outputs_are_all_there_in_cloudformations_spelling():
    outputs = root_outputs("name: demo\n")
    assert set(outputs) >= SEED_OUTPUTS
    assert "BastionSsmConnectCommand" not in outputs
    with_bastion = root_outputs("name: demo\nbastion: {enabled: true}\n")
    assert set(with_bastion) >= SEED_OUTPUTS | {
        "BastionSsmConnectCommand",
        "BastionPortForwardCommand",
    }


def test_configure_kubectl_is_the_full_command():
    assert root_outputs("name: demo\n")["ConfigureKubectl"]["Value"] == {
        "Fn::Sub": [
            "aws eks update-kubeconfig --name ${EksClusterName} --region ${AWS::Region}",
            {"EksClusterName": {"Fn::GetAtt": ["EksStack", "Outputs.EksClusterName"]}},
        ]
    }


def test_deploy_script_env_vars_are_export_lines_fed_by_their_stacks():
    text, variables = root_outputs("name: demo\n")["DeployScriptEnvVars"]["Value"]["Fn::Sub"]
    lines = text.splitlines()
    assert all(line.startswith("export ") for line in lines)
    assert "export EKS_CLUSTER_NAME=${EksClusterName}" in lines
    assert "export LITELLM_BEDROCK_ROLE_ARN=${LitellmBedrockRoleArn}" in lines
    assert variables["RdsEndpoint"] == {"Fn::GetAtt": ["RdsStack", "Outputs.RdsEndpoint"]}
    assert variables["LitellmBedrockRoleArn"] == {
        "Fn::GetAtt": ["IamStack", "Outputs.LitellmBedrockRoleArn"]
    }
