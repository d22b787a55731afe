"""Asset checks for the banner tables; each returns numbers. The `database_reachable` checks are
the old "SELECT 1" health check, shown in the UI on the database assets."""

from typing import Any, Callable

from dagster import AssetCheckExecutionContext, AssetCheckResult, AssetCheckSeverity

from lakehouse_assets.assets_common import kst_daily_partitions, partition_day, partition_window, table_check
from lakehouse_assets.resources import LakehouseResource
from lakehouse_assets.resources.databases import DatabaseResource

from .assets import STATS_EXPORT_KEY
from .snapshots import SOURCE_DATABASE
from .tables import SOURCE, SOURCE_TABLES, STATS_DAILY, SourceTable

COUNT_COLUMNS = ("impressions", "unique_viewers", "clicks", "orders")
MONEY_COLUMNS = ("revenue", "spend")
RATIOS = {"ctr": ("clicks", "impressions"), "cvr": ("orders", "clicks"), "roas": ("revenue", "spend")}
CENT = 0.005


# -- pure check logic (tested directly) ---------------------------------------------------------


def reachable_result(ok: bool, message: str) -> AssetCheckResult:
    return AssetCheckResult(passed=ok, severity=AssetCheckSeverity.ERROR, description=message, metadata={"message": message})


def source_count_result(kind: str, source_rows: int | None, snapshot_rows: int) -> AssetCheckResult:
    """Snapshot rows = source rows of the day. A dimension may change after its snapshot: warn only."""
    expected = 0 if source_rows is None else source_rows
    return AssetCheckResult(
        passed=snapshot_rows == expected,
        severity=AssetCheckSeverity.ERROR if kind == "fact" else AssetCheckSeverity.WARN,
        metadata={"source_rows": expected, "snapshot_rows": snapshot_rows, "difference": snapshot_rows - expected, "source_table_exists": source_rows is not None},
    )


def _with_banner(table: Any) -> Any:
    import pyarrow.compute as pc

    return table.filter(pc.is_valid(table.column("banner_id")))


def _total(table: Any, column: str) -> float:
    import pyarrow.compute as pc

    return pc.sum(table.column(column)).as_py() or 0


def totals_result(stats: Any, impressions: Any, clicks: Any, orders: Any, costs: Any) -> AssetCheckResult:
    """Stats totals equal the snapshots' rows with a banner (nothing lost or counted twice)."""
    expected = {
        "impressions": _with_banner(impressions).num_rows,
        "clicks": _with_banner(clicks).num_rows,
        "orders": _with_banner(orders).num_rows,
        "revenue": round(_total(_with_banner(orders), "amount"), 2),
        "spend": round(_total(_with_banner(costs), "spend"), 2),
    }
    got = {name: (_total(stats, name) if name in MONEY_COLUMNS else int(_total(stats, name))) for name in expected}
    tolerance = CENT * max(stats.num_rows, 1)  # each banner's sum is rounded to cents
    off = {name: got[name] - expected[name] for name in expected if abs(got[name] - expected[name]) > (tolerance if name in MONEY_COLUMNS else 0)}
    return AssetCheckResult(
        passed=not off,
        metadata={"banners": stats.num_rows, **{f"stats_{k}": got[k] for k in got}, **{f"snapshot_{k}": expected[k] for k in expected}, "mismatched": ", ".join(off) or "none"},
    )


def rows_valid_result(stats: Any) -> AssetCheckResult:
    """One row per banner; counts and sums never NULL or negative; a ratio is NULL iff its denominator is 0."""
    rows = stats.to_pylist()
    banners = [r["banner_id"] for r in rows]
    duplicates = len(banners) - len(set(banners))
    bad_values = sum(1 for r in rows for c in (*COUNT_COLUMNS, *MONEY_COLUMNS) if r[c] is None or r[c] < 0)
    bad_ratios = sum(1 for r in rows for ratio, (_, den) in RATIOS.items() if (r[ratio] is None) != (r[den] == 0))
    idle = sum(1 for r in rows if not (r["impressions"] or r["clicks"] or r["orders"]) and r["spend"] == 0 and r["revenue"] == 0)
    return AssetCheckResult(
        passed=not (duplicates or bad_values or bad_ratios or None in banners),
        metadata={"rows": len(rows), "duplicate_banner_ids": duplicates, "null_or_negative_values": bad_values, "ratio_null_mismatches": bad_ratios, "rows_without_activity": idle},
    )


def export_result(lake_rows: list[dict], exported_rows: list[dict]) -> AssetCheckResult:
    """The export database holds exactly the lakehouse rows of the day (same banners, same numbers)."""
    lake = {r["banner_id"]: r for r in lake_rows}
    exported = {r["banner_id"]: r for r in exported_rows}
    differing = 0
    for banner_id in lake.keys() & exported.keys():
        a, b = lake[banner_id], exported[banner_id]
        if any(a[c] != b[c] for c in COUNT_COLUMNS) or any(abs(float(a[c]) - float(b[c])) > CENT for c in MONEY_COLUMNS):
            differing += 1
    missing, extra = len(lake.keys() - exported.keys()), len(exported.keys() - lake.keys())
    return AssetCheckResult(
        passed=not (differing or missing or extra),
        metadata={"lakehouse_rows": len(lake), "exported_rows": len(exported), "missing_in_export": missing, "extra_in_export": extra, "rows_differing": differing},
    )


# -- Dagster checks -----------------------------------------------------------------------------


@table_check(SOURCE_DATABASE.key, "database_reachable", "SELECT 1 against the ads database (BANNER_DB_URL).")
def source_database_reachable(banner_db: DatabaseResource) -> AssetCheckResult:
    return reachable_result(*banner_db.check())


@table_check(STATS_EXPORT_KEY, "database_reachable", "SELECT 1 against the export database (BANNER_EXPORT_DB_URL).")
def export_database_reachable(banner_export_db: DatabaseResource) -> AssetCheckResult:
    return reachable_result(*banner_export_db.check())


def _source_count_check(source: SourceTable) -> Callable:
    spec = source.snapshot

    @table_check(
        spec,
        "row_count_matches_source",
        f"Rows of the partition = rows of `{source.name}` for the day, counted in the source now.",
        partitions_def=kst_daily_partitions,
    )
    def check(context: AssetCheckExecutionContext, banner_db: DatabaseResource, lakehouse: LakehouseResource) -> AssetCheckResult:
        from .extract import source_row_count

        source_rows = source_row_count(banner_db.engine(), source, partition_day(context))
        return source_count_result(source.kind, source_rows, lakehouse.lakehouse.row_count(spec, partition_window(context, spec)))

    return check


@table_check(
    STATS_DAILY,
    "totals_match_snapshots",
    "Sums of impressions, clicks, orders, revenue and spend equal the day's snapshot rows with a banner.",
    partitions_def=kst_daily_partitions,
    blocking=True,
)
def stats_totals_match_snapshots(context: AssetCheckExecutionContext, lakehouse: LakehouseResource) -> AssetCheckResult:
    lh, window = lakehouse.lakehouse, partition_window(context, STATS_DAILY)

    def read(name: str, columns: tuple[str, ...]) -> Any:
        return lh.read_arrow(SOURCE[name].snapshot, [window], columns)

    return totals_result(
        lh.read_arrow(STATS_DAILY, [window]),
        read("banner_impression", ("banner_id",)),
        read("banner_click", ("banner_id",)),
        read("orders", ("banner_id", "amount")),
        read("banner_cost", ("banner_id", "spend")),
    )


@table_check(
    STATS_DAILY,
    "rows_valid",
    "One row per banner; counts and sums never NULL or negative; ratios NULL exactly when the denominator is 0.",
    partitions_def=kst_daily_partitions,
    blocking=True,
)
def stats_rows_valid(context: AssetCheckExecutionContext, lakehouse: LakehouseResource) -> AssetCheckResult:
    return rows_valid_result(lakehouse.lakehouse.read_arrow(STATS_DAILY, [partition_window(context, STATS_DAILY)]))


@table_check(STATS_EXPORT_KEY, "matches_lakehouse", "The export database holds exactly the day's banner/stats_daily rows.", partitions_def=kst_daily_partitions)
def export_matches_lakehouse(context: AssetCheckExecutionContext, lakehouse: LakehouseResource, banner_export_db: DatabaseResource) -> AssetCheckResult:
    from .export import read_day

    lake_rows = lakehouse.lakehouse.read_arrow(STATS_DAILY, [partition_window(context, STATS_DAILY)]).to_pylist()
    return export_result(lake_rows, read_day(banner_export_db.engine(), partition_day(context)))


banner_checks = [
    source_database_reachable,
    export_database_reachable,
    *[_source_count_check(source) for source in SOURCE_TABLES],
    stats_totals_match_snapshots,
    stats_rows_valid,
    export_matches_lakehouse,
]
