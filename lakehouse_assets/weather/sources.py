"""The KMA source a weather run reads, built from the `kma` resource.

With a service key it is the HTTP client (`kma_client.KmaClient`); without one, the deterministic
offline generator (`lakehouse_assets.sample_data.weather`) answers in the same JSON shape,
labelled `sample`.
"""

from __future__ import annotations

import time
from typing import Any, Callable

from lakehouse_assets.resources.kma import KmaResource
from lakehouse_assets.sample_data.weather import SampleKmaSource

from .kma_client import KmaClient
from .kma_protocol import KmaSource


def kma_source(kma: KmaResource, sleep: Callable[[float], None] = time.sleep, log: Any = None) -> KmaSource:
    """The real client when a key is configured, else the offline sample source."""
    if kma.source_name == "sample":
        return SampleKmaSource(seed=kma.sample_seed, page_size=kma.page_size)
    return KmaClient(
        kma.base_url,
        kma.service_key,
        connect_timeout_seconds=kma.connect_timeout_seconds,
        read_timeout_seconds=kma.read_timeout_seconds,
        page_size=kma.page_size,
        max_attempts=kma.max_attempts,
        backoff_seconds=kma.backoff_seconds,
        max_backoff_seconds=kma.max_backoff_seconds,
        sleep=sleep,
        log=log,
    )
