"""Table declarations: each table's columns and partitioning, declared once.

The same declaration gives the Iceberg schema, the Arrow schema, the Spark schema and the column
list every write is selected by (by name, never by position).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Literal

ColumnType = Literal["string", "int", "long", "double", "timestamp", "date", "boolean"]
Transform = Literal["identity", "hour", "day"]


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    doc: str = ""


@dataclass(frozen=True)
class TableSpec:
    """A lakehouse table: `<namespace>.<name>`, its columns in order, and its partition column."""

    namespace: str
    name: str
    columns: tuple[Column, ...]
    partition_column: str
    partition_transform: Transform = "identity"
    doc: str = ""

    def __post_init__(self) -> None:
        names = [c.name for c in self.columns]
        if len(names) != len(set(names)):
            raise ValueError(f"{self.identifier}: duplicate column names")
        if self.partition_column not in names:
            raise ValueError(f"{self.identifier}: partition column {self.partition_column!r} is not a column")

    @property
    def identifier(self) -> str:
        return f"{self.namespace}.{self.name}"

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.identifier} has no column {name!r}")


@dataclass(frozen=True)
class Window:
    """A half-open time window [start, end) in UTC: one partition of a table."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        for value in (self.start, self.end):
            if value.tzinfo is None:
                raise ValueError("Window bounds must be timezone-aware (UTC)")
        if self.end <= self.start:
            raise ValueError(f"empty window {self.start} .. {self.end}")

    @classmethod
    def hour(cls, start: datetime) -> "Window":
        start = start.astimezone(timezone.utc).replace(minute=0, second=0, microsecond=0)
        return cls(start, start + timedelta(hours=1))

    @classmethod
    def day(cls, day: date) -> "Window":
        """The UTC day `day`; of a table partitioned by a DATE column, exactly the partition `day`
        (only the dates of the bounds count there)."""
        start = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
        return cls(start, start + timedelta(days=1))

    def label(self) -> str:
        """A short, path-safe name for the window (used for staging directories)."""
        if self.end - self.start == timedelta(days=1) and self.start.hour == 0:
            return self.start.strftime("%Y-%m-%d")
        return self.start.strftime("%Y-%m-%dT%H")
