"""Reused table metadata and planned files: what another writer commits is still seen, and a
transaction's staged metadata is the one pyiceberg would build."""

from datetime import timedelta
from pathlib import Path

import pytest
from pyiceberg.table import Transaction
from pyiceberg.table.update import update_table_metadata

from lakehouse_assets.lakehouse.catalog import IcebergLakehouse, partition_filter
from lakehouse_assets.lakehouse.metadata_reuse import StagedMetadataTransaction, staged_metadata
from lakehouse_assets.lakehouse.tables import Window

from .hits import H
from .hits import HITS as SPEC
from .test_table_layer import rows

NEXT = H + timedelta(hours=1)


@pytest.fixture
def two_writers(tmp_path: Path) -> tuple[IcebergLakehouse, IcebergLakehouse]:
    """Two lakehouse objects on one catalog, as two runs (processes) would have."""
    catalog_uri, root = f"sqlite:///{tmp_path / 'catalog.db'}", (tmp_path / "root").as_uri()
    return IcebergLakehouse(catalog_uri, root), IcebergLakehouse(catalog_uri, root)


def test_reads_made_before_another_writer_commits_do_not_hide_its_commit(two_writers):
    first, other = two_writers
    first.replace_partition_with_arrow(SPEC, Window.hour(H), rows(H, 5))
    assert first.row_count(SPEC, Window.hour(H)) == 5
    before = first.data_files(SPEC, [Window.hour(H)])

    other.replace_partition_with_arrow(SPEC, Window.hour(H), rows(H, 3))
    other.replace_partition_with_arrow(SPEC, Window.hour(NEXT), rows(NEXT, 2))

    assert first.row_count(SPEC, Window.hour(H)) == 3
    assert first.data_files(SPEC, [Window.hour(H)]) == other.data_files(SPEC, [Window.hour(H)]) != before
    assert first.row_count(SPEC) == 5
    assert first.read_arrow(SPEC, [Window.hour(NEXT)]).num_rows == 2


def test_a_replace_after_another_writer_committed_keeps_that_commit(two_writers):
    first, other = two_writers
    first.replace_partition_with_arrow(SPEC, Window.hour(H), rows(H, 5))
    other.replace_partition_with_arrow(SPEC, Window.hour(NEXT), rows(NEXT, 2))
    first.replace_partition_with_arrow(SPEC, Window.hour(H), rows(H, 4))
    assert other.row_count(SPEC, Window.hour(H)) == 4
    assert other.row_count(SPEC, Window.hour(NEXT)) == 2


def test_staged_metadata_is_built_once_per_change_and_matches_pyiceberg(two_writers):
    lakehouse, _ = two_writers
    lakehouse.replace_partition_with_arrow(SPEC, Window.hour(H), rows(H, 5))
    table = lakehouse.ensure_table(SPEC)
    tx = StagedMetadataTransaction(table)
    assert tx.table_metadata is table.metadata

    tx.delete(partition_filter(SPEC, Window.hour(H)))
    staged = tx.table_metadata
    assert staged is tx.table_metadata
    assert staged.current_snapshot_id != table.metadata.current_snapshot_id
    rebuilt = Transaction.table_metadata.fget(tx)  # pyiceberg's own, from the same staged updates
    assert (staged.snapshots, staged.refs, staged.current_snapshot_id) == (rebuilt.snapshots, rebuilt.refs, rebuilt.current_snapshot_id)

    tx.commit_transaction()
    assert lakehouse.row_count(SPEC, Window.hour(H)) == 0


def test_metadata_without_the_deep_copy_is_pyiceberg_s_and_leaves_the_loaded_one_unchanged(two_writers):
    lakehouse, other = two_writers
    for hour in range(3):  # some history to share
        lakehouse.replace_partition_with_arrow(SPEC, Window.hour(H + timedelta(hours=hour)), rows(H + timedelta(hours=hour), 2))
    table = lakehouse.ensure_table(SPEC)
    base = table.metadata  # shared with the catalog's kept metadata
    loaded = base.model_dump()
    tx = StagedMetadataTransaction(table)
    tx.delete(partition_filter(SPEC, Window.hour(H)))
    tx.append(rows(H, 4))
    updates = tx._updates
    ours = staged_metadata(base, updates, table.metadata_location)
    theirs = update_table_metadata(base, updates, metadata_location=table.metadata_location)
    assert ours.model_dump() == theirs.model_dump()
    assert len(ours.metadata_log) == len(base.metadata_log) + 1
    assert base.model_dump() == loaded

    tx.commit_transaction()  # through the catalog's own staging, also without the copy
    assert base.model_dump() == loaded
    assert other.row_count(SPEC, Window.hour(H)) == 4
    assert other.row_count(SPEC) == 8
