"""Gold's event-time window at its edges, on each engine (`engine` fixture): an event counts for
ingest hour I when its event hour is within I-1h..I+1h, to the microsecond, and the hour and day
buckets are UTC ones whatever offset the event was written with. The plain-Python reference
decides."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from lakehouse_assets.events.pipeline import write_bronze, write_gold, write_silver
from lakehouse_assets.events.tables import (
    GOLD_DATA_QUALITY_HOURLY,
    GOLD_FUNNEL_DAILY,
    GOLD_OPERATIONAL_HOURLY,
    GOLD_SERVER_HEALTH_MINUTELY,
)
from lakehouse_assets.lakehouse.catalog import IcebergLakehouse
from lakehouse_assets.resources import LocalLandingStorage
from lakehouse_assets_tests.events.handwritten_landing import API, API_REQUEST, H10, PAGE_VIEW, UA, at, put, record
from lakehouse_assets_tests.events.reference import compute_reference


def micro_iso(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


MOMENTS = {
    "late-far": micro_iso(at(3, 0)),
    "late-edge": micro_iso(at(8, 59, 59, 999999)),
    "window-start": micro_iso(at(9, 0)),
    "inside": micro_iso(at(10, 30)),
    "offset-inside": "2026-11-23T12:45:00+02:00",  # 10:45 UTC
    "offset-late": "2026-11-23T10:59:59.999999+02:00",  # 08:59:59.999999 UTC
    "window-end": micro_iso(at(11, 59, 59, 999999)),
    "future-edge": micro_iso(at(12, 0)),
    "next-day-future": "2026-11-24T00:30:00+00:00",
}


def test_window_edges_agree_with_the_reference(tmp_path: Path, engine) -> None:
    landing = tmp_path / "landing"
    lines = [record(PAGE_VIEW, event_id=name, session_id=name, event_time=text) for name, text in MOMENTS.items()]
    put(landing, UA, H10, "x.json", lines)
    requests = [record(API_REQUEST, event_id=f"api-{name}", event_time=text) for name, text in MOMENTS.items()]
    put(landing, API, H10, "y.json", requests)
    lakehouse = IcebergLakehouse(f"sqlite:///{tmp_path / 'catalog.db'}", (tmp_path / "lake").as_uri())
    write_bronze(LocalLandingStorage(root=str(landing)), lakehouse, H10)
    list(write_silver(engine, lakehouse, H10))
    hours = [at(9), at(10), at(11), at(12)]
    for hour in hours:
        write_gold(GOLD_OPERATIONAL_HOURLY, engine, lakehouse, hour)
        write_gold(GOLD_SERVER_HEALTH_MINUTELY, engine, lakehouse, hour)
    write_gold(GOLD_DATA_QUALITY_HOURLY, engine, lakehouse, H10)
    for day in (H10.date(), at(0, day=24).date()):
        write_gold(GOLD_FUNNEL_DAILY, engine, lakehouse, day)
    expected = compute_reference(landing)

    (quality,) = [row for row in lakehouse.read_arrow(GOLD_DATA_QUALITY_HOURLY).to_pylist() if row["topic"] == UA]
    (expected_quality,) = [row for row in expected["gold_data_quality_hourly"] if row["topic"] == UA]
    assert (quality["valid_rows"], quality["late_rows"], quality["future_rows"]) == (9, 3, 2)
    assert quality == expected_quality

    events_by_hour = {row["hour"]: (row["events"], row["requests"]) for row in lakehouse.read_arrow(GOLD_OPERATIONAL_HOURLY).to_pylist()}
    expected_by_hour = {row["hour"]: (row["events"], row["requests"]) for row in expected["gold_operational_hourly"]}
    assert events_by_hour == {hour: expected_by_hour.get(hour, (0, 0)) for hour in hours}
    assert events_by_hour[at(10)] == (4, 2)

    minutes = sorted((row["minute"], row["requests"]) for row in lakehouse.read_arrow(GOLD_SERVER_HEALTH_MINUTELY).to_pylist())
    assert minutes == sorted((row["minute"], row["requests"]) for row in expected["gold_server_health_minutely"])

    funnel = {(row["date"], row["step"]): row["sessions"] for row in lakehouse.read_arrow(GOLD_FUNNEL_DAILY).to_pylist()}
    expected_funnel = {(row["date"], row["step"]): row["sessions"] for row in expected["gold_funnel_daily"]}
    assert {key: n for key, n in funnel.items() if key[0] == H10.date()} == expected_funnel
    assert funnel[(H10.date(), "page_view")] == 4
    # The next day's event is beyond the window of every ingest hour present: zero sessions there.
    assert {n for (day, _), n in funnel.items() if day != H10.date()} == {0}
