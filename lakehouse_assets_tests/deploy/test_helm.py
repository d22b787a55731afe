"""deploy/helm/values.yaml for the official Dagster chart: the structure the chart reads, and the
same images, environment, limits and run queue as the compose stack."""

from __future__ import annotations

import re

import pytest
import yaml

from .files import DEPLOY, OPTIONAL_SETTINGS, SECRET_NAME, compose_config, filled_env_file, project_version, settings_env_names

VALUES = DEPLOY / "helm" / "values.yaml"


@pytest.fixture(scope="module")
def values() -> dict:
    return yaml.safe_load(VALUES.read_text())


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> dict:
    return compose_config(filled_env_file(tmp_path_factory.mktemp("helm")))["services"]


@pytest.fixture(scope="module")
def instance() -> dict:
    return yaml.safe_load((DEPLOY / "dagster.yaml").read_text())


def secret_keys() -> set[str]:
    lines = (DEPLOY / "helm" / "secret-env.example").read_text().splitlines()
    return {line.split("=", 1)[0] for line in lines if line and not line.startswith("#")}


def cpu(value) -> float:
    text = str(value)
    return float(text[:-1]) / 1000 if text.endswith("m") else float(text)


def memory_bytes(value) -> int:
    text = str(value)
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "k": 2**10, "m": 2**20, "g": 2**30}
    for suffix, factor in units.items():
        if text.endswith(suffix):
            return int(float(text[: -len(suffix)]) * factor)
    return int(text)


def test_values_have_the_chart_structure(values):
    deployments = values["dagster-user-deployments"]["deployments"]
    assert values["dagster-user-deployments"]["enabled"] is True and len(deployments) == 1
    deployment = deployments[0]
    assert {"name", "image", "codeServerArgs", "port", "env", "envSecrets", "resources"} <= set(deployment)
    assert deployment["codeServerArgs"] == ["--module-name", "lakehouse_assets.definitions", "--location-name", "lakehouse_assets"]
    for section in ("dagsterWebserver", "dagsterDaemon"):
        assert {"image", "env", "envSecrets", "resources"} <= set(values[section]), section
    assert values["dagsterWebserver"]["enableReadOnly"] is True
    assert values["postgresql"]["enabled"] is False and values["generatePostgresqlPasswordSecret"] is False
    assert values["postgresql"]["postgresqlScheme"] == "postgresql+psycopg2"
    assert values["runLauncher"]["type"] == "K8sRunLauncher"
    for env in (deployment["env"], values["dagsterWebserver"]["env"], values["dagsterDaemon"]["env"]):
        assert all(set(item) == {"name", "value"} and isinstance(item["value"], str) for item in env)


def test_images_are_the_project_images_at_the_project_version(values):
    images = [values["dagster-user-deployments"]["deployments"][0]["image"], values["dagsterWebserver"]["image"], values["dagsterDaemon"]["image"]]
    for image in images:
        assert image["tag"] == project_version() and image["pullPolicy"] == "IfNotPresent"
    assert images[0]["repository"].endswith("/lakehouse-assets")
    assert images[1]["repository"].endswith("/lakehouse-dagster") and images[2]["repository"].endswith("/lakehouse-dagster")


def test_every_component_gets_the_lakehouse_environment(values):
    """The same environment as compose's x-lakehouse-env: settings.py's variables as plain values
    or from the `lakehouse-env` Secret, never a secret in the values file."""
    deployment = values["dagster-user-deployments"]["deployments"][0]
    for component in (deployment, values["dagsterWebserver"], values["dagsterDaemon"]):
        names = {item["name"] for item in component["env"]}
        assert component["envSecrets"] == [{"name": "lakehouse-env"}]
        missing = settings_env_names() - names - secret_keys() - set(OPTIONAL_SETTINGS) - {"DAGSTER_HOME"}
        assert not missing, f"not given {sorted(missing)}"
        for item in component["env"]:
            assert not SECRET_NAME.search(item["name"]), f"{item['name']} belongs in the lakehouse-env Secret"
            assert not re.search(r"://[^/@\s]+:[^/@\s]+@", item["value"]), item
    assert values["runLauncher"]["config"]["k8sRunLauncher"]["envSecrets"] == [{"name": "lakehouse-env"}]
    assert values["postgresql"]["postgresqlPassword"] == ""


def test_the_environment_matches_the_compose_stack(values, stack):
    compose_env = stack["user-code"]["environment"]
    helm_env = {item["name"]: item["value"] for item in values["dagster-user-deployments"]["deployments"][0]["env"]}
    for name in ("LAKEHOUSE_ENGINE", "KMA_API_BASE_URL", "AWS_REGION", "DUCKDB_THREADS", "DUCKDB_TEMP_DIRECTORY"):
        assert helm_env[name] == compose_env[name], name
    for name in ("LAKEHOUSE_ROOT", "LAKEHOUSE_LANDING"):
        assert helm_env[name].startswith("s3://"), name
    assert set(helm_env) | secret_keys() >= set(compose_env) - {
        # compose-only: the instance's PostgreSQL and code server (the chart sets these itself),
        # the compute log bucket (in computeLogManager), DAGSTER_HOME (global.dagsterHome).
        "DAGSTER_HOME", "DAGSTER_PG_HOST", "DAGSTER_PG_PORT", "DAGSTER_PG_DB", "DAGSTER_PG_USER", "DAGSTER_PG_PASSWORD",
        "DAGSTER_MAX_CONCURRENT_RUNS", "DAGSTER_COMPUTE_LOG_BUCKET", "DAGSTER_CODE_SERVER_HOST", "DAGSTER_CODE_SERVER_PORT",
        # a run pod holds one run, compose's container up to four: DuckDB gets more there.
        "DUCKDB_MEMORY_LIMIT",
    }  # fmt: skip


def test_run_pods_get_the_limits_of_the_compose_user_code(values, stack):
    """Runs execute in the user-code container in compose and in a pod of their own on Kubernetes."""
    pod = values["runLauncher"]["config"]["k8sRunLauncher"]["runK8sConfig"]["containerConfig"]["resources"]["limits"]
    compose = stack["user-code"]["deploy"]["resources"]["limits"]
    assert cpu(pod["cpu"]) == float(compose["cpus"])
    assert memory_bytes(pod["memory"]) == int(compose["memory"])
    for component in (values["dagster-user-deployments"]["deployments"][0], values["dagsterWebserver"], values["dagsterDaemon"]):
        limits = component["resources"]["limits"]
        assert cpu(limits["cpu"]) > 0 and memory_bytes(limits["memory"]) > 0


def test_the_run_queue_matches_dagster_yaml(values, instance, stack):
    daemon = values["dagsterDaemon"]
    queue = daemon["runCoordinator"]["config"]["queuedRunCoordinator"]
    assert daemon["runCoordinator"]["type"] == "QueuedRunCoordinator"
    assert queue["tagConcurrencyLimits"] == instance["run_coordinator"]["config"]["tag_concurrency_limits"]
    assert str(queue["maxConcurrentRuns"]) == stack["daemon"]["environment"]["DAGSTER_MAX_CONCURRENT_RUNS"]
    monitoring, retries = instance["run_monitoring"], instance["run_retries"]
    assert daemon["runMonitoring"]["enabled"] is monitoring["enabled"] is True
    assert daemon["runMonitoring"]["startTimeoutSeconds"] == monitoring["start_timeout_seconds"]
    assert daemon["runRetries"]["maxRetries"] == retries["max_retries"]
    assert daemon["runRetries"]["retryOnAssetOrOpFailure"] is retries["retry_on_asset_or_op_failure"]
    logs = values["computeLogManager"]
    assert logs["type"] == "S3ComputeLogManager"
    assert logs["config"]["s3ComputeLogManager"]["prefix"] == instance["compute_logs"]["config"]["prefix"]
