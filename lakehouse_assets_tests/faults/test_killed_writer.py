"""A compute step killed with SIGKILL in the middle of writing: a real child process writes the
Silver hour with the DuckDB engine on a SQLite catalog and is killed at two points (its file
written, before any commit; the new metadata file written and the catalog row moved, before the
COMMIT). The table keeps
its snapshot and rows, nothing the dead process left (a file in the partition's folder, a metadata
file, a hot SQLite journal) blocks the re-run, and the retention clean-up removes the leftovers."""

import os
import signal
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from lakehouse_assets.engine.duckdb_engine import DuckDBEngine
from lakehouse_assets.events.pipeline import SILVER_OUTPUTS, silver_is_current, write_bronze, write_silver
from lakehouse_assets.events.tables import BRONZE_EVENTS, SILVER_EVENTS
from lakehouse_assets.lakehouse.catalog import IcebergLakehouse
from lakehouse_assets.lakehouse.tables import Window
from lakehouse_assets.monitoring.table_retention import clean_tables
from lakehouse_assets.resources import LocalLandingStorage
from lakehouse_assets.sample_data.events import write_events
from lakehouse_assets_tests.faults.state import metadata_files_on_disk, table_state, uncommitted_files
from lakehouse_assets_tests.faults.writer_process import PAUSE_POINTS

HOUR = datetime(2026, 11, 20, 5, tzinfo=timezone.utc)
REPO = Path(__file__).resolve().parents[2]
CHILD_TIMEOUT_SECONDS = 60


def silver_hour(lakehouse: IcebergLakehouse) -> None:
    engine = DuckDBEngine(threads=1)
    try:
        for _ in write_silver(engine, lakehouse, HOUR):
            pass
    finally:
        engine.close()


@pytest.fixture
def lake(tmp_path):
    """Silver of the hour committed from a first Bronze; then a larger Bronze landed for a re-run."""
    catalog_uri, root = f"sqlite:///{tmp_path / 'catalog.db'}", (tmp_path / "lake").as_uri()
    lakehouse = IcebergLakehouse(catalog_uri, root)
    for version, events in enumerate((150, 250)):
        landing = tmp_path / f"landing_v{version}"
        write_events(landing, start=HOUR, hours=1, events_per_hour=events, bad_share=0.05, seed=version)
        write_bronze(LocalLandingStorage(root=str(landing)), lakehouse, HOUR)
        if version == 0:
            silver_hour(lakehouse)
    return lakehouse


def kill_at(lakehouse: IcebergLakehouse, point: str) -> str:
    """Start the writer process, wait for it to reach `point`, SIGKILL it; returns its stdout line."""
    child = subprocess.Popen(
        [sys.executable, "-m", "lakehouse_assets_tests.faults.writer_process", lakehouse.catalog_uri, lakehouse.root_uri, HOUR.isoformat(), point],
        cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        line = child.stdout.readline()  # blocks until the child paused (or died: then EOF)
        if not line.startswith(f"paused {point}"):
            child.kill()
            pytest.fail(f"the writer did not pause at {point}: {line!r}\n{child.communicate(timeout=CHILD_TIMEOUT_SECONDS)[1]}")
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=CHILD_TIMEOUT_SECONDS) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        for stream in (child.stdin, child.stdout, child.stderr):
            stream.close()
    return line


@pytest.mark.parametrize("point", PAUSE_POINTS)
def test_a_writer_killed_mid_write_changes_nothing_and_blocks_nothing(lake, point):
    before = {spec: table_state(lake, spec) for spec in SILVER_OUTPUTS}
    metadata_before = metadata_files_on_disk(lake, SILVER_EVENTS)
    assert not silver_is_current(lake, Window.hour(HOUR))  # the new Bronze is not in Silver yet

    kill_at(lake, point)
    journal = Path(lake.catalog_uri.removeprefix("sqlite:///") + "-journal")
    # Killed inside the catalog's transaction: SQLite's rollback journal is left behind ("hot").
    assert (journal.exists() and journal.stat().st_size > 0) == (point == "catalog_row_moved")

    survivor = IcebergLakehouse(lake.catalog_uri, lake.root_uri)  # the next run, a new process's view
    assert {spec: table_state(survivor, spec) for spec in SILVER_OUTPUTS} == before
    leftovers = uncommitted_files(survivor, SILVER_EVENTS)
    assert len(leftovers) == 1 and all(path.endswith(".parquet") for path in leftovers)  # the dead writer's file
    stray_metadata = metadata_files_on_disk(survivor, SILVER_EVENTS) - metadata_before
    assert len(stray_metadata) == (0 if point == "files_written" else 1)

    silver_hour(survivor)  # the re-run: nothing left behind is in its way

    window = Window.hour(HOUR)
    assert silver_is_current(survivor, window)  # every Bronze line of the new version is accounted for
    after = table_state(survivor, SILVER_EVENTS)
    assert after.snapshot_id != before[SILVER_EVENTS].snapshot_id
    assert len(after.rows) > len(before[SILVER_EVENTS].rows)
    assert {r["source_key"] for r in after.rows} <= {r["source_key"] for r in survivor.read_arrow(BRONZE_EVENTS, [window]).to_pylist()}
    assert not leftovers & {str(Path(p.removeprefix("file://"))) for p in survivor.data_files(SILVER_EVENTS)}

    # The daily retention clean-up, a week later, removes what the killed process left.
    report, _ = clean_tables(survivor.catalog, datetime.now(timezone.utc) + timedelta(days=8), snapshot_days=3650, keep_last=100, orphan_days=7)
    removed = {r.location.removeprefix("file://") for r in report.removed if r.kind == "orphan_file"}
    assert leftovers <= removed and not report.errors
    assert all(name not in metadata_files_on_disk(survivor, SILVER_EVENTS) for name in stray_metadata)
    assert table_state(survivor, SILVER_EVENTS) == after
