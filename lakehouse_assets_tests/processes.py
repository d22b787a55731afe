"""Processes for integration tests, on loopback: each service in its own process group (so
stopping it stops what it started), with its output in a log file, bounded waits that fail with
the log's tail, and free ports."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

LOOPBACK = "127.0.0.1"
START_TIMEOUT_SECONDS = 120.0
STOP_TIMEOUT_SECONDS = 20.0


class ServiceFailed(RuntimeError):
    """A process exited early or did not become ready in time."""


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port() -> int:
    """A loopback port nothing listens on, chosen below the kernel's ephemeral range. A service
    binds it some seconds later; an ephemeral port (what port 0 gives) could be handed meanwhile to
    another process (the other test worker's servers, a browser, a JVM, an outgoing connection)."""
    choose = random.SystemRandom()
    for _ in range(500):
        port = choose.randrange(20000, _ephemeral_low())
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind((LOOPBACK, port))
            except OSError:
                continue
            return port
    raise ServiceFailed("no free loopback port below the ephemeral range")


def port_accepts(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex((LOOPBACK, port)) == 0


@dataclass
class Service:
    """One process (and everything it starts: its own process group) with its log file."""

    name: str
    process: subprocess.Popen
    log_path: Path
    ports: dict[str, int] = field(default_factory=dict)

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "<no log>"

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            raise ServiceFailed(f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}")

    def wait_until(self, ready: Callable[[], bool], what: str, timeout: float = START_TIMEOUT_SECONDS) -> float:
        """Poll `ready` until true; returns the seconds it took. Fails early when the process exits."""
        started = time.monotonic()
        delay = 0.1
        while not ready():
            self.check_alive()
            if time.monotonic() - started > timeout:
                raise ServiceFailed(f"{self.name}: no {what} after {timeout:.0f}s:\n{self.log_tail()}")
            time.sleep(delay)
            delay = min(delay * 1.5, 1.0)
        return time.monotonic() - started

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
        """SIGTERM to the process group, SIGKILL when it does not exit in time."""
        for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.process.wait(wait)
            except subprocess.TimeoutExpired:
                continue
            # The leader exited; children of the group (run workers) may still be finishing.
            if not group_members(self.process.pid):
                break
        self.process.wait(5.0)


def launch(name: str, argv: list[str], env: dict[str, str], log_dir: Path, cwd: Path | None = None) -> Service:
    """Start `argv` in a new session (its own process group), output to `<log_dir>/<name>.log`."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{name}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env=env, cwd=cwd or log_dir, start_new_session=True,
        )  # fmt: skip
    return Service(name, process, log_path)


def group_members(pgid: int) -> list[int]:
    """Live processes of a process group (zombies excluded)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid pgrp ...: comm may hold spaces, so split after the last ')'.
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(entry.name))
    return members
