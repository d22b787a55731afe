"""The Spark profile's Connect server as the image runs it: deploy/spark/start-connect.sh with
deploy/spark/spark-defaults.conf, in the foreground, answering the compose healthcheck's query."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from lakehouse_assets_tests.spark.services import spark_home

from .files import DEPLOY, compose_config, filled_env_file
from lakehouse_assets_tests.processes import LOOPBACK, free_port, launch, port_accepts

pytestmark = [pytest.mark.integration, pytest.mark.spark]


def test_the_connect_server_script_serves_the_healthcheck_query(tmp_path):
    services = compose_config(filled_env_file(tmp_path), "spark")["services"]
    probe = services["spark-connect"]["healthcheck"]["test"]
    assert probe[:3] == ["CMD", "python", "-c"]
    port = free_port()
    env = {
        **os.environ,
        "SPARK_HOME": str(spark_home()),
        "SPARK_CONF_DIR": str(DEPLOY / "spark"),  # the image's spark-defaults.conf
        "SPARK_MASTER": "local[1]",
        "SPARK_CONNECT_PORT": str(port),
        "AWS_ENDPOINT_URL": f"http://{LOOPBACK}:9",
        "SPARK_LOG_DIR": str(tmp_path / "logs"),
        "SPARK_PID_DIR": str(tmp_path),
        "SPARK_LOCAL_IP": LOOPBACK,
        "SPARK_DAEMON_MEMORY": "512m",
        "PYSPARK_PYTHON": sys.executable,
    }
    argv = ["sh", str(DEPLOY / "spark" / "start-connect.sh"), "--driver-memory", "768m",
            "--conf", f"spark.connect.grpc.binding.address={LOOPBACK}", "--conf", "spark.ui.enabled=false"]  # fmt: skip
    server = launch("spark-connect", argv, env, tmp_path)
    try:
        server.wait_until(lambda: port_accepts(port), "Spark Connect port listening", 180)
        # The container's own healthcheck command, pointed at this port.
        check = probe[3].replace("sc://localhost:15002", f"sc://{LOOPBACK}:{port}")
        result = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, timeout=180)
        assert result.returncode == 0, result.stderr[-3000:]
        # In the foreground (a container's main process): the script's process is the server.
        assert server.process.poll() is None
        conf = subprocess.run(
            [sys.executable, "-c", f"from pyspark.sql import SparkSession; s = SparkSession.builder.remote('sc://{LOOPBACK}:{port}').getOrCreate(); "
             "print(s.conf.get('spark.hadoop.fs.s3a.endpoint'), s.conf.get('spark.jars.ivy'))"],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert conf.stdout.split() == [f"http://{LOOPBACK}:9", "/tmp/.ivy2"], conf.stdout + conf.stderr[-2000:]
    finally:
        server.stop()
