"""Spark set-up: a missing Java is one clear line; the spark-submit entry point runs a partition."""

import shutil
import subprocess
from pathlib import Path

import pytest

from lakehouse_assets.resources.spark import JavaMissing, SparkResource, ensure_java, spark_config

ROOT = Path(__file__).resolve().parents[2]


def test_missing_java_is_one_clear_line(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(JavaMissing) as error:
        ensure_java()
    assert "Java 17 is required" in str(error.value) and "\n" not in str(error.value)
    with pytest.raises(JavaMissing):
        SparkResource(spark_config=spark_config("local[1]")).spark_session


def test_make_says_java_is_missing(tmp_path):
    make = shutil.which("make")
    assert make is not None, "make is not installed (the README's commands need it)"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "make").symlink_to(make)
    spark = subprocess.run(["make", "-s", "check-java"], cwd=ROOT, env={"PATH": str(bin_dir), "LAKEHOUSE_ENGINE": "spark"}, capture_output=True, text=True)
    assert spark.returncode != 0
    assert spark.stderr.strip().splitlines() == [spark.stderr.strip()] and "Java 17 is required" in spark.stderr
    # The default engine (DuckDB) needs no Java.
    default = subprocess.run(["make", "-s", "check-java"], cwd=ROOT, env={"PATH": str(bin_dir)}, capture_output=True, text=True)
    assert default.returncode == 0, default.stderr


def test_spark_connect_config_has_no_master():
    config = spark_config(remote="sc://spark-connect:15002")
    assert config["spark.remote"] == "sc://spark-connect:15002" and "spark.master" not in config
    assert spark_config("spark://m:7077")["spark.master"] == "spark://m:7077"


def test_spark_remote_stays_in_the_environment():
    """A Connect URL can carry a token: it reaches the resource as an EnvVar, never as config text."""
    from dagster import EnvVar

    from lakehouse_assets.resources import core_resources
    from lakehouse_assets.settings import Settings

    url = "sc://spark-connect:15002/;token=TOKEN-CANARY"
    settings = Settings.from_env({"LAKEHOUSE_ROOT": "/tmp/lake", "SPARK_REMOTE": url})
    resources = core_resources(settings)
    for spark in (resources["spark"], resources["engine"].spark):
        assert isinstance(spark.remote, EnvVar) and spark.remote.env_var_name == "SPARK_REMOTE"
        assert "TOKEN-CANARY" not in repr(spark.spark_config) and "spark.master" not in spark.spark_config
    plain = SparkResource(spark_config={}, remote=url)
    assert plain.session_config()["spark.remote"] == url
    assert plain.target == "sc://spark-connect:15002/;token=***"
