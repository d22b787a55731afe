"""The catalog database goes away in the middle of a commit: on the real PostgreSQL, the catalog's
own backend is terminated (pg_terminate_backend) after it moved the table's metadata pointer and
before its COMMIT. PostgreSQL rolls the transaction back, so the commit did not happen: once, the
table layer commits again on a new connection; every time, the write fails naming the table and
the database error, the table is exactly as before, the staged file is gone and the next write
goes through."""

import pytest

from lakehouse_assets.engine.duckdb_engine import DuckDBEngine
from lakehouse_assets.lakehouse.catalog import COMMIT_ATTEMPTS, CommitFailed, IcebergLakehouse
from lakehouse_assets.lakehouse.tables import Window
from lakehouse_assets_tests.faults.postgres import CommitKiller, CommitReplyLost
from lakehouse_assets_tests.support import postgres_database
from lakehouse_assets_tests.faults.state import commits, hits, table_state, uncommitted_files
from lakehouse_assets_tests.lakehouse.hits import HITS, H

pytestmark = pytest.mark.integration


@pytest.fixture
def lakehouse(tmp_path):
    """A lakehouse on a fresh PostgreSQL catalog, its table holding a first version of hour H."""
    with postgres_database("faults_catalog") as catalog_uri:
        waits: list[float] = []
        lh = IcebergLakehouse(catalog_uri, (tmp_path / "root").as_uri(), commit_sleep=waits.append)
        lh.replace_partition_with_arrow(HITS, Window.hour(H), hits(H, 3, "/before"))
        lh.waits = waits
        yield lh
        lh.catalog.engine.dispose()


@pytest.fixture
def engine():
    duck = DuckDBEngine(threads=1)
    yield duck
    duck.close()


def test_a_commit_cut_off_once_is_committed_again_on_a_new_connection(lakehouse, engine, caplog):
    before = table_state(lakehouse, HITS)
    killer = CommitKiller(lakehouse.catalog.engine, times=1)

    assert engine.write(lakehouse, HITS, Window.hour(H), engine.from_arrow(hits(H, 5, "/after"))) == 5

    assert killer.killed == 1 and len(lakehouse.waits) == 1
    assert "commit conflict on test.hits [2026-11-23T10] <- 1 files (attempt 1): (psycopg2.OperationalError) server closed the connection unexpectedly" in caplog.text
    after = table_state(lakehouse, HITS)
    assert after.snapshot_id != before.snapshot_id and [r["page"] for r in after.rows] == ["/after"] * 5
    assert commits(lakehouse, HITS) == 2  # the first version and this one: the cut-off attempt left no commit
    assert uncommitted_files(lakehouse, HITS) == set()


def test_a_catalog_that_keeps_going_away_fails_the_write_and_changes_nothing(lakehouse, engine):
    before = table_state(lakehouse, HITS)
    killer = CommitKiller(lakehouse.catalog.engine, times=None)

    with pytest.raises(CommitFailed, match=rf"could not commit test.hits \[2026-11-23T10\] <- 1 files after {COMMIT_ATTEMPTS} attempts: \(psycopg2.OperationalError\) server closed the connection unexpectedly"):
        engine.write(lakehouse, HITS, Window.hour(H), engine.from_arrow(hits(H, 5, "/after")))

    assert killer.killed == COMMIT_ATTEMPTS
    fresh = IcebergLakehouse(lakehouse.catalog_uri, lakehouse.root_uri)  # another run's view
    assert table_state(fresh, HITS) == before
    assert commits(fresh, HITS) == 1
    assert uncommitted_files(fresh, HITS) == set()  # the engine's staged file was removed

    killer.remove()  # the database is back
    assert engine.write(lakehouse, HITS, Window.hour(H), engine.from_arrow(hits(H, 5, "/after"))) == 5
    assert [r["page"] for r in table_state(fresh, HITS).rows] == ["/after"] * 5
    fresh.catalog.engine.dispose()


def test_a_commit_whose_answer_was_lost_keeps_its_files_when_the_catalog_stays_away(lakehouse, engine):
    outage = CommitReplyLost(lakehouse.catalog.engine)

    with pytest.raises(CommitFailed, match=r"after 10 attempts: \(psycopg2.OperationalError\) server closed the connection unexpectedly"):
        engine.write(lakehouse, HITS, Window.hour(H), engine.from_arrow(hits(H, 5, "/after")))

    assert outage.killer.killed == COMMIT_ATTEMPTS - 1  # the first attempt landed; every retry was cut off
    outage.remove()
    fresh = IcebergLakehouse(lakehouse.catalog_uri, lakehouse.root_uri)
    # The landed commit's files were not removed as "uncommitted": the table stays readable.
    assert [r["page"] for r in table_state(fresh, HITS).rows] == ["/after"] * 5
    assert commits(fresh, HITS) == 2 and uncommitted_files(fresh, HITS) == set()
    fresh.catalog.engine.dispose()
