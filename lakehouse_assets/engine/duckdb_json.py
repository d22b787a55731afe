"""DuckDB: a raw line -> `json_ok` and per-field (JSON type, text) columns (yyjson, in SQL).

yyjson is more lenient than the contract in a few places and reads duplicate keys differently;
each difference is closed here, on the few lines it can concern, so DuckDB agrees with the
contract's readings (CONTRACT_NOTES.md) and with the Spark engine:
* NaN/Infinity literals and trailing commas (yyjson accepts them): lines holding `nan`/`inf` or a
  `,` before `]`/`}` are checked again with their string tokens blanked out.
* Lone UTF-16 surrogate escapes (yyjson rejects the line): on lines that fail and hold one, each
  lone surrogate escape becomes `\\ufffd` (escapes tokenised left to right) and the line is read again.
* Duplicate keys (yyjson reads the first, the contract the last): lines whose top-level keys
  repeat take each contract field from its last occurrence (`json_each`).
* Integers beyond 64 bits (yyjson types them DOUBLE): an integer literal is `integer` whatever its size.
"""

from __future__ import annotations

_OBJECT_START = r"^[ \t\n\r]*\{"
_TRAILING_COMMA = r",[ \t\n\r]*[\]}]"
_STRING_TOKEN = r'"[^"\\]*(\\.[^"\\]*)*"'
_LENIENT = r"(?i),[ \t\n\r]*[\]}]|nan|inf"
_SURROGATE_ESCAPE = r"\\u[dD][89a-fA-F]"
# One token per escape (a surrogate pair is one token) or run of other characters.
_ESCAPE_TOKENS = r"(?s)\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|\\u[0-9a-fA-F]{4}|\\.|\\$|[^\\]+"


def _kind(duck_type: str, text: str) -> str:
    return f"""CASE {duck_type}
        WHEN 'VARCHAR' THEN 'string' WHEN 'BIGINT' THEN 'integer' WHEN 'UBIGINT' THEN 'integer'
        WHEN 'DOUBLE' THEN CASE WHEN regexp_matches({text}, '^-?[0-9]+$') THEN 'integer' ELSE 'number' END
        WHEN 'BOOLEAN' THEN 'boolean' WHEN 'NULL' THEN 'null' WHEN 'ARRAY' THEN 'array' WHEN 'OBJECT' THEN 'object'
    END"""


def fields_sql(json_fields: tuple[str, ...], source: str = "bronze") -> str:
    """SQL over `source` (Bronze columns) giving `json_ok`, `t_<f>` and `s_<f>` per field."""
    paths = ", ".join(f"'$.{f}'" for f in json_fields)
    keys = ", ".join(f"'{f}'" for f in json_fields)
    per_field = ",\n        ".join(
        f"""CASE WHEN d.line_number IS NOT NULL THEN d.t_{f} ELSE {_kind(f"ty[{i}]", f"v[{i}]")} END AS t_{f},
        CASE WHEN d.line_number IS NOT NULL THEN d.s_{f} ELSE v[{i}] END AS s_{f}"""
        for i, f in enumerate(json_fields, start=1)
    )
    last_values = ",\n            ".join(
        f"max(CASE WHEN key = '{f}' THEN {_kind('type', 'atom_text')} END) AS t_{f},\n"
        f"            max(CASE WHEN key = '{f}' THEN atom_text END) AS s_{f}"
        for f in json_fields
    )
    return f"""
    WITH base AS (
        SELECT topic, ingest_hour, source_key, line_number, raw,
            strpos(raw, chr(65533)) = 0 AND regexp_matches(raw, '{_OBJECT_START}') AS candidate
        FROM {source}
    ),
    validated AS (
        SELECT *, CASE WHEN candidate THEN json_valid(raw) ELSE FALSE END AS valid_as_is
        FROM base
    ),
    repaired AS (
        SELECT *,
            CASE WHEN candidate AND NOT valid_as_is AND regexp_matches(raw, '{_SURROGATE_ESCAPE}')
                THEN array_to_string(list_transform(regexp_extract_all(raw, '{_ESCAPE_TOKENS}'),
                    t -> CASE WHEN regexp_full_match(t, '{_SURROGATE_ESCAPE}[0-9a-fA-F]{{2}}') THEN '\\ufffd' ELSE t END), '')
            END AS fixed
        FROM validated
    ),
    parsed AS (
        SELECT topic, ingest_hour, source_key, line_number, raw,
            coalesce(fixed, raw) AS src,
            CASE WHEN fixed IS NOT NULL THEN json_valid(fixed) ELSE valid_as_is END AS valid
        FROM repaired
    ),
    strict AS (
        SELECT *,
            valid AND NOT (
                CASE WHEN regexp_matches(src, '{_LENIENT}')
                    THEN regexp_matches(regexp_replace(src, '{_STRING_TOKEN}', '""', 'g'), '{_LENIENT}')
                    ELSE FALSE END
            ) AS json_ok
        FROM parsed
    ),
    extracted AS (
        SELECT *,
            CASE WHEN json_ok THEN json_extract_string(src, [{paths}]) END AS v,
            CASE WHEN json_ok THEN json_type(src, [{paths}]) END AS ty,
            CASE WHEN json_ok THEN len(json_keys(src)) <> len(list_distinct(json_keys(src))) ELSE FALSE END AS repeats_keys
        FROM strict
    ),
    last_occurrence AS (
        SELECT source_key, line_number, key, type, atom_text
        FROM (
            SELECT e.source_key, e.line_number, j.key, j.type, j.id,
                CASE WHEN j.type = 'VARCHAR' THEN j.value ->> '$' ELSE CAST(j.value AS VARCHAR) END AS atom_text,
                row_number() OVER (PARTITION BY e.source_key, e.line_number, j.key ORDER BY j.id DESC) AS from_last
            FROM extracted e, json_each(e.src) j
            WHERE e.repeats_keys AND j.key IN ({keys})
        ) occurrences
        WHERE from_last = 1
    ),
    deduplicated AS (
        SELECT source_key, line_number,
            {last_values}
        FROM last_occurrence
        GROUP BY source_key, line_number
    ),
    repeated_lines AS (
        SELECT e.source_key, e.line_number, d.* EXCLUDE (source_key, line_number)
        FROM extracted e LEFT JOIN deduplicated d USING (source_key, line_number)
        WHERE e.repeats_keys
    )
    SELECT e.topic, e.ingest_hour, e.source_key, e.line_number, e.raw, e.json_ok,
        {per_field}
    FROM extracted e
    LEFT JOIN repeated_lines d ON e.source_key = d.source_key AND e.line_number = d.line_number
    """
