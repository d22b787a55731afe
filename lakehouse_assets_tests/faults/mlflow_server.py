"""A real MLflow tracking server (MLflow's own Flask app, served by werkzeug on loopback in a thread)
over a SQLite store, that can go away at the moment a request reaches a chosen API.

When `go_away_on` matches a request (method, path suffix), the server stops listening and drops
that request's connection without handling it: the caller sees a broken connection, and every
later call a refused one, until `start()` serves again on the same port.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from typing import Any, Iterator

import pytest

from lakehouse_assets_tests.processes import free_port


class StoppableMlflowServer:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.port = free_port()
        self.go_away_on: tuple[str, str] | None = None
        self.dropped: list[str] = []
        self._server: Any = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        from werkzeug.serving import make_server

        self._server = make_server("127.0.0.1", self.port, self._guarded, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
            self._thread.join(timeout=10)

    def _guarded(self, environ: dict, start_response: Any) -> Any:
        method, path = environ["REQUEST_METHOD"], environ["PATH_INFO"]
        if self.go_away_on is not None and (method, True) == (self.go_away_on[0], path.endswith(self.go_away_on[1])):
            self.dropped.append(f"{method} {path}")
            threading.Thread(target=self.stop, daemon=True).start()  # shutdown() waits for the serving loop
            environ["werkzeug.socket"].shutdown(socket.SHUT_RDWR)  # the request is never handled
            start_response("503 Service Unavailable", [("Content-Length", "0")])
            return [b""]
        return self.app(environ, start_response)




@contextlib.contextmanager
def mlflow_server(tmp_path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[StoppableMlflowServer, str]]:
    """A server over `tmp_path/mlflow.db` (artifacts under `tmp_path/artifacts`), started; yields
    (server, the store's own URI). MLflow's client transport does not retry (the runs' RetryPolicy
    does), so a refused connection fails at once."""
    from mlflow.server import ARTIFACT_ROOT_ENV_VAR, BACKEND_STORE_URI_ENV_VAR, handlers

    store_uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv(BACKEND_STORE_URI_ENV_VAR, store_uri)
    monkeypatch.setenv(ARTIFACT_ROOT_ENV_VAR, (tmp_path / "artifacts").as_uri())
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    # The app keeps its stores in module globals: this test's stores, forgotten afterwards.
    monkeypatch.setattr(handlers, "_tracking_store", None)
    monkeypatch.setattr(handlers, "_model_registry_store", None)
    from mlflow.server import app

    import mlflow

    tracking_uri, registry_uri = mlflow.get_tracking_uri(), mlflow.get_registry_uri()
    server = StoppableMlflowServer(app)
    server.start()
    try:
        yield server, store_uri
    finally:
        server.stop()
        mlflow.set_tracking_uri(tracking_uri)  # the app points the process's MLflow at its store
        mlflow.set_registry_uri(registry_uri)
