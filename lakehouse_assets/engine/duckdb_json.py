"""DuckDB: a raw line -> `json_ok` and per-field (JSON type, text) columns (yyjson, in SQL).

yyjson is more lenient than the contract in a few places and reads duplicate keys differently;
each difference is closed here, on the few lines it can concern, so DuckDB agrees with the
contract's readings (CONTRACT_NOTES.md) and with the Spark engine:
* NaN/Infinity literals and trailing commas (yyjson accepts them): lines holding `nan`/`inf` or a
  `,` before `]`/`}` are checked again with their string tokens blanked out.
* Lone UTF-16 surrogate escapes (yyjson rejects the line): on lines that fail and hold one, each
  lone surrogate escape becomes `\\ufffd` (escapes tokenised left to right) and the line is read again.
* Duplicate keys (yyjson reads the first, the contract the last): lines whose top-level keys
  repeat take each contract field from its last occurrence (keys and values in order).
* Integers beyond 64 bits (yyjson types them DOUBLE): an integer literal is `integer` whatever its size.
* Nesting depth (yyjson has no limit): a line nesting deeper than `max_depth` is not JSON.
"""

from __future__ import annotations

_OBJECT_START = r"^[ \t\n\r]*\{"
_TRAILING_COMMA = r",[ \t\n\r]*[\]}]"
_STRING_TOKEN = r'"[^"\\]*(\\.[^"\\]*)*"'
_LENIENT = r"(?i),[ \t\n\r]*[\]}]|nan|inf"
# The same, as three scans with literal starts (one scan of the alternation cost twice as much).
_LENIENT_ANYWHERE = " OR ".join(f"regexp_matches(src, '{p}')" for p in (_TRAILING_COMMA, "(?i)nan", "(?i)inf"))
_SURROGATE_ESCAPE = r"\\u[dD][89a-fA-F]"
# One token per escape (a surrogate pair is one token) or run of other characters.
_ESCAPE_TOKENS = r"(?s)\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|\\u[0-9a-fA-F]{4}|\\.|\\$|[^\\]+"


def _balanced(levels: int) -> str:
    """A regex for one bracketed group ([...] or {...}) nesting at most `levels` deep (brackets only)."""
    group = r"\[\]|\{\}"
    for _ in range(levels - 1):
        group = rf"\[(?:{group})*\]|\{{(?:{group})*\}}"
    return group


def _too_deep(max_depth: int) -> str:
    """True when arrays/objects nest deeper than `max_depth` (a multiple of 4)."""
    brackets = rf"regexp_replace(regexp_replace(raw, '{_STRING_TOKEN}', '', 'g'), '[^\[\]{{}}]', '', 'g')"
    # Each pass removes every group nesting at most 4 deep: the remaining depth drops by 4.
    for _ in range(max_depth // 4):
        brackets = f"regexp_replace({brackets}, '{_balanced(4)}', '', 'g')"
    # Bytes (strlen), not characters (length, a UTF-8 scan): brackets are one byte each.
    openers = "(strlen(raw) - strlen(replace(replace(raw, '[', ''), '{', '')))"
    # CASE, not AND: the passes run only on the rare lines with enough brackets to be that deep.
    return f"CASE WHEN strlen(raw) > {2 * max_depth} AND {openers} > {max_depth} THEN length({brackets}) > 0 ELSE FALSE END"


def _kind(duck_type: str, text: str) -> str:
    return f"""CASE {duck_type}
        WHEN 'VARCHAR' THEN 'string' WHEN 'BIGINT' THEN 'integer' WHEN 'UBIGINT' THEN 'integer'
        WHEN 'DOUBLE' THEN CASE WHEN regexp_matches({text}, '^-?[0-9]+$') THEN 'integer' ELSE 'number' END
        WHEN 'BOOLEAN' THEN 'boolean' WHEN 'NULL' THEN 'null' WHEN 'ARRAY' THEN 'array' WHEN 'OBJECT' THEN 'object'
    END"""


def fields_sql(json_fields: tuple[str, ...], max_depth: int, source: str = "bronze") -> str:
    """SQL over `source` (Bronze columns) giving `json_ok`, `t_<f>` and `s_<f>` per field."""
    if max_depth % 4:
        raise ValueError(f"max_depth must be a multiple of 4, not {max_depth}")
    paths = ", ".join(f"'$.{f}'" for f in json_fields)
    per_field = []
    for i, f in enumerate(json_fields, start=1):
        # On a line whose keys repeat: the value of the key's last occurrence.
        last = f"values_in_order[len(keys) + 1 - list_position(list_reverse(keys), '{f}')]"
        last_text = f"json_extract_string({last}, '$')"
        per_field.append(
            f"CASE WHEN values_in_order IS NULL THEN {_kind(f'ty[{i}]', f'v[{i}]')} "
            f"WHEN list_position(keys, '{f}') IS NOT NULL THEN {_kind(f'json_type({last})', last_text)} END AS t_{f},\n"
            f"        CASE WHEN values_in_order IS NULL THEN v[{i}] "
            f"WHEN list_position(keys, '{f}') IS NOT NULL THEN {last_text} END AS s_{f}"
        )
    columns = ",\n        ".join(per_field)
    present = " + ".join(f"(ty[{i}] IS NOT NULL)::INTEGER" for i in range(1, len(json_fields) + 1))
    return f"""
    WITH base AS (
        SELECT topic, ingest_hour, source_key, line_number, raw,
            strpos(raw, chr(65533)) = 0 AND regexp_matches(raw, '{_OBJECT_START}') AND NOT ({_too_deep(max_depth)}) AS candidate
        FROM {source}
    ),
    validated AS (
        SELECT *, CASE WHEN candidate THEN json_valid(raw) ELSE FALSE END AS valid_as_is
        FROM base
    ),
    parsed AS (
        SELECT topic, ingest_hour, source_key, line_number, raw,
            CASE WHEN candidate AND NOT valid_as_is AND regexp_matches(raw, '{_SURROGATE_ESCAPE}')
                THEN array_to_string(list_transform(regexp_extract_all(raw, '{_ESCAPE_TOKENS}'),
                    lambda t: CASE WHEN regexp_full_match(t, '{_SURROGATE_ESCAPE}[0-9a-fA-F]{{2}}') THEN '\\ufffd' ELSE t END), '')
                ELSE raw END AS src,
            valid_as_is, candidate
        FROM validated
    ),
    strict AS (
        SELECT *,
            CASE WHEN valid_as_is THEN TRUE WHEN candidate AND src <> raw THEN json_valid(src) ELSE FALSE END
            AND NOT (
                CASE WHEN {_LENIENT_ANYWHERE}
                    THEN regexp_matches(regexp_replace(src, '{_STRING_TOKEN}', '""', 'g'), '{_LENIENT}')
                    ELSE FALSE END
            ) AS json_ok
        FROM parsed
    ),
    extracted AS (
        SELECT topic, ingest_hour, source_key, line_number, raw, json_ok,
            CASE WHEN json_ok THEN json_extract_string(src, [{paths}]) END AS v,
            CASE WHEN json_ok THEN json_type(src, [{paths}]) END AS ty,
            CASE WHEN json_ok THEN json_keys(src) END AS keys,
            src
        FROM strict
    ),
    ordered AS (
        -- A contract key can repeat only on a line with more keys than contract fields present
        -- (a quarter of the lines): the costly distinct count runs on those alone.
        SELECT *,
            CASE WHEN len(keys) > {present} AND len(keys) <> len(list_distinct(keys))
                THEN json_extract(src, '$.*') END AS values_in_order
        FROM extracted
    )
    SELECT topic, ingest_hour, source_key, line_number, raw, json_ok,
        {columns}
    FROM ordered
    """
