"""Real services for the deployment tests, on loopback: throw-away PostgreSQL databases (and roles)
made by the project's own init script, and long-running processes (moto, MLflow, Dagster, nginx)
each in its own process group, with bounded waits that fail with the process's log."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import psycopg2

from .files import DEPLOY

LOOPBACK = "127.0.0.1"
PG_ADMIN = {"host": LOOPBACK, "port": 5432, "user": "postgres", "dbname": "postgres"}
STOP_TIMEOUT_SECONDS = 20.0


class ServiceFailed(RuntimeError):
    """A process exited early or did not become ready in time."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def port_accepts(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex((LOOPBACK, port)) == 0


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


# -- processes ----------------------------------------------------------------------------------


@dataclass
class Service:
    """One process (and everything it starts: its own process group) with its log file."""

    name: str
    process: subprocess.Popen
    log_path: Path
    ports: dict[str, int] = field(default_factory=dict)

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "<no log>"

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            raise ServiceFailed(f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}")

    def wait_until(self, ready: Callable[[], bool], what: str, timeout: float) -> float:
        """Poll `ready` until true; returns the seconds it took. Fails early when the process exits."""
        started = time.monotonic()
        delay = 0.1
        while not ready():
            self.check_alive()
            if time.monotonic() - started > timeout:
                raise ServiceFailed(f"{self.name}: no {what} after {timeout:.0f}s:\n{self.log_tail()}")
            time.sleep(delay)
            delay = min(delay * 1.5, 1.0)
        return time.monotonic() - started

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
        """SIGTERM to the process group, SIGKILL when it does not exit in time."""
        for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.process.wait(wait)
            except subprocess.TimeoutExpired:
                continue
            # The leader exited; children of the group (run workers) may still be finishing.
            if not group_members(self.process.pid):
                break
        self.process.wait(5.0)


def launch(name: str, argv: list[str], env: dict[str, str], log_dir: Path, cwd: Path | None = None) -> Service:
    """Start `argv` in a new session (its own process group), output to `<log_dir>/<name>.log`."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{name}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env=env, cwd=cwd or log_dir, start_new_session=True,
        )  # fmt: skip
    return Service(name, process, log_path)


def group_members(pgid: int) -> list[int]:
    """Live processes of a process group (zombies excluded)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid pgrp ...: comm may hold spaces, so split after the last ')'.
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(entry.name))
    return members
