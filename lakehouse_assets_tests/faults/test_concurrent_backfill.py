"""Three concurrent backfill runs over overlapping events partitions, on DuckDB against the real
PostgreSQL catalog, after a single writer materialized every partition once: each run (a thread
with its own engine and catalog connections, as a run process has) replaces Silver for its hours
and then the Gold partitions those hours determine, in its own order. At the end every Silver and
Gold partition equals the single writer's, and every write is a commit in the main branch's
history: none was lost to a concurrent one."""

import logging
import threading
from collections import Counter
from datetime import date, datetime, timedelta, timezone

import pytest

from lakehouse_assets.engine.duckdb_engine import DuckDBEngine
from lakehouse_assets.events.pipeline import GOLD_BUILDERS, SILVER_OUTPUTS, write_bronze, write_gold, write_silver
from lakehouse_assets.events.tables import GOLD_BUSINESS_DAILY, GOLD_FUNNEL_DAILY, SILVER_EVENTS
from lakehouse_assets.lakehouse.catalog import IcebergLakehouse
from lakehouse_assets.resources import LocalLandingStorage
from lakehouse_assets.sample_data.events import write_events
from lakehouse_assets_tests.support import postgres_database

pytestmark = pytest.mark.integration

DAY = date(2026, 11, 20)
START = datetime(2026, 11, 20, tzinfo=timezone.utc)
HOURS = [START + timedelta(hours=i) for i in range(2)]
DAILY = (GOLD_BUSINESS_DAILY, GOLD_FUNNEL_DAILY)
HOURLY = tuple(spec for spec in GOLD_BUILDERS if spec not in DAILY)
# (Silver hours, then Gold partitions), each in the run's order. A Gold partition is computed only
# by a run that wrote the Silver hours it reads itself (an hourly one reads the hour and its
# neighbours, a daily one every hour of the day): a run must not read Silver that nobody wrote yet.
RUNS = {
    "oldest_first": (HOURS, [*HOURS, DAY]),
    "newest_first": (HOURS[::-1], [DAY, *HOURS[::-1]]),
    "last_hour_only": (HOURS[1:], []),
}


def backfill(lakehouse: IcebergLakehouse, silver_hours, gold_partitions, commits: Counter) -> None:
    engine = DuckDBEngine(threads=1)
    try:
        for hour in silver_hours:
            for spec, rows, _ in write_silver(engine, lakehouse, hour):
                commits[spec.identifier] += rows > 0
        for partition in gold_partitions:
            for spec in DAILY if isinstance(partition, date) and not isinstance(partition, datetime) else HOURLY:
                commits[spec.identifier] += write_gold(spec, engine, lakehouse, partition) > 0
    finally:
        engine.close()


def first_commits_from_one_base(lakehouses: list[IcebergLakehouse], spec) -> None:
    """Each run's first commit to `spec` waits, once staged, until every run has staged its own:
    all start from one base snapshot, so they collide for certain (not only when timing allows)."""
    gate = threading.Barrier(len(lakehouses), timeout=120)
    for lakehouse in lakehouses:
        real_commit, first = lakehouse._commit, [True]

        def commit(table_spec, stage, what, real_commit=real_commit, first=first):
            if table_spec != spec or not first:
                return real_commit(table_spec, stage, what)
            first.clear()

            waited: list[bool] = []

            def stage_then_wait(tx):
                stage(tx)
                if not waited:  # a retried attempt goes straight through
                    waited.append(True)
                    gate.wait()

            return real_commit(table_spec, stage_then_wait, what)

        lakehouse._commit = commit


def normalized(lakehouse: IcebergLakehouse, spec) -> list[dict]:
    """The table's rows in a stable order, floats to 9 digits (sums may add up in another order)."""
    rows = [{k: round(v, 9) if isinstance(v, float) else v for k, v in row.items()} for row in lakehouse.read_arrow(spec).to_pylist()]
    return sorted(rows, key=repr)


def appends_in_main_history(lakehouse: IcebergLakehouse, spec) -> int:
    """Snapshots that added files, on the current snapshot's line of parents."""
    table = lakehouse.catalog.load_table(spec.identifier)
    snapshot, appends = table.current_snapshot(), 0
    while snapshot is not None:
        appends += snapshot.summary.operation.value == "append"
        snapshot = table.snapshot_by_id(snapshot.parent_snapshot_id) if snapshot.parent_snapshot_id else None
    return appends


@pytest.fixture(scope="module")
def landing(tmp_path_factory):
    path = tmp_path_factory.mktemp("backfill_landing")
    write_events(path, start=START, hours=len(HOURS), events_per_hour=200, bad_share=0.05, seed=3)
    return LocalLandingStorage(root=str(path))


def test_three_overlapping_backfills_leave_every_partition_as_one_writer_would(landing, tmp_path, caplog):
    with postgres_database("faults_backfill") as catalog_uri:
        root = (tmp_path / "lake").as_uri()
        setup = IcebergLakehouse(catalog_uri, root)
        for hour in HOURS:
            write_bronze(landing, setup, hour)
        commits: Counter = Counter()
        backfill(setup, *RUNS["oldest_first"], commits)  # the single writer: every partition once
        single_writer = {spec: normalized(setup, spec) for spec in (*SILVER_OUTPUTS, *GOLD_BUILDERS)}
        assert all(single_writer.values())

        caplog.set_level(logging.WARNING)
        errors: dict[str, BaseException] = {}
        start = threading.Barrier(len(RUNS))
        runs = {name: IcebergLakehouse(catalog_uri, root) for name in RUNS}  # own catalog connections
        first_commits_from_one_base(list(runs.values()), SILVER_EVENTS)

        def run(name: str) -> None:
            run_commits: Counter = Counter()
            try:
                start.wait()
                backfill(runs[name], *RUNS[name], run_commits)
            except BaseException as exc:  # reported below, with the run's name
                errors[name] = exc
            commits.update(run_commits)

        threads = [threading.Thread(target=run, args=(name,), name=name) for name in RUNS]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert errors == {}
        conflicts = caplog.text.count("Commit failed due to a concurrent update") + caplog.text.count("commit conflict on")
        assert conflicts >= len(RUNS) - 1  # at least the forced ones: all but one first commit lost a race
        for spec, rows in single_writer.items():
            assert normalized(setup, spec) == rows, spec.identifier
            assert appends_in_main_history(setup, spec) == commits[spec.identifier], spec.identifier
        for lh in (setup, *runs.values()):
            lh.catalog.engine.dispose()
