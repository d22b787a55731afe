"""Declarative automation: Silver follows Bronze for recent (not only the newest) hours; Gold waits
for every Silver hour it reads."""

from datetime import datetime, timedelta, timezone

from dagster import AssetKey, AssetMaterialization, DagsterInstance, Definitions, evaluate_automation_conditions

from lakehouse_assets.assets_common import hour_key
from lakehouse_assets.events.assets import events_assets
from lakehouse_assets.events.checks import events_checks


def requested(result, key):
    return sorted(result.get_requested_partitions(AssetKey(key))) if result.get_num_requested(AssetKey(key)) else []


def test_silver_follows_bronze_within_the_late_window(resources):
    now = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    first_hour, older, recent = (now - timedelta(hours=h) for h in (5, 4, 3))
    defs = Definitions(assets=events_assets, asset_checks=events_checks, resources=resources)
    instance = DagsterInstance.ephemeral()
    # Record Bronze materializations (as the sensor's runs would) without running anything heavy.
    first = evaluate_automation_conditions(defs=defs, instance=instance)
    for hour in (first_hour, older, recent):
        instance.report_runless_asset_event(AssetMaterialization(asset_key=["bronze", "events"], partition=hour_key(hour)))
    result = evaluate_automation_conditions(defs=defs, instance=instance, cursor=first.cursor)
    assert hour_key(recent) in requested(result, ["silver", "events"])
    assert hour_key(older) in requested(result, ["silver", "events"])
    # Silver of an hour also reads the hour before it: without that Bronze hour it waits.
    assert hour_key(first_hour) not in requested(result, ["silver", "events"])
    # Gold for an hour reads Silver of the hour after it, which is missing: not requested yet.
    assert requested(result, ["gold", "metrics_operational_hourly"]) == []


def test_every_hour_landed_before_the_sensor_started_reaches_silver(tmp_path, monkeypatch):
    """`make dev` seeds six hours, then the sensor's first tick and the automation take it from there."""
    from dagster import build_sensor_context

    from dagster import ResourceDefinition

    from lakehouse_assets.events import sensors
    from lakehouse_assets.resources import LocalLandingStorage

    now = datetime(2026, 11, 20, 10, 20, tzinfo=timezone.utc)
    sample_hours = [now.replace(minute=0) - timedelta(hours=h) for h in range(6, 0, -1)]  # 04:00 .. 09:00
    landing = LocalLandingStorage(root=str(tmp_path / "landing"))
    for hour in sample_hours:
        landing.put_bytes(f"events/topic=user-activity/date={hour:%Y-%m-%d}/hour={hour:%H}/sample.json", b'{"event_id":"x"}\n')
    monkeypatch.setattr(sensors, "clock", lambda: now)
    with build_sensor_context(resources={"landing": landing}) as context:
        bronze_requests = sensors.events_landing_sensor(context).run_requests

    # Evaluating automation conditions runs nothing: placeholders stand in for every resource.
    needed = set().union(*(node.required_resource_keys for node in [*events_assets, *events_checks])) - {"io_manager"}
    defs = Definitions(assets=events_assets, asset_checks=events_checks, resources={key: ResourceDefinition.none_resource() for key in needed})
    instance = DagsterInstance.ephemeral()
    before = evaluate_automation_conditions(defs=defs, instance=instance, evaluation_time=now)
    for request in bronze_requests:  # as the sensor's runs would record them
        instance.report_runless_asset_event(AssetMaterialization(asset_key=["bronze", "events"], partition=request.partition_key))
    after = evaluate_automation_conditions(defs=defs, instance=instance, cursor=before.cursor, evaluation_time=now + timedelta(minutes=1))
    assert {hour_key(h) for h in sample_hours} <= set(requested(after, ["silver", "events"]))
