"""`events_landing_sensor`: a run of `bronze/events` for each ingest hour that received objects."""

import time
from datetime import timedelta

from dagster import (
    AssetSelection,
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    sensor,
)

from lakehouse_assets.assets_common import hour_key, hourly_partitions
from lakehouse_assets.landing_watch import WatchCursor, run_key, utcnow
from lakehouse_assets.resources import LandingStorage

from .arrivals import FIRST_TICK_LOOKBACK, plan_event_runs
from .assets import bronze_events

LOOKBACK = timedelta(hours=3)  # late writers: objects may still land in the last 3 hours
MAX_NEW_OBJECTS_PER_TICK = 5000
TICK_BUDGET_SECONDS = 40  # Dagster stops a sensor evaluation after 60 s

# Tests replace this to move time.
clock = utcnow


@sensor(
    name="events_landing_sensor",
    target=AssetSelection.assets(bronze_events),
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.RUNNING,
    description="Watches <LAKEHOUSE_LANDING>/events/ and materializes bronze/events for every ingest hour that received new or rewritten objects (Silver and Gold follow by automation).",
)
def events_landing_sensor(context: SensorEvaluationContext, landing: LandingStorage) -> SensorResult:
    tick = plan_event_runs(
        landing,
        WatchCursor.load(context.cursor),
        now=clock(),
        lookback=LOOKBACK,
        max_new=MAX_NEW_OBJECTS_PER_TICK,
        deadline=time.monotonic() + TICK_BUDGET_SECONDS,
        earliest_hour=hourly_partitions.start,
        first_lookback=FIRST_TICK_LOOKBACK,
    )
    if tick.skipped_keys:
        context.log.warning(f"skipped {len(tick.skipped_keys)} keys outside the events layout, e.g. {tick.skipped_keys[:3]}")
    requests = []
    for hour, objects in sorted(tick.hours.items()):
        partition = hour_key(hour)
        requests.append(
            RunRequest(
                run_key=run_key("events", partition, objects) if objects else f"events:{partition}:closed",
                partition_key=partition,
                tags={"lakehouse/new_objects": str(len(objects))},
            )
        )
    context.log.info(
        f"listed {tick.listed} keys from {tick.floor:%Y-%m-%dT%H}: {sum(len(o) for o in tick.hours.values())} new objects "
        f"in {len(tick.hours)} hours, {len(tick.skipped_keys)} skipped, {tick.stats['deferred_objects']} waiting for their hour to close"
        + ("" if tick.complete else "; more next tick")
    )
    return SensorResult(run_requests=requests, cursor=tick.cursor.dump())
