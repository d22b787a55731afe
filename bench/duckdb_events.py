"""Events Silver + Gold in DuckDB SQL: the speed reference for the events benchmark.

This is a benchmark helper, not product code. It implements `docs/contracts/events.md` with the
readings of `lakehouse_assets/events/CONTRACT_NOTES.md`, entirely in SQL on one in-memory DuckDB
connection:

    run_duckdb(bronze: pyarrow.Table, threads: int = 2) -> dict[str, pyarrow.Table]

`bronze` is the contract's Bronze table (topic, ingest_hour, source_key, line_number, raw,
received_at), possibly spanning several ingest hours. The result holds `silver_events`,
`silver_event_rejects`, `silver_event_duplicates` and the five Gold tables (`gold_...`) with the
column names, order and Arrow types of `lakehouse_assets.events.tables`.

How it works: one statement reads every raw line into a typed temp table `parsed` holding the
reject reason (NULL = valid) and the typed Silver columns (`raw` is kept for rejected lines only).
Inside it yyjson reads a line three times - `json_valid`, one multi-path `json_extract_string`
(values as text) and one multi-path `json_type` - which measured faster than one `json_extract`
followed by unescaping and typing the JSON texts in SQL. Everything else derives from `parsed`:
duplicates by ranking only the event_ids seen more than once, Silver as `parsed` minus rejects and
duplicates, Gold and data quality from a narrow copy of Silver. `silver_events` comes back in no
particular order (sorting 1M rows costs ~0.5 s); every other table is ordered by its key.

Scope of the input: Silver for hour I reads Bronze I-1 and I, and Gold for event hour H reads
Silver I in H-1..H+1. Here both are computed from whatever `bronze` holds, so the first hour of the
input is deduplicated without its (absent) previous hour, and Gold at the edges of the input only
sees the hours present. Gold covers every event hour/date present: operational hourly has a row for
every event hour with an in-window event plus every ingest hour present in `bronze`; funnel has
four rows for every date with an in-window event (any event type); data quality has, per ingest
hour present in `bronze`, both known topics plus every other topic present in that ingest hour.
(An ingest hour whose objects held only blank lines has no Bronze rows, so it is not seen here.)

Reading choices beyond CONTRACT_NOTES (the same as `lakehouse_assets_tests/reference_events.py`):
`http_status` / `latency_ms` on any event type are checked only when not *missing* (so `""` on a
page_view is null, not `bad_value`); averages use `favg` and revenue `fsum` (compensated sums, to
stay close to the reference's `math.fsum`); an `event_time` whose UTC instant falls outside years
1..9999 is `bad_timestamp` (Python's datetime cannot hold it); an integer literal too large for a
double reads as +/-inf, as `1e400` does.

The parse and its JSON readings: `duckdb_events_parse.py`; Silver and Gold SQL: `duckdb_events_sql.py`.

Run `python -m bench.duckdb_events_check` for the hand-written self-check, or
`python -m bench.duckdb_events_check --bench 1000000` for a timing on 1M generated lines of one hour.
"""

from __future__ import annotations

import time
from typing import Any

from bench.duckdb_events_parse import _parse_sql
from bench.duckdb_events_sql import _QUERIES, _SILVER_SQL


def _output_schemas() -> dict[str, Any]:
    from lakehouse_assets.events import tables as t
    from lakehouse_assets.lakehouse.schemas import arrow_schema

    specs = {
        "silver_events": t.SILVER_EVENTS,
        "silver_event_rejects": t.SILVER_EVENT_REJECTS,
        "silver_event_duplicates": t.SILVER_EVENT_DUPLICATES,
        "gold_server_health_minutely": t.GOLD_SERVER_HEALTH_MINUTELY,
        "gold_operational_hourly": t.GOLD_OPERATIONAL_HOURLY,
        "gold_business_daily": t.GOLD_BUSINESS_DAILY,
        "gold_funnel_daily": t.GOLD_FUNNEL_DAILY,
        "gold_data_quality_hourly": t.GOLD_DATA_QUALITY_HOURLY,
    }
    return {name: arrow_schema(spec) for name, spec in specs.items()}


def run_duckdb(bronze: Any, threads: int = 2, timings: dict[str, float] | None = None) -> dict[str, Any]:
    """Silver and Gold tables (Arrow) from a Bronze Arrow table, computed in DuckDB SQL.

    `timings`, when given, receives seconds per stage (parse, silver, each output table).
    """
    import duckdb

    schemas = _output_schemas()
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"SET threads = {int(threads)}")
        con.execute("SET TimeZone = 'UTC'")
        con.register("bronze_in", bronze)

        def timed(stage: str, fn):
            start = time.perf_counter()
            out = fn()
            if timings is not None:
                timings[stage] = time.perf_counter() - start
            return out

        timed("parse", lambda: con.execute(_parse_sql()))
        timed("silver", lambda: con.execute(_SILVER_SQL))
        out = {}
        for name, sql in _QUERIES.items():
            table = timed(name, lambda sql=sql: con.sql(sql).to_arrow_table())
            schema = schemas[name]
            out[name] = table.select(schema.names).cast(schema)
        return out
    finally:
        con.close()
