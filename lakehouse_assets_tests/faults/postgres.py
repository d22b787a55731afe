"""Switches that make the Iceberg catalog's PostgreSQL database go away in the middle of its
commits (the database itself: `support.postgres_database`).

PostgreSQL missing is a failure, not a skip: these tests prove what production (a PostgreSQL
catalog) does when its database goes away.
"""

from __future__ import annotations

import psycopg2
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

SERVER = dict(host="127.0.0.1", port=5432, user="postgres", connect_timeout=3)


class CommitKiller:
    """Terminates the catalog's own PostgreSQL backend (pg_terminate_backend, from a separate admin
    session) after the catalog has moved the table's metadata pointer and before its COMMIT: the
    database goes away in the middle of the commit. `times` commits are killed (None: every one)."""

    def __init__(self, engine, times: int | None = 1):
        self.engine, self.remaining, self.killed = engine, times, 0
        self._pointer_moved: set[int] = set()
        event.listen(engine, "after_cursor_execute", self._after_execute)
        event.listen(engine, "commit", self._before_commit)

    def _after_execute(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().upper().startswith("UPDATE ICEBERG_TABLES"):
            self._pointer_moved.add(id(conn))

    def _before_commit(self, conn) -> None:
        if id(conn) not in self._pointer_moved:
            return
        self._pointer_moved.discard(id(conn))
        if self.remaining is not None and self.remaining <= 0:
            return
        pid = conn.connection.dbapi_connection.get_backend_pid()
        admin = psycopg2.connect(dbname="postgres", **SERVER)
        try:
            with admin.cursor() as cursor:
                # With a timeout it returns once the backend is gone (PostgreSQL 14+): no race with the COMMIT.
                cursor.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,))
                assert cursor.fetchone()[0], f"backend {pid} was not terminated within 5 s"
        finally:
            admin.close()
        self.killed += 1
        if self.remaining is not None:
            self.remaining -= 1

    def remove(self) -> None:
        event.remove(self.engine, "after_cursor_execute", self._after_execute)
        event.remove(self.engine, "commit", self._before_commit)


class CommitReplyLost:
    """The next commit lands in PostgreSQL, but its caller is told the connection broke, as when
    the database goes away between running COMMIT and answering it; from then on the database is
    gone for every commit (`CommitKiller`). The caller cannot tell whether its commit happened."""

    def __init__(self, engine):
        self.engine = engine
        self.killer: CommitKiller | None = None
        event.listen(Session, "after_commit", self._after_commit)

    def _after_commit(self, session) -> None:
        if self.killer is not None or session.get_bind() is not self.engine:
            return
        self.killer = CommitKiller(self.engine, times=None)
        cause = psycopg2.OperationalError("server closed the connection unexpectedly")
        raise OperationalError("COMMIT", None, cause)

    def remove(self) -> None:
        event.remove(Session, "after_commit", self._after_commit)
        if self.killer is not None:
            self.killer.remove()
