"""deploy/dagster.yaml and deploy/workspace.yaml, loaded by Dagster itself against a real
PostgreSQL database made by the project's init script."""

from __future__ import annotations

import shutil

import pytest
import yaml

from .files import DEPLOY
from .services import query, stack_databases

pytestmark = pytest.mark.integration


@pytest.fixture
def instance_env(monkeypatch, tmp_path):
    """DAGSTER_HOME holding the project's dagster.yaml, and the variables it reads."""
    with stack_databases() as databases:
        home = tmp_path / "dagster_home"
        home.mkdir()
        shutil.copy(DEPLOY / "dagster.yaml", home / "dagster.yaml")
        env = {
            "DAGSTER_HOME": str(home),
            "DAGSTER_PG_HOST": "127.0.0.1",
            "DAGSTER_PG_PORT": "5432",
            "DAGSTER_PG_USER": databases.env["DAGSTER_PG_USER"],
            "DAGSTER_PG_PASSWORD": databases.env["DAGSTER_PG_PASSWORD"],
            "DAGSTER_PG_DB": databases.env["DAGSTER_PG_DB"],
            "DAGSTER_MAX_CONCURRENT_RUNS": "7",
            "DAGSTER_COMPUTE_LOG_BUCKET": "dagster-logs",
        }
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        yield home, databases


def test_the_instance_config_loads_with_postgres_storage_and_the_run_queue(instance_env):
    from dagster import DagsterInstance
    from dagster._core.run_coordinator import QueuedRunCoordinator
    from dagster_aws.s3.compute_log_manager import S3ComputeLogManager
    from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage, PostgresScheduleStorage

    home, databases = instance_env
    instance = DagsterInstance.from_config(str(home))
    try:
        assert isinstance(instance.run_storage, PostgresRunStorage)
        assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
        assert isinstance(instance.schedule_storage, PostgresScheduleStorage)
        assert isinstance(instance.compute_log_manager, S3ComputeLogManager)
        assert isinstance(instance.run_coordinator, QueuedRunCoordinator)
        queue = instance.get_concurrency_config().run_queue_config
        assert queue.max_concurrent_runs == 7  # from DAGSTER_MAX_CONCURRENT_RUNS
        partition_limit = next(limit for limit in queue.tag_concurrency_limits if limit["key"] == "dagster/partition")
        assert partition_limit == {"key": "dagster/partition", "value": {"applyLimitPerUniqueValue": True}, "limit": 1}
        assert instance.run_monitoring_enabled and instance.run_monitoring_start_timeout_seconds == 180
        assert instance.run_retries_enabled and instance.run_retries_max_retries == 2
        assert not instance.run_retries_retry_on_asset_or_op_failure
        # The storage really is the `dagster` database of its own role: Dagster made its tables there.
        tables = {row[0] for row in query(databases, "DAGSTER", "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
        assert {"runs", "event_logs", "jobs", "job_ticks"} <= tables
    finally:
        instance.dispose()


def test_the_instance_config_fails_clearly_without_its_database_password(instance_env, monkeypatch):
    from dagster import DagsterInstance

    home, _ = instance_env
    monkeypatch.delenv("DAGSTER_PG_PASSWORD")
    with pytest.raises(Exception, match="DAGSTER_PG_PASSWORD"):
        DagsterInstance.from_config(str(home))


def test_the_workspace_points_at_the_code_server_from_the_environment(monkeypatch):
    from dagster._config import process_config
    from dagster._core.workspace.config_schema import WORKSPACE_CONFIG_SCHEMA

    monkeypatch.setenv("DAGSTER_CODE_SERVER_HOST", "user-code")
    monkeypatch.setenv("DAGSTER_CODE_SERVER_PORT", "4000")
    workspace = yaml.safe_load((DEPLOY / "workspace.yaml").read_text())
    result = process_config(WORKSPACE_CONFIG_SCHEMA, workspace)
    assert result.success, result.errors
    server = result.value["load_from"][0]["grpc_server"]
    assert (server["host"], server["port"], server["location_name"]) == ("user-code", 4000, "lakehouse_assets")
