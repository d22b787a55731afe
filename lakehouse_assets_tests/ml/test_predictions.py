"""`ml/temperature_predictions`: nothing predicted (an empty partition) before there is a champion;
then the champion's next-hour temperature per station, equal to the registered model's own
prediction from the same features, stored with its version; re-running an hour replaces it."""

from datetime import date, datetime, timedelta

import pytest
from dagster import DagsterInstance, materialize

from lakehouse_assets.assets_common import UTC, hour_key
from lakehouse_assets.lakehouse.tables import Window
from lakehouse_assets.ml import features, registry
from lakehouse_assets.ml.predictions import temperature_predictions
from lakehouse_assets.ml.tables import CHAMPION_ALIAS
from lakehouse_assets.monitoring.tables import TEMPERATURE_PREDICTIONS
from lakehouse_assets.settings import DEFAULT_KMA_STATIONS
from lakehouse_assets.weather.tables import OBSERVATIONS
from lakehouse_assets_tests.ml.support import metadata, ml_resources, run_config, seed_observations, train

HOUR = datetime(2026, 11, 20, 14, tzinfo=UTC)  # 23:00 KST, the last seeded hour
PLAIN = {"features": ["station_id", "ta", "hour_sin", "hour_cos"]}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    resources = ml_resources(tmp_path_factory.mktemp("predictions"))
    seed_observations(resources["lakehouse"], date(2026, 11, 20), 14)
    return resources


def predict(resources):
    return materialize([temperature_predictions], partition_key=hour_key(HOUR), resources=resources, instance=DagsterInstance.ephemeral())


def stored(resources) -> list[dict]:
    return resources["lakehouse"].lakehouse.read_arrow(TEMPERATURE_PREDICTIONS, [Window.hour(HOUR)]).to_pylist()


def test_without_a_champion_the_hour_is_written_empty(world):
    result = predict(world)
    assert result.success
    assert metadata(result, temperature_predictions.key)["model_version"] == "none"
    assert stored(world) == []


def test_the_champion_predicts_every_station_and_a_rerun_replaces_the_hour(world):
    train(world, "2026-11-20", run_config(14, 3, PLAIN))
    for _ in range(2):
        result = predict(world)
    rows = stored(world)
    assert sorted(r["station_id"] for r in rows) == sorted(DEFAULT_KMA_STATIONS)  # once each, after two runs
    assert {r["model_version"] for r in rows} == {"1"} and metadata(result, temperature_predictions.key)["model_version"] == "1"
    assert all(r["observed_at"] == HOUR and r["predicted_for"] == HOUR + timedelta(hours=1) for r in rows)

    observations = world["lakehouse"].lakehouse.read_arrow(OBSERVATIONS, [Window(HOUR - timedelta(hours=3), HOUR + timedelta(hours=1))]).to_pandas()
    latest = features.latest_features(observations, DEFAULT_KMA_STATIONS, HOUR)
    model = world["mlflow"].load_model(registry.alias_uri(CHAMPION_ALIAS), flavor="pyfunc")
    expected = dict(zip(latest["station_id"].astype(int), model.predict(latest[list(model.metadata.get_input_schema().input_names())])))
    for row in rows:
        assert row["prediction"] == pytest.approx(float(expected[row["station_id"]]), abs=1e-9)
