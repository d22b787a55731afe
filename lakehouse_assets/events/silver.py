"""Bronze -> Silver: parse each line once, give it one reject reason or typed columns, drop
duplicates. Pure Spark built-in functions (no Python UDFs), no Dagster.

See CONTRACT_NOTES.md for the readings of the contract implemented here.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, NamedTuple

from .tables import API_TYPES, SILVER_EVENT_DUPLICATES, SILVER_EVENT_REJECTS, SILVER_EVENTS, USER_ACTIVITY_TYPES

# Every field the contract names, parsed as VARIANT so each value keeps its JSON type.
JSON_FIELDS = (
    "event_id", "event_type", "event_time", "session_id", "user_id", "page", "product_id",
    "revenue", "currency", "server", "http_status", "latency_ms",
)  # fmt: skip
OPTIONAL_STRINGS = ("session_id", "user_id", "page", "product_id", "server")
# Strict JSON: Spark's parser accepts single quotes and NaN unless told not to.
JSON_OPTIONS = {"allowSingleQuotes": "false", "allowNonNumericNumbers": "false", "allowUnquotedFieldNames": "false"}
ISO_8601 = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$"
INTEGER_TYPES = ("TINYINT", "SMALLINT", "INT", "BIGINT")


class SilverFrames(NamedTuple):
    events: Any
    rejects: Any
    duplicates: Any


def classify(bronze: Any) -> Any:
    """Bronze rows + `reason` (null when valid) + the typed Silver columns."""
    from pyspark.sql import functions as F

    schema = "ARRAY<STRUCT<" + ", ".join(f"`{f}`: VARIANT" for f in JSON_FIELDS) + ">>"
    # Wrapping the line in [ ] makes trailing content after the object a parse error.
    parsed = bronze.withColumn(
        "_arr", F.from_json(F.concat(F.lit("["), F.col("raw"), F.lit("]")), schema, JSON_OPTIONS)
    )
    malformed = (
        F.col("_arr").isNull()
        | (F.size("_arr") != 1)
        | F.col("_arr")[0].isNull()
        | ~F.expr("endswith(rtrim(' \t', raw), '}')")
    )
    cols = [F.col("*"), malformed.alias("_malformed")]
    for f in JSON_FIELDS:
        v = F.col("_arr")[0][f]
        cols.append(F.schema_of_variant(v).alias(f"_t_{f}"))
        cols.append(F.expr(f"try_variant_get(_arr[0].`{f}`, '$', 'string')").alias(f"_s_{f}"))
    typed = parsed.select(*cols)
    return typed.select(
        *[c for c in bronze.columns],
        _reason().alias("reason"),
        *_typed_columns(),
    )


def _t(f: str) -> Any:
    from pyspark.sql import functions as F

    return F.col(f"_t_{f}")


def _s(f: str) -> Any:
    from pyspark.sql import functions as F

    return F.col(f"_s_{f}")


def _present(f: str) -> Any:
    return _t(f).isNotNull() & (_t(f) != "VOID")


def _missing(f: str) -> Any:
    return ~_present(f) | ((_t(f) == "STRING") & (_s(f) == ""))


def _is_number(f: str) -> Any:
    return _t(f).isin("DOUBLE", "FLOAT", *INTEGER_TYPES) | _t(f).startswith("DECIMAL")


def _reason() -> Any:
    from pyspark.sql import functions as F

    topic, event_type = F.col("topic"), _s("event_type")
    known_type = (_t("event_type") == "STRING") & (
        ((topic == "user-activity") & event_type.isin(*USER_ACTIVITY_TYPES))
        | ((topic == "api-requests") & event_type.isin(*API_TYPES))
    )
    is_user_activity = event_type.isin(*USER_ACTIVITY_TYPES)
    is_purchase = event_type == "purchase"
    is_api = event_type.isin(*API_TYPES)
    ts = _s("event_time")
    good_time = (_t("event_time") == "STRING") & ts.rlike(ISO_8601) & F.try_to_timestamp(ts).isNotNull()

    def not_string(f: str) -> Any:
        return _present(f) & (_t(f) != "STRING")

    http = F.expr("try_variant_get(_arr[0].http_status, '$', 'bigint')")
    rules = [
        (F.col("raw").contains("\ufffd"), F.lit("invalid_utf8")),
        (F.col("_malformed"), F.lit("malformed_json")),
        (_missing("event_id"), F.lit("missing_field:event_id")),
        (_missing("event_type"), F.lit("missing_field:event_type")),
        (_missing("event_time"), F.lit("missing_field:event_time")),
        (~known_type, F.lit("unknown_event_type")),
        (is_user_activity & _missing("session_id"), F.lit("missing_field:session_id")),
        (is_purchase & _missing("revenue"), F.lit("missing_field:revenue")),
        (is_api & _missing("server"), F.lit("missing_field:server")),
        (is_api & _missing("http_status"), F.lit("missing_field:http_status")),
        (is_api & _missing("latency_ms"), F.lit("missing_field:latency_ms")),
        (~good_time, F.lit("bad_timestamp")),
        (_t("event_id") != "STRING", F.lit("bad_value:event_id")),
        (not_string("session_id"), F.lit("bad_value:session_id")),
        (not_string("user_id"), F.lit("bad_value:user_id")),
        (not_string("page"), F.lit("bad_value:page")),
        (not_string("product_id"), F.lit("bad_value:product_id")),
        (is_purchase & (~_is_number("revenue") | (F.expr("try_variant_get(_arr[0].revenue, '$', 'double')") < 0)), F.lit("bad_value:revenue")),
        (is_purchase & not_string("currency"), F.lit("bad_value:currency")),
        (not_string("server"), F.lit("bad_value:server")),
        (~_missing("http_status") & (~_t("http_status").isin(*INTEGER_TYPES) | ~http.between(100, 599)), F.lit("bad_value:http_status")),
        (~_missing("latency_ms") & (~_is_number("latency_ms") | (F.expr("try_variant_get(_arr[0].latency_ms, '$', 'double')") < 0)), F.lit("bad_value:latency_ms")),
    ]
    expr = F
    for condition, reason in rules:
        expr = expr.when(condition, reason)
    return expr


def _typed_columns() -> list[Any]:
    from pyspark.sql import functions as F

    def optional_string(f: str) -> Any:
        return F.when(_s(f) != "", _s(f))

    is_purchase = _s("event_type") == "purchase"
    return [
        _s("event_id").alias("event_id"),
        _s("event_type").alias("event_type"),
        F.try_to_timestamp(_s("event_time")).alias("event_time"),
        *[optional_string(f).alias(f) for f in OPTIONAL_STRINGS],
        F.when(is_purchase, F.expr("try_variant_get(_arr[0].revenue, '$', 'double')")).alias("revenue"),
        F.when(is_purchase, F.coalesce(optional_string("currency"), F.lit("KRW"))).alias("currency"),
        F.expr("try_variant_get(_arr[0].http_status, '$', 'int')").alias("http_status"),
        F.expr("try_variant_get(_arr[0].latency_ms, '$', 'double')").alias("latency_ms"),
    ]


def label_silver(bronze_prev_and_current: Any, ingest_hour: datetime) -> Any:
    """Every Bronze line of `ingest_hour`, labelled `_kind` = event | reject | duplicate, with the
    typed Silver columns and (for rejects only) the raw line. Callers cache this one narrow frame
    and derive the three tables from it, so each line is parsed once.

    The previous hour is only read for the event_ids of its valid lines (duplicates across the
    hour boundary).
    """
    from pyspark.sql import Window as W
    from pyspark.sql import functions as F

    hour = F.col("ingest_hour")
    # Filter before parsing: each branch parses only its own hour's lines (and reads only its files).
    current = classify(bronze_prev_and_current.filter(hour == F.lit(ingest_hour)))
    previous_ids = (
        classify(bronze_prev_and_current.filter(hour == F.lit(ingest_hour - timedelta(hours=1))))
        .filter(F.col("reason").isNull())
        .select("event_id")
        .distinct()
        .withColumn("_seen_before", F.lit(True))
    )
    first_in_hour = W.partitionBy("event_id").orderBy("source_key", "line_number")
    valid = (
        current.filter(F.col("reason").isNull())
        .join(previous_ids, "event_id", "left")
        .withColumn(
            "_kind",
            F.when(F.col("_seen_before").isNotNull() | (F.row_number().over(first_in_hour) > 1), "duplicate").otherwise("event"),
        )
        .withColumn("raw", F.lit(None).cast("string"))
    )
    rejects = current.filter(F.col("reason").isNotNull()).withColumn("_kind", F.lit("reject"))
    columns = [*SILVER_EVENTS.column_names, "raw", "reason", "_kind"]
    return valid.select(*columns).unionByName(rejects.select(*columns))


def silver_frames(labelled: Any) -> SilverFrames:
    """The three Silver tables from a labelled frame (see `label_silver`)."""
    from pyspark.sql import functions as F

    kind = F.col("_kind")
    return SilverFrames(
        labelled.filter(kind == "event").select(*SILVER_EVENTS.column_names),
        labelled.filter(kind == "reject").select(*SILVER_EVENT_REJECTS.column_names),
        labelled.filter(kind == "duplicate").select(*SILVER_EVENT_DUPLICATES.column_names),
    )


def split_silver(bronze_prev_and_current: Any, ingest_hour: datetime) -> SilverFrames:
    """Silver rows, rejects and duplicates of `ingest_hour` (uncached; see `label_silver`)."""
    return silver_frames(label_silver(bronze_prev_and_current, ingest_hour))
