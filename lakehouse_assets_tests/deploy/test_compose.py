"""docker-compose.yml: valid against the Compose Specification, resolvable by Docker Compose with
the settings of deploy/env.example, and every service pinned, health-checked, limited and wired
to the one environment the code reads."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from .files import (
    CODE_SERVICES,
    COMPOSE_FILE,
    ENV_EXAMPLE,
    ONE_SHOT_SERVICES,
    OPTIONAL_SETTINGS,
    PUBLISHED,
    SECRET_NAME,
    STATEFUL_SERVICES,
    VARIABLE,
    compose_config,
    env_example,
    filled_env_file,
    project_version,
    raw_compose,
    settings_env_names,
    unescape,
)

PROJECT_IMAGES = ("lakehouse-assets", "lakehouse-assets-spark", "lakehouse-dagster")


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> dict:
    """Every service, the `spark` profile included, as Compose resolves them."""
    return compose_config(filled_env_file(tmp_path_factory.mktemp("compose")), "spark")["services"]


def test_compose_file_matches_the_compose_specification():
    result = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec", str(COMPOSE_FILE)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_specification_check_rejects_a_misspelt_key(tmp_path):
    broken = tmp_path / "docker-compose.yml"
    broken.write_text(COMPOSE_FILE.read_text().replace("    healthcheck:\n", "    healthchek:\n", 1))
    result = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec", str(broken)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode != 0 and "healthchek" in result.stdout + result.stderr


def test_the_default_stack_leaves_spark_to_its_profile(tmp_path):
    services = compose_config(filled_env_file(tmp_path))["services"]
    assert set(services) == {
        "postgres", "minio", "minio-init", "mariadb", "banner-seed", "mlflow",
        "user-code", "webserver", "webserver-readonly", "daemon", "proxy",
    }  # fmt: skip
    assert {"spark-master", "spark-worker", "spark-connect"} <= set(compose_config(filled_env_file(tmp_path), "spark")["services"])


def test_compose_refuses_to_start_without_the_secrets(tmp_path):
    """env.example leaves the secrets empty; Compose must stop and name what is missing."""
    result = subprocess.run(
        [*_compose_argv(ENV_EXAMPLE), "config", "--quiet"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "in deploy/.env" in result.stderr


def _compose_argv(env_file):
    from .files import ROOT, compose_binary

    return [compose_binary(), "--project-directory", str(ROOT), "-f", str(COMPOSE_FILE), "--env-file", str(env_file)]


def test_every_image_is_pinned_and_the_project_images_carry_the_project_version(stack):
    for name, service in stack.items():
        image = service["image"]
        repository, _, tag = image.rpartition(":")
        assert repository and tag and "/" not in tag, f"{name}: {image} has no tag"
        assert tag != "latest" and "latest" not in image, f"{name}: {image}"
        if repository in PROJECT_IMAGES:
            assert tag == project_version(), f"{name}: {image} (pyproject says {project_version()})"
    # The images built here are built by the services that run them (nothing pulls them).
    for name, service in stack.items():
        if service["image"].split(":")[0] in PROJECT_IMAGES:
            assert service.get("build", {}).get("dockerfile", "").startswith("deploy/"), name


def test_every_service_has_a_real_healthcheck(stack):
    for name, service in stack.items():
        check = service.get("healthcheck")
        assert check and not check.get("disable"), f"{name}: no healthcheck"
        test = check["test"]
        assert test[0] in ("CMD", "CMD-SHELL") and len(" ".join(test[1:])) > 10, f"{name}: {test}"
        command = " ".join(test[1:])
        assert not re.fullmatch(r"\s*(true|exit 0|:)\s*", command), f"{name}: {test} probes nothing"
        for field in ("interval", "timeout", "retries"):
            assert field in check, f"{name}: healthcheck without {field}"


def test_every_service_has_cpu_and_memory_limits(stack):
    for name, service in stack.items():
        limits = service.get("deploy", {}).get("resources", {}).get("limits", {})
        assert float(limits.get("cpus", 0)) > 0, f"{name}: no CPU limit"
        assert int(limits.get("memory", 0)) > 0, f"{name}: no memory limit"


def test_dependencies_wait_for_health_or_completion(stack):
    for name, service in stack.items():
        for dependency, condition in service.get("depends_on", {}).items():
            expected = "service_completed_successfully" if dependency in ONE_SHOT_SERVICES else "service_healthy"
            assert condition["condition"] == expected, f"{name} -> {dependency}: {condition}"
    for name in ONE_SHOT_SERVICES:
        assert stack[name]["restart"] == "no", name
    for name, service in stack.items():
        if name not in ONE_SHOT_SERVICES:
            assert service.get("restart") == "unless-stopped", f"{name}: restart {service.get('restart')}"
    # The code services wait for the state they need.
    assert {"postgres", "minio-init", "banner-seed", "mlflow"} <= set(stack["user-code"]["depends_on"])
    assert {"webserver", "webserver-readonly"} <= set(stack["proxy"]["depends_on"])


def test_stateful_services_keep_their_data_in_named_volumes(stack, tmp_path):
    declared = set(compose_config(filled_env_file(tmp_path), "spark").get("volumes", {}))
    for name, path in STATEFUL_SERVICES.items():
        mounts = [m for m in stack[name].get("volumes", []) if m["target"] == path]
        assert mounts and mounts[0]["type"] == "volume", f"{name}: {path} is not on a named volume"
        assert mounts[0]["source"] in declared


def test_only_the_proxy_and_the_minio_console_are_published(stack):
    published = {name: {int(p["target"]) for p in service.get("ports", [])} for name, service in stack.items()}
    assert {name: ports for name, ports in published.items() if ports} == PUBLISHED
    for name in PUBLISHED:
        for port in stack[name]["ports"]:
            assert port["host_ip"] == "127.0.0.1", f"{name}: published on {port['host_ip']} by default"


def test_no_secret_is_written_in_the_compose_file():
    """Secret-named variables and passwords inside URLs are `${...}` references to deploy/.env,
    required (`:?`) or optional with an empty default, never a literal value."""
    for name, service in raw_compose()["services"].items():
        environment = service.get("environment") or {}
        for key, value in environment.items():
            value = str(value)
            if SECRET_NAME.search(key):
                assert re.fullmatch(r"\$\{[A-Z0-9_]+(:\?[^}]*|:-)?\}", value), f"{name}.{key} = {value!r}"
            for password in re.findall(r"://[^:/@\s]+:([^@\s]+)@", value):
                assert re.fullmatch(r"\$\{[A-Z0-9_]+:\?[^}]*\}", password), f"{name}.{key}: password {password!r}"
        assert "--backend-store-uri" not in " ".join(map(str, service.get("command") or [])), name
    text = COMPOSE_FILE.read_text()
    assert "change-me" not in text and "minioadmin" not in text


def test_every_variable_of_the_compose_file_is_documented_in_env_example():
    documented = set(env_example())
    referenced = {match[0] for match in VARIABLE.findall(COMPOSE_FILE.read_text())}
    assert referenced - documented == set()
    # Every required one (`:?`) is a secret the operator must fill in: empty in the example.
    for name, kind, _ in VARIABLE.findall(COMPOSE_FILE.read_text()):
        if kind == ":?":
            assert env_example()[name] == "" or name.endswith(("_USER", "ACCESS_KEY")), name


def test_the_code_services_share_one_environment(stack):
    environments = {name: stack[name]["environment"] for name in CODE_SERVICES}
    first = environments["user-code"]
    for name, environment in environments.items():
        assert environment == first, f"{name} differs from user-code"


def test_the_code_services_get_every_variable_settings_reads(stack):
    names = settings_env_names()
    assert {"LAKEHOUSE_ROOT", "LAKEHOUSE_CATALOG_URI", "MLFLOW_TRACKING_URI", "BANNER_DB_URL"} <= names  # the parser works
    for service in CODE_SERVICES:
        missing = names - set(stack[service]["environment"]) - set(OPTIONAL_SETTINGS)
        assert not missing, f"{service} is not given {sorted(missing)} (settings.py reads them)"
    example = ENV_EXAMPLE.read_text()
    for name in OPTIONAL_SETTINGS:
        assert name in example, f"{name} is optional but not documented in deploy/env.example"


def test_the_environment_points_at_the_stack(stack):
    env = {key: unescape(value) for key, value in stack["user-code"]["environment"].items()}
    assert env["AWS_ENDPOINT_URL"] == env["MLFLOW_S3_ENDPOINT_URL"] == "http://minio:9000"
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"]
    assert env["LAKEHOUSE_ROOT"].startswith("s3://") and env["LAKEHOUSE_LANDING"].startswith("s3://")
    assert re.fullmatch(r"postgresql\+psycopg2://iceberg:[^@]+@postgres:5432/iceberg", env["LAKEHOUSE_CATALOG_URI"])
    assert re.fullmatch(r"mysql\+pymysql://ads:[^@]+@mariadb:3306/ads", env["BANNER_DB_URL"])
    assert env["MLFLOW_TRACKING_URI"] == "http://mlflow:5000"
    assert env["LAKEHOUSE_ENGINE"] in ("duckdb", "spark")
    assert env["DAGSTER_CODE_SERVER_HOST"] == "user-code"
    assert stack["user-code"]["command"][-4:] == ["-m", "lakehouse_assets.definitions", "--location-name", "lakehouse_assets"]
    # The proxy gets the hashes exactly (Compose must not eat the `$` of `$6$...`).
    assert unescape(stack["proxy"]["environment"]["PROXY_ADMIN_HTPASSWD"]) == "admin:$6$saltsalt$hash"


def test_switching_to_spark_is_a_matter_of_settings(tmp_path):
    env_file = filled_env_file(tmp_path, {"LAKEHOUSE_ENGINE": "spark", "SPARK_REMOTE": "sc://spark-connect:15002"})
    services = compose_config(env_file, "spark")["services"]
    assert services["user-code"]["environment"]["SPARK_REMOTE"] == "sc://spark-connect:15002"
    assert services["user-code"]["depends_on"]["spark-connect"]["condition"] == "service_healthy"
    assert services["spark-connect"]["environment"]["SPARK_MASTER"] == "spark://spark-master:7077"
    for name in ("spark-master", "spark-worker", "spark-connect"):
        assert services[name]["image"] == f"lakehouse-assets-spark:{project_version()}"
        assert services[name]["build"]["target"] == "spark"
