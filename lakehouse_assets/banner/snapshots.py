"""One factory builds the `banner/snapshot_<table>` asset of every source table spec."""

from dagster import AssetExecutionContext, AssetKey, AssetsDefinition, AssetSpec, Config, MaterializeResult, MetadataValue, asset
from pydantic import Field

from lakehouse_assets.assets_common import IO_RETRY, kst_daily_partitions, partition_day, table_key, table_result
from lakehouse_assets.resources import LakehouseResource
from lakehouse_assets.resources.databases import DatabaseResource

from .extract import DEFAULT_CHUNK_ROWS, write_snapshot
from .tables import SOURCE_TABLES, SourceTable

GROUP = "banner"

SOURCE_DATABASE = AssetSpec(
    AssetKey(["banner", "ads_database"]),
    description="The ads service's database (BANNER_DB_URL; MariaDB in production, SQLite by default). "
    "Not materialized by Dagster: its `database_reachable` check runs SELECT 1.",
    group_name=GROUP,
    kinds={"mariadb"},
)


class SnapshotConfig(Config):
    """How many rows travel from the database per chunk (memory holds one chunk)."""

    chunk_rows: int = Field(default=DEFAULT_CHUNK_ROWS, gt=0)


def snapshot_asset(source: SourceTable) -> AssetsDefinition:
    """`banner/snapshot_<table>`: a dimension copied whole, or a fact table's rows of the KST day."""
    spec = source.snapshot
    reads = "the whole table as of the run" if source.kind == "dimension" else f"the rows with `{source.time_column}` in the KST day [day 00:00, day+1 00:00)"

    @asset(
        key=table_key(spec),
        description=f"Snapshot of `{source.name}` ({source.kind}): {reads}. Partition = KST day (`snapshot_date`); re-running replaces it.",
        partitions_def=kst_daily_partitions,
        deps=[SOURCE_DATABASE.key],
        group_name=GROUP,
        kinds={"sql", "iceberg"},
        retry_policy=IO_RETRY,
        metadata={"source_table": source.name, "source_kind": source.kind, "time_column": source.time_column or ""},
    )
    def _snapshot(context: AssetExecutionContext, config: SnapshotConfig, banner_db: DatabaseResource, lakehouse: LakehouseResource) -> MaterializeResult:
        """Copies the source rows of the partition's KST day into `banner.snapshot_<table>`, chunk by chunk."""
        day = partition_day(context)
        lh = lakehouse.lakehouse
        report = write_snapshot(banner_db.engine(), lh, source, day, config.chunk_rows)
        if report.source_missing:
            context.log.warning(
                f"source table `{source.name}` does not exist in {banner_db.safe_url} (a fresh, empty database?): "
                f"wrote an empty partition {spec.identifier} [{day}]. Seed it with `python -m lakehouse_assets.sample_data banner --db-url ...`."
            )
        elif report.rows == 0:
            context.log.info(f"`{source.name}` has no rows for {day}: wrote an empty partition")
        context.log.info(f"{spec.identifier} [{day}]: {report.rows} rows in {report.chunks} chunks")
        return table_result(
            spec,
            report.rows,
            lh,
            preview=report.preview,
            source_table=source.name,
            source_missing=report.source_missing,
            chunks=report.chunks,
            query=MetadataValue.md(f"```sql\n{report.query}\n```") if report.query else "",
        )

    return _snapshot


snapshot_assets = [snapshot_asset(source) for source in SOURCE_TABLES]
