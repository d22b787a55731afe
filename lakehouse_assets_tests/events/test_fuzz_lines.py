"""Fuzz Bronze -> Silver: a few hundred hostile lines (`bad_lines.py`, its own seed) landed as real
landing objects, run through the pipeline on each engine. Nothing crashes, every bad line is
rejected with a reason of the contract's vocabulary (the reason the plain-Python reference gives),
every hour reconciles, and DuckDB and Spark write the same three Silver tables."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pytest

from lakehouse_assets.events.pipeline import write_bronze, write_silver
from lakehouse_assets.events.tables import BRONZE_EVENTS, SILVER_EVENT_DUPLICATES, SILVER_EVENT_REJECTS, SILVER_EVENTS
from lakehouse_assets.lakehouse.tables import Window
from lakehouse_assets.resources import LakehouseResource, LocalLandingStorage
from lakehouse_assets_tests.events.bad_lines import FuzzLine, generate
from lakehouse_assets_tests.events.handwritten_landing import put
from lakehouse_assets_tests.events.reference import build_silver, classify_line, list_landing_objects, read_bronze

SEED = 8_1123  # used by no other test
HOUR = datetime(2026, 11, 23, 10, tzinfo=timezone.utc)
# One object per name and topic, the last gzipped; odd names: Silver takes source keys as plain values.
OBJECT_NAMES = ("+0+0000000001 with space.json", "+0+0000000002 it's \\ \"odd\".json", "+0+0000000003 유니코드.json.gz")
TABLES = {"bronze": BRONZE_EVENTS, "events": SILVER_EVENTS, "rejects": SILVER_EVENT_REJECTS, "duplicates": SILVER_EVENT_DUPLICATES}
# The contract's reasons (docs/contracts/events.md, "Rejects"), and nothing else.
REASON = re.compile(
    r"invalid_utf8|malformed_json|unknown_event_type|bad_timestamp"
    r"|missing_field:(event_id|event_type|event_time|session_id|revenue|server|http_status|latency_ms)"
    r"|bad_value:(event_id|session_id|user_id|page|product_id|revenue|currency|server|http_status|latency_ms)"
)


@dataclass(frozen=True)
class Landed:
    root: Path
    lines: dict[tuple[str, int], tuple[str, FuzzLine]]  # (source_key, physical line number) -> (topic, line)

    @property
    def non_blank(self) -> dict[tuple[str, int], tuple[str, FuzzLine]]:
        return {position: entry for position, entry in self.lines.items() if not entry[1].blank}


@pytest.fixture(scope="module")
def landed(tmp_path_factory) -> Landed:
    root = tmp_path_factory.mktemp("fuzz_landing")
    lines = {}
    for topic, topic_lines in generate(SEED, HOUR).items():
        for n, name in enumerate(OBJECT_NAMES):
            chunk = topic_lines[n :: len(OBJECT_NAMES)]
            key = put(root, topic, HOUR, topic + name, [line.body for line in chunk])
            lines.update({(key, number): (topic, line) for number, line in enumerate(chunk, start=1)})
    return Landed(root, lines)


def run_pipeline(engine, landed: Landed, work: Path) -> dict:
    """Bronze then Silver of the fuzzed hour on `engine`; every table's rows, and the time taken."""
    lakehouse = LakehouseResource(root_uri=(work / "lake").as_uri(), catalog_uri=f"sqlite:///{work / 'catalog.db'}").lakehouse
    began = time.perf_counter()
    write_bronze(LocalLandingStorage(root=str(landed.root)), lakehouse, HOUR)
    written = {spec.identifier: rows for spec, rows, _ in write_silver(engine, lakehouse, HOUR)}
    seconds = time.perf_counter() - began
    tables = {name: sorted(lakehouse.read_arrow(spec).to_pylist(), key=lambda r: (r["source_key"], r["line_number"])) for name, spec in TABLES.items()}
    return {"tables": tables, "written": written, "seconds": seconds, "row_counts": {n: lakehouse.row_count(s, Window.hour(HOUR)) for n, s in TABLES.items()}}


@pytest.fixture(scope="module")
def runs() -> dict:
    return {}  # engine name -> run_pipeline result: the cross-engine test reuses both


@pytest.fixture(scope="module")
def fuzzed(engine, landed, runs, tmp_path_factory) -> dict:
    if engine.name not in runs:
        runs[engine.name] = run_pipeline(engine, landed, tmp_path_factory.mktemp(f"fuzz_{engine.name}"))
    return runs[engine.name]


def positions(rows) -> list[tuple[str, int]]:
    return [(r["source_key"], r["line_number"]) for r in rows]


def test_fuzzed_lines_run_through_without_a_crash(fuzzed, landed, record_property):
    lines = len(landed.lines)
    huge = sum(len(line.body) > 1_000_000 for _, line in landed.lines.values())
    record_property("lines_fuzzed", lines)
    record_property("seconds", round(fuzzed["seconds"], 1))
    print(f"fuzzed {lines} lines ({len(landed.non_blank)} non-blank, {huge} over 1 MB) in {fuzzed['seconds']:.1f} s, 0 crashes")
    assert lines > 500 and huge >= 4
    assert {line.kind for _, line in landed.lines.values()} >= {
        "valid", "truncated", "malformed", "non_utf8", "huge", "deep", "duplicate_keys", "wrong_type", "control", "blank",
    }  # fmt: skip


def test_bronze_keeps_every_non_blank_line_as_received(fuzzed, landed):
    bronze = fuzzed["tables"]["bronze"]
    assert positions(bronze) == sorted(landed.non_blank)
    for row in bronze:
        topic, line = landed.lines[(row["source_key"], row["line_number"])]
        assert row["topic"] == topic and row["ingest_hour"] == HOUR
        assert row["raw"] == line.body.decode("utf-8", errors="replace"), line.kind


def test_every_line_is_accounted_for_exactly_once(fuzzed):
    tables, counts = fuzzed["tables"], fuzzed["row_counts"]
    assert counts["bronze"] == counts["events"] + counts["rejects"] + counts["duplicates"]
    assert [counts[name] for name in TABLES] == [len(tables[name]) for name in TABLES]
    assert fuzzed["written"] == {spec.identifier: counts[name] for name, spec in TABLES.items() if name != "bronze"}
    silver = positions(tables["events"]) + positions(tables["rejects"]) + positions(tables["duplicates"])
    assert sorted(silver) == positions(tables["bronze"])  # each Bronze line in exactly one table
    assert min(counts["events"], counts["rejects"], counts["duplicates"]) > 0


def test_every_bad_line_is_rejected_with_a_contract_reason(fuzzed, landed):
    rejects = {(r["source_key"], r["line_number"]): r for r in fuzzed["tables"]["rejects"]}
    bronze_raw = {(r["source_key"], r["line_number"]): r["raw"] for r in fuzzed["tables"]["bronze"]}
    for position, (_, line) in landed.non_blank.items():
        if line.must_reject:
            assert position in rejects, (line.kind, line.body[:200])
    for position, row in rejects.items():
        assert row["reason"] and REASON.fullmatch(row["reason"]), row["reason"]
        assert row["raw"] == bronze_raw[position]


def test_each_reason_is_the_one_the_reference_gives(fuzzed, landed):
    reasons = {(r["source_key"], r["line_number"]): r["reason"] for r in fuzzed["tables"]["rejects"]}
    wrong = [
        (line.kind, reasons.get(position), expected, line.body[:120])
        for position, (topic, line) in landed.non_blank.items()
        if reasons.get(position) != (expected := classify_line(line.body.decode("utf-8", errors="replace"), topic)[1])
    ]
    assert wrong == []


def test_kept_and_duplicate_lines_are_the_references(fuzzed, landed):
    events, rejects, duplicates = build_silver(read_bronze(list_landing_objects(landed.root)))
    assert positions(fuzzed["tables"]["events"]) == sorted(positions(events))
    assert positions(fuzzed["tables"]["duplicates"]) == sorted(positions(duplicates))
    assert positions(fuzzed["tables"]["rejects"]) == sorted(positions(rejects))


@pytest.mark.spark
def test_duckdb_and_spark_write_the_same_silver_tables(landed, runs, spark, tmp_path_factory):
    from lakehouse_assets.engine.duckdb_engine import DuckDBEngine
    from lakehouse_assets.engine.spark_engine import SparkEngine

    if "duckdb" not in runs:
        duck = DuckDBEngine(threads=2)
        try:
            runs["duckdb"] = run_pipeline(duck, landed, tmp_path_factory.mktemp("fuzz_duckdb"))
        finally:
            duck.close()
    if "spark" not in runs:
        runs["spark"] = run_pipeline(SparkEngine(spark), landed, tmp_path_factory.mktemp("fuzz_spark"))
    for name in ("events", "rejects", "duplicates"):
        duck_rows, spark_rows = runs["duckdb"]["tables"][name], runs["spark"]["tables"][name]
        assert len(duck_rows) == len(spark_rows), name
        for duck_row, spark_row in zip(duck_rows, spark_rows):
            assert duck_row == spark_row, (name, {k: (v, spark_row[k]) for k, v in duck_row.items() if v != spark_row[k]})
