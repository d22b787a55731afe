"""Builds the local Spark driver's class archive (`lakehouse/class_archive.py`): one small generated
hour through Bronze, Silver and every Gold table on local Spark, in a child process whose driver
writes the classes it loaded when it exits. `make spark-classes` runs it.

    python -m lakehouse_assets.events.class_archive_build [--out PATH]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

HOUR = datetime(2026, 1, 1, 10, tzinfo=timezone.utc)


def run_workload(work: Path, dump_to: Path) -> None:
    """The events pipeline of one generated hour on a local driver that writes its classes at exit."""
    from pyspark import SparkContext

    from lakehouse_assets.engine.spark_engine import SparkEngine
    from lakehouse_assets.lakehouse.catalog import IcebergLakehouse
    from lakehouse_assets.lakehouse.class_archive import dump_option
    from lakehouse_assets.resources import LocalLandingStorage, SparkResource, spark_config
    from lakehouse_assets.sample_data.events import write_events

    from .pipeline import GOLD_BUILDERS, gold_partition, write_bronze, write_gold, write_silver

    write_events(work / "landing", start=HOUR, hours=1, events_per_hour=3000, bad_share=0.05, seed=1)
    lakehouse = IcebergLakehouse(f"sqlite:///{work / 'catalog.db'}", (work / "lake").as_uri())
    extra = {"spark.ui.enabled": "false", "spark.driver.extraJavaOptions": dump_option(dump_to)}
    session = SparkResource(spark_config=spark_config("local[2]", extra=extra, class_archive=False)).spark_session
    engine = SparkEngine(session)
    write_bronze(LocalLandingStorage(root=str(work / "landing")), lakehouse, HOUR)
    list(write_silver(engine, lakehouse, HOUR))
    for spec in GOLD_BUILDERS:
        write_gold(spec, engine, lakehouse, gold_partition(spec, HOUR))
    gateway = SparkContext._gateway
    session.stop()
    # The driver writes the archive as it exits, which it does when its stdin closes: wait for it,
    # or the archive may be cut short when this process ends first.
    driver = getattr(gateway, "proc", None)
    if driver is not None:
        driver.stdin.close()
        driver.wait(timeout=600)


def build(out: Path) -> float:
    """Write the archive to `out` (replaced atomically); returns the seconds it took."""
    started = time.perf_counter()
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f"{out.name}.{os.getpid()}.partial")
    with tempfile.TemporaryDirectory(prefix="spark-classes-") as work:
        argv = [sys.executable, "-m", "lakehouse_assets.events.class_archive_build", "--workload", work, "--dump-to", str(partial)]
        done = subprocess.run(argv, capture_output=True, text=True)
        if done.returncode or not partial.is_file():
            partial.unlink(missing_ok=True)
            raise SystemExit(f"the Spark class archive was not written (exit {done.returncode}):\n{done.stderr[-4000:]}")
    os.replace(partial, out)
    return time.perf_counter() - started


def main() -> None:
    from lakehouse_assets.lakehouse.class_archive import archive_path

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=archive_path(), help="where to write it (default: %(default)s)")
    parser.add_argument("--workload", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--dump-to", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.workload:
        run_workload(args.workload, args.dump_to)
        return
    seconds = build(args.out)
    print(f"Spark class archive: {args.out} ({args.out.stat().st_size / 1e6:.0f} MB, built in {seconds:.0f} s)")


if __name__ == "__main__":
    main()
