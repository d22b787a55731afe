"""The ML chain on sample weather, a temporary lakehouse and a SQLite MLflow store: a first champion,
a crippled challenger refused, a better one promoted, the guard against a moving alias, the
champion loaded back by alias, and a window with a missing station blocked by readiness."""

from datetime import date, datetime, timedelta

import pytest
from dagster import AssetSelection, DagsterInstance
from mlflow import MlflowClient
from mlflow.models import get_model_info
from pyiceberg.expressions import And, EqualTo, GreaterThanOrEqual, LessThan

from lakehouse_assets.ml import features, registry
from lakehouse_assets.ml.keys import CHAMPION_KEY, DATASET_KEY, EVALUATION_KEY, MODEL_KEY
from lakehouse_assets.ml.tables import (
    CHALLENGER_ALIAS,
    CHAMPION_ALIAS,
    EXPERIMENT_NAME,
    MODEL_NAME,
    TRAINING_DATASET,
)
from lakehouse_assets.assets_common import KST, UTC
from lakehouse_assets.lakehouse.tables import Window
from lakehouse_assets.settings import DEFAULT_KMA_STATIONS
from lakehouse_assets.weather.tables import OBSERVATIONS
from lakehouse_assets_tests.ml.support import checks, metadata, ml_resources, run_config, seed_observations, train

DAY = "2026-11-20"
WINDOW_DAYS, HOLDOUT_DAYS = 14, 3
# A plain model (temperature, station and hour of day), a crippled one, and the full default.
PLAIN = {"features": ["station_id", "ta", "hour_sin", "hour_cos"]}
CRIPPLED = {"features": ["ta_lag_3"], "max_iter": 5}
FULL: dict = {}


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """Three trainings of the same day: plain (first champion), crippled, full."""
    tmp = tmp_path_factory.mktemp("ml")
    resources = ml_resources(tmp)
    seed_observations(resources["lakehouse"], date(2026, 11, 20), WINDOW_DAYS)
    instance = DagsterInstance.ephemeral()
    results = [train(resources, DAY, run_config(WINDOW_DAYS, HOLDOUT_DAYS, model), instance) for model in (PLAIN, CRIPPLED, FULL)]
    return resources, results


def client(resources) -> MlflowClient:
    return resources["mlflow"].client()


def test_the_first_model_becomes_version_1_and_champion(trained):
    resources, (first, _, _) = trained
    dataset = metadata(first, DATASET_KEY)
    assert dataset["dagster/row_count"] == dataset["train_rows"] + dataset["holdout_rows"] > 0
    assert dataset["grid_rows"] == WINDOW_DAYS * 24 * len(DEFAULT_KMA_STATIONS)
    assert dataset["dagster/row_count"] + sum(dataset[f"dropped_{r}"] for r in features.DROP_REASONS) == dataset["grid_rows"]
    assert dataset["dropped_missing_lags"] >= 3 * len(DEFAULT_KMA_STATIONS) and dataset["dropped_missing_target"] >= len(DEFAULT_KMA_STATIONS)

    model = metadata(first, MODEL_KEY)
    assert model["model_version"] == 1 and model["model_uri"] == f"models:/{MODEL_NAME}/1"
    assert model["features"] == "station_id, ta, hour_sin, hour_cos"

    evaluation = metadata(first, EVALUATION_KEY)
    assert {"mae_challenger", "rmse_challenger", "mae_persistence", "rmse_persistence", "holdout_rows"} <= set(evaluation)
    assert "mae_champion" not in evaluation and "rmse_champion" not in evaluation  # no champion yet
    assert evaluation["holdout_rows"] == dataset["holdout_rows"]
    assert "| **all**" in evaluation["holdout_metrics"] and evaluation["plots"].count("data:image/png;base64,") == 2

    champion = metadata(first, CHAMPION_KEY)
    assert champion["decision"] == "promoted" and "first champion" in champion["reason"]
    assert champion["champion_before"] == "none" and champion["champion_after"] == "1"
    assert all(c.passed for c in checks(first).values()), {n: c.metadata for n, c in checks(first).items()}
    assert set(checks(first)) == {"data_readiness", "champion_beats_persistence"}

    version = client(resources).get_model_version(MODEL_NAME, "1")
    assert version.tags["training_day"] == DAY and version.tags["dagster_run_id"] == first.run_id
    assert version.tags["promotion"] == "promoted"


def test_mlflow_holds_params_metrics_signature_and_evaluation(trained):
    resources, (first, _, _) = trained
    mlflow = client(resources)
    experiment = mlflow.get_experiment_by_name(EXPERIMENT_NAME)
    assert experiment.artifact_location == resources["mlflow"].artifact_root
    run = mlflow.get_run(metadata(first, MODEL_KEY)["mlflow_run_id"])
    assert run.info.experiment_id == experiment.experiment_id
    assert run.data.params["features"] == "station_id,ta,hour_sin,hour_cos" and run.data.params["max_iter"] == "200"
    evaluation = metadata(first, EVALUATION_KEY)
    assert run.data.metrics["holdout_mae"] == pytest.approx(evaluation["mae_challenger"])
    assert run.data.metrics["holdout_mae_persistence"] == pytest.approx(evaluation["mae_persistence"])
    assert "train_mae" in run.data.metrics and "holdout_mae_station_108" in run.data.metrics
    artifacts = {a.path for a in mlflow.list_artifacts(run.info.run_id, "evaluation")}
    assert artifacts == {"evaluation/holdout_metrics.md", "evaluation/predicted_vs_actual.png", "evaluation/mae_by_hour.png"}
    signature = get_model_info(f"models:/{MODEL_NAME}/1").signature
    assert signature.inputs.input_names() == ["station_id", "ta", "hour_sin", "hour_cos"]
    assert [spec.type.name for spec in signature.inputs.inputs] == ["long", "double", "double", "double"]


def test_a_crippled_model_does_not_take_the_alias_and_says_why(trained):
    resources, (first, crippled, _) = trained
    evaluation = metadata(crippled, EVALUATION_KEY)
    assert evaluation["challenger_version"] == 2 and evaluation["champion_version"] == 1
    assert evaluation["mae_champion"] == pytest.approx(metadata(first, EVALUATION_KEY)["mae_challenger"])
    assert evaluation["mae_challenger"] > evaluation["mae_persistence"]
    decision = metadata(crippled, CHAMPION_KEY)
    assert decision["decision"] == "refused" and "does not beat persistence" in decision["reason"]
    assert decision["champion_before"] == decision["champion_after"] == "1"
    tags = client(resources).get_model_version(MODEL_NAME, "2").tags
    assert tags["promotion"] == "refused" and tags["promotion_reason"] == decision["reason"]
    assert crippled.success and checks(crippled)["champion_beats_persistence"].passed  # v1 still serves


def test_a_better_model_is_promoted_and_loads_back_by_alias(trained):
    resources, (first, _, full) = trained
    evaluation = metadata(full, EVALUATION_KEY)
    assert evaluation["champion_version"] == 1
    assert evaluation["mae_challenger"] < evaluation["mae_champion"] < evaluation["mae_persistence"]
    decision = metadata(full, CHAMPION_KEY)
    assert decision["decision"] == "promoted" and decision["champion_after"] == "3"
    mlflow = client(resources)
    assert registry.version_id(mlflow.get_model_version_by_alias(MODEL_NAME, CHAMPION_ALIAS)) == "3"
    assert registry.version_id(mlflow.get_model_version_by_alias(MODEL_NAME, CHALLENGER_ALIAS)) == "3"
    print(f"holdout MAE {DAY} ({WINDOW_DAYS} days): full {evaluation['mae_challenger']:.3f}, plain {evaluation['mae_champion']:.3f}, persistence {evaluation['mae_persistence']:.3f}")

    # The champion predicts the next hour for every station from the newest observations.
    last_hour = datetime(2026, 11, 20, 14, tzinfo=UTC)  # 23:00 KST
    observations = resources["lakehouse"].lakehouse.read_arrow(OBSERVATIONS, [Window(last_hour - timedelta(hours=3), last_hour + timedelta(hours=1))]).to_pandas()
    latest = features.latest_features(observations, DEFAULT_KMA_STATIONS, last_hour)
    model = resources["mlflow"].load_model(registry.alias_uri(CHAMPION_ALIAS), flavor="pyfunc")
    predictions = model.predict(latest[list(model.metadata.get_input_schema().input_names())])
    assert list(latest.station_id) == sorted(DEFAULT_KMA_STATIONS) and len(predictions) == len(latest)
    assert ((predictions - latest["ta"]).abs() < 3).all()


def test_the_dataset_table_is_one_partition_per_training_day(trained):
    resources, (first, _, full) = trained
    table = resources["lakehouse"].lakehouse.read_arrow(TRAINING_DATASET).to_pandas()
    assert set(table.training_day.astype(str)) == {DAY}  # three runs of one day: replaced, not appended
    assert len(table) == metadata(full, DATASET_KEY)["dagster/row_count"]
    assert set(table.split) == {"train", "holdout"} and set(table.station_id) == set(DEFAULT_KMA_STATIONS)


def test_a_moved_champion_is_judged_again_before_the_alias_moves(trained):
    """model_evaluation compared v3 with champion v1; if the alias moved since (another run), the
    decision is made against the new champion, and the alias moves only from the version seen."""
    resources, _ = trained
    mlflow = client(resources)
    mlflow.set_registered_model_alias(MODEL_NAME, CHAMPION_ALIAS, "2")  # as if a concurrent run had moved it
    only_champion = {"ops": {"ml__champion_model": {"config": {"max_mae_loss_c": 0.0}}}}
    result = train(resources, DAY, only_champion, selection=AssetSelection.assets(CHAMPION_KEY))
    decision = metadata(result, CHAMPION_KEY)
    assert decision["champion_before"] == "2" and decision["champion_after"] == "3"
    assert "champion v2" in decision["reason"]
    # Compare-and-set refuses to move an alias that is not where the decision saw it.
    assert registry.compare_and_set_alias(mlflow, CHAMPION_ALIAS, expected="1", new="2") == "3"
    assert registry.version_id(mlflow.get_model_version_by_alias(MODEL_NAME, CHAMPION_ALIAS)) == "3"
    assert registry.compare_and_set_alias(mlflow, CHAMPION_ALIAS, expected="3", new="3") is None


def test_a_window_with_a_station_missing_days_is_blocked(tmp_path):
    resources = ml_resources(tmp_path)
    seed_observations(resources["lakehouse"], date(2026, 11, 20), 5)
    # Busan is silent for two of the five days.
    resources["lakehouse"].lakehouse.delete_rows(OBSERVATIONS, _station_days(159, date(2026, 11, 16), 2))
    result = train(resources, DAY, run_config(5, 1), raise_on_error=False)
    readiness = checks(result)["data_readiness"]
    assert not readiness.passed and readiness.metadata["short_station_ids"].text == "159"
    assert readiness.metadata["lowest_share"].value == pytest.approx(3 / 5, abs=0.01)
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    assert materialized == {DATASET_KEY}  # nothing downstream of a failed blocking check runs
    assert client(resources).search_registered_models() == []


def _station_days(station: int, first_day: date, days: int):
    start = datetime(first_day.year, first_day.month, first_day.day, tzinfo=KST)
    return And(EqualTo("station_id", station), And(GreaterThanOrEqual("observed_at", start.isoformat()), LessThan("observed_at", (start + timedelta(days=days)).isoformat())))
