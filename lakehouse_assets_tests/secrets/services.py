"""Real local services holding the fake secrets: a MariaDB account whose password is the canary
(so the URL's password really authenticates), PostgreSQL databases on the trust-auth server
(which ignores the canary password but is reached through the URL that holds it), a closed port."""

from __future__ import annotations

import contextlib
import uuid
from typing import Iterator

import sqlalchemy as sa

from lakehouse_assets_tests.processes import free_port
from lakehouse_assets_tests.support import MARIADB_SERVER

HOST = "127.0.0.1"
MARIADB_PORT, POSTGRES_PORT = 3306, 5432


def postgres_url(database: str = "postgres") -> str:
    """The trust-auth superuser's URL of `database`, without a password."""
    return f"postgresql+psycopg2://postgres@{HOST}:{POSTGRES_PORT}/{database}"


def closed_port() -> int:
    """A loopback port nothing listens on."""
    return free_port()


@contextlib.contextmanager
def mariadb_account(password: str) -> Iterator[tuple[str, str]]:
    """(user, database): a fresh database and a user who reaches it only with `password`."""
    suffix = uuid.uuid4().hex[:10]
    user, database = f"lk_{suffix}", f"lk_secrets_{suffix}"  # generated here, so safe in DDL
    server = sa.create_engine(MARIADB_SERVER, connect_args={"connect_timeout": 3})
    try:
        with server.begin() as conn:
            conn.execute(sa.text(f"CREATE DATABASE `{database}` CHARACTER SET utf8mb4"))
            for host in ("localhost", "%"):
                conn.execute(sa.text(f"CREATE USER '{user}'@'{host}' IDENTIFIED BY :password"), {"password": password})
                conn.execute(sa.text(f"GRANT ALL ON `{database}`.* TO '{user}'@'{host}'"))
        yield user, database
    finally:
        with server.begin() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS `{database}`"))
            for host in ("localhost", "%"):
                conn.execute(sa.text(f"DROP USER IF EXISTS '{user}'@'{host}'"))
        server.dispose()
