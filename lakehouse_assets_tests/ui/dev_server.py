"""`make dev` as the README's first command runs it, on a temp DAGSTER_HOME and lakehouse and a
smaller sample (the Makefile's own variables), stopped by its process group like Ctrl-C or kill."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests

from lakehouse_assets_tests.deploy.files import ROOT, settings_env_names
from lakehouse_assets_tests.processes import LOOPBACK, Service, free_port, group_members, launch

STARTUP_TIMEOUT_SECONDS = 150.0
SAMPLE_HOURS = 2
# Automation runs Silver hour after hour (each reads the one before), oldest first, one backfill
# iteration (~30 s) each: sample hours three and two hours back are the first ones it reaches.
SAMPLE_ENDS_HOURS_AGO = 2
# The Makefile's sample knobs, small enough for CI; everything else is as a newcomer gets it.
SAMPLE_SIZE = {"SAMPLE_EVENTS_PER_HOUR": "200", "WEATHER_HISTORY_DAYS": "1", "BANNER_SAMPLE_DAYS": "2"}
# A script that runs `make dev &` starts it with SIGINT ignored (POSIX, for background jobs of a
# non-interactive shell); Dagster then ignores SIGTERM too. The test starts it that way.
AS_A_BACKGROUND_JOB = 'trap "" INT; exec "$@"'
MAKE_DEV = ("make", "-C", str(ROOT), "dev")


@dataclass
class DevServer:
    service: Service
    port: int
    home: Path
    lakehouse: Path
    sample_hours: list[datetime]

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def log(self) -> str:
        return self.service.log_path.read_text(errors="replace")

    def partition_keys(self) -> list[str]:
        """The hourly partition keys of the sample's ingest hours."""
        return [hour.strftime("%Y-%m-%d-%H:%M") for hour in self.sample_hours]

    def stop(self, budget: float) -> tuple[float, float]:
        """SIGTERM to the process group; the seconds until make returned (the prompt is back) and
        until no process of the group is left. SIGKILL after `budget` seconds, so a hung shutdown
        fails the test instead of outliving it."""
        started = time.monotonic()
        _signal_group(self.service.process.pid, signal.SIGTERM)
        make_returned = None
        while time.monotonic() - started < budget:
            if make_returned is None and self.service.process.poll() is not None:
                make_returned = time.monotonic() - started
            if make_returned is not None and not group_members(self.service.process.pid):
                break
            time.sleep(0.2)
        stopped = time.monotonic() - started
        kill(self.service)
        return (make_returned if make_returned is not None else stopped), stopped


def newcomer_env(extra: dict[str, str]) -> dict[str, str]:
    """This process's environment without anything settings.py reads (the test session sets some)
    and without the outer make's variables: the embedded defaults, as on a fresh machine."""
    dropped = settings_env_names() | {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "PYTHONWARNINGS"}
    return {**{k: v for k, v in os.environ.items() if k not in dropped}, **extra}


def start_make_dev(tmp: Path) -> DevServer:
    """`make dev` on `tmp`, with sample events for SAMPLE_HOURS complete UTC hours; returns once
    the webserver answers (raises with make's log when it does not)."""
    now = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    hours = [now - timedelta(hours=n) for n in range(SAMPLE_HOURS + SAMPLE_ENDS_HOURS_AGO - 1, SAMPLE_ENDS_HOURS_AGO - 1, -1)]
    home, lakehouse, port = tmp / "dagster_home", tmp / "lakehouse", free_port()
    variables = {
        "DAGSTER_HOME": str(home),
        "LAKEHOUSE_ROOT": str(lakehouse),
        "DAGSTER_PORT": str(port),
        "SAMPLE_START": hours[0].strftime("%Y-%m-%dT%H"),
        "SAMPLE_HOURS": str(SAMPLE_HOURS),
        **SAMPLE_SIZE,
    }
    argv = ["sh", "-c", AS_A_BACKGROUND_JOB, "sh", *MAKE_DEV, *(f"{k}={v}" for k, v in variables.items())]
    service = launch("make-dev", argv, newcomer_env({}), tmp)
    server = DevServer(service, port, home, lakehouse, hours)
    try:
        service.wait_until(lambda: _answers(server.url), "webserver", STARTUP_TIMEOUT_SECONDS)
    except BaseException:
        kill(service)
        raise
    return server


def kill(service: Service) -> None:
    """SIGKILL whatever is left of the group (a no-op once it has stopped)."""
    _signal_group(service.process.pid, signal.SIGKILL)
    try:
        service.process.wait(5.0)
    except subprocess.TimeoutExpired:
        pass


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass


def _answers(url: str) -> bool:
    try:
        return requests.get(f"{url}/server_info", timeout=2).ok
    except requests.RequestException:
        return False
