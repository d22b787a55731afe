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

DuckDB JSON leniencies and how they are closed
----------------------------------------------
DuckDB reads JSON with yyjson and the flags ALLOW_INF_AND_NAN | ALLOW_TRAILING_COMMAS (and big
numbers kept as raw text). `json_valid` already rejects trailing content after the value,
comments, single quotes, leading zeros, `.5`/`1.`/`+1`, control characters in strings, a BOM and
invalid escapes. Closed in SQL:

* NaN / Infinity literals (yyjson takes `nan`, `inf`, `infinity` in any case, with a sign) and
  trailing commas (`[1,]`, `{"a":1,}`): lines that contain `nan`/`inf` in any case or a `,` followed
  by `]`/`}` are candidates; for those only, string tokens are blanked out and the line is
  `malformed_json` if a trailing comma or a `nan`/`inf` token remains (outside strings strict JSON
  has no letters but those of true/false/null and the exponent `e`, so this is exact).
* yyjson is stricter than Python on lone UTF-16 surrogate escapes (a `\\ud800` not followed by
  a low surrogate, or a lone `\\udc00`): it rejects the line, Python accepts it. Lines that fail
  `json_valid` and contain such an escape are re-tokenised (escape by escape, so an escaped
  backslash followed by `ud800` is not touched), each lone surrogate escape becomes `\\ufffd`,
  and the line is validated again. A kept string field then holds U+FFFD where Python would hold
  a lone surrogate (which Arrow/Parquet cannot store anyway).

Known differences from the Python reference that are NOT closed (none occur in generated data;
`python -m bench.compare_duckdb_reference --edge-cases` shows them):

* Duplicate keys: yyjson's lookup returns the FIRST occurrence of a key, Python's `json.loads`
  keeps the LAST, so `{"event_id":"a",...,"event_id":""}` is valid here and
  `missing_field:event_id` there. RFC 8259 leaves duplicate names undefined and the contract does
  not say; detecting them exactly costs a `json_keys` pass (+~0.3 s per 1M lines), not done.
* Nesting depth: Python's json gives up (RecursionError -> `malformed_json`) somewhere beyond
  ~1000 nested arrays/objects, depending on the interpreter's recursion limit; yyjson has no
  limit, so such a line can be valid here.

Run `python -m bench.duckdb_events` for the hand-written self-check, or
`python -m bench.duckdb_events --bench 1000000` for a timing on 1M generated lines of one hour.
"""

from __future__ import annotations

import time
from typing import Any

# Contract fields extracted from every line, in silver table order (index in the extracted lists
# = position here + 1).
_FIELDS = (
    "event_id",
    "event_type",
    "event_time",
    "session_id",
    "user_id",
    "page",
    "product_id",
    "revenue",
    "currency",
    "server",
    "http_status",
    "latency_ms",
)
_USER_ACTIVITY_TYPES = ("page_view", "product_click", "add_to_cart", "purchase")
_KNOWN_TOPICS = ("user-activity", "api-requests")

# Regexes (RE2). SQL string literals do not treat backslash specially.
_OBJECT_START = r"^[ \t\n\r]*\{"
_TRAILING_COMMA = r",[ \t\n\r]*[\]}]"
_STRING_TOKEN = r'"(?:[^"\\]|\\.)*"'
_LENIENT_OUTSIDE_STRINGS = r",[ \t\n\r]*[\]}]|(?i:nan|inf)"
_SURROGATE_ESCAPE = r"\\u[dD][89a-fA-F]"
# one token per escape sequence (a surrogate pair is one token) or run of other characters
_ESCAPE_TOKENS = r"(?s)\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|\\u[0-9a-fA-F]{4}|\\.|\\$|[^\\]+"
_TIMESTAMP = r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})"


def _sql_list(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def _parse_sql() -> str:
    """Bronze -> `parsed`: one row per Bronze line with its reject reason (NULL = valid) and typed values.

    yyjson reads each line three times (validate, values as text, JSON types; once more for a line
    repaired for lone surrogates), all inside DuckDB; `raw` is kept for rejected lines only.
    """
    paths = ", ".join(f"'$.{f}'" for f in _FIELDS)

    per_field = []
    for i, f in enumerate(_FIELDS, start=1):
        # ty: DuckDB JSON type of the value (NULL when absent); v: the value as text (strings
        # unescaped, numbers as written/re-serialised)
        per_field.append(f"v[{i}] AS v_{f}")
        per_field.append(f"coalesce(ty[{i}], 'NULL') AS ty_{f}")
    per_field_sql = ",\n            ".join(per_field)

    def n(f: str) -> str:  # absent or JSON null
        return f"(ty_{f} = 'NULL')"

    def s(f: str) -> str:  # a JSON string
        return f"(ty_{f} = 'VARCHAR')"

    def m(f: str) -> str:  # missing: absent, null or ""
        return f"(ty_{f} = 'NULL' OR (ty_{f} = 'VARCHAR' AND v_{f} = ''))"

    def num(f: str) -> str:  # a JSON number (booleans are not numbers; NaN/Infinity never get here)
        return f"(ty_{f} IN ('UBIGINT', 'BIGINT', 'DOUBLE'))"

    def integer(f: str) -> str:  # a JSON integer literal (too large for 64 bits reads as DOUBLE: out of range anyway)
        return f"(ty_{f} IN ('UBIGINT', 'BIGINT'))"

    ua_types = _sql_list(_USER_ACTIVITY_TYPES)
    reason = f"""
        CASE
            WHEN bad_utf8 THEN 'invalid_utf8'
            WHEN NOT ok_json THEN 'malformed_json'
            WHEN {m('event_id')} THEN 'missing_field:event_id'
            WHEN {m('event_type')} THEN 'missing_field:event_type'
            WHEN {m('event_time')} THEN 'missing_field:event_time'
            WHEN NOT {s('event_type')}
                 OR NOT ((topic = 'user-activity' AND v_event_type IN ({ua_types}))
                         OR (topic = 'api-requests' AND v_event_type = 'api_request'))
                THEN 'unknown_event_type'
            WHEN v_event_type IN ({ua_types}) AND {m('session_id')} THEN 'missing_field:session_id'
            WHEN v_event_type = 'purchase' AND {m('revenue')} THEN 'missing_field:revenue'
            WHEN v_event_type = 'api_request' AND {m('server')} THEN 'missing_field:server'
            WHEN v_event_type = 'api_request' AND {m('http_status')} THEN 'missing_field:http_status'
            WHEN v_event_type = 'api_request' AND {m('latency_ms')} THEN 'missing_field:latency_ms'
            WHEN ts IS NULL THEN 'bad_timestamp'
            WHEN NOT {s('event_id')} THEN 'bad_value:event_id'
            WHEN NOT {n('session_id')} AND NOT {s('session_id')} THEN 'bad_value:session_id'
            WHEN NOT {n('user_id')} AND NOT {s('user_id')} THEN 'bad_value:user_id'
            WHEN NOT {n('page')} AND NOT {s('page')} THEN 'bad_value:page'
            WHEN NOT {n('product_id')} AND NOT {s('product_id')} THEN 'bad_value:product_id'
            WHEN v_event_type = 'purchase' AND NOT coalesce({num('revenue')} AND d_revenue >= 0, false)
                THEN 'bad_value:revenue'
            WHEN v_event_type = 'purchase' AND NOT {n('currency')} AND NOT {s('currency')} THEN 'bad_value:currency'
            WHEN NOT {n('server')} AND NOT {s('server')} THEN 'bad_value:server'
            WHEN NOT {m('http_status')} AND NOT coalesce({integer('http_status')} AND d_http_status BETWEEN 100 AND 599, false)
                THEN 'bad_value:http_status'
            WHEN NOT {m('latency_ms')} AND NOT coalesce({num('latency_ms')} AND d_latency_ms >= 0, false)
                THEN 'bad_value:latency_ms'
        END"""

    # event_time: the regex fixes the form; the explicit field checks and the cast (which rejects
    # impossible dates such as Feb 30 and truncates fractions beyond microseconds) the instant.
    et = "v_event_time"
    timestamp_any = f"""
        CASE WHEN {s('event_time')}
                  AND regexp_full_match({et}, '{_TIMESTAMP}')
                  AND substr({et}, 1, 4) <> '0000'
                  AND substr({et}, 12, 2) <= '23' AND substr({et}, 15, 2) <= '59' AND substr({et}, 18, 2) <= '59'
                  AND (ends_with({et}, 'Z')
                       OR (substr({et}, -5, 2) <= '23' AND substr({et}, -2, 2) <= '59'))
            THEN TRY_CAST(CASE WHEN ends_with({et}, 'Z') THEN left({et}, -1) || '+00:00' ELSE {et} END AS TIMESTAMPTZ)
        END"""
    # the UTC instant must be representable by a Python datetime (years 1..9999), as in the reference
    timestamp = f"""
        CASE WHEN ts_any BETWEEN TIMESTAMPTZ '0001-01-01 00:00:00+00' AND TIMESTAMPTZ '9999-12-31 23:59:59.999999+00'
            THEN ts_any END"""

    return f"""
    CREATE OR REPLACE TEMP TABLE parsed AS
    WITH checked AS (
        SELECT topic, ingest_hour, source_key, line_number, raw,
            contains(raw, chr(65533)) AS bad_utf8,
            regexp_matches(raw, '{_OBJECT_START}') AS object_start
        FROM bronze_in
    ),
    validated AS (
        SELECT *,
            CASE WHEN bad_utf8 OR NOT object_start THEN false ELSE json_valid(raw) END AS valid_as_is
        FROM checked
    ),
    repaired AS (
        -- yyjson rejects lone UTF-16 surrogate escapes, Python's json accepts them: on the few lines
        -- that fail as they are and have one, replace each lone surrogate escape by the escape of
        -- U+FFFD (escapes are tokenised left to right, so an escaped backslash is left alone) and retry.
        SELECT *,
            CASE WHEN NOT valid_as_is AND NOT bad_utf8 AND object_start
                      AND regexp_matches(raw, '{_SURROGATE_ESCAPE}')
                THEN array_to_string(
                    list_transform(regexp_extract_all(raw, '{_ESCAPE_TOKENS}'),
                                   lambda t: CASE WHEN regexp_full_match(t, '{_SURROGATE_ESCAPE}[0-9a-fA-F]{{2}}')
                                             THEN '\\ufffd' ELSE t END), '')
            END AS repaired_raw
        FROM validated
    ),
    parseable AS (
        SELECT topic, ingest_hour, source_key, line_number, raw, bad_utf8,
            coalesce(repaired_raw, raw) AS src,
            CASE WHEN repaired_raw IS NOT NULL THEN json_valid(repaired_raw) ELSE valid_as_is END AS valid_json
        FROM repaired
    ),
    strict AS (
        SELECT topic, ingest_hour, source_key, line_number, raw, bad_utf8, src,
            CASE
                WHEN NOT valid_json THEN false
                -- yyjson leniencies: trailing commas, NaN/Infinity literals; check candidates exactly
                WHEN NOT (regexp_matches(src, '{_TRAILING_COMMA}')
                          OR contains(lower(src), 'nan') OR contains(lower(src), 'inf')) THEN true
                ELSE NOT regexp_matches(regexp_replace(src, '{_STRING_TOKEN}', '""', 'g'), '{_LENIENT_OUTSIDE_STRINGS}')
            END AS ok_json
        FROM parseable
    ),
    extracted AS (
        SELECT topic, ingest_hour, source_key, line_number, raw, bad_utf8, ok_json,
            CASE WHEN ok_json THEN json_extract_string(src, [{paths}]) END AS v,
            CASE WHEN ok_json THEN json_type(src, [{paths}]) END AS ty
        FROM strict
    ),
    fields AS (
        SELECT topic, ingest_hour, source_key, line_number, raw, bad_utf8, ok_json,
            {per_field_sql}
        FROM extracted
    ),
    typed AS (
        SELECT *,
            CASE WHEN {num('revenue')} THEN TRY_CAST(v_revenue AS DOUBLE) END AS d_revenue,
            CASE WHEN {integer('http_status')} THEN TRY_CAST(v_http_status AS HUGEINT) END AS d_http_status,
            CASE WHEN {num('latency_ms')} THEN TRY_CAST(v_latency_ms AS DOUBLE) END AS d_latency_ms,
            {timestamp_any} AS ts_any
        FROM fields
    ),
    stamped AS (
        SELECT * EXCLUDE (ts_any), {timestamp} AS ts
        FROM typed
    ),
    judged AS (
        SELECT *, {reason} AS reason
        FROM stamped
    )
    SELECT topic, ingest_hour, source_key, line_number,
        reason,
        CASE WHEN reason IS NOT NULL THEN raw END AS raw,
        v_event_id AS event_id,
        v_event_type AS event_type,
        ts AS event_time,
        CASE WHEN {s('session_id')} THEN nullif(v_session_id, '') END AS session_id,
        CASE WHEN {s('user_id')} THEN nullif(v_user_id, '') END AS user_id,
        CASE WHEN {s('page')} THEN nullif(v_page, '') END AS page,
        CASE WHEN {s('product_id')} THEN nullif(v_product_id, '') END AS product_id,
        CASE WHEN v_event_type = 'purchase' THEN d_revenue END AS revenue,
        CASE WHEN v_event_type = 'purchase' THEN
            coalesce(CASE WHEN {s('currency')} THEN nullif(v_currency, '') END, 'KRW') END AS currency,
        CASE WHEN {s('server')} THEN nullif(v_server, '') END AS server,
        CASE WHEN d_http_status BETWEEN 100 AND 599 THEN d_http_status::INTEGER END AS http_status,
        d_latency_ms AS latency_ms
    FROM judged
    """


_SILVER_SQL = """
    -- Duplicates: a valid line whose event_id was in an earlier valid line (ingest_hour, source_key,
    -- line_number order) of the same or the previous ingest hour. Only event_ids seen more than
    -- once are ranked, so the window sorts a few rows instead of all of them.
    CREATE OR REPLACE TEMP TABLE duplicates AS
    WITH repeated AS (
        SELECT event_id FROM parsed WHERE reason IS NULL GROUP BY event_id HAVING count(*) > 1
    ),
    ranked AS (
        SELECT event_id, topic, ingest_hour, source_key, line_number,
            lag(ingest_hour) OVER (PARTITION BY event_id ORDER BY ingest_hour, source_key, line_number) AS prev_hour
        FROM parsed
        WHERE reason IS NULL AND event_id IN (SELECT event_id FROM repeated)
    )
    SELECT event_id, topic, ingest_hour, source_key, line_number
    FROM ranked
    WHERE prev_hour >= ingest_hour - INTERVAL 1 HOUR;

    CREATE OR REPLACE TEMP VIEW silver AS
    SELECT * EXCLUDE (raw, reason)
    FROM parsed p
    WHERE reason IS NULL
      AND NOT EXISTS (SELECT 1 FROM duplicates d
                      WHERE d.ingest_hour = p.ingest_hour AND d.source_key = p.source_key
                        AND d.line_number = p.line_number);

    -- the columns Gold and data quality need, once
    CREATE OR REPLACE TEMP TABLE silver_slim AS
    SELECT event_type, topic, ingest_hour, event_time, event_hour, event_time::DATE AS event_date,
        session_id, user_id, revenue, currency, server, http_status, latency_ms,
        event_hour BETWEEN ingest_hour - INTERVAL 1 HOUR AND ingest_hour + INTERVAL 1 HOUR AS in_window
    FROM (SELECT *, date_trunc('hour', event_time) AS event_hour FROM silver);

    CREATE OR REPLACE TEMP VIEW gold_in AS
    SELECT * FROM silver_slim WHERE in_window;
"""

_QUERIES: dict[str, str] = {
    "silver_events": """
        SELECT event_id, event_type, topic, event_time, session_id, user_id, page, product_id,
            revenue, currency, server, http_status, latency_ms, ingest_hour, source_key, line_number
        FROM silver
    """,
    "silver_event_rejects": """
        SELECT topic, ingest_hour, source_key, line_number, raw, reason
        FROM parsed
        WHERE reason IS NOT NULL
        ORDER BY ingest_hour, source_key, line_number
    """,
    "silver_event_duplicates": """
        SELECT event_id, topic, ingest_hour, source_key, line_number
        FROM duplicates
        ORDER BY ingest_hour, source_key, line_number
    """,
    "gold_server_health_minutely": """
        SELECT minute, server, requests, errors_4xx, errors_5xx,
            (errors_4xx + errors_5xx) / requests AS error_rate,
            avg_latency_ms, q[1] AS p50_latency_ms, q[2] AS p95_latency_ms, q[3] AS p99_latency_ms
        FROM (
            SELECT date_trunc('minute', event_time) AS minute, server,
                count(*) AS requests,
                count(*) FILTER (WHERE http_status BETWEEN 400 AND 499) AS errors_4xx,
                count(*) FILTER (WHERE http_status BETWEEN 500 AND 599) AS errors_5xx,
                favg(latency_ms) AS avg_latency_ms,
                quantile_cont(latency_ms, [0.5, 0.95, 0.99]) AS q
            FROM gold_in
            WHERE event_type = 'api_request'
            GROUP BY ALL
        )
        ORDER BY minute, server
    """,
    "gold_operational_hourly": """
        WITH hours AS (
            SELECT DISTINCT event_hour AS hour FROM gold_in
            UNION
            SELECT DISTINCT ingest_hour FROM bronze_in
        ),
        agg AS (
            SELECT event_hour AS hour,
                count(*) AS events,
                count(DISTINCT user_id) AS active_users,
                count(DISTINCT session_id) AS active_sessions,
                count(*) FILTER (WHERE event_type = 'page_view') AS page_views,
                count(*) FILTER (WHERE event_type = 'api_request') AS requests,
                count(*) FILTER (WHERE event_type = 'api_request' AND http_status BETWEEN 500 AND 599) AS errors_5xx,
                favg(latency_ms) FILTER (WHERE event_type = 'api_request') AS avg_latency_ms,
                quantile_cont(latency_ms, 0.95) FILTER (WHERE event_type = 'api_request') AS p95_latency_ms
            FROM gold_in
            GROUP BY ALL
        )
        SELECT h.hour,
            coalesce(a.events, 0) AS events,
            coalesce(a.active_users, 0) AS active_users,
            coalesce(a.active_sessions, 0) AS active_sessions,
            coalesce(a.page_views, 0) AS page_views,
            coalesce(a.requests, 0) AS requests,
            coalesce(a.errors_5xx, 0) AS errors_5xx,
            a.errors_5xx / nullif(a.requests, 0) AS error_rate_5xx,
            a.avg_latency_ms,
            a.p95_latency_ms
        FROM hours h LEFT JOIN agg a USING (hour)
        ORDER BY h.hour
    """,
    "gold_business_daily": """
        WITH sessions AS (
            SELECT event_date, count(DISTINCT session_id) AS sessions
            FROM gold_in
            WHERE topic = 'user-activity'
            GROUP BY ALL
        ),
        purchases AS (
            SELECT event_date, currency,
                count(*) AS orders,
                fsum(revenue) AS revenue,
                count(DISTINCT user_id) AS buyers,
                count(DISTINCT session_id) AS buying_sessions
            FROM gold_in
            WHERE event_type = 'purchase'
            GROUP BY ALL
        )
        SELECT p.event_date AS date, p.currency, p.orders, p.revenue, p.buyers,
            p.revenue / p.orders AS avg_order_value,
            s.sessions,
            p.buying_sessions / nullif(s.sessions, 0) AS conversion_rate
        FROM purchases p JOIN sessions s USING (event_date)
        ORDER BY date, currency
    """,
    "gold_funnel_daily": """
        WITH dates AS (
            SELECT DISTINCT event_date FROM gold_in
        ),
        per_session AS (
            SELECT event_date, session_id,
                bool_or(event_type = 'page_view') AS s1,
                bool_or(event_type = 'product_click') AS s2,
                bool_or(event_type = 'add_to_cart') AS s3,
                bool_or(event_type = 'purchase') AS s4
            FROM gold_in
            WHERE session_id IS NOT NULL AND event_type IN ('page_view', 'product_click', 'add_to_cart', 'purchase')
            GROUP BY ALL
        ),
        reached AS (
            SELECT event_date,
                count(*) FILTER (WHERE s1) AS n1,
                count(*) FILTER (WHERE s1 AND s2) AS n2,
                count(*) FILTER (WHERE s1 AND s2 AND s3) AS n3,
                count(*) FILTER (WHERE s1 AND s2 AND s3 AND s4) AS n4
            FROM per_session
            GROUP BY ALL
        ),
        filled AS (
            SELECT d.event_date, coalesce(n1, 0) AS n1, coalesce(n2, 0) AS n2,
                coalesce(n3, 0) AS n3, coalesce(n4, 0) AS n4
            FROM dates d LEFT JOIN reached r USING (event_date)
        ),
        steps AS (
            SELECT event_date, step, step_order, sessions, prev_sessions, n1 AS first_sessions
            FROM filled,
            LATERAL (VALUES
                ('page_view', 1, n1, n1),
                ('product_click', 2, n2, n1),
                ('add_to_cart', 3, n3, n2),
                ('purchase', 4, n4, n3)
            ) AS s(step, step_order, sessions, prev_sessions)
        )
        SELECT event_date AS date, step, step_order::INTEGER AS step_order, sessions,
            sessions / nullif(prev_sessions, 0) AS conversion_from_previous,
            sessions / nullif(first_sessions, 0) AS conversion_from_first
        FROM steps
        ORDER BY date, step_order
    """,
    "gold_data_quality_hourly": f"""
        WITH pairs AS (
            SELECT h.ingest_hour, t.topic
            FROM (SELECT DISTINCT ingest_hour FROM bronze_in) h,
                 (VALUES {", ".join(f"('{t}')" for t in _KNOWN_TOPICS)}) AS t(topic)
            UNION
            SELECT DISTINCT ingest_hour, topic FROM bronze_in
        ),
        bronze AS (
            SELECT ingest_hour, topic, count(*) AS n FROM bronze_in GROUP BY ALL
        ),
        kept AS (
            SELECT ingest_hour, topic,
                count(*) AS valid_rows,
                count(*) FILTER (WHERE event_hour < ingest_hour - INTERVAL 1 HOUR) AS late_rows,
                count(*) FILTER (WHERE event_hour > ingest_hour + INTERVAL 1 HOUR) AS future_rows,
                count(*) FILTER (WHERE topic = 'user-activity' AND user_id IS NULL) AS null_user_rows
            FROM silver_slim
            GROUP BY ALL
        ),
        dups AS (
            SELECT ingest_hour, topic, count(*) AS n FROM duplicates GROUP BY ALL
        ),
        by_reason AS (
            SELECT ingest_hour, topic, reason, count(*) AS n
            FROM parsed WHERE reason IS NOT NULL GROUP BY ALL
        ),
        rejects AS (
            SELECT ingest_hour, topic, sum(n)::BIGINT AS n,
                '{{' || string_agg('"' || reason || '":' || n, ',' ORDER BY reason) || '}}' AS rejects_by_reason
            FROM by_reason GROUP BY ALL
        )
        SELECT p.ingest_hour, p.topic,
            coalesce(b.n, 0) AS bronze_rows,
            coalesce(k.valid_rows, 0) AS valid_rows,
            coalesce(r.n, 0) AS rejected_rows,
            coalesce(d.n, 0) AS duplicate_rows,
            coalesce(k.late_rows, 0) AS late_rows,
            coalesce(k.future_rows, 0) AS future_rows,
            coalesce(k.null_user_rows, 0) AS null_user_rows,
            coalesce(r.rejects_by_reason, '{{}}') AS rejects_by_reason
        FROM pairs p
        LEFT JOIN bronze b USING (ingest_hour, topic)
        LEFT JOIN kept k USING (ingest_hour, topic)
        LEFT JOIN dups d USING (ingest_hour, topic)
        LEFT JOIN rejects r USING (ingest_hour, topic)
        ORDER BY p.ingest_hour, p.topic
    """,
}


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


# --------------------------------------------------------------------------------------------
# Self-check and timing (python -m bench.duckdb_events [--bench N] [--threads T])
# --------------------------------------------------------------------------------------------


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


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
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
