"""Silver -> the five Gold tables as SQL (contract section "Gold"), written once.

Gold buckets by event time. A Silver row counts only when its event hour E is within one hour of
its ingest hour I (I-1h <= E <= I+1h); callers pass Silver ingest hours H-1..H+1 (or the day's 26
hours) as `silver` and the queries apply the window rule themselves. Parameters: `:hour` (a UTC
hour), `:day` (a UTC date). Ratios with a zero denominator are NULL.
"""

from __future__ import annotations

from ..tables import FUNNEL_STEPS, TOPICS

# Microseconds from the ingest hour I to the event time. Event hour E is in I-1h..I+1h exactly when
# the event time is in [I-1h, I+2h). Whole numbers, no per-row calendar work: DuckDB truncates or
# casts a TIMESTAMPTZ through ICU's calendar and Spark adds an interval through java.time's zoned
# arithmetic, row by row (Gold's costliest filter on both).
_EVENT_OFFSET_US = "(epoch_us(event_time) - epoch_us(ingest_hour))"
_LATE = f"{_EVENT_OFFSET_US} < -3600000000"
_FUTURE = f"{_EVENT_OFFSET_US} >= 7200000000"
IN_WINDOW = f"{_EVENT_OFFSET_US} >= -3600000000 AND {_EVENT_OFFSET_US} < 7200000000"
# Event hour = :hour, event date = :day, as ranges of event_time (bounds folded once per query).
_IN_HOUR = "event_time >= :hour AND event_time < :hour + INTERVAL 1 HOUR"
_ON_DAY = "event_time >= CAST(:day AS TIMESTAMPTZ) AND event_time < CAST(:day AS TIMESTAMPTZ) + INTERVAL 1 DAY"
_STEPS = "(" + ", ".join(f"'{s}'" for s in FUNNEL_STEPS) + ")"


def _ratio(numerator: str, denominator: str) -> str:
    return f"CASE WHEN {denominator} <> 0 THEN CAST({numerator} AS DOUBLE) / {denominator} END"


SERVER_HEALTH_MINUTELY = f"""
WITH counted AS (
    SELECT date_trunc('minute', event_time) AS minute, server,
        count(*) AS requests,
        count(CASE WHEN http_status BETWEEN 400 AND 499 THEN 1 END) AS errors_4xx,
        count(CASE WHEN http_status BETWEEN 500 AND 599 THEN 1 END) AS errors_5xx,
        avg(latency_ms) AS avg_latency_ms,
        quantile_cont(latency_ms, 0.5) AS p50_latency_ms,
        quantile_cont(latency_ms, 0.95) AS p95_latency_ms,
        quantile_cont(latency_ms, 0.99) AS p99_latency_ms
    FROM silver
    WHERE event_type = 'api_request' AND {_IN_HOUR} AND {IN_WINDOW}
    GROUP BY date_trunc('minute', event_time), server
)
SELECT minute, server, requests, errors_4xx, errors_5xx,
    {_ratio('errors_4xx + errors_5xx', 'requests')} AS error_rate,
    avg_latency_ms, p50_latency_ms, p95_latency_ms, p99_latency_ms
FROM counted
"""

# The distinct counts are aggregations of their own: in one aggregation with the percentile,
# Spark expands every row once per distinct column and carries the percentile through (4x slower).
OPERATIONAL_HOURLY = f"""
WITH hour_rows AS (
    SELECT event_type, user_id, session_id, http_status, latency_ms
    FROM silver
    WHERE {_IN_HOUR} AND {IN_WINDOW}
),
counted AS (
    SELECT count(*) AS events,
        count(CASE WHEN event_type = 'page_view' THEN 1 END) AS page_views,
        count(CASE WHEN event_type = 'api_request' THEN 1 END) AS requests,
        count(CASE WHEN event_type = 'api_request' AND http_status BETWEEN 500 AND 599 THEN 1 END) AS errors_5xx,
        avg(CASE WHEN event_type = 'api_request' THEN latency_ms END) AS avg_latency_ms,
        quantile_cont(CASE WHEN event_type = 'api_request' THEN latency_ms END, 0.95) AS p95_latency_ms
    FROM hour_rows
),
users AS (
    SELECT count(DISTINCT user_id) AS active_users FROM hour_rows
),
sessions AS (
    SELECT count(DISTINCT session_id) AS active_sessions FROM hour_rows
)
SELECT :hour AS hour, events, active_users, active_sessions, page_views, requests, errors_5xx,
    {_ratio('errors_5xx', 'requests')} AS error_rate_5xx, avg_latency_ms, p95_latency_ms
FROM counted CROSS JOIN users CROSS JOIN sessions
"""

_ACTIVITY_ON_DAY = f"""
activity AS (
    SELECT event_type, session_id, user_id, revenue, currency
    FROM silver
    WHERE {_ON_DAY} AND event_type IN {_STEPS} AND {IN_WINDOW}
)"""

BUSINESS_DAILY = f"""
WITH {_ACTIVITY_ON_DAY},
day_sessions AS (
    SELECT count(DISTINCT session_id) AS sessions FROM activity
),
purchases AS (
    SELECT currency, count(*) AS orders, sum(revenue) AS revenue, count(DISTINCT user_id) AS buyers,
        count(DISTINCT session_id) AS buying_sessions
    FROM activity
    WHERE event_type = 'purchase'
    GROUP BY currency
)
SELECT :day AS date, currency, orders, revenue, buyers,
    {_ratio('revenue', 'orders')} AS avg_order_value, sessions,
    {_ratio('buying_sessions', 'sessions')} AS conversion_rate
FROM purchases CROSS JOIN day_sessions
"""


def _funnel_sql() -> str:
    flags = ",\n        ".join(
        f"max(CASE WHEN event_type = '{step}' THEN 1 ELSE 0 END) AS reached_{order}"
        for order, step in enumerate(FUNNEL_STEPS, start=1)
    )
    counts = ",\n        ".join(
        f"count(CASE WHEN {' AND '.join(f'reached_{k} = 1' for k in range(1, order + 1))} THEN 1 END) AS step_{order}"
        for order in range(1, len(FUNNEL_STEPS) + 1)
    )
    rows = "\nUNION ALL\n".join(
        f"SELECT :day AS date, '{step}' AS step, {order} AS step_order, step_{order} AS sessions, "
        f"{_ratio(f'step_{order}', f'step_{max(order - 1, 1)}')} AS conversion_from_previous, "
        f"{_ratio(f'step_{order}', 'step_1')} AS conversion_from_first FROM reached"
        for order, step in enumerate(FUNNEL_STEPS, start=1)
    )
    return f"""
WITH {_ACTIVITY_ON_DAY},
per_session AS (
    SELECT session_id,
        {flags}
    FROM activity
    WHERE session_id IS NOT NULL
    GROUP BY session_id
),
reached AS (
    SELECT
        {counts}
    FROM per_session
)
{rows}
"""


FUNNEL_DAILY = _funnel_sql()

_KNOWN_TOPICS = "\n    UNION ".join(f"SELECT '{t}' AS topic" for t in TOPICS)

# Inputs: `bronze`, `silver`, `rejects`, `duplicates` of one ingest hour.
DATA_QUALITY_HOURLY = f"""
WITH arrived AS (
    SELECT topic, count(*) AS bronze_rows FROM bronze GROUP BY topic
),
topics AS (  -- Bronze's topics from its counts: one scan of Bronze, not two
    {_KNOWN_TOPICS}
    UNION SELECT topic FROM arrived
),
kept AS (
    SELECT topic, count(*) AS valid_rows,
        count(CASE WHEN {_LATE} THEN 1 END) AS late_rows,
        count(CASE WHEN {_FUTURE} THEN 1 END) AS future_rows,
        count(CASE WHEN event_type IN {_STEPS} AND user_id IS NULL THEN 1 END) AS null_user_rows
    FROM silver
    GROUP BY topic
),
by_reason AS (
    SELECT topic, reason, count(*) AS n FROM rejects GROUP BY topic, reason
),
rejected AS (
    SELECT topic, sum(n) AS rejected_rows,
        '{{' || string_agg('"' || reason || '":' || CAST(n AS VARCHAR), ',' ORDER BY reason) || '}}' AS rejects_by_reason
    FROM by_reason
    GROUP BY topic
),
duplicated AS (
    SELECT topic, count(*) AS duplicate_rows FROM duplicates GROUP BY topic
)
SELECT :hour AS ingest_hour, topics.topic,
    coalesce(bronze_rows, 0) AS bronze_rows,
    coalesce(valid_rows, 0) AS valid_rows,
    coalesce(rejected_rows, 0) AS rejected_rows,
    coalesce(duplicate_rows, 0) AS duplicate_rows,
    coalesce(late_rows, 0) AS late_rows,
    coalesce(future_rows, 0) AS future_rows,
    coalesce(null_user_rows, 0) AS null_user_rows,
    coalesce(rejects_by_reason, '{{}}') AS rejects_by_reason
FROM topics
LEFT JOIN arrived ON topics.topic = arrived.topic
LEFT JOIN kept ON topics.topic = kept.topic
LEFT JOIN rejected ON topics.topic = rejected.topic
LEFT JOIN duplicated ON topics.topic = duplicated.topic
"""
