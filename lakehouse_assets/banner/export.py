"""Replace one day of `banner_stats_daily` in the export database, in one transaction (no Dagster).

The table's columns are `STATS_DAILY`'s (one declaration for the lakehouse and the sink); money
columns become DECIMAL(14,2) there. DELETE of the day and INSERT of its rows share one
transaction: a re-run never duplicates and a failure leaves the previous rows in place.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Iterable

from .tables import EXPORT_PRIMARY_KEY, EXPORT_TABLE_NAME, STATS_DAILY

INSERT_BATCH_ROWS = 5_000
MONEY_COLUMNS = ("revenue", "spend")


class ExportSchemaMismatch(RuntimeError):
    """The existing export table does not have the declared columns."""


def export_table(metadata: Any | None = None) -> Any:
    import sqlalchemy as sa

    types = {"int": sa.Integer, "long": sa.BigInteger, "double": sa.Double, "date": sa.Date, "string": sa.Text}
    columns = [
        sa.Column(
            c.name,
            sa.Numeric(14, 2) if c.name in MONEY_COLUMNS else types[c.type](),
            primary_key=c.name in EXPORT_PRIMARY_KEY,
            autoincrement=False,
            comment=c.doc or None,
        )
        for c in STATS_DAILY.columns
    ]
    return sa.Table(EXPORT_TABLE_NAME, metadata if metadata is not None else sa.MetaData(), *columns, mysql_engine="InnoDB", mysql_charset="utf8mb4")


def ensure_export_table(engine: Any) -> Any:
    """Create `banner_stats_daily` when missing; fail loudly when it exists with other columns."""
    import sqlalchemy as sa

    table = export_table()
    table.metadata.create_all(engine, tables=[table], checkfirst=True)
    existing = [c["name"] for c in sa.inspect(engine).get_columns(EXPORT_TABLE_NAME)]
    if sorted(existing) != sorted(table.c.keys()):
        raise ExportSchemaMismatch(f"{EXPORT_TABLE_NAME} has columns {existing}, declared {list(table.c.keys())}")
    return table


def replace_day(engine: Any, day: date, rows: Iterable[dict[str, Any]]) -> tuple[int, int]:
    """DELETE the day's rows and INSERT `rows` in one transaction. Returns (deleted, inserted)."""
    import sqlalchemy as sa

    table = ensure_export_table(engine)
    rows = [_checked_row(row, day) for row in rows]
    with engine.begin() as conn:
        deleted = conn.execute(sa.delete(table).where(table.c.stat_date == day)).rowcount
        inserted = _insert_batches(conn, table, rows)
    return deleted, inserted


def _insert_batches(conn: Any, table: Any, rows: list[dict[str, Any]]) -> int:
    import sqlalchemy as sa

    for start in range(0, len(rows), INSERT_BATCH_ROWS):
        conn.execute(sa.insert(table), rows[start : start + INSERT_BATCH_ROWS])
    return len(rows)


def _checked_row(row: dict[str, Any], day: date) -> dict[str, Any]:
    if row["stat_date"] != day:
        raise ValueError(f"row for {row['stat_date']} handed to the export of {day}")
    out = {name: row[name] for name in STATS_DAILY.column_names}
    # Cents as exact decimals: the float sum was already rounded to 2 places.
    out.update({name: None if out[name] is None else Decimal(f"{out[name]:.2f}") for name in MONEY_COLUMNS})
    return out


def read_day(engine: Any, day: date) -> list[dict[str, Any]]:
    """The exported rows of a day, by banner (the `matches_lakehouse` check reads them)."""
    import sqlalchemy as sa

    table = export_table()
    if not sa.inspect(engine).has_table(EXPORT_TABLE_NAME):
        return []
    with engine.connect() as conn:
        result = conn.execute(sa.select(table).where(table.c.stat_date == day).order_by(table.c.banner_id))
        return [dict(r._mapping) for r in result]
