"""Tests of the landing-events sample generator, checked against the plain-Python reference."""

from __future__ import annotations

import gzip
import re
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from lakehouse_assets.sample_data.__main__ import main
from lakehouse_assets.sample_data.events import (
    REJECT_REASONS,
    LandingObject,
    generate_event_objects,
    write_events,
    write_landing_objects,
)
from lakehouse_assets_tests.events.reference import compute_reference

START = datetime(2026, 11, 23, 0, tzinfo=timezone.utc)
HOURS = 3
EVENTS_PER_HOUR = 2000
BAD_SHARE = 0.02
ALL_REASONS = {reason for reasons in REJECT_REASONS.values() for reason in reasons}
KEY = re.compile(
    r"events/topic=(?P<topic>user-activity|api-requests)/date=(?P<date>\d{4}-\d{2}-\d{2})/hour=(?P<hour>\d{2})/"
    r"(?P=topic)\+\d\+\d{10}\.json(?P<gz>\.gz)?"
)


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Three hours x 2000 events written to disk, with the generator summary and the reference."""
    landing = tmp_path_factory.mktemp("landing")
    summary = write_events(landing, START, HOURS, EVENTS_PER_HOUR, BAD_SHARE, seed=7)
    return {"landing": landing, "summary": summary, "tables": compute_reference(landing)}


def objects(**overrides: Any) -> list[LandingObject]:
    arguments = {"start": START, "hours": 2, "events_per_hour": 600, "bad_share": 0.05, "seed": 7, **overrides}
    return list(generate_event_objects(**arguments))


def test_same_arguments_give_the_same_bytes() -> None:
    assert objects() == objects()
    assert objects(seed=8) != objects()


def test_written_files_are_identical_across_runs(tmp_path: Path) -> None:
    for run in ("one", "two"):
        write_events(tmp_path / run, START, 2, 500, 0.05, seed=3)
    files = {run: _files(tmp_path / run) for run in ("one", "two")}
    assert files["one"] == files["two"] and files["one"]
    for relative in files["one"]:
        one, two = tmp_path / "one" / relative, tmp_path / "two" / relative
        assert one.read_bytes() == two.read_bytes()
        assert one.stat().st_mtime_ns == two.stat().st_mtime_ns


def _files(root: Path) -> list[Path]:
    return sorted(path.relative_to(root) for path in root.rglob("*") if path.is_file())


def test_key_layout_and_last_modified() -> None:
    generated = objects(hours=3)
    per_topic_hour = Counter()
    for obj in generated:
        match = KEY.fullmatch(obj.key)
        assert match, obj.key
        hour = datetime.strptime(f"{match['date']}T{match['hour']}", "%Y-%m-%dT%H").replace(tzinfo=timezone.utc)
        assert START <= hour < START + timedelta(hours=3)
        assert hour <= obj.last_modified < hour + timedelta(hours=1)
        if match["gz"]:
            assert obj.body[4:8] == b"\0\0\0\0"  # gzip mtime 0
            gzip.decompress(obj.body)
        per_topic_hour[(match["topic"], hour)] += 1
    assert len(per_topic_hour) == 6
    assert all(2 <= count <= 4 for count in per_topic_hour.values())
    assert len({obj.key for obj in generated}) == len(generated)


def test_write_landing_objects_sets_mtime(tmp_path: Path) -> None:
    written_at = datetime(2026, 11, 23, 5, 7, 1, 250000, tzinfo=timezone.utc)
    obj = LandingObject("events/topic=api-requests/date=2026-11-23/hour=05/x.json", b"{}\n", written_at)
    assert write_landing_objects(tmp_path, [obj]) == 1
    path = tmp_path / obj.key
    assert path.read_bytes() == b"{}\n"
    assert path.stat().st_mtime_ns == int(obj.last_modified.timestamp()) * 10**9 + 250_000_000


def test_summary_matches_the_reference(day: dict[str, Any]) -> None:
    summary, tables = day["summary"], day["tables"]
    quality = tables["gold_data_quality_hourly"]
    assert summary["lines"] == len(tables["bronze"]) == HOURS * EVENTS_PER_HOUR
    assert summary["valid"] == len(tables["silver_events"])
    assert summary["rejected"] == len(tables["silver_event_rejects"])
    assert summary["duplicates"] == len(tables["silver_event_duplicates"])
    assert summary["late"] == sum(row["late_rows"] for row in quality)
    assert summary["future"] == sum(row["future_rows"] for row in quality)
    reasons = Counter(row["reason"] for row in tables["silver_event_rejects"])
    assert summary["rejects_by_reason"] == dict(sorted(reasons.items()))
    assert summary["lines_by_topic"] == dict(Counter(row["topic"] for row in tables["bronze"]))


def test_bad_share_is_honoured(day: dict[str, Any]) -> None:
    tables = day["tables"]
    bad = len(tables["silver_event_rejects"]) + len(tables["silver_event_duplicates"])
    assert bad / len(tables["bronze"]) == pytest.approx(BAD_SHARE, abs=0.004)
    assert len(tables["silver_event_duplicates"]) < len(tables["silver_event_rejects"])


def test_every_reject_reason_is_present(day: dict[str, Any]) -> None:
    reasons = Counter(row["reason"] for row in day["tables"]["silver_event_rejects"])
    assert set(reasons) == ALL_REASONS
    assert len(ALL_REASONS) == 22
    rejects = day["tables"]["silver_event_rejects"]
    raws = [row["raw"] for row in rejects]
    assert any('"event_type":"api_request"' in row["raw"] and row["topic"] == "user-activity" for row in rejects)
    assert any('"event_time":"' in raw and re.search(r'"event_time":"[^"]*\.\d{3}"', raw) for raw in raws)  # no offset
    assert any(re.search(r'"(event_id|revenue|http_status|latency_ms|server|user_id)":(true|false)', raw) for raw in raws)
    assert any(re.search(r'"(revenue|latency_ms)":-\d', raw) for raw in raws)


def test_duplicates_within_the_hour_and_across_the_boundary(day: dict[str, Any]) -> None:
    tables = day["tables"]
    kept = {(row["ingest_hour"], row["event_id"]) for row in tables["silver_events"]}
    within = [row for row in tables["silver_event_duplicates"] if (row["ingest_hour"], row["event_id"]) in kept]
    across = [
        row
        for row in tables["silver_event_duplicates"]
        if (row["ingest_hour"] - timedelta(hours=1), row["event_id"]) in kept
    ]
    assert within and across
    assert len(within) + len(across) == len(tables["silver_event_duplicates"])
    assert all(row["ingest_hour"] > START for row in across)


def test_content_looks_like_real_traffic(day: dict[str, Any]) -> None:
    tables, summary = day["tables"], day["summary"]
    events = tables["silver_events"]
    topics = Counter(row["topic"] for row in events)
    assert topics["user-activity"] / len(events) == pytest.approx(0.8, abs=0.02)

    funnel = [row for row in tables["gold_funnel_daily"] if row["date"] == START.date()]
    sessions = [row["sessions"] for row in funnel]
    assert sessions[0] > sessions[1] > sessions[2] > sessions[3] > 0

    currencies = Counter(row["currency"] for row in events if row["event_type"] == "purchase")
    assert currencies["KRW"] > currencies["USD"] > 0 and set(currencies) == {"KRW", "USD"}
    purchase_lines = [row["raw"] for row in tables["bronze"] if '"event_type":"purchase"' in row["raw"]]
    assert any('"currency"' not in raw for raw in purchase_lines)
    assert all(row["revenue"] >= 0 for row in events if row["event_type"] == "purchase")

    anonymous = [row for row in events if row["topic"] == "user-activity" and row["user_id"] is None]
    assert 0.1 < len(anonymous) / topics["user-activity"] < 0.5

    requests = [row for row in events if row["event_type"] == "api_request"]
    statuses = Counter(row["http_status"] // 100 for row in requests)
    assert statuses[2] / len(requests) > 0.8 and statuses[3] and statuses[4] and statuses[5]
    assert {row["server"] for row in requests} == {"web-1", "web-2", "web-3", "web-4", "api-1", "api-2"}
    assert all(row["latency_ms"] >= 0 for row in requests)

    windows = Counter(_window(row) for row in events)
    assert windows["inside"] / len(events) > 0.85
    assert windows["hour_before"] and windows["late"] and windows["future"]
    assert summary["blank_lines"] > 0 and summary["gzip_objects"] > 0
    assert any('"method"' in row["raw"] or '"app_version"' in row["raw"] for row in tables["bronze"])


def _window(row: dict[str, Any]) -> str:
    hour = row["event_time"].replace(minute=0, second=0, microsecond=0)
    ingest = row["ingest_hour"]
    if hour < ingest - timedelta(hours=1):
        return "late"
    if hour > ingest + timedelta(hours=1):
        return "future"
    return {ingest - timedelta(hours=1): "hour_before", ingest: "inside"}.get(hour, "hour_after")


def test_cli_writes_and_prints_a_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["events", "--landing", str(tmp_path), "--start", "2026-11-23T05", "--hours", "2"]
    argv += ["--events-per-hour", "300", "--bad-share", "0.05", "--seed", "7"]
    assert main(argv) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith("events: ") and "600 lines" in line and "rejected" in line and "duplicates" in line
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert written and all("/date=2026-11-23/hour=0" in key for key in written)
    assert {key.split("/hour=")[1][:2] for key in written} == {"05", "06"}


def test_invalid_arguments_are_refused() -> None:
    with pytest.raises(ValueError):
        generate_event_objects(START + timedelta(minutes=5), 1, 10, 0.0, 7)
    with pytest.raises(ValueError):
        generate_event_objects(START, 1, 10, 1.5, 7)
    with pytest.raises(SystemExit):
        main(["events", "--landing", "x", "--start", "2026-11-23T05:30", "--hours", "1"])
