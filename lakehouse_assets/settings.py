"""One typed settings object, read from the environment (DESIGN.md section 4).

Everything in the code location that depends on the environment goes through `Settings`; nothing
else reads `os.environ`. Secrets (AWS credentials, the KMA key, database passwords inside URLs)
are not held here: resources take them through `dagster.EnvVar` so they never reach logs or the UI.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Mapping
from urllib.parse import urlparse

DEFAULT_KMA_API_BASE_URL = "https://apis.data.go.kr/1360000"
# The ASOS stations ingested unless the `kma` resource names others: 108 Seoul, 159 Busan,
# 143 Daegu, 112 Incheon, 156 Gwangju, 133 Daejeon, 152 Ulsan, 184 Jeju.
DEFAULT_KMA_STATIONS = (108, 159, 143, 112, 156, 133, 152, 184)
PARTITIONS_LOOKBACK_DAYS = 90


def default_partitions_start(today: date | None = None) -> str:
    """The first day of the month 90 days back: room for 60 days of training history, and a UI
    that shows how full the recent partitions are rather than years of empty ones."""
    today = today or datetime.now(timezone.utc).date()
    return (today - timedelta(days=PARTITIONS_LOOKBACK_DAYS)).replace(day=1).isoformat()


def _is_uri(value: str) -> bool:
    return "://" in value


def to_uri(location: str) -> str:
    """A local path becomes an absolute `file://` URI; URIs (s3://, file://) pass through."""
    if _is_uri(location):
        return location.rstrip("/")
    return Path(location).expanduser().resolve().as_uri()


def join_uri(base: str, *parts: str) -> str:
    return "/".join([base.rstrip("/"), *(p.strip("/") for p in parts if p)])


@dataclass(frozen=True)
class Settings:
    """Where data lives and which services to use; defaults are the embedded, offline setup."""

    lakehouse_root: str
    landing: str
    # May hold a password (PostgreSQL in production): kept out of repr, passed to resources as EnvVar.
    catalog_uri: str = field(repr=False)
    aws_endpoint_url: str | None
    aws_region: str | None
    spark_master: str
    spark_remote: str | None
    mlflow_tracking_uri: str = field(repr=False)  # a database store's URI may hold a password too
    kma_api_base_url: str
    kma_key_configured: bool
    # Database URLs may hold a password: kept out of repr, and passed to resources as EnvVar.
    banner_db_url: str = field(repr=False)
    banner_export_db_url: str = field(repr=False)
    banner_db_url_from_env: bool
    banner_export_db_url_from_env: bool
    alert_webhook_configured: bool
    alert_on_warn: bool  # also alert on checks failing with WARN severity
    dagster_ui_url: str  # where links in alerts point
    banner_emr_config: str | None  # a JSON file of BannerEmrResource fields; unset: stats run in-process
    dagster_home: str | None
    partitions_start: str  # first day of the time partitions (YYYY-MM-DD)
    # Compute engine of Silver, Gold and banner statistics: duckdb (in-process) or spark.
    lakehouse_engine: str = "duckdb"
    duckdb_memory_limit: str | None = None  # e.g. "2GB"; unset: DuckDB's default (80% of RAM)
    duckdb_threads: int | None = None  # unset: one per core
    duckdb_temp_directory: str | None = None  # where DuckDB spills beyond the memory limit
    catalog_uri_from_env: bool = False
    mlflow_tracking_uri_from_env: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        root = to_uri(env.get("LAKEHOUSE_ROOT") or "./.lakehouse")
        landing = to_uri(env.get("LAKEHOUSE_LANDING") or join_uri(root, "landing"))
        local_root = _local_path(root)
        default_catalog = (
            f"sqlite:///{local_root / 'catalog.db'}" if local_root else "sqlite:///./.lakehouse/catalog.db"
        )
        banner_default = (
            f"sqlite:///{local_root / 'banner.db'}" if local_root else "sqlite:///./.lakehouse/banner.db"
        )
        banner_db_url = env.get("BANNER_DB_URL") or banner_default
        return cls(
            lakehouse_root=root,
            landing=landing,
            catalog_uri=env.get("LAKEHOUSE_CATALOG_URI") or default_catalog,
            aws_endpoint_url=env.get("AWS_ENDPOINT_URL") or None,
            aws_region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or None,
            spark_master=env.get("SPARK_MASTER") or "local[*]",
            spark_remote=env.get("SPARK_REMOTE") or None,
            mlflow_tracking_uri=env.get("MLFLOW_TRACKING_URI")
            or (f"sqlite:///{local_root / 'mlflow.db'}" if local_root else "sqlite:///mlflow.db"),
            kma_api_base_url=(env.get("KMA_API_BASE_URL") or DEFAULT_KMA_API_BASE_URL).rstrip("/"),
            kma_key_configured=bool(env.get("KMA_SERVICE_KEY")),
            banner_db_url=banner_db_url,
            banner_export_db_url=env.get("BANNER_EXPORT_DB_URL") or banner_db_url,
            banner_db_url_from_env=bool(env.get("BANNER_DB_URL")),
            banner_export_db_url_from_env=bool(env.get("BANNER_EXPORT_DB_URL")),
            alert_webhook_configured=bool(env.get("ALERT_WEBHOOK_URL")),
            alert_on_warn=(env.get("ALERT_ON_WARN") or "").strip().lower() in ("1", "true", "yes"),
            dagster_ui_url=(env.get("DAGSTER_UI_URL") or "http://localhost:3000").rstrip("/"),
            banner_emr_config=env.get("BANNER_EMR_CONFIG") or None,
            dagster_home=env.get("DAGSTER_HOME") or None,
            partitions_start=_iso_date(env.get("LAKEHOUSE_PARTITIONS_START")) or default_partitions_start(),
            lakehouse_engine=_engine(env),
            duckdb_memory_limit=env.get("DUCKDB_MEMORY_LIMIT") or None,
            duckdb_threads=int(env["DUCKDB_THREADS"]) if env.get("DUCKDB_THREADS") else None,
            duckdb_temp_directory=env.get("DUCKDB_TEMP_DIRECTORY") or None,
            catalog_uri_from_env=bool(env.get("LAKEHOUSE_CATALOG_URI")),
            mlflow_tracking_uri_from_env=bool(env.get("MLFLOW_TRACKING_URI")),
        )

    @property
    def local_root(self) -> Path | None:
        """The lakehouse root as a local path, or None when it is on object storage."""
        return _local_path(self.lakehouse_root)

    @property
    def local_landing(self) -> Path | None:
        return _local_path(self.landing)


def _iso_date(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise ValueError(f"LAKEHOUSE_PARTITIONS_START must be a date such as 2026-01-01, got {value!r}") from None


def _engine(env: Mapping[str, str]) -> str:
    """LAKEHOUSE_ENGINE when set; else spark when a Spark master or Connect server is named; else duckdb."""
    engine = (env.get("LAKEHOUSE_ENGINE") or "").strip().lower()
    if not engine:
        return "spark" if env.get("SPARK_MASTER") or env.get("SPARK_REMOTE") else "duckdb"
    if engine not in ("duckdb", "spark"):
        raise ValueError(f"LAKEHOUSE_ENGINE must be duckdb or spark, got {engine!r}")
    return engine


def _local_path(uri: str) -> Path | None:
    parsed = urlparse(uri)
    if parsed.scheme == "file":
        return Path(parsed.path)
    return None


def get_settings() -> Settings:
    """Settings from the current environment (read each call, so tests can change the env)."""
    return Settings.from_env()
