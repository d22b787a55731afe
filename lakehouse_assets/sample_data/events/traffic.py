"""Valid traffic of one ingest hour: user-activity sessions walking the funnel, and API requests."""

from __future__ import annotations

import bisect
import math
import random
from collections.abc import Iterator

from lakehouse_assets.sample_data.events.common import HOUR_MS, MINUTE_MS, HourClock, HourIds

# Where an event (or a session's first event) falls relative to its ingest hour I.
_IN_HOUR_SHARE = 0.935
_JUST_BEFORE_SHARE = 0.05  # a few minutes before I: previous event hour, still in window
_LATE_SHARE = 0.01  # E < I - 1h
# the rest (0.5%) is future: E > I + 1h

PAGES = (
    "/",
    "/",
    "/search?q=sneakers",
    "/search?q=운동화",
    "/category/outer",
    "/category/shoes",
    "/category/bags",
    "/events/black-friday",
    "/brand/nike",
    "/cart",
)
_CATEGORY_PAGES = ("/category/outer", "/category/shoes", "/category/bags", "/search?q=sneakers")
_SESSION_EXTRAS = (
    ',"app_version":"5.12.0"',
    ',"device":{"os":"ios","model":"iPhone15,2"}',
    ',"referrer":"https://www.google.com/"',
    ',"ab_tests":["checkout_v2","reco_b"]',
)
SERVERS = ("web-1", "web-2", "web-3", "web-4", "api-1", "api-2")
_SERVER_CUMULATIVE = (0.14, 0.28, 0.42, 0.56, 0.80, 1.0)
_STATUSES = (200, 201, 204, 301, 302, 304, 400, 401, 403, 404, 429, 500, 502, 503, 504)
_STATUS_WEIGHTS = (860, 20, 10, 5, 10, 15, 15, 10, 5, 25, 5, 8, 3, 6, 3)
_STATUS_CUMULATIVE = tuple(
    total / sum(_STATUS_WEIGHTS)
    for total in (sum(_STATUS_WEIGHTS[: i + 1]) for i in range(len(_STATUS_WEIGHTS)))
)
_ENDPOINTS = (
    ',"method":"GET","path":"/api/v1/products"',
    ',"method":"GET","path":"/api/v1/products/{id}"',
    ',"method":"GET","path":"/api/v1/search"',
    ',"method":"POST","path":"/api/v1/cart"',
    ',"method":"POST","path":"/api/v1/orders"',
    ',"method":"GET","path":"/healthz"',
)


def _event_offset(rng: random.Random) -> int:
    """Milliseconds from the ingest hour start: mostly inside it, some before, a few far off."""
    u = rng.random()
    if u < _IN_HOUR_SHARE:
        return int(rng.random() * HOUR_MS)
    if u < _IN_HOUR_SHARE + _JUST_BEFORE_SHARE:
        return -1 - int(rng.random() * 10 * MINUTE_MS)
    if u < _IN_HOUR_SHARE + _JUST_BEFORE_SHARE + _LATE_SHARE:
        return -rng.randrange(HOUR_MS + 30 * MINUTE_MS, 26 * HOUR_MS)
    return rng.randrange(2 * HOUR_MS + MINUTE_MS, 6 * HOUR_MS)


def random_product_id(rng: random.Random) -> str:
    # Squaring skews popularity towards low ids, like a real catalogue.
    return f"p-{int(2000 * rng.random() ** 2):04d}"


def _user_field(rng: random.Random) -> str:
    """The user_id part of a session's lines: a known user, or an anonymous visitor."""
    u = rng.random()
    if u < 0.15:
        return ',"user_id":null'
    if u < 0.30:
        return ""
    return f',"user_id":"u{rng.randrange(200_000):07d}"'


def _session_steps(rng: random.Random) -> list[tuple[str, str | None]]:
    """Event types of one session, roughly in funnel order, each with its product (if any)."""
    random_ = rng.random
    steps: list[tuple[str, str | None]] = []
    if random_() < 0.03:  # deep link from an ad straight onto a product
        steps.append(("product_click", random_product_id(rng)))
    steps.extend(("page_view", None) for _ in range(1 + min(int(rng.expovariate(0.9)), 9)))
    if random_() >= 0.45:
        return steps
    product = random_product_id(rng)
    steps.append(("product_click", product))
    if random_() < 0.3:
        steps.append(("page_view", None))
        product = random_product_id(rng)
        steps.append(("product_click", product))
    if random_() >= 0.40:
        return steps
    steps.append(("add_to_cart", product))
    if random_() >= 0.5:
        return steps
    steps.append(("purchase", product))
    return steps


def _purchase_fields(rng: random.Random) -> str:
    """revenue and currency of a purchase: mostly KRW, some USD, some without a currency."""
    u = rng.random()
    if u < 0.08:
        return f',"revenue":{rng.randrange(500, 30_000) / 100:.2f},"currency":"USD"'
    krw = 0 if rng.random() < 0.01 else rng.randrange(50, 5000) * 100
    if u < 0.14:
        return f',"revenue":{krw}'
    if u < 0.16:
        return f',"revenue":{krw},"currency":null'
    return f',"revenue":{krw},"currency":"KRW"'


def user_activity_lines(rng: random.Random, clock: HourClock, ids: HourIds) -> Iterator[tuple[str, int]]:
    """Endless (line, event offset ms) of user-activity sessions."""
    random_ = rng.random
    while True:
        session = ids.session_id()
        user = _user_field(rng)
        extra = rng.choice(_SESSION_EXTRAS) if random_() < 0.05 else ""
        offset = _event_offset(rng)
        for event_type, product in _session_steps(rng):
            head = (
                f'{{"event_id":"{ids.event_id()}","event_type":"{event_type}",'
                f'"event_time":"{clock.iso(offset)}","session_id":"{session}"{user}'
            )
            if event_type == "page_view":
                page = rng.choice(PAGES)
                tail = ',"page":null' if random_() < 0.02 else f',"page":"{page}"'
            elif event_type == "product_click":
                tail = f',"page":"{rng.choice(_CATEGORY_PAGES)}","product_id":"{product}"'
            elif event_type == "add_to_cart":
                tail = f',"page":"/products/{product}","product_id":"{product}"'
            else:
                tail = f',"page":"/checkout/complete","product_id":"{product}"{_purchase_fields(rng)}'
            yield f"{head}{tail}{extra}}}", offset
            offset += 500 + int(rng.expovariate(1 / 25_000))


def _latency_ms(rng: random.Random, server: str, status: int) -> float:
    """Lognormal latency; api-2 is a little degraded and 5xx responses are slow."""
    latency = math.exp(rng.gauss(3.2, 0.7))
    if server == "api-2":
        latency *= 1.6
    if status >= 500:
        latency = latency * 4 + 100
    elif status == 304:
        latency *= 0.3
    return latency


def api_request_lines(rng: random.Random, clock: HourClock, ids: HourIds) -> Iterator[tuple[str, int]]:
    """Endless (line, event offset ms) of api_request events."""
    random_ = rng.random
    while True:
        offset = _event_offset(rng)
        server = SERVERS[bisect.bisect(_SERVER_CUMULATIVE, random_())]
        status = _STATUSES[min(bisect.bisect(_STATUS_CUMULATIVE, random_()), len(_STATUSES) - 1)]
        latency = _latency_ms(rng, server, status)
        latency_text = str(round(latency)) if random_() < 0.15 else f"{latency:.1f}"
        user = f',"user_id":"u{rng.randrange(200_000):07d}"' if random_() < 0.3 else ""
        yield (
            f'{{"event_id":"{ids.event_id()}","event_type":"api_request",'
            f'"event_time":"{clock.iso(offset)}","server":"{server}","http_status":{status},'
            f'"latency_ms":{latency_text}{user}{rng.choice(_ENDPOINTS)}}}'
        ), offset
