"""Compare the DuckDB events implementation with the plain-Python reference on generated data.

    python -m bench.compare_duckdb_reference [--hours 24] [--events-per-hour 10000] [--bad-share 0.02]
                                             [--seed 7] [--start 2026-11-23T00] [--threads 2]
    python -m bench.compare_duckdb_reference --edge-cases

Generated landing objects (`sample_data.events`) go through the plain-Python reference
(`lakehouse_assets_tests.events.reference`) and, from its own Bronze rows, through
`bench.duckdb_events.run_duckdb`; per table it prints whether they agree (rows matched by key,
doubles to 1e-9 relative, the rest exactly). Exit code 1 on any mismatch.

`--edge-cases` instead runs hand-written tricky lines (JSON strictness, missing vs empty values,
number and timestamp corner cases) one by one through both and prints each outcome; the
differences `bench/duckdb_events_parse.py` documents as not closed are labelled KNOWN.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

KEYS: dict[str, tuple[str, ...]] = {
    "silver_events": ("ingest_hour", "source_key", "line_number"),
    "silver_event_rejects": ("ingest_hour", "source_key", "line_number"),
    "silver_event_duplicates": ("ingest_hour", "source_key", "line_number"),
    "gold_server_health_minutely": ("minute", "server"),
    "gold_operational_hourly": ("hour",),
    "gold_business_daily": ("date", "currency"),
    "gold_funnel_daily": ("date", "step_order"),
    "gold_data_quality_hourly": ("ingest_hour", "topic"),
}
REL_TOL = 1e-9


def _same(a: Any, b: Any) -> bool:
    if (isinstance(a, float) or isinstance(b, float)) and a is not None and b is not None and not (math.isinf(a) or math.isinf(b)):
        return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=1e-12)
    return a is b if a is None or b is None else a == b


def compare_table(name: str, ours: list[dict[str, Any]], reference: list[dict[str, Any]], show: int = 5) -> list[str]:
    """Human-readable differences between two lists of rows (empty when they agree)."""
    key = KEYS[name]
    problems: list[str] = []
    if ours and reference and list(ours[0]) != list(reference[0]):
        problems.append(f"columns differ: duckdb {list(ours[0])} vs reference {list(reference[0])}")
    by_key_ours = {tuple(r[k] for k in key): r for r in ours}
    by_key_ref = {tuple(r[k] for k in key): r for r in reference}
    if len(by_key_ours) != len(ours):
        problems.append(f"duckdb has {len(ours) - len(by_key_ours)} rows with a repeated key {key}")
    if len(by_key_ref) != len(reference):
        problems.append(f"reference has {len(reference) - len(by_key_ref)} rows with a repeated key {key}")
    only_ours = sorted(set(by_key_ours) - set(by_key_ref))
    only_ref = sorted(set(by_key_ref) - set(by_key_ours))
    if only_ours:
        problems.append(f"{len(only_ours)} rows only in duckdb, e.g. " + "; ".join(str(by_key_ours[k]) for k in only_ours[:show]))
    if only_ref:
        problems.append(f"{len(only_ref)} rows only in reference, e.g. " + "; ".join(str(by_key_ref[k]) for k in only_ref[:show]))
    differing = Counter()
    examples: list[str] = []
    for k in sorted(set(by_key_ours) & set(by_key_ref)):
        a, b = by_key_ours[k], by_key_ref[k]
        for column in b:
            if not _same(a.get(column), b[column]):
                differing[column] += 1
                if len(examples) < show:
                    examples.append(f"{k} {column}: duckdb={a.get(column)!r} reference={b[column]!r}")
    if differing:
        problems.append(f"values differ in columns {dict(differing)}; e.g. " + "; ".join(examples))
    return problems


# ---- hand-written edge cases ----------------------------------------------------------------

_PV = '"event_type":"page_view","event_time":"2026-11-23T10:15:02.123Z","session_id":"s1"'
_REQ = '"event_type":"api_request","event_time":"2026-11-23T10:20:00Z","server":"web-1","http_status":200,"latency_ms":12.5'
_BUY = '"event_type":"purchase","event_time":"2026-11-23T10:00:00Z","session_id":"s"'
# differences `bench/duckdb_events_parse.py` documents as not closed: marker -> why
KNOWN = {
    "dup-key": "duplicate key: yyjson reads the first occurrence, Python the last",
    "deep": "nesting beyond Python's recursion limit: Python rejects, yyjson does not",
    "surrogate-value": "a kept field with a lone surrogate: U+FFFD here, the lone surrogate in Python",
}


def _edge_lines() -> list[tuple[str, str, str | None]]:
    """(topic, raw, known-difference marker or None)."""
    ua, api = "user-activity", "api-requests"

    def pv(extra: str = "", event_id: str = "pv") -> str:
        return '{"event_id":"%s",%s%s}' % (event_id, _PV, extra)

    def rq(extra: str = "") -> str:
        return '{"event_id":"rq",%s%s}' % (_REQ, extra)

    def buy(extra: str) -> str:
        return '{"event_id":"buy",%s%s}' % (_BUY, extra)

    lines: list[tuple[str, str, str | None]] = [
        (ua, pv(',"event_id":""'), "dup-key"),
        (ua, pv(',"x":"\\ud800"'), None),
        (ua, pv(',"x":"\\udc00 \\\\ud800 \\ud83d\\ude00"'), None),
        (ua, pv(',"page":"caf\\ud800"'), "surrogate-value"),
        (ua, pv(',"x":"\\ud800",}'), None),
        (ua, pv(',"x":"\\ud800"') + "\\", None),
        (ua, pv(',"page":"NaN inf Infinity"'), None),
        (ua, pv(',"page":"a,]b,}"'), None),
        (ua, pv(',"x":[1,2,]'), None),
        (ua, pv(',"x":{"a":1,}'), None),
        (ua, pv(',"x":-Infinity'), None),
        (ua, pv(',"x":nan'), None),
        (ua, pv(',"x":"\\"inf\\\\"'), None),
        (ua, pv(',"x":"\\\\","y":[1 , ]'), None),
        (ua, "  " + pv() + " \t\r", None),
        (ua, pv() + "\x0c", None),
        (ua, "\ufeff" + pv(), None),
        (ua, pv() + " x", None),
        (ua, pv() + pv(), None),
        (ua, pv().replace('"', "'"), None),
        (ua, pv(',"x":' + "[" * 3000 + "]" * 3000), "deep"),
        (ua, pv(',"x":' + "[" * 500 + "]" * 500), None),
        (ua, '{"event\\u005fid":"escaped-key",' + _PV + "}", None),
        (ua, pv(',"page":"\\u0000x"'), None),
        (ua, pv(',"page":"caf\\u00e9","user_id":"  "'), None),
        (ua, pv(',"page":"","user_id":"","product_id":""'), None),
        (ua, pv(',"http_status":"","latency_ms":""'), None),
        (ua, pv(',"latency_ms":"5"'), None),
        (ua, pv(',"latency_ms":-0.0,"http_status":100'), None),
        (ua, pv(',"server":""'), None),
        (ua, pv(',"server":5'), None),
        (ua, pv(',"revenue":"abc","currency":5'), None),
        (ua, pv(',"http_status":599.0'), None),
        (ua, pv(',"http_status":2e2'), None),
        (ua, pv(',"http_status":-0'), None),
        (ua, pv(',"http_status":true'), None),
        (ua, pv(',"http_status":99999999999999999999999'), None),
        (ua, pv(',"http_status":18446744073709551615'), None),
        (ua, pv(',"latency_ms":1e400'), None),
        (ua, pv(',"latency_ms":' + "9" * 400), None),
        (ua, buy(',"revenue":1e400'), None),
        (ua, buy(',"revenue":' + "9" * 400), None),
        (ua, buy(',"revenue":-0,"currency":""'), None),
        (ua, buy(',"revenue":"1"'), None),
        (ua, buy(',"revenue":false'), None),
        (ua, buy(',"revenue":-0.01'), None),
        (ua, buy(',"revenue":1,"currency":null'), None),
        (ua, buy(',"revenue":1,"currency":["x"]'), None),
        (ua, buy(',"revenue":null'), None),
        (ua, '{"event_id":"x","event_type":" page_view","event_time":"2026-11-23T10:00:00Z","session_id":"s"}', None),
        (ua, '{"event_id":"x","event_type":"page_view","event_time":"2026-11-23T10:00:00Z","session_id":"   "}', None),
        (ua, '{"event_id":5,"event_type":"page_view","event_time":"2026-11-23T10:00:00Z","session_id":"s"}', None),
        (ua, '{"event_id":"x","event_type":"page_view","event_time":"2026-11-23T10:00:00Z","session_id":{}}', None),
        (ua, '{"event_id":"x","event_type":"page_view","event_time":"2026\\u002d11-23T10:00:00Z","session_id":"s"}', None),
        (ua, '{"event_id":"x","event_type":7,"event_time":"2026-11-23T10:00:00Z"}', None),
        (ua, '{"event_id":"x","event_type":"","event_time":5}', None),
        (ua, '{"event_id":null,"event_type":"nope"}', None),
        (ua, '{"event_id":"x","event_type":"api_request","event_time":"bad"}', None),
        (ua, '{"event_id":"x","event_type":"purchase","event_time":"bad"}', None),
        (api, rq(',"session_id":"","user_id":"u"'), None),
        (api, rq(',"session_id":7'), None),
        (api, rq(',"event_type":"page_view"'), "dup-key"),
        (api, '{"event_id":"x","event_type":"api_request","event_time":"2026-11-23T10:20:00Z","server":"","http_status":200,"latency_ms":1}', None),
        (api, '{"event_id":"x","event_type":"api_request","event_time":"2026-11-23T10:20:00Z","server":1,"http_status":200,"latency_ms":1}', None),
        (api, '{"event_id":"x","event_type":"api_request","event_time":"2026-11-23T10:20:00Z","server":"a","http_status":200}', None),
        (api, '{"event_id":"x","event_type":"api_request","event_time":"bad","server":"a","http_status":"200","latency_ms":1}', None),
        ("other-topic", pv(), None),
        (ua, "[]", None), (ua, "{}", None), (ua, "null", None), (ua, '"x"', None), (ua, "{", None), (ua, "x", None),
        (ua, "caf\ufffd", None), (ua, pv(',"page":"\ufffd"'), None),
    ]
    stamps: list[Any] = [
        "2026-11-23T10:15:02Z", "2026-11-23t10:15:02Z", "2026-11-23T10:15:02z", "2026-11-23T10:15:02.1234567891Z",
        "2026-11-23T10:15:02.123456789Z", "2026-11-23T10:15:02.9999999Z", "2026-11-23T10:15:02+24:00",
        "2026-11-23T10:15:02+23:59", "2026-11-23T10:15:02-23:59", "2026-11-23T10:15:02+09:60",
        "2026-11-23T10:15:02+0900", "0000-01-01T00:00:00Z", "0001-01-01T00:30:00+01:00", "0001-01-01T00:30:00-01:00",
        "9999-12-31T23:59:59-01:00", "9999-12-31T23:59:59+01:00", "2024-02-29T10:00:00Z", "2023-02-29T10:00:00Z",
        "2026-11-23T24:00:00Z", "2026-11-23T23:60:00Z", "2026-11-23T23:59:60Z", "2026-11-23T10:15:02Z\n",
        " 2026-11-23T10:15:02Z", "\uff12\uff10\uff12\uff16-11-23T10:15:02Z", "2026-11-23T10:15:02.Z", "2026-11-23T10:15Z",
        "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z", "2026-11-31T00:00:00Z", "2026-11-23T10:15:02-00:00",
        "2026-11-23T19:15:02.5+09:00", 1700000000, ["x"], True, "",
    ]
    for stamp in stamps:
        lines.append((ua, '{"event_id":"ts","event_type":"page_view","event_time":%s,"session_id":"s"}' % json.dumps(stamp), None))
    return lines


def edge_cases() -> int:
    """Silver of hand-written edge lines, line by line, DuckDB vs the reference; 1 on an unexpected difference."""
    import pyarrow as pa

    from bench.duckdb_events import run_duckdb
    from lakehouse_assets.events.tables import BRONZE_EVENTS
    from lakehouse_assets.lakehouse.schemas import arrow_schema
    from lakehouse_assets_tests.events.reference import build_silver

    hour = datetime(2026, 11, 23, 10, tzinfo=timezone.utc)
    lines = _edge_lines()
    rows = [
        {
            "topic": topic,
            "ingest_hour": hour,
            "source_key": f"events/topic={topic}/date=2026-11-23/hour=10/edge.json",
            "line_number": number,
            "raw": raw,
            "received_at": hour,
        }
        for number, (topic, raw, _) in enumerate(lines, start=1)
    ]
    # event ids are reused on purpose: compare outcomes line by line, one line per run
    unexpected = known = 0
    for row, (_, raw, marker) in zip(rows, lines):
        ref_events, ref_rejects, _ = build_silver([row])
        ours = run_duckdb(pa.Table.from_pylist([row], schema=arrow_schema(BRONZE_EVENTS)), threads=1)
        ref = ref_rejects[0]["reason"] if ref_rejects else "valid"
        got_rejects = ours["silver_event_rejects"].to_pylist()
        got = got_rejects[0]["reason"] if got_rejects else "valid"
        diffs = []
        if got != ref:
            diffs.append(f"duckdb {got} / reference {ref}")
        elif got == "valid":
            a, b = ours["silver_events"].to_pylist()[0], ref_events[0]
            diffs += [f"{c}: duckdb {a[c]!r} / reference {b[c]!r}" for c in b if not _same(a[c], b[c])]
        shown = raw if len(raw) <= 100 else raw[:60] + f"...({len(raw)} chars)"
        if not diffs:
            print(f"ok       {got:28s} {shown!r}")
        elif marker:
            known += 1
            print(f"KNOWN    {'; '.join(diffs)} [{KNOWN[marker]}] {shown!r}")
        else:
            unexpected += 1
            print(f"DIFFERS  {'; '.join(diffs)} {shown!r}")
    print(f"{len(lines)} edge lines: {len(lines) - known - unexpected} agree, {known} known differences, {unexpected} unexpected")
    return 1 if unexpected else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--start", default="2026-11-23T00", help="first ingest hour, UTC (YYYY-MM-DDTHH)")
    parser.add_argument("--hours", type=int, default=24)
    parser.add_argument("--events-per-hour", type=int, default=10_000)
    parser.add_argument("--bad-share", type=float, default=0.02)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--edge-cases", action="store_true", help="compare hand-written edge lines instead")
    args = parser.parse_args(argv)
    if args.edge_cases:
        return edge_cases()

    import pyarrow as pa

    from bench.duckdb_events import run_duckdb
    from lakehouse_assets.events.tables import BRONZE_EVENTS
    from lakehouse_assets.lakehouse.schemas import arrow_schema
    from lakehouse_assets.sample_data.events import generate_event_objects, summarize, write_landing_objects
    from lakehouse_assets_tests.events.reference import compute_reference

    start = datetime.strptime(args.start, "%Y-%m-%dT%H").replace(tzinfo=timezone.utc)
    stats: Counter = Counter()
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="events-compare-") as landing:
        write_landing_objects(
            Path(landing),
            generate_event_objects(start, args.hours, args.events_per_hour, args.bad_share, args.seed, stats=stats),
        )
        generated = time.perf_counter()
        reference = compute_reference(Path(landing))
    referenced = time.perf_counter()
    summary = summarize(stats)
    print(
        f"generated {summary['lines']:,} lines in {summary['objects']} objects over {args.hours} h "
        f"({generated - began:.1f}s); reference {referenced - generated:.1f}s"
    )

    bronze = pa.Table.from_pylist(reference["bronze"], schema=arrow_schema(BRONZE_EVENTS))
    began = time.perf_counter()
    ours = run_duckdb(bronze, threads=args.threads)
    print(f"duckdb {time.perf_counter() - began:.2f}s on {args.threads} threads, {bronze.num_rows:,} bronze rows")

    failed = False
    for name in KEYS:
        problems = compare_table(name, ours[name].to_pylist(), reference[name])
        status = "match" if not problems else "MISMATCH"
        print(f"{name:32s} {status:8s} duckdb {ours[name].num_rows:>8,} rows, reference {len(reference[name]):>8,} rows")
        for problem in problems:
            print(f"    {problem}")
        failed |= bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
