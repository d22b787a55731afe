"""Declarative automation: Silver follows Bronze for recent (not only the newest) hours; Gold waits
for every Silver hour it reads."""

from datetime import datetime, timedelta, timezone

from dagster import AssetKey, DagsterInstance, Definitions, evaluate_automation_conditions

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
    from dagster import AssetMaterialization

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
