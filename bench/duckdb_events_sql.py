"""The reference's Silver and Gold SQL over `parsed` (see `bench/duckdb_events.py`)."""

from __future__ import annotations

from bench.duckdb_events_parse import _KNOWN_TOPICS

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
