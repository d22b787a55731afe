"""Real Iceberg commit conflicts: two writers (each with its own catalog connection, as two runs
have) start from the same base snapshot and the other one commits first. The catalog refuses the
stale commit; the table layer reloads and commits again, and a writer that never gets through
fails with a message naming the table and partition, leaving the table and its data folders as
the winner left them."""

import logging
from datetime import timedelta

import pytest

from lakehouse_assets.engine.duckdb_engine import DuckDBEngine
from lakehouse_assets.lakehouse.catalog import COMMIT_ATTEMPTS, CommitFailed, IcebergLakehouse
from lakehouse_assets.lakehouse.tables import Window
from lakehouse_assets_tests.faults.state import hits, table_state, uncommitted_files
from lakehouse_assets_tests.lakehouse.hits import HITS, H

NEXT = H + timedelta(hours=1)


@pytest.fixture
def writers(tmp_path):
    """(winner, loser, loser's commit waits) on one SQLite catalog and root; the table has a base."""
    catalog_uri, root = f"sqlite:///{tmp_path / 'catalog.db'}", (tmp_path / "root").as_uri()
    winner = IcebergLakehouse(catalog_uri, root)
    waits: list[float] = []
    loser = IcebergLakehouse(catalog_uri, root, commit_sleep=waits.append)
    winner.replace_partition_with_arrow(HITS, Window.hour(H), hits(H, 3, "/base"))
    return winner, loser, waits


def other_writer_commits_after_each_load(loser: IcebergLakehouse, commit, times: int | None = None) -> list[int]:
    """After `loser` loads the table for a commit attempt, `commit()` runs to completion: the
    loser's transaction is then built on a base that is no longer current. Returns the snapshot ids
    the loser's attempts started from."""
    real_ensure = loser.ensure_table
    bases: list[int] = []

    def ensure_table(spec):
        table = real_ensure(spec)
        bases.append(table.current_snapshot().snapshot_id)
        if times is None or len(bases) <= times:
            commit()
        return table

    loser.ensure_table = ensure_table
    return bases


def test_the_loser_of_a_real_conflict_is_rebased_and_both_commits_land(writers, caplog):
    winner, loser, waits = writers
    base = table_state(winner, HITS)
    bases = other_writer_commits_after_each_load(loser, lambda: winner.replace_partition_with_arrow(HITS, Window.hour(NEXT), hits(NEXT, 4, "/winner")), times=1)
    caplog.set_level(logging.WARNING)

    loser.replace_partition_with_arrow(HITS, Window.hour(H), hits(H, 2, "/loser"))

    assert bases == [base.snapshot_id]  # the loser's one transaction started from the base ...
    assert "Commit failed due to a concurrent update" in caplog.text  # ... the catalog refused it ...
    assert waits == []  # ... and pyiceberg rebased it onto the winner's snapshot (another partition)
    pages = {(r["at"].hour, r["page"]) for r in table_state(winner, HITS).rows}
    assert pages == {(10, "/loser"), (11, "/winner")}  # the winner's hour survived the rebased commit
    assert winner.row_count(HITS) == 2 + 4


def test_two_writers_of_one_partition_leave_exactly_the_last_commit(writers, caplog):
    winner, loser, waits = writers
    bases = other_writer_commits_after_each_load(loser, lambda: winner.replace_partition_with_arrow(HITS, Window.hour(H), hits(H, 5, "/winner")), times=1)
    caplog.set_level(logging.WARNING, "lakehouse_assets.lakehouse.catalog")

    loser.replace_partition_with_arrow(HITS, Window.hour(H), hits(H, 2, "/loser"))

    # pyiceberg cannot rebase a delete whose files the winner replaced; the table layer starts a
    # new transaction on the winner's snapshot, whose delete removes the winner's rows: no mix.
    assert "commit conflict on test.hits [2026-11-23T10] <- 2 rows (attempt 1): Added data files were found" in caplog.text
    assert len(bases) == 2 and len(waits) == 1
    assert [r["page"] for r in table_state(winner, HITS).rows] == ["/loser", "/loser"]


def test_an_engine_write_that_always_loses_fails_clearly_and_leaves_nothing_behind(writers):
    winner, loser, waits = writers
    counter = iter(range(1, 100))

    def winner_commits():  # a busy concurrent writer of the next hour
        winner.replace_partition_with_arrow(HITS, Window.hour(NEXT), hits(NEXT, next(counter), "/winner"))

    # pyiceberg's own in-transaction retries (real sleeps) are shown above; off here, so every
    # attempt counted is one of the table layer's, each losing to a real commit of the winner.
    with loser.ensure_table(HITS).transaction() as tx:
        tx.set_properties({"commit.retry.num-retries": "0"})
    engine = DuckDBEngine(threads=1)
    try:
        # A real commit of the winner after each load of the table: every attempt starts stale.
        other_writer_commits_after_each_load(loser, winner_commits)
        with pytest.raises(CommitFailed, match=rf"could not commit test.hits \[2026-11-23T10\] <- 1 files after {COMMIT_ATTEMPTS} attempts: .*branch main has changed"):
            engine.write(loser, HITS, Window.hour(H), engine.from_arrow(hits(H, 7, "/loser")))
        before_rerun = table_state(winner, HITS)
        assert len(waits) == COMMIT_ATTEMPTS - 1  # every attempt lost to a real commit
        assert {r["page"] for r in before_rerun.rows} == {"/base", "/winner"}  # the loser's rows never landed
        assert uncommitted_files(winner, HITS) == set()  # its staged file was removed

        del loser.ensure_table  # the concurrent writer is done: the re-run goes through
        assert engine.write(loser, HITS, Window.hour(H), engine.from_arrow(hits(H, 7, "/loser"))) == 7
    finally:
        engine.close()
    after = table_state(winner, HITS)
    assert after.snapshot_id != before_rerun.snapshot_id
    assert sorted(r["page"] for r in after.rows if r["at"].hour == 10) == ["/loser"] * 7
    assert uncommitted_files(winner, HITS) == set()
