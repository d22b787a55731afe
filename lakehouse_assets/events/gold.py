"""Silver -> the five Gold tables (contract section "Gold"). Pure Spark built-ins, no Dagster.

Gold buckets by event time. A Silver row counts only when its event hour E is within one hour
of its ingest hour I (I-1h <= E <= I+1h); callers pass Silver ingest hours H-1..H+1 (or the
day's 26 hours) and these functions apply the window rule themselves.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from .tables import FUNNEL_STEPS, GOLD_DATA_QUALITY_HOURLY, TOPICS

HOUR = timedelta(hours=1)


def _event_hour() -> Any:
    from pyspark.sql import functions as F

    return F.date_trunc("hour", F.col("event_time"))


def in_window(silver: Any) -> Any:
    """Silver rows whose event hour lies within one hour of their ingest hour."""
    from pyspark.sql import functions as F

    e, i = _event_hour(), F.col("ingest_hour")
    return silver.filter((e >= i - F.expr("INTERVAL 1 HOUR")) & (e <= i + F.expr("INTERVAL 1 HOUR")))


def _ratio(numerator: Any, denominator: Any) -> Any:
    from pyspark.sql import functions as F

    return F.when(denominator != 0, numerator / denominator)


def server_health_minutely(silver: Any, hour: datetime) -> Any:
    """Per (minute, server): requests, 4xx/5xx errors, error rate, latency mean and p50/p95/p99."""
    from pyspark.sql import functions as F

    requests = in_window(silver).filter((_event_hour() == F.lit(hour)) & (F.col("event_type") == "api_request"))
    status = F.col("http_status")
    grouped = requests.groupBy(F.date_trunc("minute", "event_time").alias("minute"), "server").agg(
        F.count(F.lit(1)).alias("requests"),
        F.count(F.when(status.between(400, 499), 1)).alias("errors_4xx"),
        F.count(F.when(status.between(500, 599), 1)).alias("errors_5xx"),
        F.avg("latency_ms").alias("avg_latency_ms"),
        F.percentile("latency_ms", F.array(F.lit(0.5), F.lit(0.95), F.lit(0.99))).alias("_p"),
    )
    return grouped.select(
        "minute",
        "server",
        "requests",
        "errors_4xx",
        "errors_5xx",
        _ratio(F.col("errors_4xx") + F.col("errors_5xx"), F.col("requests")).alias("error_rate"),
        "avg_latency_ms",
        F.col("_p")[0].alias("p50_latency_ms"),
        F.col("_p")[1].alias("p95_latency_ms"),
        F.col("_p")[2].alias("p99_latency_ms"),
    )


def operational_hourly(silver: Any, hour: datetime) -> Any:
    """Exactly one row for `hour`: events, users, sessions, page views, requests, 5xx errors, latency."""
    from pyspark.sql import functions as F

    rows = in_window(silver).filter(_event_hour() == F.lit(hour))
    is_request = F.col("event_type") == "api_request"
    latency = F.when(is_request, F.col("latency_ms"))
    agg = rows.agg(
        F.count(F.lit(1)).alias("events"),
        F.countDistinct("user_id").alias("active_users"),
        F.countDistinct("session_id").alias("active_sessions"),
        F.count(F.when(F.col("event_type") == "page_view", 1)).alias("page_views"),
        F.count(F.when(is_request, 1)).alias("requests"),
        F.count(F.when(is_request & F.col("http_status").between(500, 599), 1)).alias("errors_5xx"),
        F.avg(latency).alias("avg_latency_ms"),
        F.percentile(latency, F.lit(0.95)).alias("p95_latency_ms"),
    )
    return agg.select(
        F.lit(hour).cast("timestamp").alias("hour"),
        "events",
        "active_users",
        "active_sessions",
        "page_views",
        "requests",
        "errors_5xx",
        _ratio(F.col("errors_5xx"), F.col("requests")).alias("error_rate_5xx"),
        "avg_latency_ms",
        "p95_latency_ms",
    )


def _user_activity_on(silver: Any, day: date) -> Any:
    from pyspark.sql import functions as F

    return in_window(silver).filter(
        (F.to_date("event_time") == F.lit(day)) & F.col("event_type").isin(*FUNNEL_STEPS)
    )


def business_daily(silver: Any, day: date) -> Any:
    """Per currency on `day`: orders, revenue, buyers, average order value, sessions, conversion."""
    from pyspark.sql import functions as F

    activity = _user_activity_on(silver, day)
    sessions = activity.agg(F.countDistinct("session_id").alias("sessions"))
    purchases = activity.filter(F.col("event_type") == "purchase").groupBy("currency").agg(
        F.count(F.lit(1)).alias("orders"),
        F.sum("revenue").alias("revenue"),
        F.countDistinct("user_id").alias("buyers"),
        F.countDistinct("session_id").alias("_buying_sessions"),
    )
    return purchases.crossJoin(sessions).select(
        F.lit(day).alias("date"),
        "currency",
        "orders",
        "revenue",
        "buyers",
        _ratio(F.col("revenue"), F.col("orders")).alias("avg_order_value"),
        "sessions",
        _ratio(F.col("_buying_sessions"), F.col("sessions")).alias("conversion_rate"),
    )


def funnel_daily(silver: Any, day: date) -> Any:
    """Four rows for `day`: sessions that reached every step 1..k (in any order) and conversions."""
    from pyspark.sql import functions as F
    from pyspark.sql import Window as W

    per_session = (
        _user_activity_on(silver, day)
        .filter(F.col("session_id").isNotNull())
        .groupBy("session_id")
        .agg(*[F.max(F.col("event_type") == step).alias(step) for step in FUNNEL_STEPS])
    )
    reached = []
    condition = F.lit(True)
    for step in FUNNEL_STEPS:
        condition = condition & F.col(step)
        reached.append(F.count(F.when(condition, 1)).alias(step))
    counts = per_session.agg(*reached)
    steps = F.array(
        *[F.struct(F.lit(step).alias("step"), F.lit(order).alias("step_order"), F.col(step).alias("sessions"))
          for order, step in enumerate(FUNNEL_STEPS, start=1)]
    )  # fmt: skip
    rows = counts.select(F.explode(steps).alias("s")).select("s.*")
    ordered = W.orderBy("step_order")
    previous = F.lag("sessions", 1).over(ordered)
    first = F.first("sessions").over(ordered.rowsBetween(W.unboundedPreceding, W.currentRow))
    return rows.select(
        F.lit(day).alias("date"),
        "step",
        "step_order",
        "sessions",
        _ratio(F.col("sessions"), F.coalesce(previous, F.col("sessions"))).alias("conversion_from_previous"),
        _ratio(F.col("sessions"), first).alias("conversion_from_first"),
    )


def data_quality_hourly(bronze: Any, silver: Any, rejects: Any, duplicates: Any, ingest_hour: datetime) -> Any:
    """Per topic for one ingest hour: what arrived and what became of it."""
    from pyspark.sql import functions as F

    spark = bronze.sparkSession
    e, i = _event_hour(), F.col("ingest_hour")
    topics = spark.createDataFrame([(t,) for t in TOPICS], "topic STRING").union(bronze.select("topic")).distinct()
    bronze_rows = bronze.groupBy("topic").agg(F.count(F.lit(1)).alias("bronze_rows"))
    silver_rows = silver.groupBy("topic").agg(
        F.count(F.lit(1)).alias("valid_rows"),
        F.count(F.when(e < i - F.expr("INTERVAL 1 HOUR"), 1)).alias("late_rows"),
        F.count(F.when(e > i + F.expr("INTERVAL 1 HOUR"), 1)).alias("future_rows"),
        F.count(F.when(F.col("event_type").isin(*FUNNEL_STEPS) & F.col("user_id").isNull(), 1)).alias("null_user_rows"),
    )
    reject_rows = (
        rejects.groupBy("topic", "reason")
        .agg(F.count(F.lit(1)).alias("n"))
        .groupBy("topic")
        .agg(
            F.sum("n").alias("rejected_rows"),
            F.to_json(F.map_from_entries(F.array_sort(F.collect_list(F.struct("reason", "n"))))).alias("rejects_by_reason"),
        )
    )
    duplicate_rows = duplicates.groupBy("topic").agg(F.count(F.lit(1)).alias("duplicate_rows"))
    joined = topics.join(bronze_rows, "topic", "left").join(silver_rows, "topic", "left")
    joined = joined.join(reject_rows, "topic", "left").join(duplicate_rows, "topic", "left")
    counts = ["bronze_rows", "valid_rows", "rejected_rows", "duplicate_rows", "late_rows", "future_rows", "null_user_rows"]
    return joined.select(
        F.lit(ingest_hour).cast("timestamp").alias("ingest_hour"),
        "topic",
        *[F.coalesce(F.col(c), F.lit(0)).cast("long").alias(c) for c in counts],
        F.coalesce("rejects_by_reason", F.lit("{}")).alias("rejects_by_reason"),
    ).select(*GOLD_DATA_QUALITY_HOURLY.column_names)


def silver_hours_for_hour(hour: datetime) -> list[datetime]:
    return [hour - HOUR, hour, hour + HOUR]


def silver_hours_for_day(day: date) -> tuple[datetime, datetime]:
    """[first, last] Silver ingest hour whose rows can have an in-window event on `day`."""
    from datetime import timezone

    start = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
    return start - HOUR, start + timedelta(hours=24)
