"""Sensor tick cost against bucket size: events_landing_sensor on moto's in-memory S3 with 1k and
100k old objects, 100 new objects per tick. Prints the median tick time of each and, last,
`ratio_100k_vs_1k <float>`.

    python bench/sensor_scale.py [--reps 5]

Old objects are spread over the 50 days before the look-back window (as an events bucket fills);
they are created straight in moto's backend, since only the tick is measured.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

NOW = datetime(2026, 11, 20, 10, 20, tzinfo=timezone.utc)
BUCKET = "bench-landing"


def old_keys(count: int) -> list[str]:
    hours = 50 * 24
    first = NOW - timedelta(hours=hours + 6)
    return [
        f"events/topic={'user-activity' if i % 5 else 'api-requests'}/date={(first + timedelta(hours=i % hours)):%Y-%m-%d}/hour={(first + timedelta(hours=i % hours)):%H}/part+0+{i:010d}.json"
        for i in range(count)
    ]


def fill(count: int) -> None:
    from moto.backends import get_backend

    backend = get_backend("s3")["123456789012"]["global"]
    for key in old_keys(count):
        backend.put_object(BUCKET, key, b'{"event_id":"x"}\n')


class CountingStorage:
    """Wraps the storage to count list requests, keys returned and the time spent in them."""

    def __init__(self, inner):
        self.inner, self.requests, self.keys, self.seconds = inner, 0, 0, 0.0

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def list_prefixes(self, prefix):
        start = time.perf_counter()
        out = self.inner.list_prefixes(prefix)
        self.requests, self.seconds = self.requests + 1, self.seconds + time.perf_counter() - start
        return out

    def list_objects(self, prefix, start_after=None):
        self.requests += 1
        start = time.perf_counter()
        for obj in self.inner.list_objects(prefix, start_after=start_after):
            self.keys += 1
            self.seconds += time.perf_counter() - start
            yield obj
            start = time.perf_counter()
        self.seconds += time.perf_counter() - start


def measure(old: int, reps: int) -> tuple[float, float, float, float]:
    import boto3
    from dagster import build_sensor_context
    from dagster_aws.s3 import S3Resource
    from moto import mock_aws

    from lakehouse_assets.events import sensors
    from lakehouse_assets.landing_watch import WatchCursor
    from lakehouse_assets.resources import S3LandingStorage

    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=BUCKET)
        fill(old)
        storage = S3LandingStorage(bucket=BUCKET, s3=S3Resource(region_name="us-east-1"))
        client = boto3.client("s3", region_name="us-east-1")
        sensors.clock = lambda: NOW
        cursor = WatchCursor(scanned_until=NOW - timedelta(minutes=1)).dump()
        times, listing, requests, keys = [], [], [], []
        for rep in range(reps):
            for i in range(100):
                client.put_object(Bucket=BUCKET, Key=f"events/topic=user-activity/date=2026-11-20/hour=09/new-{rep:02d}-{i:04d}.json", Body=b"{}\n")
            counting = CountingStorage(storage)
            original = sensors.plan_event_runs
            sensors.plan_event_runs = lambda _storage, *a, **k: original(counting, *a, **k)
            with build_sensor_context(cursor=cursor, resources={"landing": storage}) as context:
                start = time.perf_counter()
                result = sensors.events_landing_sensor(context)
                times.append(time.perf_counter() - start)
            sensors.plan_event_runs = original
            listing.append(counting.seconds)
            requests.append(counting.requests)
            keys.append(counting.keys)
            cursor = result.cursor
            handed = sum(int(r.tags["lakehouse/new_objects"]) for r in result.run_requests)
            assert handed == 100, f"expected 100 new objects, the tick handed out {handed}"
        return statistics.median(times), statistics.median(listing), statistics.median(requests), statistics.median(keys)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    import os

    for name, value in {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1"}.items():
        os.environ.setdefault(name, value)
    os.environ.pop("AWS_ENDPOINT_URL", None)
    results = {}
    for old in (1_000, 100_000):
        tick, listing, requests, keys = measure(old, args.reps)
        results[old] = tick
        print(
            f"old_objects {old:>6}: tick {tick:.4f}s, of which inside S3 list calls {listing:.4f}s; "
            f"{requests:.0f} list requests, {keys:.0f} keys returned per tick"
        )
    print("(moto answers ListObjectsV2 by scanning its whole bucket in Python; S3 seeks to StartAfter)")
    print(f"ratio_100k_vs_1k {results[100_000] / results[1_000]:.2f}")


if __name__ == "__main__":
    main()
