"""The world of the secrets test: fake secrets in every secret-bearing variable, real local services
behind them, one persistent instance on a temp DAGSTER_HOME, every domain run once, the failures,
and then every text a secret could have reached (see `scan`)."""

from __future__ import annotations

import contextlib
import json
import logging
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Iterator

import pytest
import sqlalchemy as sa
from dagster import DagsterInstance
from mlflow import MlflowClient

from lakehouse_assets.monitoring import sensors as alert_sensor_module
from lakehouse_assets_tests.monitoring.webhook_server import RecordingWebhook
from lakehouse_assets_tests.secrets import canaries as c
from lakehouse_assets_tests.secrets import runs, scan
from lakehouse_assets_tests.secrets.services import HOST, MARIADB_PORT, POSTGRES_PORT, closed_port, mariadb_account, postgres_url
from lakehouse_assets_tests.support import MARIADB_SERVER, postgres_database
from lakehouse_assets_tests.weather.kma_replay import KmaReplayServer

# Not secrets, or not this code location's: unset so nothing from the machine changes the runs.
CLEARED = ("AWS_ENDPOINT_URL", "AWS_PROFILE", "MLFLOW_S3_ENDPOINT_URL", "SPARK_MASTER", "SPARK_REMOTE", "BANNER_EMR_CONFIG", "LAKEHOUSE_LANDING", "ALERT_ON_WARN", "DAGSTER_UI_URL")
DATABASES = ("BANNER_DB_URL", "BANNER_EXPORT_DB_URL", "LAKEHOUSE_CATALOG_URI", "MLFLOW_TRACKING_URI")


class Collected(logging.Handler):
    """Every Python log record while the world runs, formatted as a handler would write it."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@dataclass
class World:
    secrets: list[c.Secret]
    texts: list[scan.Text] = field(default_factory=list)
    evidence: dict[str, object] = field(default_factory=dict)  # what shows each secret was used
    seconds: float = 0.0

    def leaks(self) -> list[tuple[str, str, str, str, str]]:
        """(place, what, variable, form, context) of every secret found."""
        return [(place, what, *hit) for place, what, text in self.texts for hit in c.find(text, self.secrets)]

    def places(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for place, _, _ in self.texts:
            counts[place] = counts.get(place, 0) + 1
        return counts


def _count(server_url: str, sql: str) -> int:
    engine = sa.create_engine(server_url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(sql)).scalar_one()
    finally:
        engine.dispose()


def _at_port(url: str, port: int) -> str:
    """The same URL, password included, at another port."""
    return url.replace(f":{MARIADB_PORT}/", f":{port}/").replace(f":{POSTGRES_PORT}/", f":{port}/")


@contextlib.contextmanager
def _python_logs() -> Iterator[Collected]:
    """Python logging at INFO (urllib3 and requests at DEBUG: they log request URLs, the KMA key's query)."""
    logs, root = Collected(), logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in ("", "urllib3", "requests")}
    root.addHandler(logs)
    root.setLevel(logging.INFO)
    for name in ("urllib3", "requests"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield logs
    finally:
        root.removeHandler(logs)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


@contextlib.contextmanager
def leak_world(tmp: Path) -> Iterator[World]:
    began = time.perf_counter()
    with contextlib.ExitStack() as stack:
        env = stack.enter_context(pytest.MonkeyPatch.context())
        banner_user, banner_db = stack.enter_context(mariadb_account(c.BANNER_PASSWORD))
        export_user, export_db = stack.enter_context(mariadb_account(c.EXPORT_PASSWORD))
        catalog_db = stack.enter_context(postgres_database("lk_catalog")).rsplit("/", 1)[1]
        mlflow_db = stack.enter_context(postgres_database("lk_mlflow")).rsplit("/", 1)[1]
        kma = stack.enter_context(KmaReplayServer(default=runs.kma_stand_in))
        webhook = stack.enter_context(RecordingWebhook())
        urls = {
            "BANNER_DB_URL": c.db_url("mysql+pymysql", banner_user, c.BANNER_PASSWORD, HOST, MARIADB_PORT, banner_db) + "?charset=utf8mb4",
            "BANNER_EXPORT_DB_URL": c.db_url("mysql+pymysql", export_user, c.EXPORT_PASSWORD, HOST, MARIADB_PORT, export_db) + "?charset=utf8mb4",
            # The trust-auth server ignores these passwords; the code still has to carry them.
            "LAKEHOUSE_CATALOG_URI": c.db_url("postgresql+psycopg2", "postgres", c.CATALOG_PASSWORD, HOST, POSTGRES_PORT, catalog_db),
            # libpq also takes the password as a query parameter, a form that hide_password misses.
            "MLFLOW_TRACKING_URI": c.db_url("postgresql+psycopg2", "postgres", c.MLFLOW_PASSWORD, HOST, POSTGRES_PORT, mlflow_db, in_query=True),
            "ALERT_WEBHOOK_URL": f"http://{HOST}:{webhook.server.server_port}/services/T0/B0/{c.WEBHOOK_TOKEN}",
        }
        world = World(
            [
                c.Secret("AWS_ACCESS_KEY_ID", c.AWS_ACCESS_KEY_ID),
                c.Secret("AWS_SECRET_ACCESS_KEY", c.AWS_SECRET_ACCESS_KEY),
                c.Secret("AWS_SESSION_TOKEN", c.AWS_SESSION_TOKEN),
                c.Secret("KMA_SERVICE_KEY", c.KMA_SERVICE_KEY),
                c.Secret("BANNER_DB_URL", urls["BANNER_DB_URL"], (c.BANNER_PASSWORD,), banner_user),
                c.Secret("BANNER_EXPORT_DB_URL", urls["BANNER_EXPORT_DB_URL"], (c.EXPORT_PASSWORD,), export_user),
                c.Secret("LAKEHOUSE_CATALOG_URI", urls["LAKEHOUSE_CATALOG_URI"], (c.CATALOG_PASSWORD,), "postgres"),
                c.Secret("MLFLOW_TRACKING_URI", urls["MLFLOW_TRACKING_URI"], (c.MLFLOW_PASSWORD,), "postgres"),
                c.Secret("ALERT_WEBHOOK_URL", urls["ALERT_WEBHOOK_URL"], (c.WEBHOOK_TOKEN,)),
            ]
        )
        home, lake = tmp / "dagster_home", tmp / "lake"
        home.mkdir()
        (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
        for name in CLEARED:
            env.delenv(name, raising=False)
        settings = {"AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1", "KMA_API_BASE_URL": kma.base_url, "DAGSTER_HOME": str(home)}
        settings |= {"LAKEHOUSE_ROOT": str(lake), "LAKEHOUSE_ENGINE": "duckdb", "DUCKDB_THREADS": "2"}
        for name, value in {**{s.var: s.value for s in world.secrets}, **settings}.items():
            env.setenv(name, value)
        # Alert delivery retries without real pauses (the sensor passes no clock of its own).
        env.setattr(alert_sensor_module, "post_alert", partial(alert_sensor_module.post_alert, sleep=lambda seconds: None))

        with _python_logs() as logs, DagsterInstance.get() as instance:
            _run_everything(world, instance, env, urls, kma, webhook, lake / "landing")
            for collect in (scan.event_log, scan.run_records, scan.failures, scan.asset_metadata, scan.check_metadata):
                world.texts += list(collect(instance))
        world.texts += list(scan.files("DAGSTER_HOME files", home))
        world.texts += list(scan.files("lakehouse files", lake))
        world.texts += list(scan.mlflow_store(MlflowClient(urls["MLFLOW_TRACKING_URI"], urls["MLFLOW_TRACKING_URI"])))
        world.texts += list(scan.kept("python logs", logs.lines))
        world.texts += list(scan.kept("alert payloads", [json.dumps(message) for message in webhook.received]))
        world.evidence.update(
            banner_rows=_count(MARIADB_SERVER, f"SELECT COUNT(*) FROM `{banner_db}`.banner_impression"),
            export_rows=_count(MARIADB_SERVER, f"SELECT COUNT(*) FROM `{export_db}`.banner_stats_daily"),
            catalog_tables=_count(postgres_url(catalog_db), "SELECT COUNT(*) FROM iceberg_tables"),
            mlflow_runs=_count(postgres_url(mlflow_db), "SELECT COUNT(*) FROM runs"),
            kma_keys_sent={query.get("serviceKey") for query in kma.requests},
            webhook_paths=set(webhook.paths),
            alerts_received=len(webhook.received),
        )
        world.seconds = time.perf_counter() - began
        yield world


def _run_everything(world: World, instance, env, urls: dict[str, str], kma, webhook, landing: Path) -> None:
    location = runs.CodeLocation(instance)
    _, alert_cursor = location.tick("alerts_sensor")  # the first tick only starts watching
    runs.weather(location)
    runs.events(location, landing)
    world.evidence["s3_signed_with"] = runs.media(location, env)
    runs.banner(location, urls["BANNER_DB_URL"])
    runs.ml(location)
    world.evidence["healthy_checks"] = runs.monitoring(location)
    failed = [runs.failing_kma_key(location, kma)]

    down = closed_port()
    env.setenv("BANNER_EXPORT_DB_URL", _at_port(urls["BANNER_EXPORT_DB_URL"], down))
    failed.append(runs.export_database_down(location))
    for name in DATABASES:
        env.setenv(name, _at_port(urls[name], down))
    world.evidence["outage_checks"] = runs.every_database_down(location)
    for name in DATABASES:
        env.setenv(name, urls[name])
    runs.monitoring_report(location)
    world.evidence["failed_runs"] = [(result.dagster_run.job_name, result.success) for result in failed]

    sent, _ = location.tick("alerts_sensor", alert_cursor)
    env.setenv("ALERT_WEBHOOK_URL", urls["ALERT_WEBHOOK_URL"].replace(f":{webhook.server.server_port}/", f":{closed_port()}/"))
    unsent, _ = location.tick("alerts_sensor", alert_cursor)  # the same alerts, to a webhook that is down
    env.setenv("ALERT_WEBHOOK_URL", urls["ALERT_WEBHOOK_URL"])
    world.evidence["undelivered"] = repr(unsent)
    world.texts += list(scan.kept("sensor results", [repr(sent), repr(unsent)]))
