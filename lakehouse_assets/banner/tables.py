"""The banner tables, declared once (contract: docs/contracts/banner.md).

`SOURCE_TABLES` transcribes the ads database's tables (SQL types as in the contract). From each one
follow its SQLAlchemy table (the sample database's schema), its lakehouse snapshot `TableSpec`
(`banner.snapshot_<table>`, partitioned by `snapshot_date`, the KST stats day) and the columns
the snapshot reads, by name. `STATS_DAILY` is the output table, also the export table's schema.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from lakehouse_assets.lakehouse.tables import Column, ColumnType, TableSpec

NAMESPACE = "banner"
SNAPSHOT_DATE = "snapshot_date"
# The ads database's DATETIMEs are wall-clock times in Korea (an Arrow time zone name: no Dagster here).
SOURCE_TIMEZONE = "Asia/Seoul"
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")

Kind = Literal["dimension", "fact"]

# Source SQL type -> lakehouse column type. DECIMAL(12,2) money becomes double (the table layer
# has no decimal); sums are rounded back to cents. DATETIME (KST wall clock) becomes a UTC instant.
_SQL_TO_LAKE: tuple[tuple[str, ColumnType], ...] = (
    ("BIGINT", "long"),
    ("INT", "int"),
    ("VARCHAR", "string"),
    ("DECIMAL", "double"),
    ("DATETIME", "timestamp"),
    ("DATE", "date"),
)


class InvalidIdentifier(ValueError):
    """A table or column name that is not a plain SQL identifier."""


def check_identifier(name: str) -> str:
    if not isinstance(name, str) or not IDENTIFIER.fullmatch(name):
        raise InvalidIdentifier(f"not a valid SQL identifier: {name!r} (letters, digits and _, not starting with a digit, at most 64)")
    return name


@dataclass(frozen=True)
class SourceColumn:
    name: str
    sql: str  # as in the contract: INT, BIGINT, VARCHAR(100), DATE, DATETIME, DECIMAL(12,2)
    nullable: bool = True

    def __post_init__(self) -> None:
        check_identifier(self.name)
        self.lake_type  # fails early on an unknown SQL type

    @property
    def lake_type(self) -> ColumnType:
        base = self.sql.split("(")[0].strip().upper()
        for sql, lake in _SQL_TO_LAKE:
            if base == sql:
                return lake
        raise ValueError(f"column {self.name}: unsupported SQL type {self.sql!r}")

    def sqlalchemy_type(self) -> Any:
        import sqlalchemy as sa

        base, _, args = self.sql.upper().partition("(")
        numbers = [int(n) for n in args.rstrip(")").split(",")] if args else []
        return {
            "BIGINT": lambda: sa.BigInteger(),
            "INT": lambda: sa.Integer(),
            "VARCHAR": lambda: sa.String(*numbers),
            "DECIMAL": lambda: sa.Numeric(*numbers),
            "DATETIME": lambda: sa.DateTime(),
            "DATE": lambda: sa.Date(),
        }[base.strip()]()


@dataclass(frozen=True)
class SourceTable:
    """One table of the ads database: dimension (copied whole) or fact (copied one day at a time)."""

    name: str
    kind: Kind
    columns: tuple[SourceColumn, ...]
    primary_key: tuple[str, ...]
    time_column: str | None = None  # facts: the DATETIME or DATE column that places a row in a KST day

    def __post_init__(self) -> None:
        check_identifier(self.name)
        names = [c.name for c in self.columns]
        if self.kind not in ("dimension", "fact"):
            raise ValueError(f"{self.name}: kind must be dimension or fact, not {self.kind!r}")
        if (self.kind == "fact") != (self.time_column is not None):
            raise ValueError(f"{self.name}: a fact table needs a time column, a dimension has none")
        for name in (*self.primary_key, *([self.time_column] if self.time_column else [])):
            if name not in names:
                raise ValueError(f"{self.name}: {name!r} is not one of its columns")
        if SNAPSHOT_DATE in names:
            raise ValueError(f"{self.name}: {SNAPSHOT_DATE} is reserved for the snapshot partition")

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def snapshot(self) -> TableSpec:
        """`banner.snapshot_<name>`: the source columns by name plus `snapshot_date` (KST stats day)."""
        what = "the whole table as of the run" if self.kind == "dimension" else f"the rows whose {self.time_column} falls on the day"
        kst = {c.name: " (source DATETIME in KST, stored as the UTC instant)" for c in self.columns if c.lake_type == "timestamp"}
        return TableSpec(
            NAMESPACE,
            f"snapshot_{self.name}",
            (
                *(Column(c.name, c.lake_type, f"{self.name}.{c.name} {c.sql}{kst.get(c.name, '')}") for c in self.columns),
                Column(SNAPSHOT_DATE, "date", "The KST stats day this partition belongs to"),
            ),
            partition_column=SNAPSHOT_DATE,
            doc=f"Snapshot of the ads database table `{self.name}` ({self.kind}): {what}, one partition per KST day.",
        )

    def sqlalchemy_table(self, metadata: Any) -> Any:
        import sqlalchemy as sa

        return sa.Table(
            self.name,
            metadata,
            *(
                sa.Column(c.name, c.sqlalchemy_type(), primary_key=c.name in self.primary_key, nullable=c.nullable and c.name not in self.primary_key, autoincrement=False)
                for c in self.columns
            ),
            mysql_engine="InnoDB",
            mysql_charset="utf8mb4",
        )


def _c(name: str, sql: str, nullable: bool = True) -> SourceColumn:
    return SourceColumn(name, sql, nullable)


SOURCE_TABLES: tuple[SourceTable, ...] = (
    SourceTable("advertiser", "dimension", (_c("advertiser_id", "INT"), _c("name", "VARCHAR(100)")), ("advertiser_id",)),
    SourceTable(
        "campaign",
        "dimension",
        (
            _c("campaign_id", "INT"),
            _c("advertiser_id", "INT"),
            _c("name", "VARCHAR(100)"),
            _c("start_date", "DATE"),
            _c("end_date", "DATE"),
            _c("daily_budget", "DECIMAL(12,2)"),
        ),
        ("campaign_id",),
    ),
    SourceTable("tab", "dimension", (_c("tab_id", "INT"), _c("name", "VARCHAR(50)")), ("tab_id",)),
    SourceTable("product", "dimension", (_c("product_id", "INT"), _c("name", "VARCHAR(100)"), _c("price", "DECIMAL(12,2)")), ("product_id",)),
    SourceTable("tab_product", "dimension", (_c("tab_id", "INT"), _c("product_id", "INT")), ("tab_id", "product_id")),
    SourceTable(
        "banner",
        "dimension",
        (
            _c("banner_id", "INT"),
            _c("campaign_id", "INT"),
            _c("tab_id", "INT"),
            _c("slot", "INT"),
            _c("title", "VARCHAR(200)"),
            _c("created_at", "DATETIME"),
        ),
        ("banner_id",),
    ),
    SourceTable(
        "banner_impression",
        "fact",
        (_c("impression_id", "BIGINT"), _c("banner_id", "INT"), _c("user_id", "VARCHAR(64)"), _c("shown_at", "DATETIME")),
        ("impression_id",),
        time_column="shown_at",
    ),
    SourceTable(
        "banner_click",
        "fact",
        (_c("click_id", "BIGINT"), _c("banner_id", "INT"), _c("user_id", "VARCHAR(64)"), _c("clicked_at", "DATETIME")),
        ("click_id",),
        time_column="clicked_at",
    ),
    SourceTable(
        "orders",
        "fact",
        (
            _c("order_id", "BIGINT"),
            _c("user_id", "VARCHAR(64)"),
            _c("product_id", "INT"),
            _c("amount", "DECIMAL(12,2)"),
            _c("ordered_at", "DATETIME"),
            _c("banner_id", "INT"),
        ),
        ("order_id",),
        time_column="ordered_at",
    ),
    SourceTable(
        "banner_cost",
        "fact",
        (_c("banner_id", "INT"), _c("cost_date", "DATE"), _c("spend", "DECIMAL(12,2)")),
        ("banner_id", "cost_date"),
        time_column="cost_date",
    ),
)

SOURCE = {t.name: t for t in SOURCE_TABLES}


def source_metadata() -> Any:
    """SQLAlchemy metadata of the contract's source tables (the sample database's schema)."""
    import sqlalchemy as sa

    metadata = sa.MetaData()
    for table in SOURCE_TABLES:
        table.sqlalchemy_table(metadata)
    return metadata


STATS_DAILY = TableSpec(
    NAMESPACE,
    "stats_daily",
    (
        Column("stat_date", "date", "KST stats day"),
        Column("banner_id", "int"),
        Column("campaign_id", "int", "From the day's banner snapshot (NULL if the banner is unknown)"),
        Column("advertiser_id", "int", "From the day's campaign snapshot"),
        Column("tab_id", "int"),
        Column("impressions", "long"),
        Column("unique_viewers", "long", "Distinct non-null user_id among the impressions"),
        Column("clicks", "long"),
        Column("ctr", "double", "clicks / impressions; NULL without impressions"),
        Column("orders", "long", "Orders of the day attributed (last click) to the banner"),
        Column("revenue", "double", "Sum of attributed order amounts, rounded to cents"),
        Column("cvr", "double", "orders / clicks; NULL without clicks"),
        Column("spend", "double", "Sum of the day's banner_cost.spend, rounded to cents"),
        Column("roas", "double", "revenue / spend; NULL when spend is 0"),
    ),
    partition_column="stat_date",
    doc="Per KST day and banner with any impression, click, attributed order or cost: volumes, money and ratios.",
)

EXPORT_TABLE_NAME = "banner_stats_daily"
EXPORT_PRIMARY_KEY = ("stat_date", "banner_id")
