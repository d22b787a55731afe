"""Asset checks for the events tables (they replace the old validate task). Each returns numbers."""


from datetime import timedelta
from typing import Any, Callable

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    Config,
)

from lakehouse_assets.assets_common import daily_partitions, hourly_partitions, partition_window, table_check
from lakehouse_assets.lakehouse.schemas import arrow_schema
from lakehouse_assets.lakehouse.tables import TableSpec, Window
from lakehouse_assets.resources import LakehouseResource

from .tables import (
    BRONZE_EVENTS,
    GOLD_BUSINESS_DAILY,
    GOLD_DATA_QUALITY_HOURLY,
    GOLD_FUNNEL_DAILY,
    GOLD_OPERATIONAL_HOURLY,
    GOLD_SERVER_HEALTH_MINUTELY,
    GOLD_TABLES,
    SILVER_EVENT_DUPLICATES,
    SILVER_EVENT_REJECTS,
    SILVER_EVENTS,
)

SILVER_KEYS = ("event_id", "event_type", "topic", "event_time", "ingest_hour", "source_key", "line_number")
RATE_COLUMNS = {
    GOLD_SERVER_HEALTH_MINUTELY: ("error_rate",),
    GOLD_OPERATIONAL_HOURLY: ("error_rate_5xx",),
    GOLD_BUSINESS_DAILY: ("conversion_rate",),
    GOLD_FUNNEL_DAILY: ("conversion_from_previous", "conversion_from_first"),
}


# -- pure check logic (tested directly) ---------------------------------------------------------


def schema_result(spec: TableSpec, lakehouse: Any, window: Window) -> AssetCheckResult:
    """Every data file of the partition has exactly the declared columns, names and types."""
    expected = arrow_schema(spec)
    files = lakehouse.file_schemas(spec, window)
    bad = [path for path, schema in files if [(f.name, _base_type(f.type)) for f in schema] != [(f.name, _base_type(f.type)) for f in expected]]
    return AssetCheckResult(
        passed=not bad,
        metadata={"files_checked": len(files), "files_mismatched": len(bad), "declared_columns": len(expected), "first_mismatch": bad[0] if bad else ""},
    )


def _base_type(arrow_type: Any) -> str:
    # large_string and string are the same logical column; so are timestamp units written as us.
    text = str(arrow_type)
    return "string" if text in ("string", "large_string") else text


def null_keys_result(table: Any, keys: tuple[str, ...]) -> AssetCheckResult:
    nulls = {k: table.column(k).null_count for k in keys}
    return AssetCheckResult(passed=not any(nulls.values()), metadata={"rows": table.num_rows, **{f"null_{k}": n for k, n in nulls.items()}})


def duplicate_ids_result(current: Any, previous: Any) -> AssetCheckResult:
    import pyarrow.compute as pc

    ids = current.column("event_id")
    within = len(ids) - len(pc.unique(ids))
    across = int(pc.sum(pc.is_in(pc.unique(ids), value_set=previous.column("event_id").combine_chunks())).as_py() or 0)
    return AssetCheckResult(
        passed=within == 0 and across == 0,
        metadata={"rows": len(ids), "duplicate_ids_within_hour": within, "ids_also_in_previous_hour": across},
    )


def reconciliation_result(bronze: int, silver: int, rejects: int, duplicates: int) -> AssetCheckResult:
    missing = bronze - (silver + rejects + duplicates)
    return AssetCheckResult(
        passed=missing == 0,
        metadata={"bronze_rows": bronze, "silver_rows": silver, "rejected_rows": rejects, "duplicate_rows": duplicates, "unaccounted_rows": missing},
    )


def reject_share_result(rejects: int, bronze: int, warn_above: float, fail_above: float) -> AssetCheckResult:
    share = rejects / bronze if bronze else 0.0
    severity = AssetCheckSeverity.ERROR if share > fail_above else AssetCheckSeverity.WARN
    return AssetCheckResult(
        passed=share <= warn_above,
        severity=severity,
        metadata={"rejected_rows": rejects, "bronze_rows": bronze, "reject_share": round(share, 6), "warn_above": warn_above, "fail_above": fail_above},
    )


def rates_result(table: Any, columns: tuple[str, ...]) -> AssetCheckResult:
    import pyarrow.compute as pc

    outside = {c: int(pc.sum(pc.or_(pc.less(table.column(c), 0), pc.greater(table.column(c), 1))).as_py() or 0) for c in columns}
    return AssetCheckResult(passed=not any(outside.values()), metadata={"rows": table.num_rows, **{f"{c}_outside_0_1": n for c, n in outside.items()}})


def funnel_result(table: Any) -> AssetCheckResult:
    by_date: dict[Any, list[tuple[int, int]]] = {}
    for row in table.select(["date", "step_order", "sessions"]).to_pylist():
        by_date.setdefault(row["date"], []).append((row["step_order"], row["sessions"]))
    increases = 0
    for steps in by_date.values():
        counts = [s for _, s in sorted(steps)]
        increases += sum(1 for a, b in zip(counts, counts[1:]) if b > a)
    complete = all(sorted(o for o, _ in steps) == [1, 2, 3, 4] for steps in by_date.values())
    return AssetCheckResult(passed=increases == 0 and complete, metadata={"dates": len(by_date), "steps_increasing": increases, "four_steps_per_date": complete})


def quality_balance_result(table: Any) -> AssetCheckResult:
    off = [r["topic"] for r in table.to_pylist() if r["bronze_rows"] != r["valid_rows"] + r["rejected_rows"] + r["duplicate_rows"]]
    return AssetCheckResult(passed=not off, metadata={"rows": table.num_rows, "unbalanced_topics": ", ".join(off) or "none"})


# -- Dagster checks -----------------------------------------------------------------------------


class RejectShareConfig(Config):
    """Share of Bronze lines rejected in an hour: above `warn_above` warns, above `fail_above` fails."""

    warn_above: float = 0.05
    fail_above: float = 0.20


def _partitioned_check(spec: TableSpec, name: str, description: str, blocking: bool = False):
    partitions = daily_partitions if spec.column(spec.partition_column).type == "date" else hourly_partitions
    return table_check(spec, name, description, partitions_def=partitions, blocking=blocking)


def _schema_check(spec: TableSpec) -> Callable:
    @_partitioned_check(spec, "schema_matches_declaration", f"Data files of {spec.identifier} have exactly the declared columns and types.")
    def check(context: AssetCheckExecutionContext, lakehouse: LakehouseResource) -> AssetCheckResult:
        return schema_result(spec, lakehouse.lakehouse, partition_window(context, spec))

    return check


@_partitioned_check(SILVER_EVENTS, "no_null_keys", "Silver rows have event_id, type, time, topic and lineage columns.", blocking=True)
def silver_no_null_keys(context: AssetCheckExecutionContext, lakehouse: LakehouseResource) -> AssetCheckResult:
    window = partition_window(context)
    return null_keys_result(lakehouse.lakehouse.read_arrow(SILVER_EVENTS, [window], SILVER_KEYS), SILVER_KEYS)


@_partitioned_check(SILVER_EVENTS, "no_duplicate_event_id", "No event_id twice in the hour, nor in this hour and the previous one.")
def silver_no_duplicate_event_id(context: AssetCheckExecutionContext, lakehouse: LakehouseResource) -> AssetCheckResult:
    window = partition_window(context)
    previous = Window(window.start - timedelta(hours=1), window.start)
    lh = lakehouse.lakehouse
    return duplicate_ids_result(lh.read_arrow(SILVER_EVENTS, [window], ["event_id"]), lh.read_arrow(SILVER_EVENTS, [previous], ["event_id"]))


@_partitioned_check(SILVER_EVENTS, "bronze_reconciles", "Bronze rows = Silver + rejected + duplicate rows for the ingest hour.", blocking=True)
def silver_reconciles_with_bronze(context: AssetCheckExecutionContext, lakehouse: LakehouseResource) -> AssetCheckResult:
    window = partition_window(context)
    lh = lakehouse.lakehouse
    counts = [lh.row_count(spec, window) for spec in (BRONZE_EVENTS, SILVER_EVENTS, SILVER_EVENT_REJECTS, SILVER_EVENT_DUPLICATES)]
    return reconciliation_result(*counts)


@_partitioned_check(SILVER_EVENT_REJECTS, "reject_share", "Share of the hour's Bronze lines rejected: warns above warn_above, fails above fail_above.")
def rejects_share(context: AssetCheckExecutionContext, config: RejectShareConfig, lakehouse: LakehouseResource) -> AssetCheckResult:
    window = partition_window(context)
    lh = lakehouse.lakehouse
    return reject_share_result(lh.row_count(SILVER_EVENT_REJECTS, window), lh.row_count(BRONZE_EVENTS, window), config.warn_above, config.fail_above)


def _rates_check(spec: TableSpec, columns: tuple[str, ...]) -> Callable:
    @_partitioned_check(spec, "rates_within_0_1", f"{', '.join(columns)} lie within [0, 1].")
    def check(context: AssetCheckExecutionContext, lakehouse: LakehouseResource) -> AssetCheckResult:
        window = partition_window(context, spec)
        return rates_result(lakehouse.lakehouse.read_arrow(spec, [window], columns), columns)

    return check


@_partitioned_check(GOLD_FUNNEL_DAILY, "funnel_non_increasing", "Each date has four steps and sessions never grow from one step to the next.")
def funnel_non_increasing(context: AssetCheckExecutionContext, lakehouse: LakehouseResource) -> AssetCheckResult:
    return funnel_result(lakehouse.lakehouse.read_arrow(GOLD_FUNNEL_DAILY, [partition_window(context, GOLD_FUNNEL_DAILY)]))


@_partitioned_check(GOLD_DATA_QUALITY_HOURLY, "rows_balance", "Per topic: bronze_rows = valid_rows + rejected_rows + duplicate_rows.")
def data_quality_balances(context: AssetCheckExecutionContext, lakehouse: LakehouseResource) -> AssetCheckResult:
    return quality_balance_result(lakehouse.lakehouse.read_arrow(GOLD_DATA_QUALITY_HOURLY, [partition_window(context)]))


events_checks = [
    *[_schema_check(spec) for spec in (BRONZE_EVENTS, SILVER_EVENTS, SILVER_EVENT_REJECTS, SILVER_EVENT_DUPLICATES, *GOLD_TABLES)],
    silver_no_null_keys,
    silver_no_duplicate_event_id,
    silver_reconciles_with_bronze,
    rejects_share,
    *[_rates_check(spec, cols) for spec, cols in RATE_COLUMNS.items()],
    funnel_non_increasing,
    data_quality_balances,
]
