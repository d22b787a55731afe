"""Code-location import time: `import lakehouse_assets.definitions` in a fresh interpreter, the
median of N runs, and which heavy libraries (must be none) it pulled in.

    python bench/import_time.py [--runs 5]
"""

import argparse
import statistics
import subprocess
import sys

CODE = (
    "import time, sys; t = time.perf_counter(); import lakehouse_assets.definitions; "
    "print(time.perf_counter() - t, ','.join(m for m in ('pyspark', 'mlflow', 'sklearn') if m in sys.modules))"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    times, heavy = [], set()
    for _ in range(args.runs):
        out = subprocess.run([sys.executable, "-W", "ignore", "-c", CODE], capture_output=True, text=True, check=True).stdout.split()
        times.append(float(out[0]))
        heavy.update(x for x in out[1:2] if x)
    print(f"heavy_modules_imported {','.join(sorted(heavy)) or 'none'}")
    print(f"import_seconds_median {statistics.median(times):.3f}")


if __name__ == "__main__":
    main()
