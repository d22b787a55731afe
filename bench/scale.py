"""The default engine (DuckDB) at 0.25M, 1M and 4M events in one hour: seconds and peak RSS each.

    python bench/scale.py                                  # 250k, 1M, 4M; DuckDB memory limit 1GB
    python bench/scale.py --sizes 250000,1000000 --duckdb-memory-limit 2GB

Per size: landing objects are generated, Bronze is written (plain Python, in its own process),
then Silver and the five Gold tables run on DuckDB in a fresh process whose peak memory (RSS) is
measured; DuckDB spills to a temp folder past its memory limit, so memory stays bounded while time
grows with the data. Last line: `seconds_per_million_ratio_largest_vs_smallest <float>` (1.0 = linear).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def child(stage: str, work: Path, threads: int, memory_limit: str) -> dict:
    from bench.medallion import HOUR
    from bench.peak_rss import PeakRss
    from lakehouse_assets.engine.duckdb_engine import DuckDBEngine
    from lakehouse_assets.events.pipeline import GOLD_BUILDERS, gold_partition, write_bronze, write_gold, write_silver
    from lakehouse_assets.lakehouse.catalog import IcebergLakehouse
    from lakehouse_assets.resources import LocalLandingStorage

    lakehouse = IcebergLakehouse(f"sqlite:///{work / 'catalog.db'}", (work / "tables").as_uri())
    with PeakRss() as peak:
        t = time.perf_counter()
        if stage == "bronze":
            rows = write_bronze(LocalLandingStorage(root=str(work / "landing")), lakehouse, HOUR).rows
            return {"bronze_s": time.perf_counter() - t, "lines": rows, "bronze_peak_rss_mb": peak.mb}
        engine = DuckDBEngine(memory_limit=memory_limit, threads=threads, temp_directory=str(work / "spill"))
        for spec in GOLD_BUILDERS:
            lakehouse.ensure_table(spec)
        t = time.perf_counter()
        silver = {spec.identifier: rows for spec, rows, _ in write_silver(engine, lakehouse, HOUR)}
        silver_s = time.perf_counter() - t
        t = time.perf_counter()
        for spec in GOLD_BUILDERS:
            write_gold(spec, engine, lakehouse, gold_partition(spec, HOUR))
        gold_s = time.perf_counter() - t
    return {"silver_s": silver_s, "gold_s": gold_s, "silver_rows": silver["silver.events"], "peak_rss_mb": peak.mb}


def run_child(stage: str, work: Path, args: argparse.Namespace) -> dict:
    argv = [sys.executable, __file__, "--child", stage, "--workdir", str(work), "--threads", str(args.threads), "--duckdb-memory-limit", args.duckdb_memory_limit]
    done = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode or not lines:
        raise SystemExit(f"{stage} failed:\n{done.stderr[-4000:]}")
    return json.loads(lines[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="250000,1000000,4000000")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--duckdb-memory-limit", default="1GB")
    parser.add_argument("--workdir", default=None)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, Path(args.workdir), args.threads, args.duckdb_memory_limit)))
        return

    from bench.medallion import HOUR
    from lakehouse_assets.sample_data.events import write_events

    base = Path(args.workdir or tempfile.mkdtemp(prefix="scale-"))
    per_million = []
    try:
        for size in [int(s) for s in args.sizes.split(",")]:
            work = base / f"events_{size}"
            shutil.rmtree(work, ignore_errors=True)
            write_events(work / "landing", start=HOUR, hours=1, events_per_hour=size, bad_share=0.02, seed=7)
            bronze = run_child("bronze", work, args)
            result = run_child("engine", work, args)
            seconds = result["silver_s"] + result["gold_s"]
            per_million.append(seconds / (bronze["lines"] / 1e6))
            print(f"events {size}: lines {bronze['lines']}, bronze {bronze['bronze_s']:.2f}s (peak RSS {bronze['bronze_peak_rss_mb']:.0f} MB, plain Python); "
                  f"duckdb silver {result['silver_s']:.2f}s + gold {result['gold_s']:.2f}s = {seconds:.2f}s "
                  f"({seconds / (bronze['lines'] / 1e6):.2f} s per million lines), peak RSS {result['peak_rss_mb']:.0f} MB, "
                  f"memory limit {args.duckdb_memory_limit}")  # fmt: skip
            print(f"seconds_{size} {seconds:.2f}")
            print(f"peak_rss_mb_{size} {result['peak_rss_mb']:.0f}")
            shutil.rmtree(work / "landing", ignore_errors=True)
        print(f"seconds_per_million_ratio_largest_vs_smallest {per_million[-1] / per_million[0]:.2f}")
    finally:
        if not args.workdir:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
