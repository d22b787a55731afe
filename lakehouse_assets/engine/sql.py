"""Shared SQL: written once in DuckDB's dialect, rendered for the engine that runs it.

Queries name their inputs as plain tables (`FROM bronze`); `render` maps those names to the
engine's temporary views and, for Spark, transpiles with sqlglot. The SQL stays in the subset both
engines share; the few functions sqlglot does not map to Spark's spelling are fixed here.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from typing import Any, Mapping


def literal(value: Any) -> str:
    """A SQL literal for a parameter (timestamps in UTC, dates, strings, numbers)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("timestamp parameters must be timezone-aware")
        return f"CAST('{value.isoformat(sep=' ')}' AS TIMESTAMPTZ)"
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(value)
    raise TypeError(f"no SQL literal for {type(value).__name__}")


def bind(sql: str, params: Mapping[str, Any] | None = None) -> str:
    """Substitute `:name` parameters by literals (names are identifiers chosen by the caller)."""
    for name, value in sorted((params or {}).items(), key=lambda item: -len(item[0])):
        sql = sql.replace(f":{name}", literal(value))
    return sql


def render(sql: str, dialect: str, tables: Mapping[str, str] | None = None) -> str:
    """`sql` (DuckDB dialect) for `dialect` ("duckdb" or "spark"), input tables renamed."""
    return _render(sql, dialect, tuple(sorted((tables or {}).items())))


@lru_cache(maxsize=256)
def _render(sql: str, dialect: str, tables: tuple[tuple[str, str], ...]) -> str:
    import sqlglot
    from sqlglot import exp

    mapping = dict(tables)
    statement = sqlglot.parse_one(sql, read="duckdb")
    if mapping:
        ctes = {cte.alias_or_name for cte in statement.find_all(exp.CTE)}

        def rename(node: Any) -> Any:
            if isinstance(node, exp.Table) and not node.args.get("db") and node.name in mapping and node.name not in ctes:
                alias = node.args.get("alias") or exp.TableAlias(this=exp.to_identifier(node.name))
                return exp.Table(this=exp.to_identifier(mapping[node.name]), alias=alias)
            return node

        statement = statement.transform(rename)
    if dialect == "spark":
        statement = statement.transform(_spark_spelling)
    return statement.sql(dialect=dialect)


def _spark_spelling(node: Any) -> Any:
    from sqlglot import exp

    # DuckDB's quantile_cont(x, p): Spark's exact, interpolated percentile is percentile(x, p).
    if isinstance(node, (exp.PercentileCont, exp.Quantile)) and node.expression is not None:
        return exp.Anonymous(this="PERCENTILE", expressions=[node.this, node.expression])
    return node
