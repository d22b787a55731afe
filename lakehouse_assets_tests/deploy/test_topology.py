"""The deployed topology, for real, on loopback: the user-code gRPC server, the webserver, the
read-only webserver and the daemon with the project's dagster.yaml and workspace.yaml, PostgreSQL
(Dagster storage, Iceberg catalog, MLflow backend: three databases of three roles), S3 (moto's
server mode), the MLflow server, and the nginx proxy from the project's template. Commands and
environment come from docker-compose.yml (topology.py).

Events land in S3; the daemon's sensor and automation carry them to Gold; the proxy keeps out
whoever has no password; a model trains through the webserver's GraphQL API; everything stops.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone

import pytest
import requests

from lakehouse_assets.assets_common import hour_key, table_key
from lakehouse_assets.events.tables import BRONZE_EVENTS, GOLD_DATA_QUALITY_HOURLY, GOLD_OPERATIONAL_HOURLY, SILVER_EVENTS
from lakehouse_assets.sample_data.events.generate import generate_event_objects

from .graphql import DagsterGraphQL, GraphQLError
from .services import query, stack_databases
from .topology import ADMIN, VIEWER, Topology, assert_started, build, http_ok, start_dagster, start_mlflow, start_proxy, start_s3

pytestmark = [pytest.mark.integration, pytest.mark.topology]

EVENTS_PER_HOUR = 200
# The chain is sensor tick -> Bronze runs -> automation ticks (30 s) -> Silver -> Gold, each run a
# fresh process: ~160 s on a quiet 2-core machine, the rest is headroom for a loaded one.
PIPELINE_TIMEOUT_SECONDS = 600.0
RUN_TIMEOUT_SECONDS = 300.0


@pytest.fixture(scope="module")
def topology(tmp_path_factory):
    started = time.monotonic()
    with stack_databases() as databases:
        topology = build(tmp_path_factory.mktemp("topology"), databases)
        try:
            start_s3(topology)
            mlflow = start_mlflow(topology)
            topology.hours = land_events(topology)  # before the daemon: its first tick sees them
            start_dagster(topology)
            start_proxy(topology)
            mlflow.wait_until(lambda: http_ok(f"{topology.url('mlflow')}/health"), "MLflow /health", 150)
            assert_started(topology, started)
            topology.startup_seconds = time.monotonic() - started
            yield topology
        finally:
            topology.stop()


def land_events(topology: Topology) -> list[datetime]:
    """Sample events for the three hours that closed last (the sensor hands out closed hours only)."""
    now = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    first = now - timedelta(hours=3)
    s3 = topology.s3()
    for landed in generate_event_objects(first, 3, EVENTS_PER_HOUR, bad_share=0.02, seed=7):
        s3.put_object(Bucket="landing", Key=landed.key, Body=landed.body)
    return [first + timedelta(hours=h) for h in range(3)]


def materialized(topology: Topology) -> set[tuple[str, str]]:
    rows = query(topology.databases, "DAGSTER", "SELECT asset_key, partition FROM event_logs WHERE dagster_event_type = 'ASSET_MATERIALIZATION'")
    return {(key, partition) for key, partition in rows}


def failed_runs(topology: Topology) -> list[str]:
    failures = []
    for (run_id,) in query(topology.databases, "DAGSTER", "SELECT run_id FROM runs WHERE status = 'FAILURE'"):
        events = query(
            topology.databases, "DAGSTER",
            "SELECT event FROM event_logs WHERE run_id = %s AND dagster_event_type IN ('STEP_FAILURE', 'RUN_FAILURE') ORDER BY id",
            (run_id,),
        )  # fmt: skip
        messages = []
        for (event,) in events:
            entry = json.loads(event)
            error = ((entry.get("dagster_event") or {}).get("event_specific_data") or {}).get("error") or {}
            messages.append(f"{entry.get('user_message', '')} {error.get('message', '')}".strip())
        failures.append(f"run {run_id}: " + " | ".join(messages))
    return failures


def wait_for(topology: Topology, done, what: str, timeout: float = PIPELINE_TIMEOUT_SECONDS) -> float:
    started = time.monotonic()
    while not done():
        topology.check_alive()
        failures = failed_runs(topology)
        if failures:
            pytest.fail(f"runs failed while waiting for {what}:\n" + "\n".join(failures) + f"\n{topology.logs()}")
        if time.monotonic() - started > timeout:
            pytest.fail(f"no {what} after {timeout:.0f}s; materialized: {sorted(materialized(topology))}\n{topology.logs()}")
        time.sleep(2)
    return time.monotonic() - started


def run_events(topology: Topology, run_id: str, last: int = 25) -> str:
    rows = query(
        topology.databases, "DAGSTER",
        "SELECT event FROM event_logs WHERE run_id = %s ORDER BY id DESC LIMIT %s", (run_id, last),
    )  # fmt: skip
    lines = []
    for (event,) in reversed(rows):
        entry = json.loads(event)
        dagster_event = entry.get("dagster_event") or {}
        error = (dagster_event.get("event_specific_data") or {}).get("error") or {}
        detail = f"{error.get('message', '')}{error.get('stack', [''])[-1] if error.get('stack') else ''}"
        lines.append(f"{dagster_event.get('event_type_value', 'log')}: {entry.get('user_message', '')[:300]} {detail[:2000]}")
    return "\n".join(lines)


def wait_for_run(topology: Topology, client: DagsterGraphQL, run_id: str) -> None:
    """The run succeeds, or the test fails with its events and the services' logs."""
    try:
        status = client.wait_for_run(run_id, RUN_TIMEOUT_SECONDS)
    except TimeoutError as exc:
        status = str(exc)
    if status != "SUCCESS":
        pytest.fail(f"run {run_id}: {status}\n{run_events(topology, run_id)}\n{topology.logs()}")


def test_events_reach_gold_through_the_sensor_and_automation(topology):
    # The ingest-hour Gold of every sample hour (it reads that hour's Silver), and the event-hour
    # Gold of the middle one (it reads Silver of the hour before and after: both sample hours). The
    # first and last hours' event-hour Gold depend on hours outside the sample.
    quality, operational = (table_key(spec).to_string() for spec in (GOLD_DATA_QUALITY_HOURLY, GOLD_OPERATIONAL_HOURLY))
    wanted = {(quality, hour_key(hour)) for hour in topology.hours} | {(operational, hour_key(topology.hours[1]))}
    waited = wait_for(topology, lambda: wanted <= materialized(topology), f"Gold {sorted(wanted)}")
    print(f"topology up in {topology.startup_seconds:.0f}s, Gold after {waited:.0f}s more")
    done = materialized(topology)
    for hour in topology.hours:
        assert (table_key(BRONZE_EVENTS).to_string(), hour_key(hour)) in done
        assert (table_key(SILVER_EVENTS).to_string(), hour_key(hour)) in done


def test_runs_are_recorded_in_postgres_one_per_partition_at_a_time(topology):
    """The events runs (landing sensor, automation) are in PostgreSQL, carry the tag the queue
    limits per value (dagster.yaml), and no two runs of one partition overlapped."""
    runs = query(
        topology.databases, "DAGSTER",
        "SELECT r.run_id, r.status, r.start_time, r.end_time, p.value FROM runs r "
        "JOIN run_tags s ON s.run_id = r.run_id AND s.key = 'dagster/sensor_name' "
        "LEFT JOIN run_tags p ON p.run_id = r.run_id AND p.key = 'dagster/partition' "
        "WHERE s.value IN ('events_landing_sensor', 'events_automation_sensor')",
    )  # fmt: skip
    assert len(runs) >= 5, runs
    assert {status for _, status, *_ in runs} <= {"SUCCESS", "STARTED", "QUEUED", "STARTING"}, runs
    assert all(partition for *_, partition in runs), f"runs without dagster/partition escape the per-partition limit: {runs}"
    by_partition: dict[str, list[tuple[float, float]]] = {}
    for _, status, start, end, partition in runs:
        if status == "SUCCESS":
            by_partition.setdefault(partition, []).append((start, end))
    assert any(len(spans) > 1 for spans in by_partition.values()), "no partition had two runs: nothing was limited"
    for partition, spans in by_partition.items():
        spans.sort()
        for (_, end), (next_start, _) in zip(spans, spans[1:]):
            assert next_start >= end, f"two runs of {partition} overlapped"


def test_tables_are_in_the_postgres_catalog_with_their_files_on_s3(topology):
    tables = query(topology.databases, "ICEBERG", "SELECT table_namespace, table_name, metadata_location FROM iceberg_tables")
    locations = {(namespace, name): location for namespace, name, location in tables}
    for spec in (BRONZE_EVENTS, SILVER_EVENTS, GOLD_DATA_QUALITY_HOURLY):
        location = locations[(spec.namespace, spec.name)]
        assert location.startswith(f"s3://lakehouse/warehouse/{spec.namespace}/{spec.name}/metadata/"), location
        assert topology.keys("lakehouse", f"warehouse/{spec.namespace}/{spec.name}/data/"), f"no data files of {spec.identifier}"
    from lakehouse_assets.lakehouse.tables import Window

    gold = lakehouse(topology).read_arrow(GOLD_DATA_QUALITY_HOURLY, [Window.hour(topology.hours[0])]).to_pylist()
    assert len(gold) >= 2 and sum(row["bronze_rows"] for row in gold) > 0, gold
    # Step logs went to S3, where the webserver (another container in compose) reads them.
    assert topology.keys("dagster", "compute-logs/"), "no compute logs on S3"


def lakehouse(topology: Topology):
    """The stack's tables as the code location sees them (catalog on PostgreSQL, files on S3)."""
    from lakehouse_assets.lakehouse.catalog import IcebergLakehouse

    return IcebergLakehouse(
        topology.env["LAKEHOUSE_CATALOG_URI"], topology.env["LAKEHOUSE_ROOT"],
        {"s3.endpoint": topology.url("s3"), "s3.region": "us-east-1",
         "s3.access-key-id": topology.env["AWS_ACCESS_KEY_ID"], "s3.secret-access-key": topology.env["AWS_SECRET_ACCESS_KEY"]},
    )  # fmt: skip


def test_the_proxy_lets_no_one_in_without_a_password(topology):
    admin, viewer = topology.url("admin"), topology.url("viewer")
    for url in (admin, viewer):
        for path in ("/", "/server_info", "/graphql"):
            response = requests.get(f"{url}{path}", timeout=10)
            assert response.status_code == 401 and "Basic" in response.headers["WWW-Authenticate"], (url, path)
        assert requests.get(f"{url}/server_info", auth=("operator", "wrong"), timeout=10).status_code == 401
    # Each entry has its own users.
    assert requests.get(f"{viewer}/server_info", auth=ADMIN, timeout=10).status_code == 401
    assert requests.get(f"{admin}/server_info", auth=VIEWER, timeout=10).status_code == 401
    page = requests.get(f"{admin}/", auth=ADMIN, timeout=30)
    assert page.status_code == 200 and "<html" in page.text.lower()
    assert requests.get(f"{viewer}/", auth=VIEWER, timeout=30).status_code == 200
    info = requests.get(f"{admin}/server_info", auth=ADMIN, timeout=10).json()
    assert info["dagster_version"] == __import__("dagster").__version__
    # The healthcheck endpoint answers on its own (container-local) port only.
    health = topology.url("health")
    assert http_ok(f"{health}/healthz") and http_ok(f"{health}/healthz/read-only")
    assert requests.get(f"{health}/graphql", timeout=10).status_code == 404


def test_the_viewer_entry_is_read_only(topology):
    operator = DagsterGraphQL(topology.url("admin"), auth=ADMIN)
    viewer = DagsterGraphQL(topology.url("viewer"), auth=VIEWER)
    assert operator.permissions()["launch_pipeline_execution"] is True
    assert viewer.permissions()["launch_pipeline_execution"] is False
    with pytest.raises(GraphQLError, match="Unauthorized"):
        viewer.launch_assets([list(table_key(BRONZE_EVENTS).path)], hour_key(topology.hours[0]))


def test_a_run_launched_through_the_proxy_succeeds(topology):
    operator = DagsterGraphQL(topology.url("admin"), auth=ADMIN)
    run_id = operator.launch_assets([list(table_key(BRONZE_EVENTS).path)], hour_key(topology.hours[0]), tags={"lakehouse/test": "topology"})
    wait_for_run(topology, operator, run_id)


def write_weather_observations(topology: Topology, day) -> None:
    """Two KST days of hourly sample observations (the training window below) straight into the
    `weather/observations` table, as 48 weather runs would: the weather domain is not under test."""
    import pyarrow as pa

    from lakehouse_assets.assets_common import KST
    from lakehouse_assets.lakehouse.schemas import arrow_schema
    from lakehouse_assets.lakehouse.tables import Window
    from lakehouse_assets.sample_data.weather import observation_item
    from lakehouse_assets.settings import DEFAULT_KMA_STATIONS
    from lakehouse_assets.weather.parse import observation_rows
    from lakehouse_assets.weather.tables import OBSERVATIONS

    start = datetime.combine(day - timedelta(days=1), datetime.min.time(), KST).astimezone(timezone.utc)
    window = Window(start, start + timedelta(days=2))
    hours = [start + timedelta(hours=h) for h in range(48)]
    items = [observation_item(station, hour) for station in DEFAULT_KMA_STATIONS for hour in hours]
    rows, _ = observation_rows(items, window, DEFAULT_KMA_STATIONS, source="sample")
    assert len(rows) == len(items)
    lakehouse(topology).replace_partition_with_arrow(OBSERVATIONS, window, pa.Table.from_pylist(rows, schema=arrow_schema(OBSERVATIONS)))


def test_a_model_trains_through_the_webserver_into_mlflow_with_artifacts_on_s3(topology):
    from lakehouse_assets.assets_common import KST
    from lakehouse_assets.ml.keys import DATASET_KEY, MODEL_KEY
    from lakehouse_assets.ml.tables import CHALLENGER_ALIAS, MODEL_NAME, TAG_DAGSTER_RUN_ID

    day = datetime.now(KST).date() - timedelta(days=1)  # the last KST day that has ended
    write_weather_observations(topology, day)
    operator = DagsterGraphQL(topology.url("admin"), auth=ADMIN)
    run_config = {
        "ops": {
            "ml__training_dataset": {"config": {"window_days": 2, "holdout_days": 1, "min_station_hour_share": 0.5}},
            "ml__temperature_model": {"config": {"max_iter": 20}},
        }
    }
    run_id = operator.launch_assets([list(DATASET_KEY.path), list(MODEL_KEY.path)], day.isoformat(), run_config=run_config)
    wait_for_run(topology, operator, run_id)

    mlflow = topology.url("mlflow")
    alias = requests.get(f"{mlflow}/api/2.0/mlflow/registered-models/alias", params={"name": MODEL_NAME, "alias": CHALLENGER_ALIAS}, timeout=30)
    assert alias.status_code == 200, alias.text
    version = alias.json()["model_version"]
    mlflow_run = requests.get(f"{mlflow}/api/2.0/mlflow/runs/get", params={"run_id": version["run_id"]}, timeout=30).json()["run"]
    assert {tag["key"]: tag["value"] for tag in mlflow_run["data"]["tags"]}.get(TAG_DAGSTER_RUN_ID) == run_id
    # The tracking data is in PostgreSQL (the mlflow database), the artifacts on S3.
    assert (MODEL_NAME,) in query(topology.databases, "MLFLOW", "SELECT name FROM registered_models")
    # MLflow 3 keeps a logged model's files under the experiment's artifact location (models/...).
    experiment = requests.get(
        f"{mlflow}/api/2.0/mlflow/experiments/get", params={"experiment_id": mlflow_run["info"]["experiment_id"]}, timeout=30
    ).json()["experiment"]
    location = experiment["artifact_location"]
    assert location.startswith("s3://"), location
    bucket, _, prefix = location.removeprefix("s3://").partition("/")
    artifacts = topology.keys(bucket, prefix)
    assert any(key.endswith("/MLmodel") for key in artifacts), f"no MLmodel under {location}: {artifacts}"
    assert any(key.endswith(("model.pkl", "model.skops")) for key in artifacts), artifacts


def test_everything_stops_cleanly(topology):
    strays = topology.stop()
    assert strays == [], strays
    for name, service in topology.services.items():
        assert service.process.returncode is not None, f"{name} still running"
