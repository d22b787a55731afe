"""Relational databases through SQLAlchemy: the ads source database and the stats export database.

MariaDB in production (`mysql+pymysql://user:pass@host/db`), SQLite by default. The URL may hold a
password: it comes in through `dagster.EnvVar` (so the UI shows only the variable's name) and is
only ever printed through `safe_url`, which masks the password.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from dagster import ConfigurableResource
from pydantic import PrivateAttr


def masked_url(url: str) -> str:
    """The URL with its password replaced by `***` (safe for logs, metadata and errors)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        return "<unparseable database URL>"
    # Some drivers also take the password as a query parameter, which hide_password leaves alone.
    secrets = {k: "***" for k in parsed.query if k.lower() in ("password", "passwd")}
    return parsed.update_query_dict(secrets).render_as_string(hide_password=True)


def banner_database_resources(source_url: str, export_url: str, source_from_env: bool, export_from_env: bool) -> dict[str, "DatabaseResource"]:
    """`banner_db` and `banner_export_db`. A URL that came from the environment stays there, as an
    `EnvVar` (it may hold a password), so the UI shows the variable's name, not its value."""
    from dagster import EnvVar

    source: Any = EnvVar("BANNER_DB_URL") if source_from_env else source_url
    if export_from_env:
        export: Any = EnvVar("BANNER_EXPORT_DB_URL")
    else:
        export = source if export_url == source_url else export_url
    return {"banner_db": DatabaseResource(url=source), "banner_export_db": DatabaseResource(url=export)}


class DatabaseResource(ConfigurableResource):
    """A SQLAlchemy engine for one database, created on first use and kept for the run.

    `check()` is the health check ("SELECT 1") that the `database_reachable` asset checks show in
    the UI; assets call `engine()` and work in SQLAlchemy Core.
    """

    url: str
    connect_timeout_seconds: int = 10
    _engine: Any = PrivateAttr(default=None)

    @property
    def safe_url(self) -> str:
        return masked_url(self.url)

    @property
    def dialect(self) -> str:
        return self.engine().dialect.name

    def engine(self) -> Any:
        if self._engine is None:
            import sqlalchemy as sa
            from sqlalchemy.engine import make_url

            url = make_url(self.url)
            kwargs: dict[str, Any] = {"pool_pre_ping": True}
            if url.get_backend_name() == "sqlite":
                _ensure_sqlite_directory(url.database)
            elif url.get_backend_name() in ("mysql", "mariadb"):
                kwargs["connect_args"] = {"connect_timeout": self.connect_timeout_seconds}
                kwargs["pool_recycle"] = 3600  # MariaDB drops idle connections after wait_timeout
            self._engine = sa.create_engine(url, **kwargs)
        return self._engine

    def check(self) -> tuple[bool, str]:
        """Run `SELECT 1`; returns (reachable, a one-line message without the password)."""
        import sqlalchemy as sa

        began = time.perf_counter()
        try:
            with self.engine().connect() as conn:
                conn.execute(sa.text("SELECT 1")).scalar_one()
        except Exception as exc:  # any failure to connect is the answer, not a crash
            return False, f"{self.safe_url}: unreachable ({type(exc).__name__}: {_first_line(exc)})"
        return True, f"{self.safe_url}: SELECT 1 answered in {(time.perf_counter() - began) * 1000:.0f} ms"

    def teardown_after_execution(self, context: Any) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def _ensure_sqlite_directory(database: str | None) -> None:
    # The embedded default lives under the lakehouse root, which may not exist yet.
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _first_line(exc: BaseException) -> str:
    # DBAPI errors carry the statement and parameters after the first line; keep the reason only.
    orig = getattr(exc, "orig", None) or exc
    return str(orig).splitlines()[0][:300] if str(orig) else type(orig).__name__
