"""The monitoring checks run alone (nothing materialized) on a small world: a normal day passes,
+5 °C on the thermometers fails weather_drift naming ta and its lags and fails live_model_error,
too few joined predictions says "not enough data", and the report shows it all."""

from __future__ import annotations

import pytest
from dagster import DagsterInstance, Definitions

from lakehouse_assets.monitoring.assets import monitoring_report
from lakehouse_assets.monitoring.checks import model_checks
from lakehouse_assets.monitoring.jobs import monitoring_checks_job, monitoring_report_job
from lakehouse_assets.monitoring.system import system_checks, system_spec
from lakehouse_assets.monitoring.tables import TEMPERATURE_PREDICTIONS
from lakehouse_assets.settings import Settings
from lakehouse_assets_tests.monitoring.world import AS_OF, CURRENT, build_world, write_observations


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return build_world(tmp_path_factory.mktemp("monitored"))


LIVE_ERROR_OP = "ml__temperature_predictions_live_model_error"
CHECKS = [*model_checks, *system_checks(Settings.from_env({}))]


def monitoring_defs(world) -> Definitions:
    job, _ = monitoring_checks_job(CHECKS)
    return Definitions(assets=[system_spec, monitoring_report], asset_checks=CHECKS, jobs=[job, monitoring_report_job], resources=world.resources)


def run_checks(world, instance: DagsterInstance, as_of: str = AS_OF, only: list[str] | None = None, **live_error: object) -> dict[str, object]:
    defs = monitoring_defs(world)
    config = {
        "ops": {
            "weather__observations_weather_drift": {"config": {"as_of": as_of}},
            "ml__temperature_predictions_live_model_error": {"config": {"as_of": as_of, **live_error}},
        }
    }
    if only:
        config["ops"] = {op: value for op, value in config["ops"].items() if op in only}
    job = defs.resolve_job_def("monitoring_checks_job")
    result = job.execute_in_process(run_config=config, instance=instance, raise_on_error=False, op_selection=only)
    assert result.success
    assert not result.get_asset_materialization_events(), "a checks-only job must not materialize assets"
    return {e.check_name: e for e in result.get_asset_check_evaluations()}


def test_normal_day_passes_and_shifted_thermometers_fail(world):
    instance = DagsterInstance.ephemeral()
    normal = run_checks(world, instance)
    drift, live = normal["weather_drift"], normal["live_model_error"]
    assert drift.passed, drift.description
    assert drift.metadata["drifted_count"].value == 0 and drift.metadata["drift_share"].value == 0.0
    assert {r.data["feature"] for r in drift.metadata["features"].value.records} == {"ta", "ta_lag_1", "ta_lag_2", "ta_lag_3", "pa", "station_id"}
    # One day's MAE scatters around the holdout's (weather is easier some days): a normal day stays
    # below the ERROR limit; whether it is above the WARN limit depends on the day.
    assert live.metadata["mae_ratio"].value < 1.5 and (live.passed or live.severity.value == "WARN"), live.description
    assert 23 * 8 - 10 <= live.metadata["joined_rows"].value <= 23 * 8  # a few hours lack a lag or the observation
    assert live.metadata["holdout_mae"].value == pytest.approx(world.holdout_mae, abs=1e-4)
    for name in ("landing_storage_reachable", "lakehouse_root_reachable", "iceberg_catalog_answers", "mlflow_answers", "banner_db_answers"):
        assert normal[name].passed, (name, normal[name].description)
        assert normal[name].metadata["elapsed_ms"].value < 10_000

    shifted = world.observations.copy()
    shifted.loc[shifted["observed_at"] >= CURRENT.start, "ta"] += 5.0
    write_observations(world.lakehouse, shifted[shifted["observed_at"] >= CURRENT.start], CURRENT)
    try:
        broken = run_checks(world, instance)
    finally:
        write_observations(world.lakehouse, world.observations[world.observations["observed_at"] >= CURRENT.start], CURRENT)
    drift, live = broken["weather_drift"], broken["live_model_error"]
    assert not drift.passed and drift.severity.value == "ERROR"  # 4 of 6 features: dataset drift
    assert drift.metadata["drifted_features"].value == "ta, ta_lag_1, ta_lag_2, ta_lag_3"
    assert "ta" in drift.description and "dataset drift" in drift.description
    # Predictions were made from the true temperatures: against +5 °C "observations" the error explodes.
    assert not live.passed and live.severity.value == "ERROR"
    assert live.metadata["mae_ratio"].value > 1.5

    report = monitoring_defs(world).resolve_job_def("monitoring_report_job").execute_in_process(instance=instance)
    [materialization] = report.get_asset_materialization_events()
    metadata = materialization.materialization.metadata
    text = metadata["report"].value
    assert "weather_drift" in text and "live_model_error" in text and "data:image/png;base64," in text
    assert "dataset drift" in text and "| ta |" in text
    assert metadata["checks_failing_now"].value >= 2
    written = metadata["report_location"].value
    assert written.endswith("/report.md") and "reports/monitoring/" in written


def test_too_few_joined_predictions_is_not_a_pass(world):
    # Four hours into the current day only three hours of predictions can have an observation.
    evaluations = run_checks(world, DagsterInstance.ephemeral(), as_of="2026-11-20T04:00:00+09:00", only=[LIVE_ERROR_OP])
    live = evaluations["live_model_error"]
    assert not live.passed and live.severity.value == "WARN"
    assert live.metadata["verdict"].value == "not_enough_data"
    assert live.description.startswith("not enough data:") and "at least 48" in live.description


def test_degraded_champion_fails_live_error(world):
    import pyarrow.compute as pc

    original = world.lakehouse.read_arrow(TEMPERATURE_PREDICTIONS, [CURRENT])
    biased = original.set_column(original.schema.get_field_index("prediction"), "prediction", pc.add(original["prediction"], 1.5))
    world.lakehouse.replace_partition_with_arrow(TEMPERATURE_PREDICTIONS, CURRENT, biased)
    try:
        live = run_checks(world, DagsterInstance.ephemeral(), only=[LIVE_ERROR_OP])["live_model_error"]
    finally:
        world.lakehouse.replace_partition_with_arrow(TEMPERATURE_PREDICTIONS, CURRENT, original)
    assert not live.passed and live.metadata["mae_ratio"].value > 1.25, live.description
    assert live.metadata["live_mae"].value > world.holdout_mae + 1.0


def test_predictions_asset_serves_the_champion(world):
    from datetime import timedelta

    from dagster import materialize

    from lakehouse_assets.assets_common import hour_key
    from lakehouse_assets.lakehouse.tables import Window
    from lakehouse_assets.ml.predictions import temperature_predictions
    from lakehouse_assets.resources import KmaResource
    from lakehouse_assets_tests.monitoring.world import STATIONS

    hour = CURRENT.start + timedelta(hours=5)
    before = sorted(world.lakehouse.read_arrow(TEMPERATURE_PREDICTIONS, [Window.hour(hour)]).to_pylist(), key=lambda r: r["station_id"])
    result = materialize(
        [temperature_predictions], partition_key=hour_key(hour), resources={**world.resources, "kma": KmaResource(stations=list(STATIONS))}
    )
    metadata = result.get_asset_materialization_events()[0].materialization.metadata
    after = sorted(world.lakehouse.read_arrow(TEMPERATURE_PREDICTIONS, [Window.hour(hour)]).to_pylist(), key=lambda r: r["station_id"])
    assert metadata["model_version"].value == world.champion_version
    assert metadata["stations_predicted"].value == len(after) == len(before) >= 7
    assert [(r["station_id"], r["predicted_for"], r["model_version"]) for r in after] == [(r["station_id"], r["predicted_for"], r["model_version"]) for r in before]
    assert all(abs(a["prediction"] - b["prediction"]) < 1e-9 for a, b in zip(after, before))
