"""Banner assets: snapshots (factory) -> `banner/stats_daily` (the engine) -> `banner/stats_export` (database)."""

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset

from lakehouse_assets.assets_common import IO_RETRY, kst_daily_partitions, partition_day, partition_window, table_key, table_metadata, table_result
from lakehouse_assets.resources import EngineResource, LakehouseResource
from lakehouse_assets.settings import get_settings
from lakehouse_assets.resources.databases import DatabaseResource

from .snapshots import GROUP, SOURCE_DATABASE, snapshot_assets
from .stats import INPUTS
from .tables import EXPORT_TABLE_NAME, SOURCE, STATS_DAILY

STATS_DAILY_KEY = table_key(STATS_DAILY)
STATS_EXPORT_KEY = AssetKey(["banner", "stats_export"])
FACT_INPUTS = tuple(name for name in INPUTS if SOURCE[name].kind == "fact")
# The engine that computes the statistics (LAKEHOUSE_ENGINE), shown as the asset's kind.
ENGINE_KIND = get_settings().lakehouse_engine


@asset(
    key=STATS_DAILY_KEY,
    description=STATS_DAILY.doc + " Counts and sums are 0, never NULL; a ratio over 0 is NULL. From the day's snapshots, on the configured engine (DuckDB or Spark).",
    partitions_def=kst_daily_partitions,
    deps=[table_key(SOURCE[name].snapshot) for name in INPUTS],
    group_name=GROUP,
    kinds={ENGINE_KIND, "iceberg"},
    retry_policy=IO_RETRY,
)
def stats_daily(context: AssetExecutionContext, engine: EngineResource, lakehouse: LakehouseResource) -> MaterializeResult:
    """Impressions, unique viewers, clicks, CTR, attributed orders and revenue, CVR, spend and ROAS per banner."""
    from .stats import write_stats_day

    day = partition_day(context)
    lh = lakehouse.lakehouse
    report = write_stats_day(engine.get(), lh, day)
    if not any(report.input_rows[name] for name in FACT_INPUTS):
        context.log.warning(
            f"no impression, click, order or cost rows in the snapshots of {day} (snapshots not materialized yet, or no "
            f"activity that day): wrote an empty partition. Input rows: {report.input_rows}"
        )
    elif not report.input_rows["banner"]:
        context.log.warning(f"the banner snapshot of {day} is empty: campaign_id, advertiser_id and tab_id will be NULL")
    context.log.info(f"{STATS_DAILY.identifier} [{day}]: {report.rows} banners from {report.input_rows}")
    preview = lh.read_arrow(STATS_DAILY, [partition_window(context, STATS_DAILY)]).sort_by("banner_id").slice(0, 10).to_pylist()
    return table_result(
        STATS_DAILY,
        report.rows,
        lh,
        preview=preview,
        input_rows=MetadataValue.json(report.input_rows),
    )


@asset(
    key=STATS_EXPORT_KEY,
    description=f"`{EXPORT_TABLE_NAME}` in the export database (BANNER_EXPORT_DB_URL): the day's `banner/stats_daily` rows, "
    "replacing that day's rows in one transaction (created with PK (stat_date, banner_id) when missing).",
    partitions_def=kst_daily_partitions,
    deps=[STATS_DAILY_KEY],
    group_name=GROUP,
    kinds={"python", "mariadb"},
    retry_policy=IO_RETRY,
)
def stats_export(context: AssetExecutionContext, lakehouse: LakehouseResource, banner_export_db: DatabaseResource) -> MaterializeResult:
    """Replace the day in `banner_stats_daily`: DELETE + INSERT in one transaction, so a re-run never duplicates."""
    from .export import replace_day

    day = partition_day(context)
    lh = lakehouse.lakehouse
    rows = lh.read_arrow(STATS_DAILY, [partition_window(context, STATS_DAILY)]).sort_by("banner_id").to_pylist()
    deleted, inserted = replace_day(banner_export_db.engine(), day, rows)
    if not rows:
        context.log.warning(f"{STATS_DAILY.identifier} has no rows for {day} (not materialized yet, or no activity): {EXPORT_TABLE_NAME} now holds none for it")
    context.log.info(f"{EXPORT_TABLE_NAME} [{day}] in {banner_export_db.safe_url}: replaced {deleted} rows by {inserted}")
    return MaterializeResult(
        metadata=table_metadata(
            STATS_DAILY,
            inserted,
            banner_export_db.safe_url,
            preview=rows[:10],
            **{"dagster/table_name": EXPORT_TABLE_NAME},
            rows_deleted=deleted,
            database=banner_export_db.safe_url,
        )
    )


banner_assets = [SOURCE_DATABASE, *snapshot_assets, stats_daily, stats_export]
