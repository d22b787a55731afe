"""Throw-away PostgreSQL databases (and roles) for the deployment tests, made by the project's own
init script on the local server (processes: `lakehouse_assets_tests.processes`)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import uuid
from dataclasses import dataclass
from typing import Iterator

import psycopg2

from lakehouse_assets_tests.processes import LOOPBACK

from .files import DEPLOY

PG_ADMIN = {"host": LOOPBACK, "port": 5432, "user": "postgres", "dbname": "postgres"}


# -- PostgreSQL ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class StackDatabases:
    """The three databases of the stack, each owned by its own role (deploy/postgres/10-databases.sh)."""

    suffix: str
    env: dict[str, str]

    def url(self, kind: str, driver: str = "postgresql+psycopg2") -> str:
        user, password, db = (self.env[f"{kind}_PG_{part}"] for part in ("USER", "PASSWORD", "DB"))
        return f"{driver}://{user}:{password}@{LOOPBACK}:5432/{db}"


@contextlib.contextmanager
def stack_databases() -> Iterator[StackDatabases]:
    """Runs the init script against the local server with unique names; drops it all afterwards."""
    suffix = uuid.uuid4().hex[:10]
    env = {}
    for kind in ("DAGSTER", "ICEBERG", "MLFLOW"):
        env[f"{kind}_PG_USER"] = f"t_{kind.lower()}_{suffix}"
        env[f"{kind}_PG_PASSWORD"] = f"pw-{uuid.uuid4().hex}"
        env[f"{kind}_PG_DB"] = f"t_{kind.lower()}_db_{suffix}"
    process_env = {**os.environ, **env, "PGHOST": LOOPBACK, "PGPORT": "5432", "POSTGRES_USER": "postgres"}
    result = subprocess.run(
        ["bash", str(DEPLOY / "postgres" / "10-databases.sh")], env=process_env, capture_output=True, text=True, timeout=60
    )
    databases = StackDatabases(suffix, env)
    try:
        assert result.returncode == 0, result.stdout + result.stderr
        yield databases
    finally:
        _drop(databases)


def _drop(databases: StackDatabases) -> None:
    connection = psycopg2.connect(**PG_ADMIN)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            for kind in ("DAGSTER", "ICEBERG", "MLFLOW"):
                db, role = databases.env[f"{kind}_PG_DB"], databases.env[f"{kind}_PG_USER"]
                cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (db,))
                cursor.execute(f'DROP DATABASE IF EXISTS "{db}"')  # names generated above
                cursor.execute(f'DROP ROLE IF EXISTS "{role}"')
    finally:
        connection.close()


def query(url_kind: StackDatabases, kind: str, sql: str, params: tuple = ()) -> list[tuple]:
    env = url_kind.env
    connection = psycopg2.connect(
        host=LOOPBACK, port=5432, user=env[f"{kind}_PG_USER"], password=env[f"{kind}_PG_PASSWORD"], dbname=env[f"{kind}_PG_DB"]
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    finally:
        connection.close()


