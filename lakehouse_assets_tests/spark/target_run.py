"""Materialize events assets in a process of their own, on the Spark that the environment names.

    SPARK_MASTER=spark://127.0.0.1:7077 LAKEHOUSE_ROOT=... LAKEHOUSE_LANDING=... \
        python -m lakehouse_assets_tests.spark.target_run '[["bronze/events"], "2026-11-20-00:00"]' ...

One Python process holds one classic SparkContext (the test session already has its local one)
and Spark Connect mode is process-wide, hence a subprocess. Resources come from the settings,
exactly as in the code location (`core_resources`). Prints one JSON line: per run its success and
seconds, and what kind of session ran it.
"""

from __future__ import annotations

import json
import sys
import time


def main(argv: list[str]) -> int:
    from dagster import AssetSelection, DagsterInstance, materialize

    from lakehouse_assets.events.assets import events_assets
    from lakehouse_assets.resources import core_resources
    from lakehouse_assets.settings import get_settings

    settings = get_settings()
    resources = core_resources(settings)
    instance = DagsterInstance.ephemeral()
    runs = []
    for spec in argv:
        keys, partition = json.loads(spec)
        started = time.monotonic()
        result = materialize(
            events_assets,
            selection=AssetSelection.assets(*[key.split("/") for key in keys]),
            partition_key=partition,
            resources=resources,
            instance=instance,
            raise_on_error=False,
        )
        runs.append({"keys": keys, "partition": partition, "success": result.success, "seconds": round(time.monotonic() - started, 2)})
        if not result.success:
            break
    # The resource holds SPARK_REMOTE as an EnvVar (resolved inside runs only): ask for the session
    # the runs used with the settings' own values (getOrCreate returns it).
    from lakehouse_assets.resources import SparkResource, spark_config

    session = SparkResource(spark_config=spark_config(settings.spark_master, settings.spark_remote)).spark_session
    report = {
        "runs": runs,
        "session_module": type(session).__module__,
        "spark_master": settings.spark_master,
        "spark_remote": settings.spark_remote,
    }
    print(json.dumps(report))
    return 0 if all(run["success"] for run in runs) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
