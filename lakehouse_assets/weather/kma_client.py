"""The HTTP client for KMA `getWthrDataList`: pagination, result codes, retries with backoff.

HTTP 5xx/429, timeouts, dropped connections, unreadable bodies and code 22 (quota) are retried with
exponential backoff; key problems (20/30/31/32) and other codes fail at once. The service key
travels only in the query string: exceptions name the endpoint and parameters without it (the
transport's exception, whose text holds the URL, is never chained) and urllib3's debug line with
the URL is masked.
"""

from __future__ import annotations

import logging
import re
import time
from datetime import datetime
from typing import Any, Callable
from urllib.parse import quote, urlencode

from .kma_responses import (
    ENDPOINT,
    KEY_PROBLEMS,
    KST,
    MAX_PAGES,
    NO_DATA,
    OK,
    QUOTA_EXCEEDED,
    KmaApiError,
    KmaBodyError,
    KmaKeyError,
    KmaPage,
    KmaQuotaExceeded,
    KmaResult,
    KmaUnavailable,
    decode_body,
)

_KEY_IN_URL = re.compile(r"(?i)(servicekey=)[^&\s\"']+")


def redact(text: str) -> str:
    """`text` with any serviceKey query value masked."""
    return _KEY_IN_URL.sub(r"\1***", text)


class _MaskServiceKey(logging.Filter):
    """urllib3 logs each request line with its URL at DEBUG: mask the key before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "servicekey=" in message.lower():
            record.msg, record.args = redact(message), None
        return True


def _install_log_mask() -> None:
    for name in ("urllib3.connectionpool", "requests"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _MaskServiceKey) for f in logger.filters):
            logger.addFilter(_MaskServiceKey())


class _Retry(Exception):
    """A failed attempt worth repeating (internal)."""

    def __init__(self, problem: str, quota: bool = False):
        super().__init__(problem)
        self.problem, self.quota = problem, quota


class KmaClient:
    """HTTP client for `getWthrDataList`: pagination, result codes, retries with backoff.

    `sleep` is injectable so tests run the backoff without waiting; `log` receives warnings
    (e.g. `context.log`), none of which holds the key.
    """

    source = "kma"

    def __init__(
        self,
        base_url: str,
        service_key: str,
        *,
        connect_timeout_seconds: float = 5.0,
        read_timeout_seconds: float = 30.0,
        page_size: int = 999,
        max_attempts: int = 5,
        backoff_seconds: float = 2.0,
        max_backoff_seconds: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        log: Any = None,
    ):
        if not service_key:
            raise ValueError("KmaClient needs a service key (the offline sample source needs none)")
        import requests

        _install_log_mask()
        self.url = f"{base_url.rstrip('/')}/{ENDPOINT}"
        # data.go.kr hands out the key twice: "Encoding" (already %-escaped) and "Decoding". Send
        # the encoded one as is; escape the decoded one (its +, / and = must not reach the server raw).
        self._key = service_key if "%" in service_key else quote(service_key, safe="")
        self.timeout = (connect_timeout_seconds, read_timeout_seconds)
        self.page_size = page_size
        self.max_attempts = max(1, max_attempts)
        self.backoff_seconds = backoff_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self.sleep = sleep
        self.log = log or logging.getLogger(__name__)
        self._session = requests.Session()
        self._requests = requests

    def fetch(self, station_id: int, start_kst: datetime, end_kst: datetime) -> KmaResult:
        """All hours of `station_id` from `start_kst` to `end_kst` (KST, both included), every page."""
        bodies: list[bytes] = []
        items: list[dict[str, Any]] = []
        total = 0
        for page_no in range(1, MAX_PAGES + 1):
            params = request_params(station_id, start_kst, end_kst, page_no, self.page_size)
            body, page = self._get(params)
            if page.code == NO_DATA:
                if page_no == 1:
                    return KmaResult(self.source, NO_DATA, page.message, (body,), (), 0)
                break  # a page past the end; the earlier pages hold everything
            bodies.append(body)
            items.extend(page.items)
            total = page.total_count or len(items)
            if len(items) >= total:
                break
            if not page.items:
                raise KmaUnavailable(f"{self._what(params)}: page {page_no} came back empty with {len(items)} of {total} items")
        else:
            raise KmaApiError(f"{self._what(params)}: more than {MAX_PAGES} pages (totalCount {total})")
        return KmaResult(self.source, OK, "NORMAL_SERVICE", tuple(bodies), tuple(items), total)

    def _get(self, params: dict[str, str]) -> tuple[bytes, KmaPage]:
        what = self._what(params)
        for attempt in range(1, self.max_attempts + 1):
            try:
                return self._attempt(params, what)
            except _Retry as retry:
                if attempt == self.max_attempts:
                    error = KmaQuotaExceeded if retry.quota else KmaUnavailable
                    advice = " The daily quota renews at midnight KST; ask data.go.kr for more traffic if this repeats." if retry.quota else ""
                    raise error(
                        f"{what}: {retry.problem} (gave up after {attempt} attempts).{advice}",
                        code=QUOTA_EXCEEDED if retry.quota else None,
                    ) from None
                pause = min(self.max_backoff_seconds, self.backoff_seconds * 2 ** (attempt - 1))
                self.log.warning(f"{what}: {retry.problem}; attempt {attempt}/{self.max_attempts}, retrying in {pause:g}s")
                self.sleep(pause)
        raise AssertionError("unreachable")

    def _attempt(self, params: dict[str, str], what: str) -> tuple[bytes, KmaPage]:
        requests = self._requests
        query = f"serviceKey={self._key}&{urlencode(params)}"
        try:
            response = self._session.get(f"{self.url}?{query}", timeout=self.timeout)
        except requests.Timeout:
            raise _Retry(f"timed out (connect {self.timeout[0]:g}s, read {self.timeout[1]:g}s)") from None
        except requests.RequestException as exc:
            # The exception's text holds the URL (and so the key): only its type is reported.
            raise _Retry(f"request failed ({type(exc).__name__})") from None
        body = response.content
        if response.status_code >= 500 or response.status_code == 429:
            raise _Retry(f"HTTP {response.status_code}")
        try:
            page = decode_body(body)
        except KmaBodyError as exc:
            if response.status_code >= 400:
                raise KmaApiError(f"{what}: HTTP {response.status_code} with an unreadable body") from None
            raise _Retry(f"unreadable response body ({redact(str(exc))[:160]})") from None
        if page.code in (OK, NO_DATA):
            return body, page
        if page.code == QUOTA_EXCEEDED:
            raise _Retry(f"quota exceeded (code 22, {page.message or 'LIMITED_NUMBER_OF_SERVICE_REQUESTS_EXCEEDS_ERROR'})", quota=True)
        if page.code in KEY_PROBLEMS:
            raise KmaKeyError(
                f"{what}: KMA refused the service key: code {page.code}, {KEY_PROBLEMS[page.code]} ({page.message}). "
                "Check KMA_SERVICE_KEY (the data.go.kr key approved for AsosHourlyInfoService); not retried.",
                code=page.code,
            )
        raise KmaApiError(f"{what}: KMA answered code {page.code}: {page.message or 'no message'}", code=page.code)

    def _what(self, params: dict[str, str]) -> str:
        shown = {k: params[k] for k in ("stnIds", "startDt", "startHh", "endDt", "endHh", "pageNo") if k in params}
        return f"GET {self.url} " + " ".join(f"{k}={v}" for k, v in shown.items())


def request_params(station_id: int, start_kst: datetime, end_kst: datetime, page_no: int, page_size: int) -> dict[str, str]:
    """The query parameters of one page (the key is added by the client)."""
    start, end = start_kst.astimezone(KST), end_kst.astimezone(KST)
    return {
        "pageNo": str(page_no),
        "numOfRows": str(page_size),
        "dataType": "JSON",
        "dataCd": "ASOS",
        "dateCd": "HR",
        "startDt": start.strftime("%Y%m%d"),
        "startHh": start.strftime("%H"),
        "endDt": end.strftime("%Y%m%d"),
        "endHh": end.strftime("%H"),
        "stnIds": str(station_id),
    }
