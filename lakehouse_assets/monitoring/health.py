"""Health probes of the services the code location depends on (no Dagster).

Each probe does the smallest real operation (write, read and delete an object; list the catalog's
namespaces; ask MLflow; run `SELECT 1`; count one row in Spark) and runs in a daemon thread under a
deadline: an unreachable dependency fails within `timeout_seconds` with the reason, and a probe
stuck in a driver cannot hang the run (the thread is left behind, never joined).
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping
from urllib.parse import unquote, urlparse

PROBE_PREFIX = "_health"


@dataclass(frozen=True)
class ProbeResult:
    ok: bool
    message: str  # one line, no secrets
    seconds: float
    timings_ms: dict[str, float] = field(default_factory=dict)  # per step, when the probe has steps
    timed_out: bool = False


class ProbeFailed(RuntimeError):
    """The dependency answered, but not as it should (wrong content, error status)."""


def run_probe(probe: Callable[[dict[str, float]], str], timeout_seconds: float) -> ProbeResult:
    """Run `probe(timings)` under a deadline; it returns a message or raises with the reason."""
    outcome: dict[str, Any] = {}
    timings: dict[str, float] = {}

    def target() -> None:
        try:
            outcome["message"] = probe(timings)
        except BaseException as exc:  # the reason is the answer, whatever it is
            outcome["error"] = exc

    began = time.perf_counter()
    worker = threading.Thread(target=target, name="health-probe", daemon=True)
    worker.start()
    worker.join(timeout_seconds)
    seconds = time.perf_counter() - began
    # The probe's own socket timeout equals the deadline, so either may fire first: same verdict.
    if worker.is_alive() or isinstance(outcome.get("error"), TimeoutError):
        return ProbeResult(False, f"no answer within {timeout_seconds:g} s", seconds, dict(timings), timed_out=True)
    if "error" in outcome:
        return ProbeResult(False, reason(outcome["error"]), seconds, dict(timings))
    return ProbeResult(True, outcome["message"], seconds, dict(timings))


def reason(exc: BaseException) -> str:
    """`Type: first line` of an exception, short enough for a check's description."""
    cause = getattr(exc, "orig", None) or exc
    text = str(cause).strip().splitlines()[0] if str(cause).strip() else ""
    return f"{type(cause).__name__}: {text[:300]}" if text else type(cause).__name__


class _Stopwatch:
    def __init__(self, timings: dict[str, float]) -> None:
        self.timings = timings

    def step(self, name: str, action: Callable[[], Any]) -> Any:
        began = time.perf_counter()
        result = action()
        self.timings[name] = round((time.perf_counter() - began) * 1000, 1)
        return result


def storage_probe(root_uri: str, io_properties: Mapping[str, str] | None = None) -> Callable[[dict[str, float]], str]:
    """Write, read back and delete a small object under `root_uri` (file:// or s3://) with
    pyiceberg's file IO, the one that writes and reads the tables.

    The file IO is built here, outside the deadline: loading pyarrow's file systems the first time
    takes seconds and says nothing about the store (building it does not connect)."""
    from pyiceberg.io import load_file_io

    io = load_file_io(dict(io_properties or {}), location=root_uri)

    def probe(timings: dict[str, float]) -> str:
        location = f"{root_uri.rstrip('/')}/{PROBE_PREFIX}/probe-{uuid.uuid4().hex}.txt"
        body = f"health probe {uuid.uuid4().hex}".encode()
        watch = _Stopwatch(timings)
        _ensure_local_parent(location)

        def write() -> None:
            with io.new_output(location).create(overwrite=True) as stream:
                stream.write(body)

        def read() -> bytes:
            with io.new_input(location).open() as stream:
                return stream.read()

        watch.step("write_ms", write)
        try:
            if watch.step("read_ms", read) != body:
                raise ProbeFailed(f"read back different bytes from {location}")
        finally:
            watch.step("delete_ms", lambda: io.delete(location))
        return f"{root_uri}: wrote, read and deleted a {len(body)}-byte object"

    return probe


def _ensure_local_parent(location: str) -> None:
    # pyarrow's local file system does not create parent folders; object stores have none.
    parsed = urlparse(location)
    if parsed.scheme in ("", "file"):
        from pathlib import Path

        Path(parsed.path).parent.mkdir(parents=True, exist_ok=True)


def catalog_probe(catalog_factory: Callable[[], Any]) -> Callable[[dict[str, float]], str]:
    """List the Iceberg catalog's namespaces and count their tables."""

    def probe(timings: dict[str, float]) -> str:
        watch = _Stopwatch(timings)
        catalog = watch.step("connect_ms", catalog_factory)
        namespaces = watch.step("list_ms", catalog.list_namespaces)
        tables = sum(len(catalog.list_tables(ns)) for ns in namespaces)
        return f"catalog answered: {len(namespaces)} namespaces, {tables} tables"

    return probe


def mlflow_probe(tracking_uri: str, timeout_seconds: float) -> Callable[[dict[str, float]], str]:
    """A tracking server answers `GET /health`; a database store answers `SELECT 1`."""

    def probe(timings: dict[str, float]) -> str:
        scheme = urlparse(tracking_uri).scheme
        if scheme in ("http", "https"):
            return _http_health(tracking_uri.rstrip("/") + "/health", timeout_seconds)
        if scheme in ("", "file"):
            from pathlib import Path

            path = Path(urlparse(tracking_uri).path or tracking_uri)
            return f"file store {path}: {'exists' if path.exists() else 'not created yet (first training run creates it)'}"
        return sql_probe(tracking_uri, timeout_seconds)(timings)

    return probe


def _http_health(url: str, timeout_seconds: float) -> str:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=timeout_seconds) as response:  # noqa: S310 (configured URL)
            status = response.status
    except urllib.error.HTTPError as exc:
        raise ProbeFailed(f"{_origin(url)}/health answered HTTP {exc.code}") from None
    except urllib.error.URLError as exc:
        raise ProbeFailed(f"{_origin(url)} unreachable: {exc.reason}") from None
    return f"{_origin(url)}/health answered HTTP {status}"


SECRET_QUERY_KEYS = frozenset({"password", "passwd", "pwd", "token", "access_token", "secret"})


def safe_uri(uri: str) -> str:
    """`uri` without user info, and with `***` for the value of a password or token query
    parameter (libpq and some drivers take the password there): either may carry a secret."""
    parsed = urlparse(uri)
    safe = uri  # edited as text: geturl() would drop a slash of sqlite:////absolute/path
    if parsed.netloc and "@" in parsed.netloc:
        safe = safe.replace(parsed.netloc, parsed.netloc.rsplit("@", 1)[1], 1)
    if parsed.query:
        safe = safe.replace(f"?{parsed.query}", "?" + "&".join(_masked_pair(pair) for pair in parsed.query.split("&")), 1)
    return safe


def _masked_pair(pair: str) -> str:
    name = pair.split("=", 1)[0]
    return f"{name}=***" if unquote(name).lower() in SECRET_QUERY_KEYS else pair


def _origin(url: str) -> str:
    parsed = urlparse(url)
    return f"{parsed.scheme}://{parsed.hostname}{f':{parsed.port}' if parsed.port else ''}"


def sql_probe(url: str, timeout_seconds: float) -> Callable[[dict[str, float]], str]:
    """`SELECT 1` through SQLAlchemy; a SQLite file that does not exist yet is reported, not created.

    The engine (and its driver import) is made outside the deadline; connecting is the probe."""
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    safe = safe_uri(url)
    sqlite = parsed.get_backend_name() == "sqlite"
    engine = sa.create_engine(parsed, connect_args={} if sqlite else {"connect_timeout": max(1, int(timeout_seconds))})

    def probe(timings: dict[str, float]) -> str:
        from pathlib import Path

        if sqlite and parsed.database and parsed.database != ":memory:" and not Path(parsed.database).exists():
            return f"{safe}: not created yet (its first user creates it)"
        try:
            watch = _Stopwatch(timings)
            with watch.step("connect_ms", engine.connect) as conn:
                watch.step("query_ms", lambda: conn.execute(sa.text("SELECT 1")).scalar_one())
        finally:
            engine.dispose()
        return f"{safe}: SELECT 1 answered"

    return probe


def spark_probe(session_factory: Callable[[], Any]) -> Callable[[dict[str, float]], str]:
    """Start (or reuse) the Spark session and count one row on it."""

    def probe(timings: dict[str, float]) -> str:
        watch = _Stopwatch(timings)
        session = watch.step("session_ms", session_factory)
        rows = watch.step("query_ms", lambda: session.range(1).count())
        if rows != 1:
            raise ProbeFailed(f"spark.range(1).count() returned {rows}")
        return f"Spark {session.version} answered spark.range(1).count()"

    return probe
