"""MLflow going away during a promotion: `ml/champion_model` talks to a real MLflow server (its own
app on loopback, SQLite store) holding champion v1 and a better challenger v2. The server stops at
the moment the alias move (POST registered-models/alias) reaches it, without handling it. The run
fails after its retries (IO_RETRY, on a clock that does not wait) naming the MLflow endpoint; the
`champion` alias still points at v1 and no decision was recorded; with MLflow back, the re-run
promotes v2."""

from dagster import DagsterInstance, materialize
from mlflow import MlflowClient

from lakehouse_assets.assets_common import IO_RETRY
from lakehouse_assets.ml.champion import champion_model
from lakehouse_assets.ml.registry import EVALUATED_CHAMPION_TAG
from lakehouse_assets.ml.tables import CHAMPION_ALIAS, MODEL_NAME, TAG_PROMOTION, TAG_TRAINING_DAY
from lakehouse_assets.resources import LakehouseResource, MlflowResource
from lakehouse_assets_tests.faults.mlflow_server import mlflow_server
from lakehouse_assets_tests.faults.retry_clock import error_chain, failure_text, retry_clock, step_events

DAY = "2026-11-20"
ALIAS_API = "/api/2.0/mlflow/registered-models/alias"


def register(client: MlflowClient, experiment_id: str, day: str, metrics: dict[str, float], tags: dict[str, str]) -> str:
    """A finished run with holdout metrics, registered as a version tagged with its training day."""
    run = client.create_run(experiment_id, tags=tags)
    for key, value in metrics.items():
        client.log_metric(run.info.run_id, key, value)
    client.set_terminated(run.info.run_id)
    version = client.create_model_version(MODEL_NAME, f"{run.info.artifact_uri}/model", run.info.run_id, tags={TAG_TRAINING_DAY: day})
    return str(version.version)


def seed_registry(store_uri: str) -> MlflowClient:
    """Champion v1 (trained the day before); challenger v2, evaluated against v1 and better than it."""
    client = MlflowClient(tracking_uri=store_uri, registry_uri=store_uri)
    experiment_id = client.create_experiment("faults")
    client.create_registered_model(MODEL_NAME)
    assert register(client, experiment_id, "2026-11-19", {}, {}) == "1"
    holdout = {"holdout_mae": 0.9, "holdout_mae_persistence": 1.6, "holdout_mae_champion": 1.2}
    assert register(client, experiment_id, DAY, holdout, {EVALUATED_CHAMPION_TAG: "1"}) == "2"
    client.set_registered_model_alias(MODEL_NAME, CHAMPION_ALIAS, "1")
    return client


def promote(url: str, tmp_path):
    resources = {
        "mlflow": MlflowResource(tracking_uri=url),
        "lakehouse": LakehouseResource(root_uri=(tmp_path / "lake").as_uri(), catalog_uri=f"sqlite:///{tmp_path / 'catalog.db'}"),
    }
    return materialize([champion_model], partition_key=DAY, resources=resources, instance=DagsterInstance.ephemeral(), raise_on_error=False)


def gone_during_the_alias_move(server, store_uri: str, clock, tmp_path) -> MlflowClient:
    """Run the promotion with MLflow going away at the alias move; check what it left."""
    registry = seed_registry(store_uri)
    server.go_away_on = ("POST", ALIAS_API)

    failed = promote(server.url, tmp_path)

    assert not failed.success
    assert server.dropped == [f"POST {ALIAS_API}"]  # it went away while the alias was being moved
    retries = step_events(failed, "STEP_UP_FOR_RETRY")
    assert len(retries) == IO_RETRY.max_retries == len(clock.waits)
    first = error_chain(retries[0].event_specific_data.error)
    assert f"API request to {server.url}{ALIAS_API} failed" in first, first
    last = failure_text(failed)  # the retries found MLflow gone
    assert f"API request to {server.url}/api/2.0/mlflow/" in last and "Connection refused" in last, last
    assert str(registry.get_model_version_by_alias(MODEL_NAME, CHAMPION_ALIAS).version) == "1"
    assert TAG_PROMOTION not in registry.get_model_version(MODEL_NAME, "2").tags  # no half-recorded decision
    return registry


def test_mlflow_gone_during_the_alias_move_keeps_the_champion_and_the_rerun_promotes(tmp_path, monkeypatch):
    clock = retry_clock(monkeypatch)
    with mlflow_server(tmp_path, monkeypatch) as (server, store_uri):
        registry = gone_during_the_alias_move(server, store_uri, clock, tmp_path)

        server.go_away_on = None
        server.start()  # MLflow is back
        rerun = promote(server.url, tmp_path)

    assert rerun.success
    [event] = step_events(rerun, "ASSET_MATERIALIZATION")
    metadata = {k: getattr(v, "value", v) for k, v in event.event_specific_data.materialization.metadata.items()}
    assert (metadata["decision"], metadata["champion_before"], metadata["champion_after"]) == ("promoted", "1", "2")
    assert str(registry.get_model_version_by_alias(MODEL_NAME, CHAMPION_ALIAS).version) == "2"
    assert registry.get_model_version(MODEL_NAME, "2").tags[TAG_PROMOTION] == "promoted"
