"""Self-check and timing of the DuckDB events reference (python -m bench.duckdb_events_check [--bench N] [--threads T])."""

from __future__ import annotations

import time
from typing import Any

from bench.duckdb_events import run_duckdb




def _bronze_from_lines(rows: list[tuple[str, Any, str, int, str]]) -> Any:
    """rows of (topic, ingest_hour, source_key, line_number, raw) -> a Bronze Arrow table."""
    import pyarrow as pa

    from lakehouse_assets.events.tables import BRONZE_EVENTS
    from lakehouse_assets.lakehouse.schemas import arrow_schema

    cols = list(zip(*rows))
    return pa.table(
        {
            "topic": list(cols[0]),
            "ingest_hour": list(cols[1]),
            "source_key": list(cols[2]),
            "line_number": list(cols[3]),
            "raw": list(cols[4]),
            "received_at": [h for h in cols[1]],
        },
        schema=arrow_schema(BRONZE_EVENTS),
    )


def _self_check() -> None:
    import json
    from datetime import datetime, timezone

    h10 = datetime(2026, 11, 23, 10, tzinfo=timezone.utc)
    h11 = datetime(2026, 11, 23, 11, tzinfo=timezone.utc)
    ua, api = "user-activity", "api-requests"

    def key(topic: str, hour: datetime, name: str) -> str:
        return f"events/topic={topic}/date={hour:%Y-%m-%d}/hour={hour:%H}/{name}"

    def ev(**kw: Any) -> str:
        return json.dumps(kw, separators=(",", ":"))

    pv = dict(event_type="page_view", event_time="2026-11-23T10:15:02.123Z", session_id="s1", user_id="u1", page="/home")
    req = dict(event_type="api_request", event_time="2026-11-23T10:20:00Z", server="web-1", http_status=200, latency_ms=12.5)

    # (expected reason or None, topic, hour, file, raw)
    cases: list[tuple[str | None, str, datetime, str, str]] = [
        ("invalid_utf8", ua, h10, "a.json", ev(event_id="e-utf", **pv)[:-2] + "\ufffd\"}"),
        ("malformed_json", ua, h10, "a.json", '{"event_id": "e-bad", '),
        ("malformed_json", ua, h10, "a.json", "[1, 2]"),
        ("malformed_json", ua, h10, "a.json", ev(event_id="e-trail", **pv) + " x"),
        ("malformed_json", ua, h10, "a.json", ev(event_id="e-nan", **pv)[:-1] + ',"revenue":NaN}'),
        ("malformed_json", ua, h10, "a.json", ev(event_id="e-comma", **pv)[:-1] + ",}"),
        ("malformed_json", ua, h10, "a.json", "{'event_id': 'e-quote'}"),
        ("missing_field:event_id", ua, h10, "a.json", ev(event_id="", **pv)),
        ("missing_field:event_type", ua, h10, "a.json", ev(event_id="e-1", event_type=None, event_time="2026-11-23T10:00:00Z")),
        ("missing_field:event_time", ua, h10, "a.json", ev(event_id="e-2", event_type="page_view", session_id="s")),
        ("unknown_event_type", ua, h10, "a.json", ev(event_id="e-3", **{**pv, "event_type": "api_request"})),
        ("unknown_event_type", ua, h10, "a.json", ev(event_id="e-4", **{**pv, "event_type": 7})),
        ("unknown_event_type", "other-topic", h10, "o.json", ev(event_id="e-5", **pv)),
        ("missing_field:session_id", ua, h10, "a.json", ev(event_id="e-6", **{**pv, "session_id": ""})),
        ("missing_field:revenue", ua, h10, "a.json", ev(event_id="e-7", **{**pv, "event_type": "purchase"})),
        ("missing_field:server", api, h10, "b.json", ev(event_id="e-8", **{**req, "server": None})),
        ("missing_field:http_status", api, h10, "b.json", ev(event_id="e-9", **{k: v for k, v in req.items() if k != "http_status"})),
        ("missing_field:latency_ms", api, h10, "b.json", ev(event_id="e-10", **{**req, "latency_ms": ""})),
        ("bad_timestamp", ua, h10, "a.json", ev(event_id="e-11", **{**pv, "event_time": "2026-11-23 10:15:02"})),
        ("bad_timestamp", ua, h10, "a.json", ev(event_id="e-12", **{**pv, "event_time": "2026-02-30T10:15:02Z"})),
        ("bad_timestamp", ua, h10, "a.json", ev(event_id="e-13", **{**pv, "event_time": 1700000000})),
        ("bad_value:event_id", ua, h10, "a.json", ev(event_id=42, **pv)),
        ("bad_value:session_id", ua, h10, "a.json", ev(event_id="e-14", **{**pv, "session_id": 5})),
        ("bad_value:user_id", ua, h10, "a.json", ev(event_id="e-15", **{**pv, "user_id": ["u"]})),
        ("bad_value:page", ua, h10, "a.json", ev(event_id="e-16", **{**pv, "page": True})),
        ("bad_value:product_id", ua, h10, "a.json", ev(event_id="e-17", **{**pv, "product_id": 3})),
        ("bad_value:revenue", ua, h10, "a.json", ev(event_id="e-18", **{**pv, "event_type": "purchase", "revenue": -1})),
        ("bad_value:revenue", ua, h10, "a.json", ev(event_id="e-19", **{**pv, "event_type": "purchase", "revenue": True})),
        ("bad_value:currency", ua, h10, "a.json", ev(event_id="e-20", **{**pv, "event_type": "purchase", "revenue": 1, "currency": 1})),
        ("bad_value:server", ua, h10, "a.json", ev(event_id="e-21", **{**pv, "server": 1})),
        ("bad_value:http_status", api, h10, "b.json", ev(event_id="e-22", **{**req, "http_status": 200.0})),
        ("bad_value:http_status", api, h10, "b.json", ev(event_id="e-23", **{**req, "http_status": 600})),
        ("bad_value:latency_ms", api, h10, "b.json", ev(event_id="e-24", **{**req, "latency_ms": -0.5})),
        # valid lines
        (None, ua, h10, "a.json", ev(event_id="d-1", **pv)),  # kept; duplicated below
        (None, ua, h10, "c.json", ev(event_id="d-1", **pv)),  # duplicate within hour 10
        (None, ua, h11, "a.json", ev(event_id="d-1", **pv)),  # duplicate across the hour boundary
        (None, ua, h10, "a.json", ev(event_id="p-1", **{**pv, "event_type": "purchase", "revenue": 10000, "user_id": ""})),  # KRW
        (None, ua, h10, "a.json", ev(event_id="p-2", **{**pv, "event_type": "purchase", "revenue": 9.5, "currency": "USD"})),
        (None, ua, h10, "a.json", ev(event_id="c-1", **{**pv, "event_type": "product_click"})),
        (None, ua, h10, "a.json", ev(event_id="c-2", **{**pv, "event_type": "add_to_cart", "event_time": "2026-11-23T19:15:02+09:00"})),
        (None, ua, h10, "a.json", ev(event_id="late-1", **{**pv, "event_time": "2026-11-23T07:59:59Z"})),  # late
        (None, ua, h10, "a.json", ev(event_id="fut-1", **{**pv, "event_time": "2026-11-23T12:00:00Z"})),  # future
        (None, api, h10, "b.json", ev(event_id="r-1", **req)),
        (None, api, h10, "b.json", ev(event_id="r-2", **{**req, "http_status": 503, "latency_ms": 100})),
        (None, api, h10, "b.json", ev(event_id="r-3", **{**req, "http_status": 404, "latency_ms": 40})),
        (None, api, h11, "b.json", ev(event_id="r-4", **{**req, "event_time": "2026-11-23T11:00:00.1234567Z"})),
        (None, ua, h10, "a.json", ev(event_id="s-1", **pv)[:-1] + ',"title":"\\ud83d"}'),  # lone surrogate: valid
        (None, ua, h10, "a.json", ev(event_id="s-2", **{**pv, "http_status": "", "page": ""})),  # "" = missing
    ]
    rows = []
    line_numbers: dict[str, int] = {}
    expected: dict[tuple[str, int], str | None] = {}
    for reason, topic, hour, name, raw in cases:
        k = key(topic, hour, name)
        line_numbers[k] = line_numbers.get(k, 0) + 1
        rows.append((topic, hour, k, line_numbers[k], raw))
        expected[(k, line_numbers[k])] = reason
    bronze = _bronze_from_lines(rows)
    out = run_duckdb(bronze)
    for name, table in out.items():
        print(f"== {name} ({table.num_rows} rows)")
        print(table.drop_columns([c for c in ("raw",) if c in table.column_names]).to_pandas().to_string(max_colwidth=40))

    got = {(r["source_key"], r["line_number"]): r["reason"] for r in out["silver_event_rejects"].to_pylist()}
    for (k, n), reason in expected.items():
        assert got.get((k, n)) == reason, (k, n, reason, got.get((k, n)))
    all_reasons = {r for r, *_ in cases if r}
    assert all_reasons <= set(got.values())
    dups = {(r["ingest_hour"], r["source_key"], r["line_number"]) for r in out["silver_event_duplicates"].to_pylist()}
    assert dups == {(h10, key(ua, h10, "c.json"), 1), (h11, key(ua, h11, "a.json"), 1)}, dups
    silver = {r["event_id"]: r for r in out["silver_events"].to_pylist()}
    assert silver["p-1"]["currency"] == "KRW" and silver["p-1"]["user_id"] is None
    assert silver["p-2"]["currency"] == "USD" and silver["d-1"]["currency"] is None
    assert str(silver["c-2"]["event_time"]) == "2026-11-23 10:15:02+00:00"
    assert silver["r-4"]["event_time"].microsecond == 123456
    assert silver["s-2"]["http_status"] is None and silver["s-2"]["page"] is None
    dq = {(r["ingest_hour"], r["topic"]): r for r in out["gold_data_quality_hourly"].to_pylist()}
    assert dq[(h10, ua)]["late_rows"] == 1 and dq[(h10, ua)]["future_rows"] == 1
    assert dq[(h11, api)]["bronze_rows"] == 1 and dq[(h11, api)]["rejects_by_reason"] == "{}"
    assert dq[(h10, "other-topic")]["rejects_by_reason"] == '{"unknown_event_type":1}'
    for hour_topic, r in dq.items():
        assert r["bronze_rows"] == r["valid_rows"] + r["rejected_rows"] + r["duplicate_rows"], hour_topic
    funnel = out["gold_funnel_daily"].to_pylist()
    assert [r["sessions"] for r in funnel] == [1, 1, 1, 1], funnel
    assert [r["conversion_from_previous"] for r in funnel] == [1.0, 1.0, 1.0, 1.0], funnel
    print("\nself-check OK: every reject reason, duplicates within/across hours, late/future, KRW default")


def _synthetic_bronze(n: int, seed: int = 7) -> Any:
    """About `n` lines of one ingest hour, ~220 bytes each, with ~1% rejects and ~0.5% duplicates."""
    import json
    import random
    from datetime import datetime, timedelta, timezone

    rnd = random.Random(seed)
    hour = datetime(2026, 11, 23, 10, tzinfo=timezone.utc)
    rows = []
    per_file = 50_000
    for i in range(n):
        topic = "user-activity" if i % 10 < 7 else "api-requests"
        t = hour + timedelta(seconds=rnd.uniform(-600, 3600))
        ts = t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"
        eid = f"evt-{rnd.randrange(n * 200):012d}" if rnd.random() > 0.005 else f"evt-{i // 2:012d}"
        if topic == "user-activity":
            et = rnd.choices(["page_view", "product_click", "add_to_cart", "purchase"], [60, 25, 10, 5])[0]
            obj: dict[str, Any] = {
                "event_id": eid,
                "event_type": et,
                "event_time": ts,
                "session_id": f"sess-{rnd.randrange(n // 8):08d}",
                "user_id": f"user-{rnd.randrange(n // 20):07d}" if rnd.random() < 0.7 else None,
                "page": rnd.choice(["/", "/search", "/product/123", "/cart", "/checkout"]),
                "product_id": f"p-{rnd.randrange(5000):05d}",
                "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/131.0",
            }
            if et == "purchase":
                obj["revenue"] = round(rnd.uniform(1000, 200000), 0)
                if rnd.random() < 0.8:
                    obj["currency"] = rnd.choice(["KRW", "USD"])
        else:
            obj = {
                "event_id": eid,
                "event_type": "api_request",
                "event_time": ts,
                "server": f"web-{rnd.randrange(8)}",
                "http_status": rnd.choices([200, 201, 304, 400, 404, 500, 503], [80, 5, 5, 3, 4, 2, 1])[0],
                "latency_ms": round(rnd.lognormvariate(3, 1), 3),
                "path": "/api/v1/products/search?q=shoes&page=2&size=20",
                "client_ip": f"10.{rnd.randrange(256)}.{rnd.randrange(256)}.{rnd.randrange(256)}",
            }
        raw = json.dumps(obj, separators=(",", ":"))
        r = rnd.random()
        if r < 0.003:
            raw = raw[:-5]
        elif r < 0.006:
            raw = raw.replace('"event_time"', '"event_tim"')
        elif r < 0.008:
            raw = raw.replace("Z\"", "\"")
        elif r < 0.009:
            raw = raw[:30] + "\ufffd" + raw[31:]
        name = f"{topic}+0+{(i // per_file):09d}.json"
        rows.append((topic, hour, f"events/topic={topic}/date=2026-11-23/hour=10/{name}", i % per_file + 1, raw))
    return _bronze_from_lines(rows)


def _generated_bronze(n: int, seed: int = 7) -> Any:
    """One ingest hour of `n` lines from the project's sample-data generator, through Bronze."""
    from datetime import datetime, timezone

    from lakehouse_assets.events.bronze import LandedObject, bronze_table
    from lakehouse_assets.events.landing import parse_event_key
    from lakehouse_assets.sample_data.events import generate_event_objects

    objects = generate_event_objects(datetime(2026, 11, 23, 10, tzinfo=timezone.utc), 1, n, 0.02, seed)
    return bronze_table(LandedObject(parse_event_key(o.key), o.body, o.last_modified) for o in objects)


def _bench(n: int, threads: int, source: str, runs: int) -> None:
    import resource

    def cpu_seconds() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    start = time.perf_counter()
    bronze = _generated_bronze(n) if source == "generated" else _synthetic_bronze(n)
    megabytes = bronze.column("raw").nbytes / 1e6
    print(f"{source}: {bronze.num_rows:,} Bronze lines, raw ~{megabytes:.0f} MB, built in {time.perf_counter() - start:.1f}s")
    for attempt in range(runs):
        timings: dict[str, float] = {}
        cpu, start = cpu_seconds(), time.perf_counter()
        out = run_duckdb(bronze, threads=threads, timings=timings)
        total, cpu = time.perf_counter() - start, cpu_seconds() - cpu
        stages = ", ".join(f"{k}={v:.2f}" for k, v in timings.items() if v >= 0.005)
        print(f"run {attempt + 1}: {total:.2f}s wall, {cpu:.2f}s CPU, {threads} threads; {stages}")
    print({k: v.num_rows for k, v in out.items()})


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description="Self-check and timing of the DuckDB events reference")
    parser.add_argument("--bench", type=int, default=0, metavar="N", help="time N lines of one hour instead of the self-check")
    parser.add_argument("--source", choices=("generated", "synthetic"), default="generated",
                        help="generated: lakehouse_assets.sample_data (default); synthetic: a quick local generator")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if args.bench:
        _bench(args.bench, args.threads, args.source, args.runs)
    else:
        _self_check()


if __name__ == "__main__":
    main()
