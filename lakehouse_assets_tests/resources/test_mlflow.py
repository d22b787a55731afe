"""The `mlflow` resource: stores from the settings, experiments created with their artifacts under
the lakehouse root, model loading allowed only as configured, and S3 artifacts sent to
MLFLOW_S3_ENDPOINT_URL (an S3 stand-in on loopback), never to AWS."""

import os
from pathlib import Path

import boto3
import pytest
from dagster import EnvVar
from moto.server import ThreadedMotoServer

from lakehouse_assets.resources import core_resources
from lakehouse_assets.resources.mlflow import ALLOW_DESERIALIZATION, MlflowResource, mlflow_resource
from lakehouse_assets.settings import Settings
from lakehouse_assets_tests.processes import free_port


def test_defaults_are_a_sqlite_database_and_artifacts_under_the_lakehouse_root(tmp_path):
    settings = Settings.from_env({"LAKEHOUSE_ROOT": str(tmp_path / "lake")})
    resource = mlflow_resource(settings)
    assert resource.tracking_uri == f"sqlite:///{tmp_path / 'lake' / 'mlflow.db'}"
    assert resource.artifact_root == (tmp_path / "lake" / "mlflow-artifacts").as_uri()
    assert isinstance(core_resources(settings)["mlflow"], MlflowResource)
    on_s3 = mlflow_resource(Settings.from_env({"LAKEHOUSE_ROOT": "s3://lake/prod", "MLFLOW_TRACKING_URI": "http://mlflow:5000"}))
    assert on_s3.artifact_root == "s3://lake/prod/mlflow-artifacts"
    # From the environment, the tracking URI (it may hold a password) stays out of job snapshots.
    assert isinstance(on_s3.tracking_uri, EnvVar) and on_s3.tracking_uri.env_var_name == "MLFLOW_TRACKING_URI"
    assert MlflowResource(tracking_uri="http://mlflow:5000").run_url("3", "abc") == "http://mlflow:5000/#/experiments/3/runs/abc"
    assert resource.run_url("3", "abc") is None


def test_an_experiment_is_created_once_with_its_artifact_location(tmp_path):
    resource = MlflowResource(tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}", artifact_root=(tmp_path / "artifacts").as_uri())
    first = resource.experiment_id("weather_temperature")
    assert resource.experiment_id("weather_temperature") == first
    assert resource.client().get_experiment(first).artifact_location == (tmp_path / "artifacts").as_uri()


def test_model_loading_is_allowed_only_when_trusted_and_never_against_the_environment(tmp_path, monkeypatch):
    store = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.delenv(ALLOW_DESERIALIZATION, raising=False)
    MlflowResource(tracking_uri=store, trust_registry_models=False).client()
    assert ALLOW_DESERIALIZATION not in os.environ
    MlflowResource(tracking_uri=store).client()
    assert os.environ[ALLOW_DESERIALIZATION] == "true"
    monkeypatch.setenv(ALLOW_DESERIALIZATION, "false")
    MlflowResource(tracking_uri=store).client()
    assert os.environ[ALLOW_DESERIALIZATION] == "false"


@pytest.fixture
def s3_stand_in(aws_env, monkeypatch):
    """A moto S3 server on loopback, reachable only through MLFLOW_S3_ENDPOINT_URL."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    monkeypatch.setenv("MLFLOW_S3_ENDPOINT_URL", endpoint)
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    s3.create_bucket(Bucket="lake")
    yield s3
    server.stop()


def test_s3_artifacts_go_to_mlflow_s3_endpoint_url(tmp_path, s3_stand_in):
    resource = MlflowResource(tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}", artifact_root="s3://lake/prod/mlflow-artifacts")
    client = resource.client()
    run = client.create_run(resource.experiment_id("weather_temperature"))
    client.log_text(run.info.run_id, "holdout MAE 0.3", "evaluation/holdout_metrics.md")

    keys = [o["Key"] for o in s3_stand_in.list_objects_v2(Bucket="lake", Prefix="prod/mlflow-artifacts/")["Contents"]]
    assert keys == [f"prod/mlflow-artifacts/{run.info.run_id}/artifacts/evaluation/holdout_metrics.md"]
    downloaded = client.download_artifacts(run.info.run_id, "evaluation/holdout_metrics.md", str(tmp_path))
    assert Path(downloaded).read_text() == "holdout MAE 0.3"


def _first_use(tracking_uri: str, barrier) -> None:
    barrier.wait()
    client = MlflowResource(tracking_uri=tracking_uri).client()
    client.search_experiments(max_results=1)
    client.search_registered_models(max_results=1)


def test_processes_starting_at_once_on_a_new_sqlite_store_all_succeed(tmp_path):
    # `make dev` starts several runs at once; each used to create MLflow's tables in the new
    # database and all but one failed ("table ... already exists").
    import multiprocessing

    spawn = multiprocessing.get_context("spawn")
    barrier = spawn.Barrier(4)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    processes = [spawn.Process(target=_first_use, args=(uri, barrier)) for _ in range(4)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=180)
    assert [process.exitcode for process in processes] == [0, 0, 0, 0]
