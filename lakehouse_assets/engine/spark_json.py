"""Spark: a raw line -> `json_ok` and per-field (JSON type, text) columns, with built-in functions.

One `from_json` pass reads every contract field as text. Spark gives a string's contents and any
other value's JSON text, so `"12"` and `12` would read alike: before parsing, every string token
(one regex pass, left to right, so tokens are found as a JSON reader finds them) gets an `S` after
its opening quote, keys included (the schema names the fields `S<field>`). A value whose text
starts with `S` was a string; others are numbers, booleans, arrays or objects by their first
character; JSON null and an absent field both read as NULL (the rules treat them alike).

Where Spark's JSON reader differs from the contract's readings, it is closed here, as in
`duckdb_json.py`: lone UTF-16 surrogate escapes (Spark would store `?`) become `\\ufffd` first;
strict parsing (no NaN, single quotes or unquoted names); nesting deeper than `max_depth` is a
parse error (Jackson's own limit, one level added for the wrapping array). Duplicate keys: Spark
keeps the last.
"""

from __future__ import annotations

from typing import Any

JSON_OPTIONS = {"allowSingleQuotes": "false", "allowNonNumericNumbers": "false", "allowUnquotedFieldNames": "false"}
_STRING_TOKEN = r'(?s)"([^"\\]*(?:\\.[^"\\]*)*)"'
_SURROGATE_ESCAPE = r"\\u[dD][89a-fA-F]"
_LONE_SURROGATE_TOKEN = r"^\\u[dD][89a-fA-F][0-9a-fA-F]{2}$"
_ESCAPE_TOKENS = r"(?s)\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|\\u[0-9a-fA-F]{4}|\\.|\\$|[^\\]+"


def _repaired(raw: Any) -> Any:
    from pyspark.sql import functions as F

    tokens = F.regexp_extract_all(raw, F.lit(_ESCAPE_TOKENS), F.lit(0))
    fixed = F.array_join(F.transform(tokens, lambda t: F.when(t.rlike(_LONE_SURROGATE_TOKEN), F.lit("\\ufffd")).otherwise(t)), "")
    # A plain substring test first: the regex would scan every line, and few lines hold escapes.
    return F.when(raw.contains("\\u") & raw.rlike(_SURROGATE_ESCAPE), fixed).otherwise(raw)


def json_fields(bronze: Any, json_fields: tuple[str, ...], max_depth: int) -> Any:
    """Bronze columns -> topic, ingest_hour, source_key, line_number, raw, json_ok, t_f, s_f."""
    from pyspark.sql import functions as F

    # The line goes into an array, followed by an end marker: an object whose key is unmarked, so
    # no line can produce it. Jackson reads the first JSON value and ignores what follows it; a
    # line that closes the array early (`{...}] x`) leaves the marker unread.
    schema = "ARRAY<STRUCT<" + ", ".join(f"`S{f}`: STRING" for f in json_fields) + ", `E`: INT>>"
    marked = F.regexp_replace(_repaired(F.col("raw")), _STRING_TOKEN, '"S$1"')
    parsed = bronze.select(
        "topic", "ingest_hour", "source_key", "line_number", "raw",
        F.from_json(F.concat(F.lit("["), marked, F.lit(',{"E":1}]')), schema, {**JSON_OPTIONS, "maxNestingDepth": str(max_depth + 1)}).alias("_values"),
    )  # fmt: skip
    values = F.col("_values")
    # Exactly one element before the marker, and it an object (any other value fails the whole read).
    json_ok = values.isNotNull() & (F.size(values) == 2) & values[0].isNotNull() & (values[1]["E"] == 1)
    keys = ["topic", "ingest_hour", "source_key", "line_number", "raw"]
    # In steps, each column naming the one before: small expression trees to analyse.
    texts = parsed.select(
        *keys,
        F.coalesce(json_ok, F.lit(False)).alias("json_ok"),
        *[values[0][f"S{f}"].alias(f"_x_{f}") for f in json_fields],
    )
    # Spark writes a number beyond the double range back as "Infinity" (quoted). A step of its
    # own: each text is read several times below, and CASE branches share no subexpressions.
    unquoted = texts.select(
        *keys, "json_ok",
        *[
            F.when(F.col("json_ok"), F.when(F.col(f"_x_{f}").isin('"Infinity"', '"-Infinity"'), F.expr(f"substring(_x_{f}, 2, length(_x_{f}) - 2)")).otherwise(F.col(f"_x_{f}"))).alias(f"_x_{f}")
            for f in json_fields
        ],
    )  # fmt: skip
    columns = []
    for f in json_fields:
        text = F.col(f"_x_{f}")
        kind = (
            F.when(text.isNull(), F.lit(None))
            .when(text.startswith("S"), F.lit("string"))
            .when(text.isin("true", "false"), F.lit("boolean"))
            .when(text.startswith("["), F.lit("array"))
            .when(text.startswith("{"), F.lit("object"))
            .when(text.rlike(r"^-?[0-9]+$"), F.lit("integer"))
            .otherwise(F.lit("number"))
        )
        columns += [kind.alias(f"t_{f}"), F.when(text.startswith("S"), F.substring(text, 2, 1 << 30)).otherwise(text).alias(f"s_{f}")]
    return unquoted.select(*keys, "json_ok", *columns)
