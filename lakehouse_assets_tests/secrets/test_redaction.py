"""The redaction the secrets test relies on, one function at a time: URIs shown by the health
checks and MLflow links lose their credentials, and URIs from the environment stay EnvVars."""

from __future__ import annotations

from dagster import EnvVar

from lakehouse_assets.monitoring.health import safe_uri
from lakehouse_assets.resources import core_resources
from lakehouse_assets.resources.mlflow import MlflowResource
from lakehouse_assets.settings import Settings


def test_safe_uri_masks_user_info_and_password_parameters():
    assert safe_uri("postgresql+psycopg2://u:p%40w@db:5432/mlflow?password=q%26r&sslmode=require") == "postgresql+psycopg2://db:5432/mlflow?password=***&sslmode=require"
    assert safe_uri("http://mlflow:5000/?token=abc") == "http://mlflow:5000/?token=***"
    assert safe_uri("sqlite:////tmp/mlflow.db") == "sqlite:////tmp/mlflow.db"  # untouched, all four slashes


def test_mlflow_run_link_has_no_credentials():
    link = MlflowResource(tracking_uri="https://user:pa55@mlflow.example:5000").run_url("1", "abc")
    assert link == "https://mlflow.example:5000/#/experiments/1/runs/abc"


def test_database_uris_from_the_environment_reach_resources_as_envvars():
    env = {"LAKEHOUSE_CATALOG_URI": "postgresql://iceberg:s3cr3t@db/iceberg", "MLFLOW_TRACKING_URI": "postgresql://mlflow:s3cr3t@db/mlflow"}
    settings = Settings.from_env(env)
    resources = core_resources(settings)
    for value, name in ((resources["lakehouse"].catalog_uri, "LAKEHOUSE_CATALOG_URI"), (resources["mlflow"].tracking_uri, "MLFLOW_TRACKING_URI")):
        assert isinstance(value, EnvVar) and value.env_var_name == name
    assert "s3cr3t" not in repr(settings)
    embedded = core_resources(Settings.from_env({}))
    assert embedded["lakehouse"].catalog_uri.startswith("sqlite:///")  # the default is no secret: shown as is
