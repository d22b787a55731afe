"""Spark services for integration tests: a standalone master + worker and a Spark Connect server,
started from the pip-installed pyspark (SPARK_HOME = the package folder), bound to 127.0.0.1.

Each service is one subprocess in its own process group, so stopping it also stops the JVMs it
started (a worker's executors). Readiness is polled (a port that accepts, a worker the master
lists as ALIVE) with a deadline; a service that exits or misses its deadline fails with the tail
of its log. The context managers always stop what they started.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import time
import urllib.request
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from lakehouse_assets_tests.processes import LOOPBACK, Service, ServiceFailed, free_port, port_accepts
from lakehouse_assets_tests.processes import launch as start_process

CONNECT_SERVER_CLASS = "org.apache.spark.sql.connect.service.SparkConnectServer"


def spark_home() -> Path:
    """The pyspark package folder: it ships bin/, sbin/ and jars/ (the Connect server jar too)."""
    spec = importlib.util.find_spec("pyspark")
    if spec is None or not spec.submodule_search_locations:
        raise ServiceFailed("pyspark is not installed")
    return Path(list(spec.submodule_search_locations)[0])


def service_env(log_dir: Path) -> dict[str, str]:
    """The environment of a Spark service or driver: loopback only, this Python, no inherited Spark target."""
    env = {k: v for k, v in os.environ.items() if k not in ("SPARK_MASTER", "SPARK_REMOTE", "SPARK_CONNECT_MODE_ENABLED")}
    env.update(
        SPARK_HOME=str(spark_home()),
        SPARK_LOCAL_IP=LOOPBACK,
        SPARK_LOCAL_HOSTNAME=LOOPBACK,
        SPARK_LOG_DIR=str(log_dir),
        SPARK_DAEMON_MEMORY="512m",
        PYSPARK_PYTHON=sys.executable,
    )
    return env


def launch(name: str, argv: list[str], log_dir: Path) -> Service:
    """Start `argv` in a new process group with the Spark environment, output in `<log_dir>/<name>.log`."""
    return start_process(name, argv, service_env(log_dir), log_dir)


def master_status(web_port: int) -> dict:
    with urllib.request.urlopen(f"http://{LOOPBACK}:{web_port}/json/", timeout=2) as response:
        return json.load(response)


def _alive_workers(web_port: int) -> int:
    try:
        return int(master_status(web_port).get("aliveworkers", 0))
    except (OSError, ValueError):
        return 0


@dataclass(frozen=True)
class StandaloneCluster:
    master_url: str
    web_port: int
    startup_seconds: float

    def status(self) -> dict:
        return master_status(self.web_port)


@contextmanager
def standalone_cluster(work_dir: Path, cores: int = 2, memory: str = "1g") -> Iterator[StandaloneCluster]:
    """A master and one worker on loopback; yields once the master lists the worker as ALIVE."""
    spark_class = str(spark_home() / "bin" / "spark-class")
    port, web_port = free_port(), free_port()
    started = time.monotonic()
    with ExitStack() as stack:
        master = launch(
            "master",
            [spark_class, "org.apache.spark.deploy.master.Master", "--host", LOOPBACK, "--port", str(port), "--webui-port", str(web_port)],
            work_dir,
        )
        stack.callback(master.stop)
        # The worker only retries registration every 5-15 s: start it once the master answers.
        master.wait_until(lambda: port_accepts(port) and port_accepts(web_port), "master listening")
        master_url = f"spark://{LOOPBACK}:{port}"
        worker = launch(
            "worker",
            [spark_class, "org.apache.spark.deploy.worker.Worker", master_url, "--host", LOOPBACK,
             "--cores", str(cores), "--memory", memory, "--work-dir", str(work_dir / "work"), "--webui-port", "0"],
            work_dir,
        )  # fmt: skip
        stack.callback(worker.stop)  # stopped first: its executors go with its process group
        worker.wait_until(lambda: _alive_workers(web_port) >= 1, "worker registered with the master")
        yield StandaloneCluster(master_url, web_port, time.monotonic() - started)


@dataclass(frozen=True)
class ConnectServer:
    remote_url: str
    startup_seconds: float


@contextmanager
def connect_server(work_dir: Path, master: str = "local[2]", driver_memory: str = "1g") -> Iterator[ConnectServer]:
    """A Spark Connect server on loopback (its own driver on `master`); yields once its gRPC port accepts."""
    port = free_port()
    started = time.monotonic()
    argv = [
        str(spark_home() / "bin" / "spark-submit"),
        "--class", CONNECT_SERVER_CLASS,
        "--name", "Spark Connect server (tests)",
        "--master", master,
        "--driver-memory", driver_memory,
        "--conf", f"spark.connect.grpc.binding.address={LOOPBACK}",
        "--conf", f"spark.connect.grpc.binding.port={port}",
        "--conf", "spark.ui.enabled=false",
        "--conf", "spark.ui.showConsoleProgress=false",
        "--conf", "spark.sql.session.timeZone=UTC",
    ]  # fmt: skip
    server = launch("connect", argv, work_dir)
    try:
        server.wait_until(lambda: port_accepts(port), "Spark Connect port listening")
        yield ConnectServer(f"sc://{LOOPBACK}:{port}", time.monotonic() - started)
    finally:
        server.stop()
