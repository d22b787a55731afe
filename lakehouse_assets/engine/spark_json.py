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

from .sql import literal

JSON_OPTIONS = {"allowSingleQuotes": "false", "allowNonNumericNumbers": "false", "allowUnquotedFieldNames": "false"}
_STRING_TOKEN = r'(?s)"([^"\\]*(?:\\.[^"\\]*)*)"'
_SURROGATE_ESCAPE = r"\\u[dD][89a-fA-F]"
_LONE_SURROGATE_TOKEN = r"^\\u[dD][89a-fA-F][0-9a-fA-F]{2}$"
_UNICODE_ESCAPE = "\\u"
_REPLACEMENT_ESCAPE = "\\ufffd"
_MARKED_TOKEN = '"S$1"'
_END_MARKER = ',{"E":1}]'
_ESCAPE_TOKENS = r"(?s)\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|\\u[0-9a-fA-F]{4}|\\.|\\$|[^\\]+"


def _repaired(raw: str) -> str:
    tokens = f"regexp_extract_all({raw}, {literal(_ESCAPE_TOKENS, 'spark')}, 0)"
    fixed = f"array_join(transform({tokens}, t -> CASE WHEN t RLIKE {literal(_LONE_SURROGATE_TOKEN, 'spark')} THEN {literal(_REPLACEMENT_ESCAPE, 'spark')} ELSE t END), '')"
    # A plain substring test first: the regex would scan every line, and few lines hold escapes.
    return f"CASE WHEN contains({raw}, {literal(_UNICODE_ESCAPE, 'spark')}) AND {raw} RLIKE {literal(_SURROGATE_ESCAPE, 'spark')} THEN {fixed} ELSE {raw} END"


def _kind(text: str) -> str:
    return (
        f"CASE WHEN {text} IS NULL THEN NULL WHEN startswith({text}, 'S') THEN 'string' "
        f"WHEN {text} IN ('true', 'false') THEN 'boolean' WHEN startswith({text}, '[') THEN 'array' "
        f"WHEN startswith({text}, '{{') THEN 'object' WHEN {text} RLIKE {literal(r'^-?[0-9]+$', 'spark')} THEN 'integer' ELSE 'number' END"
    )


def json_fields(bronze: Any, json_fields: tuple[str, ...], max_depth: int) -> Any:
    """Bronze columns -> topic, ingest_hour, source_key, line_number, raw, json_ok, t_f, s_f.

    Written as SQL text, one `selectExpr` per step: built from Python column objects, the same
    expressions cost several hundred Py4J calls (1-3 s of driver time per hour's parse).
    """
    # The line goes into an array, followed by an end marker: an object whose key is unmarked, so
    # no line can produce it. Jackson reads the first JSON value and ignores what follows it; a
    # line that closes the array early (`{...}] x`) leaves the marker unread.
    schema = "ARRAY<STRUCT<" + ", ".join(f"`S{f}`: STRING" for f in json_fields) + ", `E`: INT>>"
    options = {**JSON_OPTIONS, "maxNestingDepth": str(max_depth + 1)}
    options_text = ", ".join(f"{literal(k, 'spark')}, {literal(v, 'spark')}" for k, v in options.items())
    marked = f"regexp_replace({_repaired('raw')}, {literal(_STRING_TOKEN, 'spark')}, {literal(_MARKED_TOKEN, 'spark')})"
    keys = ["topic", "ingest_hour", "source_key", "line_number", "raw"]
    parsed = bronze.selectExpr(
        *keys,
        f"from_json(concat('[', {marked}, {literal(_END_MARKER, 'spark')}), {literal(schema, 'spark')}, "
        f"map({options_text})) AS _values",
    )
    # Exactly one element before the marker, and it an object (any other value fails the whole read).
    json_ok = "coalesce(_values IS NOT NULL AND size(_values) = 2 AND _values[0] IS NOT NULL AND _values[1].E = 1, false)"
    # Fields of a line that is not one JSON object read as absent. The object is a step of its own:
    # its fields are read many times below, and CASE branches share no subexpressions.
    checked = parsed.selectExpr(*keys, f"{json_ok} AS json_ok", f"CASE WHEN {json_ok} THEN _values[0] END AS _object")
    columns = []
    for f in json_fields:
        text = f"_object.`S{f}`"
        # Spark writes a number beyond the double range back as "Infinity", quoted.
        unquoted = f"CASE WHEN {text} IN ('\"Infinity\"', '\"-Infinity\"') THEN substring({text}, 2, length({text}) - 2) ELSE {text} END"
        columns += [f"{_kind(text)} AS `t_{f}`", f"CASE WHEN startswith({text}, 'S') THEN substring({text}, 2) ELSE {unquoted} END AS `s_{f}`"]
    return checked.selectExpr(*keys, "json_ok", *columns)
