"""Shared SQL: written once in DuckDB's dialect, rendered for the engine that runs it.

Queries name their inputs as plain tables (`FROM bronze`); `render` maps those names to the
engine's temporary views and, for Spark, transpiles with sqlglot. The SQL stays in the subset both
engines share; the few functions sqlglot does not map to Spark's spelling are fixed here.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from typing import Any, Mapping


def literal(value: Any, dialect: str = "duckdb") -> str:
    """A SQL literal for a parameter (timestamps in UTC, dates, strings, numbers)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("timestamp parameters must be timezone-aware")
        return f"CAST('{value.isoformat(sep=' ')}' AS {'TIMESTAMP' if dialect == 'spark' else 'TIMESTAMPTZ'})"
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, str):
        if dialect == "spark":  # Spark reads backslash escapes inside string literals
            value = value.replace("\\", "\\\\")
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(value)
    raise TypeError(f"no SQL literal for {type(value).__name__}")


def render(sql: str, dialect: str, tables: Mapping[str, str] | None = None, params: Mapping[str, Any] | None = None) -> str:
    """`sql` (DuckDB dialect, `:name` parameters) for `dialect` ("duckdb" or "spark"), input
    tables renamed to `tables[name]` and parameters bound as literals.

    The parse and transpile happen once per query text (cached); each call only substitutes the
    view names and the parameter values into the cached text.
    """
    tables, params = dict(tables or {}), dict(params or {})
    text = _template(sql, dialect, tuple(sorted(tables)), tuple(sorted(params, key=len, reverse=True)))
    for name, view in tables.items():
        text = text.replace(_table_marker(name), view)
    for name, value in params.items():
        text = text.replace(_param_marker(name), literal(value, dialect))
    return text


def _table_marker(name: str) -> str:
    return f"__lakehouse_table_{name}__"


def _param_marker(name: str) -> str:
    return f"__lakehouse_param_{name}__"


@lru_cache(maxsize=256)
def _template(sql: str, dialect: str, tables: tuple[str, ...], params: tuple[str, ...]) -> str:
    import sqlglot
    from sqlglot import exp

    for name in params:  # longest first, so :day does not eat the start of :day_end
        sql = sql.replace(f":{name}", _param_marker(name))
    statement = sqlglot.parse_one(sql, read="duckdb")
    if tables:
        ctes = {cte.alias_or_name for cte in statement.find_all(exp.CTE)}

        def rename(node: Any) -> Any:
            if isinstance(node, exp.Table) and not node.args.get("db") and node.name in tables and node.name not in ctes:
                alias = node.args.get("alias") or exp.TableAlias(this=exp.to_identifier(node.name))
                return exp.Table(this=exp.to_identifier(_table_marker(node.name)), alias=alias)
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
    # DuckDB's epoch_us(ts) (microseconds since the epoch) is Spark's unix_micros(ts).
    if isinstance(node, exp.Anonymous) and str(node.this).lower() == "epoch_us":
        return exp.Anonymous(this="UNIX_MICROS", expressions=node.expressions)
    return node
