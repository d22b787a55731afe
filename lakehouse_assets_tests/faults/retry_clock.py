"""Dagster's step retries without real waits: the in-process executor waits for a retry's delay
with `time.sleep` in its active-execution module; this clock stands in for that module's `time`,
jumping forward instead of sleeping, so an asset's real `RetryPolicy` runs in full (every
attempt, the delays it asked for) in no time."""

from __future__ import annotations

import time as real_time

import pytest
from dagster._core.execution.plan import active


class RetryClock:
    def __init__(self) -> None:
        self.now = real_time.time()
        self.waits: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds

    def __getattr__(self, name: str):  # anything else of the module (monotonic, ...) stays real
        return getattr(real_time, name)


def retry_clock(monkeypatch: pytest.MonkeyPatch) -> RetryClock:
    """Put a `RetryClock` under Dagster's in-process executor until the test ends."""
    clock = RetryClock()
    monkeypatch.setattr(active, "time", clock)
    return clock


def step_events(result, event_type: str) -> list:
    return [e for e in result.all_events if e.event_type_value == event_type]


def error_chain(error) -> str:
    """A serialised error's message and its causes', as the run's log shows them."""
    parts = []
    while error is not None:
        parts.append(error.message)
        error = error.cause
    return "\n".join(parts)


def failure_text(result) -> str:
    """The final step failure, with its causes."""
    [failure] = step_events(result, "STEP_FAILURE")
    return error_chain(failure.event_specific_data.error)
