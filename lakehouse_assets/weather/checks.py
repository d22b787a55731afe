"""Asset checks for `weather/observations` (they replace the old validate_data_quality task).

Pure `*_result` functions over a partition's rows return an `AssetCheckResult` with numbers; the
partitioned `@asset_check`s read the partition and call them.
"""

from datetime import datetime, timedelta
from typing import Any, Iterable

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    Config,
    MetadataValue,
)

from lakehouse_assets.assets_common import hourly_partitions, markdown_preview, partition_window, table_check
from lakehouse_assets.lakehouse.tables import Window
from lakehouse_assets.resources import LakehouseResource
from lakehouse_assets.resources.kma import KmaResource

from .assets import OBSERVATIONS_KEY
from .tables import OBSERVATIONS, VALUE_COLUMNS

# Plausible bounds per hourly value (inclusive). Wider than any Korean record, narrow enough to
# catch unit slips (°F, Pa, km/h) and sentinel values such as -99.
PHYSICAL_RANGES: dict[str, tuple[float, float]] = {
    "ta": (-50.0, 50.0),
    "td": (-60.0, 40.0),
    "ts": (-60.0, 80.0),
    "hm": (0.0, 100.0),
    "pv": (0.0, 80.0),
    "pa": (800.0, 1100.0),
    "ps": (800.0, 1100.0),
    "ws": (0.0, 75.0),
    "wd": (0.0, 360.0),
    "rn": (0.0, 300.0),
    "ss": (0.0, 1.0),
    "icsr": (0.0, 5.0),
    "dsnw": (0.0, 500.0),
    "vs": (0.0, 10000.0),
}
KEY_COLUMNS = ("station_id", "observed_at")
CORE_COLUMNS = ("ta", "hm", "pa", "ps", "ws", "wd")  # every ASOS station reports these every hour
MAX_LISTED = 50


# -- pure check logic (tested directly) ---------------------------------------------------------


def completeness_result(rows: list[dict[str, Any]], stations: Iterable[int], window: Window) -> AssetCheckResult:
    """Every (station, hour) of the window has a row."""
    hours = []
    hour = window.start
    while hour < window.end:
        hours.append(hour)
        hour += timedelta(hours=1)
    expected = {(s, h) for s in stations for h in hours}
    present = {(r["station_id"], r["observed_at"]) for r in rows} & expected
    missing = sorted(expected - present, key=lambda p: (p[1], p[0]))
    return AssetCheckResult(
        passed=not missing,
        severity=AssetCheckSeverity.WARN,  # the service can lack an hour; the schedule fetches it again
        metadata={
            "stations": len({s for s, _ in expected}),
            "hours": len(hours),
            "expected_rows": len(expected),
            "present_rows": len(present),
            "missing_rows": len(missing),
            "completeness": round(len(present) / len(expected), 6) if expected else 1.0,
            "missing": ", ".join(f"{s}@{h:%Y-%m-%dT%H}" for s, h in missing[:MAX_LISTED]) or "none",
        },
    )


def ranges_result(rows: list[dict[str, Any]], ranges: dict[str, tuple[float, float]] = PHYSICAL_RANGES) -> AssetCheckResult:
    """Every non-null value lies within its physical range; offending rows are listed."""
    offending = []
    per_column = {column: 0 for column in ranges}
    for row in rows:
        for column, (low, high) in ranges.items():
            value = row.get(column)
            if value is not None and not low <= value <= high:
                per_column[column] += 1
                offending.append(
                    {
                        "station_id": row["station_id"],
                        "observed_at": _iso(row["observed_at"]),
                        "column": column,
                        "value": value,
                        "allowed": f"{low:g}..{high:g}",
                    }
                )
    return AssetCheckResult(
        passed=not offending,
        metadata={
            "rows": len(rows),
            "out_of_range_values": len(offending),
            "out_of_range_rows": len({(o["station_id"], o["observed_at"]) for o in offending}),
            **{f"out_of_range_{c}": n for c, n in per_column.items()},
            "offending_rows": MetadataValue.json(offending[:MAX_LISTED]),
            "offending_preview": MetadataValue.md(markdown_preview(offending, limit=20)),
        },
    )


def null_share_result(rows: list[dict[str, Any]], max_share: float, core: tuple[str, ...] = CORE_COLUMNS) -> AssetCheckResult:
    """Share of nulls per value column; keys must never be null, core columns at most `max_share`."""
    total = len(rows)
    shares = {c: (sum(1 for r in rows if r.get(c) is None) / total if total else 0.0) for c in VALUE_COLUMNS}
    null_keys = sum(1 for r in rows for k in KEY_COLUMNS if r.get(k) is None)
    over = [c for c in core if shares[c] > max_share]
    return AssetCheckResult(
        passed=not null_keys and not over,
        severity=AssetCheckSeverity.ERROR if null_keys else AssetCheckSeverity.WARN,
        metadata={
            "rows": total,
            "null_keys": null_keys,
            "max_share": max_share,
            "core_columns_over": ", ".join(over) or "none",
            **{f"null_share_{c}": round(s, 6) for c, s in shares.items()},
        },
    )


def duplicates_result(rows: list[dict[str, Any]]) -> AssetCheckResult:
    """No (station_id, observed_at) twice."""
    counts: dict[tuple, int] = {}
    for r in rows:
        key = (r["station_id"], r["observed_at"])
        counts[key] = counts.get(key, 0) + 1
    repeated = {k: n for k, n in counts.items() if n > 1}
    return AssetCheckResult(
        passed=not repeated,
        metadata={
            "rows": len(rows),
            "distinct_keys": len(counts),
            "duplicate_rows": sum(n - 1 for n in repeated.values()),
            "duplicated_keys": ", ".join(f"{s}@{_iso(t)}" for s, t in sorted(repeated, key=str)[:MAX_LISTED]) or "none",
        },
    )


def _iso(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


# -- Dagster checks -----------------------------------------------------------------------------


class NullShareConfig(Config):
    """Above `max_null_share` nulls in a core column (ta, hm, pa, ps, ws, wd) the check warns."""

    max_null_share: float = 0.25


def _check(name: str, description: str, blocking: bool = False):
    return table_check(OBSERVATIONS_KEY, name, description, partitions_def=hourly_partitions, blocking=blocking)


def _rows(lakehouse: LakehouseResource, context: AssetCheckExecutionContext) -> tuple[Window, list[dict[str, Any]]]:
    window = partition_window(context)
    return window, lakehouse.lakehouse.read_arrow(OBSERVATIONS, [window]).to_pylist()


@_check("stations_complete", "Every configured station has a row for the hour (stations x hours); warns with the missing pairs.")
def stations_complete(context: AssetCheckExecutionContext, kma: KmaResource, lakehouse: LakehouseResource) -> AssetCheckResult:
    window, rows = _rows(lakehouse, context)
    return completeness_result(rows, kma.stations, window)


@_check("physical_ranges", "ta -50..50 °C, hm 0..100 %, pa/ps 800..1100 hPa, ws >= 0, wd 0..360, rn >= 0 ...; lists the offending rows.")
def physical_ranges(context: AssetCheckExecutionContext, lakehouse: LakehouseResource) -> AssetCheckResult:
    return ranges_result(_rows(lakehouse, context)[1])


@_check("null_share", "Share of nulls per column; fails on null keys, warns when a core column exceeds max_null_share.")
def null_share(context: AssetCheckExecutionContext, config: NullShareConfig, lakehouse: LakehouseResource) -> AssetCheckResult:
    return null_share_result(_rows(lakehouse, context)[1], config.max_null_share)


@_check("no_duplicates", "No (station_id, observed_at) appears twice.", blocking=True)
def no_duplicates(context: AssetCheckExecutionContext, lakehouse: LakehouseResource) -> AssetCheckResult:
    return duplicates_result(_rows(lakehouse, context)[1])


weather_checks = [stations_complete, physical_ranges, null_share, no_duplicates]
