"""The reference's parse: every raw Bronze line into the typed temp table `parsed` (reason and
Silver columns), in one DuckDB statement. Part of `bench/duckdb_events.py`.

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
"""

from __future__ import annotations

# The contract's names: the fields and event types (the rules below are this reference's own).
from lakehouse_assets.events.sql.silver import JSON_FIELDS as _FIELDS
from lakehouse_assets.events.tables import USER_ACTIVITY_TYPES as _USER_ACTIVITY_TYPES

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
