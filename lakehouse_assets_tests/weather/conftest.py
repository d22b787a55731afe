"""Fixtures of the weather tests: the local KMA stand-in."""

import pytest

from lakehouse_assets_tests.weather.kma_replay import KmaReplayServer


@pytest.fixture
def server():
    """A KmaReplayServer on 127.0.0.1 for the test's duration."""
    with KmaReplayServer() as s:
        yield s
