"""Metadata every table asset shows in the UI: row count, column schema, a small preview."""

from __future__ import annotations

from typing import Any

from dagster import MetadataValue, TableColumn, TableSchema

from lakehouse_assets.lakehouse.tables import TableSpec

_DAGSTER_TYPES = {"string": "string", "int": "int", "long": "int", "double": "float", "timestamp": "timestamp", "date": "date", "boolean": "bool"}


def table_schema(spec: TableSpec) -> TableSchema:
    return TableSchema(
        columns=[TableColumn(name=c.name, type=_DAGSTER_TYPES[c.type], description=c.doc or None) for c in spec.columns]
    )


def table_metadata(spec: TableSpec, row_count: int, location: str, preview: Any = None, **extra: Any) -> dict[str, Any]:
    """`dagster/row_count`, `dagster/column_schema`, the table name and location, and extras."""
    metadata: dict[str, Any] = {
        "dagster/row_count": row_count,
        "dagster/column_schema": table_schema(spec),
        "dagster/table_name": spec.identifier,
        "table_location": MetadataValue.path(location),
    }
    if preview is not None:
        metadata["preview"] = MetadataValue.md(markdown_preview(preview))
    metadata.update(extra)
    return metadata


def markdown_preview(rows: list[dict[str, Any]], limit: int = 10) -> str:
    """A Markdown table of the first rows (values shortened so the UI stays readable)."""
    rows = rows[:limit]
    if not rows:
        return "_no rows_"
    headers = list(rows[0].keys())

    def cell(value: Any) -> str:
        text = "" if value is None else (f"{value:.4g}" if isinstance(value, float) else str(value))
        text = text.replace("|", "\\|").replace("\n", " ")
        return text if len(text) <= 60 else text[:57] + "..."

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(r.get(h)) for h in headers) + " |" for r in rows]
    return "\n".join(lines)
