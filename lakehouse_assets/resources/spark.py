"""The Spark session: `local[*]` by default, a standalone cluster (SPARK_MASTER) or Spark Connect
(SPARK_REMOTE). One session per run: assets share it through this resource."""

from __future__ import annotations

import re
import shutil
import subprocess
from typing import Any, Optional

from dagster import ConfigurableResource
from pydantic import PrivateAttr

from lakehouse_assets.lakehouse.class_archive import driver_options
from lakehouse_assets.lakehouse.session import BASE_SPARK_CONFIG


class JavaMissing(RuntimeError):
    pass


def ensure_java() -> None:
    """Fail with one clear line when there is no Java for a local Spark driver."""
    java = shutil.which("java")
    if java is None:
        raise JavaMissing("Java 17 is required to run Spark locally: install OpenJDK 17 (e.g. apt-get install openjdk-17-jre-headless) or set SPARK_REMOTE")
    try:
        subprocess.run([java, "-version"], capture_output=True, check=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        raise JavaMissing(f"`java -version` failed ({exc}); Spark needs a working Java 17") from exc


def spark_config(master: str = "local[*]", remote: str | None = None, extra: dict[str, str] | None = None, class_archive: bool = True) -> dict[str, str]:
    """The session's settings; a driver started here maps the class archive when it was built
    (`lakehouse/class_archive.py`, `make spark-classes`) unless `class_archive` is False."""
    config = dict(BASE_SPARK_CONFIG)
    if remote:
        # The Connect server owns its JVM and core settings; a client can set SQL options only
        # (others come back as CANNOT_MODIFY_CONFIG warnings on every session).
        config = {key: value for key, value in config.items() if key.startswith("spark.sql.")}
        config["spark.remote"] = remote
    else:
        config["spark.master"] = master
        archive = driver_options() if class_archive else ""
        if archive:
            config["spark.driver.defaultJavaOptions"] += f" {archive}"
    config.update(extra or {})
    return config


class SparkResource(ConfigurableResource):
    """A lazily started SparkSession, shared by every step of a run.

    The same contract as `dagster_pyspark.LazyPySparkResource` (whose session builder it uses),
    but importable without pyspark: the code location must load without the Spark libraries.
    """

    spark_config: dict[str, str]
    # A Spark Connect URL may carry `;token=...`: given as an EnvVar it stays out of the run's
    # config and job snapshots (`spark.remote` in spark_config still works, for tests and scripts).
    remote: Optional[str] = None
    _session: Any = PrivateAttr(default=None)

    def session_config(self) -> dict[str, str]:
        return {**self.spark_config, **({"spark.remote": self.remote} if self.remote else {})}

    @property
    def target(self) -> str:
        """Where the session runs, for messages: the Connect URL with any token masked, or the master."""
        config = self.session_config()
        remote = config.get("spark.remote")
        return re.sub(r"(;token=)[^;]*", r"\1***", remote) if remote else config.get("spark.master", "?")

    @property
    def spark_session(self) -> Any:
        if self._session is None:
            config = self.session_config()
            if "spark.remote" not in config:
                ensure_java()
            from dagster_pyspark.resources import spark_session_from_config

            self._session = spark_session_from_config(config)
        return self._session
