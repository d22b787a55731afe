"""A snapshot of the code location's graph, so that any change to it shows up in review.

`definitions_snapshot.json` beside this file lists, sorted: every asset (group, kinds, partitions,
deps), every asset check (blocking, partitioned), the jobs, the schedules and the sensors of
`lakehouse_assets.definitions.defs`. The definitions are loaded in a fresh process with a pinned
LAKEHOUSE_PARTITIONS_START and none of the settings that shape the graph, so the snapshot is the
same whatever the day and the shell; a start taken from the settings reads
`${LAKEHOUSE_PARTITIONS_START}`. When the graph changes on purpose, regenerate the file and commit
it with the change:

    UPDATE_SNAPSHOT=1 .venv/bin/python -m pytest lakehouse_assets_tests/test_definitions_snapshot.py -q -p no:cacheprovider
"""

from __future__ import annotations

import difflib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from dagster import (
    DailyPartitionsDefinition,
    HourlyPartitionsDefinition,
    MultiPartitionsDefinition,
    StaticPartitionsDefinition,
    TimeWindowPartitionsDefinition,
)

SNAPSHOT = Path(__file__).with_name("definitions_snapshot.json")
UPDATE_VARIABLE = "UPDATE_SNAPSHOT"
UPDATE_COMMAND = (
    f"{UPDATE_VARIABLE}=1 .venv/bin/python -m pytest lakehouse_assets_tests/test_definitions_snapshot.py -q -p no:cacheprovider"
)
REPOSITORY = Path(__file__).resolve().parents[1]
# A start no module writes by hand: a partitions start equal to it came from the settings and is
# shown as the placeholder; any other start is shown as written.
PINNED_PARTITIONS_START = "2025-11-03"
PARTITIONS_START_PLACEHOLDER = "${LAKEHOUSE_PARTITIONS_START}"
# Only what a process needs to run: settings that change the graph (BANNER_EMR_CONFIG, ...) stay unset.
PASSED_THROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT", "JAVA_HOME")
EXPANDED_DEPTH = 3  # snapshot -> section -> asset/job/... -> its fields, each field on one line


def _key(key: Any) -> str:
    return key.to_user_string()


def _check_key(check_key: Any) -> str:
    return f"{_key(check_key.asset_key)}:{check_key.name}"


def describe_partitions(partitions_def: Any, settings_start: str) -> dict[str, Any] | None:
    """Type, cron, timezone, start (the placeholder when it is the settings' start) of a partitions definition."""
    if partitions_def is None:
        return None
    described: dict[str, Any] = {"type": type(partitions_def).__name__}
    if isinstance(partitions_def, TimeWindowPartitionsDefinition):
        start = partitions_def.start
        from_settings = start.date().isoformat() == settings_start and (start.hour, start.minute, start.second) == (0, 0, 0)
        described.update(
            cron=partitions_def.cron_schedule,
            timezone=partitions_def.timezone,
            start=PARTITIONS_START_PLACEHOLDER if from_settings else start.isoformat(),
            key_format=partitions_def.fmt,
            end_offset=partitions_def.end_offset,
        )
    elif isinstance(partitions_def, MultiPartitionsDefinition):
        described["dimensions"] = {
            dimension.name: describe_partitions(dimension.partitions_def, settings_start)
            for dimension in partitions_def.partitions_defs
        }
    elif isinstance(partitions_def, StaticPartitionsDefinition):
        described["keys"] = list(partitions_def.get_partition_keys())
    elif getattr(partitions_def, "name", None):  # dynamic partitions: the keys live in the instance
        described["name"] = partitions_def.name
    return described


def _job_target(job: Any, graph: Any) -> dict[str, Any]:
    """What a job runs: the assets and checks of an asset job, the ops of any other job."""
    selection = getattr(job, "selection", None)
    if selection is not None:
        return {
            "assets": sorted(_key(key) for key in selection.resolve(graph)),
            "checks": sorted(_check_key(key) for key in selection.resolve_checks(graph)),
        }
    return {"ops": sorted(node.name for node in job.nodes_in_topological_order)}


def render_snapshot() -> str:
    """The snapshot text of `lakehouse_assets.definitions.defs` as loaded in this process."""
    from lakehouse_assets.definitions import defs
    from lakehouse_assets.settings import get_settings

    settings_start = get_settings().partitions_start
    graph = defs.resolve_asset_graph()
    assets = {}
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assets[_key(key)] = {
            "group": node.group_name,
            "kinds": sorted(node.kinds),
            "partitions": describe_partitions(node.partitions_def, settings_start),
            "deps": sorted(_key(parent) for parent in node.parent_keys),
        }
    checks: dict[str, dict[str, Any]] = {}
    for check_key in graph.asset_check_keys:
        spec = graph.get_check_spec(check_key)
        checks.setdefault(_key(check_key.asset_key), {})[check_key.name] = {
            "blocking": spec.blocking,
            "partitioned": spec.partitions_def is not None,
        }
    jobs = {
        job.name: {
            **_job_target(job, graph),
            "partitions": describe_partitions(getattr(job, "partitions_def", None), settings_start),
        }
        for job in defs.jobs or ()
    }
    schedules = {
        schedule.name: {
            "cron": schedule.cron_schedule,
            "timezone": schedule.execution_timezone,
            "default_status": schedule.default_status.value,
            "job": schedule.job_name,
        }
        for schedule in defs.schedules or ()
    }
    sensors = {}
    for sensor in defs.sensors or ():
        if sensor.asset_selection is not None:
            targets = [{"assets": sorted(_key(key) for key in sensor.asset_selection.resolve(graph))}]
        else:
            # A sensor that targets assets directly runs Dagster's own job for them, named after the sensor.
            targets = [
                _job_target(target.resolvable_to_job, graph) if target.job_name.startswith("__") else {"job": target.job_name}
                for target in sensor.targets
            ]
        sensors[sensor.name] = {
            "type": type(sensor).__name__,
            "default_status": sensor.default_status.value,
            "minimum_interval_seconds": sensor.minimum_interval_seconds,
            "targets": targets,
        }
    snapshot = {"assets": assets, "asset_checks": checks, "jobs": jobs, "schedules": schedules, "sensors": sensors}
    return to_json_text(snapshot) + "\n"


def to_json_text(value: Any, depth: int = 0) -> str:
    """Sorted JSON with one line per field of an asset, check, job, schedule or sensor, so a diff names what changed."""
    if not isinstance(value, dict) or depth >= EXPANDED_DEPTH or not value:
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    indent = "  " * (depth + 1)
    fields = ",\n".join(
        f"{indent}{json.dumps(name, ensure_ascii=False)}: {to_json_text(value[name], depth + 1)}" for name in sorted(value)
    )
    return f"{{\n{fields}\n{'  ' * depth}}}"


def current_snapshot(output: Path) -> str:
    """`render_snapshot` in a fresh process whose environment holds nothing that shapes the graph."""
    env = {name: os.environ[name] for name in PASSED_THROUGH if name in os.environ}
    env.update(LAKEHOUSE_PARTITIONS_START=PINNED_PARTITIONS_START, PYTHONPATH=str(REPOSITORY), PYTHONWARNINGS="ignore")
    code = (
        "import sys; from pathlib import Path; "
        "from lakehouse_assets_tests.test_definitions_snapshot import render_snapshot; "
        "Path(sys.argv[1]).write_text(render_snapshot(), encoding='utf-8')"
    )
    # Run from the output's folder: the default local lakehouse root (./.lakehouse) then lands there.
    completed = subprocess.run(
        [sys.executable, "-c", code, str(output)], cwd=output.parent, env=env, capture_output=True, text=True
    )
    assert completed.returncode == 0, f"loading the definitions failed:\n{completed.stderr}"
    return output.read_text(encoding="utf-8")


def test_definitions_match_the_snapshot(tmp_path: Path) -> None:
    current = current_snapshot(tmp_path / "definitions_snapshot.json")
    if os.environ.get(UPDATE_VARIABLE):
        SNAPSHOT.write_text(current, encoding="utf-8")
    if not SNAPSHOT.exists():
        pytest.fail(f"{SNAPSHOT.name} is missing; write it with:\n    {UPDATE_COMMAND}", pytrace=False)
    stored = SNAPSHOT.read_text(encoding="utf-8")
    if current != stored:
        diff = "".join(
            difflib.unified_diff(
                stored.splitlines(keepends=True),
                current.splitlines(keepends=True),
                fromfile=f"{SNAPSHOT.name} (stored)",
                tofile="the definitions now",
            )
        )
        pytest.fail(
            f"The code location's graph differs from {SNAPSHOT.name}:\n{diff}\n"
            f"If the change is intended, regenerate the snapshot and commit it with the change:\n    {UPDATE_COMMAND}",
            pytrace=False,
        )


def test_partitions_start_from_the_settings_is_a_placeholder() -> None:
    from_settings = HourlyPartitionsDefinition(start_date="2025-11-03-00:00", timezone="UTC")
    assert describe_partitions(from_settings, "2025-11-03") == {
        "type": "HourlyPartitionsDefinition",
        "cron": "0 * * * *",
        "timezone": "UTC",
        "start": PARTITIONS_START_PLACEHOLDER,
        "key_format": "%Y-%m-%d-%H:%M",
        "end_offset": 0,
    }
    fixed = DailyPartitionsDefinition(start_date="2020-01-01", timezone="Asia/Seoul", end_offset=1)
    described = describe_partitions(fixed, "2025-11-03")
    assert (described["start"], described["timezone"], described["end_offset"]) == ("2020-01-01T00:00:00+09:00", "Asia/Seoul", 1)
    multi = MultiPartitionsDefinition({"day": fixed, "region": StaticPartitionsDefinition(["kr", "us"])})
    assert describe_partitions(multi, "2025-11-03")["dimensions"]["region"] == {"type": "StaticPartitionsDefinition", "keys": ["kr", "us"]}
    assert describe_partitions(None, "2025-11-03") is None
