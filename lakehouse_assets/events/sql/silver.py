"""Bronze -> Silver as SQL (see CONTRACT_NOTES.md for the readings implemented here).

Input `fields`: one row per Bronze line with `json_ok` (exactly one strict JSON object) and, per
contract field f, `t_f` (the value's JSON type: string, integer, number, boolean, null, array,
object; NULL when absent) and `s_f` (a string's text, a number's literal, `true`/`false`).
Each engine builds `fields` from `raw` its own way; everything after that is defined here once.
"""

from __future__ import annotations

from ..tables import API_TYPES, USER_ACTIVITY_TYPES

JSON_FIELDS = (
    "event_id", "event_type", "event_time", "session_id", "user_id", "page", "product_id",
    "revenue", "currency", "server", "http_status", "latency_ms",
)  # fmt: skip
JSON_TYPES = ("string", "integer", "number", "boolean", "null", "array", "object")
OPTIONAL_STRINGS = ("session_id", "user_id", "page", "product_id", "server")
# Deeper nesting than this is malformed_json, whichever parser read the line (CONTRACT_NOTES):
# each engine's JSON reading (`json_ok`) enforces it.
MAX_NESTING = 64
# Hours 00-23 and minutes/seconds 00-59 (of the time and the offset) in the pattern itself: one scan.
ISO_8601 = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?"
    r"(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
)


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def _missing(f: str) -> str:
    return f"(t_{f} IS NULL OR t_{f} = 'null' OR (t_{f} = 'string' AND s_{f} = ''))"


def _not_string(f: str) -> str:
    return f"(t_{f} IS NOT NULL AND t_{f} NOT IN ('null', 'string'))"


def _number(f: str) -> str:
    # An integer literal is an integer: `-0` is 0, not the double -0.0 (parsers differ here).
    as_double = f"TRY_CAST(s_{f} AS DOUBLE)"
    return f"CASE WHEN t_{f} = 'number' THEN {as_double} WHEN t_{f} = 'integer' THEN CASE WHEN {as_double} = 0 THEN 0.0 ELSE {as_double} END END"


def _event_time() -> str:
    """The UTC instant of a well-formed `event_time`, else NULL (fraction truncated to microseconds)."""
    s = "s_event_time"
    # A fraction beyond microseconds (rare; a well-formed text is then longer than 27 characters with
    # `Z`, 32 with `+hh:mm`) is cut; other texts are cast as written (both engines read `Z` and
    # `+hh:mm`): rebuilding every text was half this column's cost.
    text = f"""CASE WHEN length({s}) > CASE WHEN substr({s}, length({s}), 1) = 'Z' THEN 27 ELSE 32 END
        THEN substr({s}, 1, 26) || regexp_extract({s}, '(Z|[+-][0-9]{{2}}:[0-9]{{2}})$', 1) ELSE {s} END"""
    well_formed = f"t_event_time = 'string' AND regexp_matches({s}, '{ISO_8601}') AND NOT starts_with({s}, '0000')"
    instant = f"TRY_CAST({text} AS TIMESTAMPTZ)"
    # The UTC instant must be a year 1..9999 date (what every reader of the table can hold). An
    # offset moves it less than a day, so only years 0001 and 9999 are compared: a step of its own
    # for the comparison would copy every line once more.
    in_range = f"""CASE WHEN {instant} >= CAST('0001-01-01 00:00:00+00:00' AS TIMESTAMPTZ)
                  AND {instant} < CAST('9999-12-31 23:59:59.999999+00:00' AS TIMESTAMPTZ) + INTERVAL 1 MICROSECOND
                THEN {instant} END"""
    return f"CASE WHEN {well_formed} THEN CASE WHEN substr({s}, 1, 4) BETWEEN '0002' AND '9998' THEN {instant} ELSE {in_range} END END"


def classify_sql() -> str:
    """`fields` -> every line with its `reason` (NULL when valid) and the typed Silver columns."""
    user_activity, api = _in(USER_ACTIVITY_TYPES), _in(API_TYPES)
    known_type = f"""(t_event_type = 'string' AND ((topic = 'user-activity' AND s_event_type IN {user_activity})
                                  OR (topic = 'api-requests' AND s_event_type IN {api})))"""
    rules = [
        ("contains(raw, '\ufffd')", "invalid_utf8"),
        ("NOT json_ok", "malformed_json"),
        *[(_missing(f), f"missing_field:{f}") for f in ("event_id", "event_type", "event_time")],
        (f"NOT {known_type}", "unknown_event_type"),
        (f"s_event_type IN {user_activity} AND {_missing('session_id')}", "missing_field:session_id"),
        (f"s_event_type = 'purchase' AND {_missing('revenue')}", "missing_field:revenue"),
        *[(f"s_event_type IN {api} AND {_missing(f)}", f"missing_field:{f}") for f in ("server", "http_status", "latency_ms")],
        ("event_time IS NULL", "bad_timestamp"),
        ("t_event_id <> 'string'", "bad_value:event_id"),
        *[(_not_string(f), f"bad_value:{f}") for f in ("session_id", "user_id", "page", "product_id")],
        ("s_event_type = 'purchase' AND NOT coalesce(revenue_value >= 0, FALSE)", "bad_value:revenue"),
        (f"s_event_type = 'purchase' AND {_not_string('currency')}", "bad_value:currency"),
        (_not_string("server"), "bad_value:server"),
        (f"NOT {_missing('http_status')} AND NOT coalesce(t_http_status = 'integer' AND status_value BETWEEN 100 AND 599, FALSE)", "bad_value:http_status"),
        (f"NOT {_missing('latency_ms')} AND NOT coalesce(latency_value >= 0, FALSE)", "bad_value:latency_ms"),
    ]
    reason = "CASE\n" + "\n".join(f"            WHEN {condition} THEN '{name}'" for condition, name in rules) + "\n        END"

    def optional_string(f: str) -> str:
        return f"CASE WHEN t_{f} = 'string' AND s_{f} <> '' THEN s_{f} END"

    return f"""
    WITH checked AS (
        SELECT topic, ingest_hour, source_key, line_number, raw,
            -- a byte order mark is not JSON whitespace (some readers skip it at the start of a stream)
            json_ok AND NOT starts_with(raw, '\ufeff') AS json_ok,
            {", ".join(f"t_{f}, s_{f}" for f in JSON_FIELDS)}
        FROM fields
    ),
    valued AS (
        SELECT *,
            {_event_time()} AS event_time,
            {_number('revenue')} AS revenue_value,
            {_number('http_status')} AS status_value,
            {_number('latency_ms')} AS latency_value
        FROM checked
    ),
    judged AS (
        SELECT *, {reason} AS reason
        FROM valued
    )
    SELECT
        CASE WHEN reason IS NULL THEN s_event_id END AS event_id,
        CASE WHEN reason IS NULL THEN s_event_type END AS event_type,
        topic,
        event_time,
        {", ".join(f"{optional_string(f)} AS {f}" for f in OPTIONAL_STRINGS[:4])},
        CASE WHEN s_event_type = 'purchase' THEN revenue_value END AS revenue,
        CASE WHEN s_event_type = 'purchase' THEN coalesce({optional_string('currency')}, 'KRW') END AS currency,
        {optional_string('server')} AS server,
        CASE WHEN t_http_status = 'integer' AND status_value BETWEEN 100 AND 599 THEN CAST(status_value AS INTEGER) END AS http_status,
        latency_value AS latency_ms,
        ingest_hour, source_key, line_number,
        CASE WHEN reason IS NOT NULL THEN raw END AS raw,
        reason
    FROM judged
    """


# `classified`: this hour's lines (see classify_sql); `previous_ids`: the event_ids of the previous
# hour's valid lines. A valid line is a duplicate when its event_id is in `previous_ids` or an
# earlier valid line of the hour (source_key, line_number) has it. Rejects have no event_id.
# The duplicates are found on ids and line keys alone (a window over every line moved all its
# columns through a sort or a shuffle), in one pass over this hour's and the previous hour's ids:
# a previous-hour id ranks first (no line key), so each of this hour's lines with it is a
# duplicate. On Spark this is one shuffle of three columns, where finding the repeated ids first
# and joining them back took two more (1M lines, warm: 1.3-2.1 s against 1.8-3.9 s). DuckDB
# pays 0.1-0.3 s more for it than for that join: the smaller cost of the two.
DUPLICATE_LINES_SQL = """
WITH ids AS (
    SELECT event_id, source_key, line_number FROM classified WHERE event_id IS NOT NULL
    UNION ALL
    SELECT event_id, NULL AS source_key, NULL AS line_number FROM previous_ids
),
ranked AS (
    SELECT source_key, line_number,
        row_number() OVER (PARTITION BY event_id ORDER BY source_key NULLS FIRST, line_number NULLS FIRST) AS position
    FROM ids
)
SELECT source_key, line_number FROM ranked WHERE position > 1 AND source_key IS NOT NULL
"""

# `classified` and `duplicate_lines` (the line keys of DUPLICATE_LINES_SQL, few) -> every line
# with its `kind`: event, reject or duplicate.
LABEL_SQL = """
SELECT classified.*,
    CASE WHEN reason IS NOT NULL THEN 'reject'
         WHEN duplicate_lines.line_number IS NOT NULL THEN 'duplicate'
         ELSE 'event' END AS kind
FROM classified
LEFT JOIN duplicate_lines
    ON classified.source_key = duplicate_lines.source_key AND classified.line_number = duplicate_lines.line_number
"""

VALID_IDS_SQL = "SELECT event_id FROM classified WHERE reason IS NULL"


def kind_sql(kind: str, columns: list[str]) -> str:
    """One Silver output (`event`, `duplicate` or `reject`) of the labelled lines."""
    return f"SELECT {', '.join(columns)} FROM labelled WHERE kind = '{kind}'"
