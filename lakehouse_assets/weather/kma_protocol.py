"""The KMA ASOS hourly service (data.go.kr `AsosHourlyInfoService/getWthrDataList`): its request
parameters, which hours it serves, its result codes and the errors they become, body decoding.

A body is the service's JSON envelope (`response.header.resultCode/resultMsg`,
`response.body.items.item[]`, `totalCount`), the gateway's XML error
(`OpenAPI_ServiceResponse/cmmMsgHeader/returnReasonCode`, sent even when JSON was asked), or the
service's XML envelope. `decode_body` reads all three.

Result codes: 00 data, 03 no data (an empty hour, not a failure), 22 quota exceeded (retried, then
`KmaQuotaExceeded`), 01/02/04/05 the service's own passing failures (retried, then `KmaUnavailable`),
20/30/31/32 key problems (`KmaKeyError` at once), any other code `KmaApiError`.
Bodies are UTF-8; one that is not is read as CP949 (the superset of EUC-KR that Korean services
fall back to) or UTF-16 with a byte order mark, and anything else is a `KmaBodyError` naming why.
No I/O and no Dagster here: `kma_client` speaks HTTP, `sample_data.weather` answers offline.
"""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

ENDPOINT = "AsosHourlyInfoService/getWthrDataList"
KST = ZoneInfo("Asia/Seoul")  # the service speaks Korea time: `tm`, startDt/startHh, endDt/endHh

OK, NO_DATA, QUOTA_EXCEEDED = "00", "03", "22"
KEY_PROBLEMS = {
    "20": "access to the service is denied for this key",
    "30": "the service key is not registered",
    "31": "the service key has expired",
    "32": "this machine's IP address is not registered for the key",
}
# Failures on the service's side that a later attempt can get past (data.go.kr's code table).
TRANSIENT = {"01": "application error", "02": "database error", "04": "HTTP error", "05": "service time-out"}
MAX_PAGES = 1000  # a runaway totalCount must not loop for ever


class KmaError(RuntimeError):
    """The KMA service did not give the data. `retryable` says whether trying later can help."""

    retryable = False

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.code = code


class KmaKeyError(KmaError):
    """The service key was refused (codes 20/30/31/32): fix the key, retrying cannot help."""


class KmaQuotaExceeded(KmaError):
    """The key's daily request quota is spent (code 22), still after retrying with backoff."""

    retryable = True


class KmaUnavailable(KmaError):
    """HTTP 5xx, timeouts, dropped connections or unreadable bodies, still after retrying."""

    retryable = True


class KmaApiError(KmaError):
    """Any other non-00 result code (bad parameter, unknown service, ...), or an HTTP 4xx."""


class KmaBodyError(ValueError):
    """A body that is neither the service's JSON nor one of its XML envelopes."""


@dataclass(frozen=True)
class KmaPage:
    """One decoded response body."""

    code: str
    message: str
    items: tuple[dict[str, Any], ...]
    total_count: int


@dataclass(frozen=True)
class KmaResult:
    """Every page of one request: the bodies exactly as received, and their items in order."""

    source: str  # "kma" | "sample"
    code: str  # OK or NO_DATA
    message: str
    bodies: tuple[bytes, ...]
    items: tuple[dict[str, Any], ...]
    total_count: int


class KmaSource(Protocol):
    """The real client or the offline sample source: every page of one station's hours."""

    source: str  # "kma" | "sample"

    def fetch(self, station_id: int, start_kst: datetime, end_kst: datetime) -> KmaResult: ...


def is_served(hour: datetime, now: datetime) -> bool:
    """Whether the service answers for `hour` at `now`: it serves up to the previous KST day (endDt <= D-1)."""
    return hour.astimezone(KST).date() < now.astimezone(KST).date()


def request_params(station_id: int, start_kst: datetime, end_kst: datetime, page_no: int, page_size: int) -> dict[str, str]:
    """The query parameters of one page (the client adds the key)."""
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


_HTML = re.compile(r"<!doctype\s+html|<html[\s>]", re.IGNORECASE)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def body_text(body: bytes) -> str:
    """The body as text: UTF-8 (a BOM allowed), UTF-16 with a BOM, else CP949 (EUC-KR)."""
    if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ("utf-16",)
    else:
        candidates = ("utf-8-sig", "cp949")
    for encoding in candidates:
        try:
            return body.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise KmaBodyError(f"text in an unknown encoding (not UTF-8, UTF-16 or EUC-KR/CP949): {body[:60]!r}")


def decode_body(body: bytes) -> KmaPage:
    """Read a response body: the JSON envelope, the gateway's XML error, or the XML envelope."""
    text = body_text(body).strip()
    if not text:
        raise KmaBodyError("an empty body")
    if _HTML.search(text[:2000]):
        title = _TITLE.search(text)
        raise KmaBodyError("an HTML page, not a KMA response" + (f": {' '.join(title.group(1).split())[:100]!r}" if title else ""))
    if text.startswith("<"):
        return _decode_xml(text)
    try:
        response = json.loads(text)["response"]
        header = response["header"]
        code, message = str(header["resultCode"]).strip(), str(header.get("resultMsg", "")).strip()
    except json.JSONDecodeError as exc:
        raise KmaBodyError(f"invalid or truncated JSON ({exc.msg} at character {exc.pos} of {len(text)}): {text[:120]!r}") from None
    except RecursionError:
        raise KmaBodyError(f"JSON nested too deeply to be a KMA response: {text[:60]!r}") from None
    except (KeyError, TypeError) as exc:
        raise KmaBodyError(f"JSON without response.header.resultCode ({type(exc).__name__} {exc}): {text[:120]!r}") from None
    except ValueError as exc:  # e.g. an integer of more digits than Python converts
        raise KmaBodyError(f"unreadable JSON ({exc}): {text[:120]!r}") from None
    payload = response.get("body") or {}
    items = (payload.get("items") or {}) if isinstance(payload, dict) else {}
    item = items.get("item", []) if isinstance(items, dict) else []
    if isinstance(item, dict):
        rows = [item]
    else:
        rows = [i for i in item if isinstance(i, dict)] if isinstance(item, list) else []
    return KmaPage(code, message, tuple(rows), _int(payload.get("totalCount") if isinstance(payload, dict) else None))


def _decode_xml(text: str) -> KmaPage:
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as exc:
        raise KmaBodyError(f"unreadable XML ({exc}): {text[:120]!r}") from None
    if root.tag == "OpenAPI_ServiceResponse":  # the data.go.kr gateway (key and quota errors)
        code = (root.findtext("cmmMsgHeader/returnReasonCode") or "").strip()
        if not code:
            raise KmaBodyError(f"gateway error without returnReasonCode: {text[:120]!r}")
        parts = [(root.findtext(f"cmmMsgHeader/{name}") or "").strip() for name in ("errMsg", "returnAuthMsg")]
        return KmaPage(code.zfill(2), " / ".join(p for p in parts if p), (), 0)
    if root.tag == "response":  # the service's own XML envelope
        code = (root.findtext("header/resultCode") or "").strip()
        items = tuple({child.tag: child.text or "" for child in item} for item in root.iterfind("body/items/item"))
        return KmaPage(code, (root.findtext("header/resultMsg") or "").strip(), items, _int(root.findtext("body/totalCount")))
    raise KmaBodyError(f"unexpected XML root <{root.tag}>")


def _int(value: Any) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return 0
