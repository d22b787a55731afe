"""A plain-Python reference of the events contract: landing -> Bronze -> Silver -> Gold.

Written straight from the events contract and its readings in
`lakehouse_assets/events/CONTRACT_NOTES.md`, independently of the Spark assets, so tests can
cross-check them. Standard library only, and meant for test-sized data (everything is held in memory).

`compute_reference(landing_dir)` returns every table as a list of dict rows whose keys are the
contract's column names: timestamps are aware UTC datetimes, dates `datetime.date`, doubles
`float`, and ratios/averages/percentiles `None` where the contract says null. One module per
layer: `bronze` (landing objects and lines), `silver` (validation, deduplication), `gold` (metrics).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lakehouse_assets_tests.events.reference.bronze import list_landing_objects, read_bronze, split_lines
from lakehouse_assets_tests.events.reference.gold import (
    gold_business_daily,
    gold_data_quality_hourly,
    gold_funnel_daily,
    gold_operational_hourly,
    gold_server_health_minutely,
    in_window,
    percentile_cont,
)
from lakehouse_assets_tests.events.reference.silver import build_silver, classify_line, parse_event_time

__all__ = [
    "build_silver",
    "classify_line",
    "compute_reference",
    "list_landing_objects",
    "parse_event_time",
    "percentile_cont",
    "read_bronze",
    "split_lines",
]


def compute_reference(landing_dir: Path) -> dict[str, list[dict[str, Any]]]:
    """Every table of the contract, computed from the landing zone under `landing_dir`."""
    objects = list_landing_objects(Path(landing_dir))
    ingest_hours = sorted({ref.ingest_hour for ref in objects})
    bronze = read_bronze(objects)
    events, rejects, duplicates = build_silver(bronze)
    window = [row for row in events if in_window(row)]
    return {
        "bronze": bronze,
        "silver_events": events,
        "silver_event_rejects": rejects,
        "silver_event_duplicates": duplicates,
        "gold_server_health_minutely": gold_server_health_minutely(window),
        "gold_operational_hourly": gold_operational_hourly(window, ingest_hours),
        "gold_business_daily": gold_business_daily(window),
        "gold_funnel_daily": gold_funnel_daily(window),
        "gold_data_quality_hourly": gold_data_quality_hourly(ingest_hours, bronze, events, rejects, duplicates),
    }
