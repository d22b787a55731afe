"""pyiceberg's SQL catalog and transaction, building a table's metadata once instead of on every use.

The metadata holds every retained snapshot, so it grows with the table's history (7 days of hourly
partitions). Three costs grew with it on every partition replace:

- the catalog read and parsed the current metadata file on each table load (several per commit);
- a transaction rebuilt and deep-copied the staged metadata on each of its ~37 reads during a
  delete plus an append (bench/incremental.py, hour 48 with 47 hours stored: ~0.2 s per commit,
  most of it these copies);
- each staged change and the catalog's commit still ended in a deep copy of the whole metadata
  (`update_table_metadata`): 2-6 ms each with 74 snapshots, three per partition replace, and five
  times that after a week of hourly partitions.

A metadata file is written once and never changed (every commit writes a new one under a new name),
so a parse kept with its location stays correct; which file is current is still asked of the
catalog on every load. A commit keeps the metadata it wrote. The staged metadata is a pure function of the loaded metadata and the staged updates
(both immutable), so it is kept until either changes. Metadata objects are never changed in
place (pyiceberg's models are frozen, and each update builds new ones), so the staged metadata
shares the loaded one's parts instead of deep-copying them (`staged_metadata`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.table import StagedTable, Table, Transaction
from pyiceberg.table.locations import load_location_provider
from pyiceberg.table.update import _apply_table_update, _TableMetadataUpdateContext, _update_table_metadata_log
from pyiceberg.utils.datetime import datetime_to_millis


def staged_metadata(base: Any, updates: tuple[Any, ...], metadata_location: str | None = None) -> Any:
    """pyiceberg's `update_table_metadata` without its final deep copy of the whole metadata."""
    context = _TableMetadataUpdateContext()
    metadata = base
    for update in updates:
        metadata = _apply_table_update(update, metadata, context)
    if context.has_changes():
        if metadata_location:
            metadata = _update_table_metadata_log(metadata, metadata_location, base.last_updated_ms)
        if base.last_updated_ms == metadata.last_updated_ms:
            metadata = metadata.model_copy(update={"last_updated_ms": datetime_to_millis(datetime.now().astimezone())})
    metadata.spec().check_compatible(metadata.schema())
    metadata.sort_order().check_compatible(metadata.schema())
    return metadata


class MetadataReusingSqlCatalog(SqlCatalog):
    """pyiceberg's SQL catalog; a table load parses a metadata file only the first time it is current."""

    def __init__(self, name: str, **properties: str) -> None:
        super().__init__(name, **properties)
        # Per table: the last metadata location seen and its parsed metadata (a single dict
        # operation each, so threads sharing the catalog need no lock).
        self._latest: dict[tuple[str, ...], tuple[str, Any]] = {}

    def commit_table(self, table: Table, requirements: tuple[Any, ...], updates: tuple[Any, ...]) -> Any:
        """Commit as pyiceberg does; the metadata just written is known without reading it back."""
        response = super().commit_table(table, requirements, updates)
        self._latest[tuple(table.name())] = (response.metadata_location, response.metadata)
        return response

    def _update_and_stage_table(self, current_table: Table | None, table_identifier: Any, requirements: tuple[Any, ...], updates: tuple[Any, ...]) -> StagedTable:
        """pyiceberg's, building the new metadata without a deep copy (a new table: pyiceberg's own)."""
        if current_table is None:
            return super()._update_and_stage_table(current_table, table_identifier, requirements, updates)
        for requirement in requirements:
            requirement.validate(current_table.metadata)
        metadata = staged_metadata(current_table.metadata, updates, current_table.metadata_location)
        version = self._parse_metadata_version(current_table.metadata_location) + 1
        location = load_location_provider(metadata.location, metadata.properties).new_table_metadata_file_location(version)
        return StagedTable(identifier=table_identifier, metadata=metadata, metadata_location=location, io=self._load_file_io(metadata.properties, location), catalog=self)

    def _convert_orm_to_iceberg(self, orm_table: Any) -> Table:
        location = orm_table.metadata_location
        if not (location and orm_table.table_namespace and orm_table.table_name):
            return super()._convert_orm_to_iceberg(orm_table)  # pyiceberg's error for an incomplete row
        identifier = self.identifier_to_tuple(orm_table.table_namespace) + (orm_table.table_name,)
        latest = self._latest.get(identifier)
        if latest is None or latest[0] != location:
            table = super()._convert_orm_to_iceberg(orm_table)
            self._latest[identifier] = (table.metadata_location, table.metadata)
            return table
        metadata = latest[1]
        return Table(identifier=identifier, metadata=metadata, metadata_location=location, io=self._load_file_io(metadata.properties, location), catalog=self)


class StagedMetadataTransaction(Transaction):
    """pyiceberg's transaction; its staged metadata is built once per staged change, not per read."""

    _staged: tuple[Any, tuple[Any, ...], Any] | None = None

    @property
    def table_metadata(self) -> Any:
        base, updates = self._table.metadata, self._updates
        staged = self._staged
        if staged is not None and staged[0] is base and staged[1] is updates:
            return staged[2]
        # Nothing staged: the loaded metadata itself (pyiceberg would return a deep copy of it).
        metadata = base if not updates else staged_metadata(base, updates)
        self._staged = (base, updates, metadata)
        return metadata
