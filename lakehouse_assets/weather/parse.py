"""Response items -> `weather.observations` rows (pure: no I/O, no Dagster).

Rules (contract: docs/contracts/weather.md; readings where it leaves room: CONTRACT_NOTES.md):
- `tm` is KST `YYYY-MM-DD HH:MM`; `observed_at` is that instant in UTC.
- `""`, `" "` (any blank) and `"-"` are missing -> None; only `rn == ""` is 0.0 (no rain).
- Numbers are parsed from the strings exactly (`float` of the text: the nearest double, no rounding).
- `qc_flags` is a JSON object of the non-empty `*Qcflg` fields, keys sorted (`{}` when none).
- Items outside the hour or for a station not asked for are ignored and counted; so are items
  without a readable `tm`/`stnId`, and repeats of a (station, hour) already taken. A value that
  is not a number becomes None and is counted with an example.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable

from lakehouse_assets.lakehouse.tables import Window

from .kma_protocol import KST
from .tables import VALUE_COLUMNS

MISSING = ("", "-")  # compared after stripping, so " " and other blanks are missing too
QC_SUFFIX = "Qcflg"


class BadValue(ValueError):
    pass


@dataclass
class ParseReport:
    """What happened to each item: taken, or ignored with a reason."""

    items: int = 0
    rows: int = 0
    ignored: Counter = field(default_factory=Counter)  # outside_hour | other_station | malformed | duplicate
    bad_values: int = 0
    examples: list[str] = field(default_factory=list)  # a few bad items/values, for the log

    def note(self, reason: str, example: str) -> None:
        self.ignored[reason] += 1
        if len(self.examples) < 10:
            self.examples.append(f"{reason}: {example}")


def kst_to_utc(tm: str) -> datetime:
    """`YYYY-MM-DD HH:MM` in KST -> an aware UTC datetime."""
    return datetime.strptime(tm.strip(), "%Y-%m-%d %H:%M").replace(tzinfo=KST).astimezone(timezone.utc)


def parse_value(raw: Any, column: str) -> float | None:
    """One element's value: None when missing, 0.0 for `rn == ""`, else the number it spells."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise BadValue(repr(raw))
    if isinstance(raw, (int, float)):  # a JSON number (the service sends strings, but be lenient)
        number = float(raw)
    else:
        if column == "rn" and raw == "":
            return 0.0
        text = str(raw).strip()
        if text in MISSING:
            return None
        try:
            number = float(text)
        except ValueError:
            raise BadValue(repr(raw)) from None
    if not math.isfinite(number):
        raise BadValue(repr(raw))
    return number


def qc_flags(item: dict[str, Any]) -> str:
    """The non-empty `*Qcflg` fields as a JSON object with sorted keys (`{}` when none)."""
    flags = {
        key: str(value).strip()
        for key, value in item.items()
        if key.endswith(QC_SUFFIX) and value is not None and str(value).strip() not in MISSING
    }
    return json.dumps(flags, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def observation_rows(items: Iterable[dict[str, Any]], window: Window, stations: Iterable[int], source: str) -> tuple[list[dict[str, Any]], ParseReport]:
    """Typed rows for the items inside `window` from `stations`, and what was ignored and why."""
    wanted = set(stations)
    report = ParseReport()
    rows: list[dict[str, Any]] = []
    seen: set[tuple[int, datetime]] = set()
    for item in items:
        report.items += 1
        try:
            station_id = int(str(item.get("stnId", "")).strip())
            observed_at = kst_to_utc(str(item.get("tm", "")))
        except ValueError:
            report.note("malformed", f"stnId={item.get('stnId')!r} tm={item.get('tm')!r}")
            continue
        if station_id not in wanted:
            report.note("other_station", f"stnId={station_id}")
            continue
        if not window.start <= observed_at < window.end:
            report.note("outside_hour", f"stnId={station_id} tm={item.get('tm')!r}")
            continue
        if (station_id, observed_at) in seen:
            report.note("duplicate", f"stnId={station_id} tm={item.get('tm')!r}")
            continue
        seen.add((station_id, observed_at))
        name = str(item.get("stnNm") or "").strip() or None
        row: dict[str, Any] = {"station_id": station_id, "station_name": name, "observed_at": observed_at}
        for column in VALUE_COLUMNS:
            try:
                row[column] = parse_value(item.get(column), column)
            except BadValue as exc:
                row[column] = None
                report.bad_values += 1
                if len(report.examples) < 10:
                    report.examples.append(f"bad_value: stnId={station_id} tm={item.get('tm')!r} {column}={exc}")
        row["qc_flags"] = qc_flags(item)
        row["source"] = source
        rows.append(row)
    rows.sort(key=lambda r: (r["observed_at"], r["station_id"]))
    report.rows = len(rows)
    return rows, report
