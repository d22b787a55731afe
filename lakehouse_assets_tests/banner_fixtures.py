"""Databases for the banner tests: a SQLite file, or a throw-away database on the local MariaDB.

MariaDB (127.0.0.1:3306, root, no password) gets a uniquely named database per use, dropped
afterwards; when it does not answer, the parameter is skipped with the reason.
"""

import contextlib
import uuid

import pytest

MARIADB_SERVER = "mysql+pymysql://root@127.0.0.1:3306"
DB_KINDS = ["sqlite", pytest.param("mariadb", marks=pytest.mark.integration)]


@contextlib.contextmanager
def database_url(kind: str, tmp_path):
    """Yield a SQLAlchemy URL of an empty database of `kind` ("sqlite" or "mariadb")."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / f'ads_{uuid.uuid4().hex[:8]}.db'}"
        return
    import sqlalchemy as sa

    server = sa.create_engine(MARIADB_SERVER, connect_args={"connect_timeout": 3})
    try:
        with server.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:
        server.dispose()
        pytest.skip(f"MariaDB at 127.0.0.1:3306 is not reachable ({type(exc).__name__}); the SQLite run covers the same tests")
    name = f"banner_test_{uuid.uuid4().hex[:12]}"  # generated here, so safe to put in DDL
    with server.begin() as conn:
        conn.execute(sa.text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
    try:
        yield f"{MARIADB_SERVER}/{name}?charset=utf8mb4"
    finally:
        with server.begin() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS `{name}`"))
        server.dispose()
