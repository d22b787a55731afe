"""The recent-window weather check runs alone, in a job that selects only it, and fails once the
table is damaged."""

from datetime import datetime, timedelta, timezone

from dagster import DagsterInstance, Definitions, materialize
from pyiceberg.expressions import And, EqualTo

from lakehouse_assets.assets_common import hour_key
from lakehouse_assets.resources import LakehouseResource, LocalLandingStorage
from lakehouse_assets.resources.kma import KmaResource
from lakehouse_assets.weather.assets import weather_assets
from lakehouse_assets.weather.definitions import defs
from lakehouse_assets.weather.tables import OBSERVATIONS

UTC = timezone.utc
# At noon KST on 2026-11-21 the service serves up to 2026-11-20 23:00 KST = 14:00 UTC.
AS_OF = "2026-11-21T12:00:00+09:00"
NEWEST = datetime(2026, 11, 20, 14, tzinfo=UTC)
HOURS = 6


def run_checks_alone(res: dict, instance: DagsterInstance):
    job = Definitions.merge(defs, Definitions(resources=res)).resolve_job_def("weather_recent_checks_job")
    config = {"ops": {"weather__observations_recent_hours_complete": {"config": {"as_of": AS_OF, "hours": HOURS}}}}
    result = job.execute_in_process(run_config=config, instance=instance, raise_on_error=False)
    assert not result.get_asset_materialization_events(), "a checks-only job must not materialize assets"
    [evaluation] = result.get_asset_check_evaluations()
    return evaluation


def test_recent_check_runs_alone_and_fails_after_damage(tmp_path):
    res = {
        "kma": KmaResource(),  # offline sample source
        "landing": LocalLandingStorage(root=str(tmp_path / "landing")),
        "lakehouse": LakehouseResource(root_uri=(tmp_path / "lake").as_uri(), catalog_uri=f"sqlite:///{tmp_path / 'catalog.db'}"),
    }
    instance = DagsterInstance.ephemeral()
    for offset in range(HOURS):
        materialize(weather_assets, partition_key=hour_key(NEWEST - timedelta(hours=offset)), resources=res, instance=instance)

    healthy = run_checks_alone(res, instance)
    assert healthy.passed, healthy.metadata
    assert healthy.metadata["expected_rows"].value == 8 * HOURS

    lakehouse = res["lakehouse"].lakehouse
    lakehouse.delete_rows(OBSERVATIONS, And(EqualTo("station_id", 108), EqualTo("observed_at", NEWEST.isoformat())))
    damaged = run_checks_alone(res, instance)
    assert not damaged.passed
    assert damaged.metadata["missing_rows"].value == 1
    assert "108@2026-11-20T14" in damaged.metadata["missing"].value
