"""The events tables, declared once (contract: docs/contracts/events.md)."""

from __future__ import annotations

from lakehouse_assets.lakehouse.tables import Column, TableSpec

TOPICS = ("user-activity", "api-requests")
USER_ACTIVITY_TYPES = ("page_view", "product_click", "add_to_cart", "purchase")
API_TYPES = ("api_request",)
FUNNEL_STEPS = USER_ACTIVITY_TYPES

BRONZE_EVENTS = TableSpec(
    "bronze",
    "events",
    (
        Column("topic", "string", "Landing topic (Kafka topic) of the object"),
        Column("ingest_hour", "timestamp", "Start of the UTC hour the object landed in"),
        Column("source_key", "string", "Object key relative to the landing root"),
        Column("line_number", "int", "1-based physical line number in the object"),
        Column("raw", "string", "The line as received (undecodable bytes replaced by U+FFFD)"),
        Column("received_at", "timestamp", "The object's last-modified time"),
    ),
    partition_column="ingest_hour",
    partition_transform="hour",
    doc="Every non-blank landing line exactly as received, malformed ones included.",
)

SILVER_EVENTS = TableSpec(
    "silver",
    "events",
    (
        Column("event_id", "string"),
        Column("event_type", "string"),
        Column("topic", "string"),
        Column("event_time", "timestamp", "Event time in UTC (microseconds)"),
        Column("session_id", "string"),
        Column("user_id", "string"),
        Column("page", "string"),
        Column("product_id", "string"),
        Column("revenue", "double", "Purchases only"),
        Column("currency", "string", "Purchases only; KRW when the event had none"),
        Column("server", "string"),
        Column("http_status", "int"),
        Column("latency_ms", "double"),
        Column("ingest_hour", "timestamp"),
        Column("source_key", "string"),
        Column("line_number", "int"),
    ),
    partition_column="ingest_hour",
    partition_transform="hour",
    doc="Valid, typed, deduplicated events.",
)

SILVER_EVENT_REJECTS = TableSpec(
    "silver",
    "event_rejects",
    (
        Column("topic", "string"),
        Column("ingest_hour", "timestamp"),
        Column("source_key", "string"),
        Column("line_number", "int"),
        Column("raw", "string"),
        Column("reason", "string", "The first rule the line broke, in contract order"),
    ),
    partition_column="ingest_hour",
    partition_transform="hour",
    doc="Lines kept aside with the reason they were rejected.",
)

SILVER_EVENT_DUPLICATES = TableSpec(
    "silver",
    "event_duplicates",
    (
        Column("event_id", "string"),
        Column("topic", "string"),
        Column("ingest_hour", "timestamp"),
        Column("source_key", "string"),
        Column("line_number", "int"),
    ),
    partition_column="ingest_hour",
    partition_transform="hour",
    doc="Valid lines dropped because their event_id was already seen (same or previous ingest hour).",
)

GOLD_SERVER_HEALTH_MINUTELY = TableSpec(
    "gold",
    "metrics_server_health_minutely",
    (
        Column("minute", "timestamp"),
        Column("server", "string"),
        Column("requests", "long"),
        Column("errors_4xx", "long"),
        Column("errors_5xx", "long"),
        Column("error_rate", "double"),
        Column("avg_latency_ms", "double"),
        Column("p50_latency_ms", "double"),
        Column("p95_latency_ms", "double"),
        Column("p99_latency_ms", "double"),
    ),
    partition_column="minute",
    partition_transform="hour",
    doc="Per minute and server: api_request volume, errors and latency percentiles.",
)

GOLD_OPERATIONAL_HOURLY = TableSpec(
    "gold",
    "metrics_operational_hourly",
    (
        Column("hour", "timestamp"),
        Column("events", "long"),
        Column("active_users", "long"),
        Column("active_sessions", "long"),
        Column("page_views", "long"),
        Column("requests", "long"),
        Column("errors_5xx", "long"),
        Column("error_rate_5xx", "double"),
        Column("avg_latency_ms", "double"),
        Column("p95_latency_ms", "double"),
    ),
    partition_column="hour",
    partition_transform="hour",
    doc="One row per event hour: traffic, users, sessions, requests and 5xx errors.",
)

GOLD_BUSINESS_DAILY = TableSpec(
    "gold",
    "metrics_business_daily",
    (
        Column("date", "date"),
        Column("currency", "string"),
        Column("orders", "long"),
        Column("revenue", "double"),
        Column("buyers", "long"),
        Column("avg_order_value", "double"),
        Column("sessions", "long"),
        Column("conversion_rate", "double"),
    ),
    partition_column="date",
    doc="Per event date and currency: orders, revenue, buyers and conversion.",
)

GOLD_FUNNEL_DAILY = TableSpec(
    "gold",
    "metrics_funnel_daily",
    (
        Column("date", "date"),
        Column("step", "string"),
        Column("step_order", "int"),
        Column("sessions", "long"),
        Column("conversion_from_previous", "double"),
        Column("conversion_from_first", "double"),
    ),
    partition_column="date",
    doc="Per event date: sessions reaching each funnel step (page_view -> purchase).",
)

GOLD_DATA_QUALITY_HOURLY = TableSpec(
    "gold",
    "metrics_data_quality_hourly",
    (
        Column("ingest_hour", "timestamp"),
        Column("topic", "string"),
        Column("bronze_rows", "long"),
        Column("valid_rows", "long"),
        Column("rejected_rows", "long"),
        Column("duplicate_rows", "long"),
        Column("late_rows", "long"),
        Column("future_rows", "long"),
        Column("null_user_rows", "long"),
        Column("rejects_by_reason", "string", "JSON object: reason -> count, keys sorted"),
    ),
    partition_column="ingest_hour",
    partition_transform="hour",
    doc="Per ingest hour and topic: what arrived, what was kept, rejected, duplicated, late or early.",
)

GOLD_TABLES = (
    GOLD_SERVER_HEALTH_MINUTELY,
    GOLD_OPERATIONAL_HOURLY,
    GOLD_BUSINESS_DAILY,
    GOLD_FUNNEL_DAILY,
    GOLD_DATA_QUALITY_HOURLY,
)
