"""Events assets: landing -> bronze/events -> silver/{events,event_rejects,event_duplicates} -> gold/*."""


from typing import Any

from dagster import (
    AssetDep,
    AssetExecutionContext,
    AssetSpec,
    MaterializeResult,
    TimeWindowPartitionMapping,
    asset,
    multi_asset,
)

from lakehouse_assets.assets_common import (
    IO_RETRY,
    daily_partitions,
    hourly_partitions,
    partition_day,
    partition_hour,
    table_key,
    table_result,
)
from lakehouse_assets.lakehouse.tables import TableSpec
from lakehouse_assets.resources import EngineResource, LakehouseResource, LandingStorage
from lakehouse_assets.settings import get_settings

from .automation import daily_after_midnight, hourly_follow_inputs
from .landing import EVENTS_PREFIX
from .tables import (
    BRONZE_EVENTS,
    GOLD_BUSINESS_DAILY,
    GOLD_DATA_QUALITY_HOURLY,
    GOLD_FUNNEL_DAILY,
    GOLD_OPERATIONAL_HOURLY,
    GOLD_SERVER_HEALTH_MINUTELY,
    SILVER_EVENT_DUPLICATES,
    SILVER_EVENT_REJECTS,
    SILVER_EVENTS,
)

GROUP = "events"
# The engine that computes Silver and Gold (LAKEHOUSE_ENGINE), shown as the assets' kind.
ENGINE_KIND = get_settings().lakehouse_engine


@asset(
    key=table_key(BRONZE_EVENTS),
    description=BRONZE_EVENTS.doc + " One partition per UTC ingest hour; re-ingesting an hour replaces it.",
    partitions_def=hourly_partitions,
    group_name=GROUP,
    kinds={"python", "s3", "iceberg"},
    retry_policy=IO_RETRY,
)
def bronze_events(context: AssetExecutionContext, landing: LandingStorage, lakehouse: LakehouseResource) -> MaterializeResult:
    """Every non-blank landing line of the ingest hour, exactly as received (malformed ones included)."""
    from .pipeline import write_bronze

    hour = partition_hour(context)
    report = write_bronze(landing, lakehouse.lakehouse, hour)
    if report.skipped_keys:
        examples = [f"{key} ({reason})" for key, reason in list(report.skipped_keys.items())[:3]]
        context.log.warning(f"skipped {len(report.skipped_keys)} landing objects, e.g. {examples}")
    if not report.objects:
        context.log.info(f"no objects landed for {context.partition_key} under {landing.uri(EVENTS_PREFIX)}: wrote an empty partition")
    context.log.info(f"bronze.events [{context.partition_key}]: {report.objects} objects, {report.rows} lines")
    return table_result(
        BRONZE_EVENTS,
        report.rows,
        lakehouse.lakehouse,
        preview=report.preview,
        objects=report.objects,
        bytes=report.bytes,
        skipped_keys=len(report.skipped_keys),
        rows_by_topic=report.rows_by_topic,
    )


# Silver of an hour reads Bronze of that hour and the one before (the event_ids seen before it).
# It reads the previous hour's stored Silver instead when that is current (no second parse), but
# does not declare it: a self-dependency makes Dagster's automation request hours as a backfill
# that fails when a run of the first hour is still going, and leaves the later hours behind.
# Either way the previous hour's valid ids are the same, so hours may run in any order.
_previous_and_current_hour = TimeWindowPartitionMapping(start_offset=-1, end_offset=0)


SILVER_DESCRIPTIONS = {
    SILVER_EVENTS: "Valid events: typed columns, UTC event_time, deduplicated on event_id within the ingest hour and against the previous one.",
    SILVER_EVENT_REJECTS: "Bronze lines that broke a rule, kept aside with the first reason (contract order).",
    SILVER_EVENT_DUPLICATES: "Valid lines dropped as duplicates (event_id seen earlier in the hour or in the previous hour).",
}


@multi_asset(
    specs=[
        AssetSpec(
            table_key(spec),
            description=description,
            deps=[AssetDep(table_key(BRONZE_EVENTS), partition_mapping=_previous_and_current_hour)],
            group_name=GROUP,
            kinds={ENGINE_KIND, "iceberg"},
            automation_condition=hourly_follow_inputs,
        )
        for spec, description in SILVER_DESCRIPTIONS.items()
    ],
    partitions_def=hourly_partitions,
    retry_policy=IO_RETRY,
)
def silver_events(context: AssetExecutionContext, engine: EngineResource, lakehouse: LakehouseResource):
    """Parse each Bronze line once: typed Silver rows, rejects with a reason, duplicates aside."""
    from .pipeline import write_silver

    lh = lakehouse.lakehouse
    for spec, rows, preview in write_silver(engine.get(), lh, partition_hour(context)):
        context.log.info(f"{spec.identifier} [{context.partition_key}]: {rows} rows")
        yield table_result(spec, rows, lh, preview=preview, asset_key=table_key(spec))


def _gold_asset(spec: TableSpec, description: str, partitions_def, upstream_mapping, upstream: list[TableSpec]):
    """The asset decorator shared by the Gold tables (deps on Silver with the table's window)."""
    return asset(
        automation_condition=daily_after_midnight if partitions_def is daily_partitions else hourly_follow_inputs,
        key=table_key(spec),
        description=description,
        partitions_def=partitions_def,
        deps=[AssetDep(table_key(u), partition_mapping=upstream_mapping) for u in upstream],
        group_name=GROUP,
        kinds={ENGINE_KIND, "iceberg"},
        retry_policy=IO_RETRY,
    )


def _materialize_gold(spec: TableSpec, partition: Any, engine: EngineResource, lakehouse: LakehouseResource) -> MaterializeResult:
    from .pipeline import gold_window, write_gold

    lh = lakehouse.lakehouse
    rows = write_gold(spec, engine.get(), lh, partition)
    preview = lh.read_arrow(spec, [gold_window(spec, partition)]).slice(0, 10).to_pylist()
    return table_result(spec, rows, lh, preview=preview)


_hours_around = TimeWindowPartitionMapping(start_offset=-1, end_offset=1)
# Daily -> hourly: the day's 24 hours. The transform also reads the hour before and after (rows
# ingested then can fall on this day); Dagster offsets count whole days here, so those two hours
# are not declared and the daily schedule runs after the next day's first hour has landed.
_day_hours = TimeWindowPartitionMapping()


@_gold_asset(GOLD_SERVER_HEALTH_MINUTELY, "Per minute and api server: requests, 4xx/5xx errors, error rate, mean and p50/p95/p99 latency (event hour partitions).", hourly_partitions, _hours_around, [SILVER_EVENTS])
def gold_server_health_minutely(context: AssetExecutionContext, engine: EngineResource, lakehouse: LakehouseResource) -> MaterializeResult:
    """Server health per minute from api_request events of the event hour."""
    return _materialize_gold(GOLD_SERVER_HEALTH_MINUTELY, partition_hour(context), engine, lakehouse)


@_gold_asset(GOLD_OPERATIONAL_HOURLY, "One row per event hour: events, active users and sessions, page views, requests, 5xx errors and latency.", hourly_partitions, _hours_around, [SILVER_EVENTS])
def gold_operational_hourly(context: AssetExecutionContext, engine: EngineResource, lakehouse: LakehouseResource) -> MaterializeResult:
    """Operational totals of the event hour."""
    return _materialize_gold(GOLD_OPERATIONAL_HOURLY, partition_hour(context), engine, lakehouse)


@_gold_asset(GOLD_BUSINESS_DAILY, "Per event date and currency: orders, revenue, buyers, average order value, sessions and conversion rate.", daily_partitions, _day_hours, [SILVER_EVENTS])
def gold_business_daily(context: AssetExecutionContext, engine: EngineResource, lakehouse: LakehouseResource) -> MaterializeResult:
    """Business metrics of the event date."""
    return _materialize_gold(GOLD_BUSINESS_DAILY, partition_day(context), engine, lakehouse)


@_gold_asset(GOLD_FUNNEL_DAILY, "Per event date: sessions reaching page_view -> product_click -> add_to_cart -> purchase, with step conversions.", daily_partitions, _day_hours, [SILVER_EVENTS])
def gold_funnel_daily(context: AssetExecutionContext, engine: EngineResource, lakehouse: LakehouseResource) -> MaterializeResult:
    """The purchase funnel of the event date."""
    return _materialize_gold(GOLD_FUNNEL_DAILY, partition_day(context), engine, lakehouse)


@_gold_asset(
    GOLD_DATA_QUALITY_HOURLY,
    "Per ingest hour and topic: Bronze rows and what became of them (valid, rejected by reason, duplicate, late, future, without user).",
    hourly_partitions,
    TimeWindowPartitionMapping(),
    [BRONZE_EVENTS, SILVER_EVENTS, SILVER_EVENT_REJECTS, SILVER_EVENT_DUPLICATES],
)
def gold_data_quality_hourly(context: AssetExecutionContext, engine: EngineResource, lakehouse: LakehouseResource) -> MaterializeResult:
    """Data quality counts of the ingest hour."""
    return _materialize_gold(GOLD_DATA_QUALITY_HOURLY, partition_hour(context), engine, lakehouse)


events_assets = [
    bronze_events,
    silver_events,
    gold_server_health_minutely,
    gold_operational_hourly,
    gold_business_daily,
    gold_funnel_daily,
    gold_data_quality_hourly,
]
