"""A seeded generator of hostile landing lines, for the Bronze -> Silver fuzz test only.

Every kind of line a producer can get wrong: truncated and malformed JSON, bytes that are not
UTF-8, lines over 1 MB, nesting 1000+ deep, duplicate keys, wrong types, control characters, blank
lines, with valid lines (some repeating an event_id) mixed in. Each line says whether it was built
to break a rule (`must_reject`); the exact reason comes from the plain-Python reference.
"""

from __future__ import annotations

import json
import random
import string
from dataclasses import dataclass
from datetime import datetime, timedelta

UA, API = "user-activity", "api-requests"
UA_TYPES = ("page_view", "product_click", "add_to_cart", "purchase")
HUGE = 1_100_000  # characters: every huge line is over 1 MB
BAD_UTF8 = (b"\xff", b"\xfe\xff", b"\x80", b"\xc3\x28", b"\xe2\x82", b"\xed\xa0\x80", b"\xc0\xaf", b"\xf8\x88\x80\x80\x80", "서울".encode("cp949"))
# Never valid anywhere in a JSON text, unescaped (the others, \t \n \r and space, are whitespace).
ILLEGAL_CONTROLS = [chr(c) for c in range(0x20) if chr(c) not in "\t\n\r"]
# Not blank for Bronze (only ASCII whitespace is), and not JSON either.
NOT_BLANK = ("\x00", "\x1c\x1d\x1e\x1f", "\u3000", "\xa0", "\u2028", "\x85", "\x1b[31m")
BLANK = (b"", b" ", b"\t", b"  \t ", b"\r", b"\x0c", b"\x0b", b" \r")
# Per field: values of a wrong JSON type (never null or "", which count as missing).
WRONG = {
    "string": (1, -2.5, True, False, [], {}, ["x"], {"a": 1}, 1e308),
    "number": ("10", True, [], {"v": 1}, -1, -0.001, "1e3"),
    "status": (200.0, "200", True, 99, 600, 2e2, [200], -200),
}
FIELD_KIND = {
    "event_id": "string", "event_type": "string", "event_time": "string", "session_id": "string",
    "user_id": "string", "page": "string", "product_id": "string", "currency": "string", "server": "string",
    "revenue": "number", "latency_ms": "number", "http_status": "status",
}  # fmt: skip


@dataclass(frozen=True)
class FuzzLine:
    kind: str
    body: bytes  # the line, without its newline
    must_reject: bool  # built to break a rule; False for valid lines and lines that stay valid

    @property
    def blank(self) -> bool:
        return self.kind == "blank"


class BadLines:
    """Lines of one topic for one ingest hour, from `random.Random(seed)`."""

    def __init__(self, seed: int, hour: datetime, id_pool: int = 60):
        self.rng = random.Random(seed)
        self.hour = hour
        self.ids = [f"ev-{i:03d}" for i in range(id_pool)]  # a small pool: valid lines repeat ids

    # -- records ----------------------------------------------------------------------------------

    def record(self, topic: str) -> dict:
        rng = self.rng
        moment = self.hour + timedelta(seconds=rng.randrange(3600), microseconds=rng.randrange(10**6))
        base = {"event_id": rng.choice(self.ids), "event_time": moment.isoformat().replace("+00:00", "Z")}
        if topic == API:
            return {**base, "event_type": "api_request", "server": f"web-{rng.randrange(3)}",
                    "http_status": rng.choice((200, 201, 404, 500, 503)), "latency_ms": round(rng.uniform(0, 900), 3)}  # fmt: skip
        record = {**base, "event_type": rng.choice(UA_TYPES), "session_id": f"s-{rng.randrange(40)}", "page": rng.choice(("/", "/p/1", "/검색"))}
        if rng.random() < 0.5:
            record["user_id"] = f"u-{rng.randrange(30)}"
        if record["event_type"] == "purchase":
            record.update(revenue=rng.choice((0, 1500, 39000.5)), currency=rng.choice(("KRW", "USD", None)))
        return record

    def text(self, record: dict) -> str:
        return json.dumps(record, ensure_ascii=self.rng.random() < 0.5, separators=self.rng.choice(((",", ":"), (", ", ": "))))

    def valid(self, topic: str) -> FuzzLine:
        return FuzzLine("valid", self.text(self.record(topic)).encode(), False)

    # -- one builder per kind of bad line ------------------------------------------------------

    def truncated(self, topic: str) -> FuzzLine:
        body = self.text(self.record(topic)).encode()  # cut bytes: maybe inside a UTF-8 sequence
        return FuzzLine("truncated", body[: self.rng.randrange(1, len(body) - 1)], True)

    def malformed(self, topic: str) -> FuzzLine:
        rng, text = self.rng, self.text(self.record(topic))
        junk = "".join(rng.choice(string.ascii_letters + string.digits + string.punctuation + " ") for _ in range(rng.randrange(1, 80)))
        variants = (
            text.replace('"', "'"), text[:-1] + ', "x": NaN}', text[:-1] + ', "x": -Infinity}', text[:-1] + ",}",
            text[:-1] + ', "x": [1,2,]}', text.replace('"event_id"', "event_id"), text + text, text + " x",
            "[" + text + "]", "x" + junk, rng.choice(('"page_view"', "42", "null", "true", "[]")),
            text.replace(":", " ", 1), text[:-1] + ', "x": 01}', "\ufeff" + text, text + " // comment",
        )  # fmt: skip
        return FuzzLine("malformed", rng.choice(variants).encode(), True)

    def non_utf8(self, topic: str) -> FuzzLine:
        body = self.text(self.record(topic)).encode()
        at = self.rng.randrange(1, len(body) - 1)
        return FuzzLine("non_utf8", body[:at] + self.rng.choice(BAD_UTF8) + body[at:], True)

    def huge(self, topic: str) -> list[FuzzLine]:
        """Over 1 MB each: a valid event, an unterminated string, and a string full of brackets."""
        record = self.record(topic)
        filler = "".join(self.rng.choices(string.ascii_letters, k=64)) * (HUGE // 64 + 1)
        valid = self.text({**record, "page": filler})
        brackets = self.text({**record, "note": "[{" * (HUGE // 2)})
        return [
            FuzzLine("huge", valid.encode(), False),
            FuzzLine("huge", (self.text(record)[:-1] + ', "page": "' + filler).encode(), True),
            FuzzLine("huge", brackets.encode(), False),
        ]

    def deep(self, topic: str) -> list[FuzzLine]:
        """Nested 1000+ deep (arrays, objects, unbalanced), and the deepest that is still allowed."""
        depth = self.rng.randrange(1000, 3000)
        head = self.text(self.record(topic))[:-1]
        return [
            FuzzLine("deep", (head + ', "deep": ' + "[" * depth + "]" * depth + "}").encode(), True),
            FuzzLine("deep", (head + ', "deep": ' + '{"a":' * depth + "1" + "}" * depth + "}").encode(), True),
            FuzzLine("deep", ("[" * depth).encode(), True),
            FuzzLine("deep", (head + ', "deep": ' + "[" * 62 + "]" * 62 + "}").encode(), False),  # 63 levels
        ]

    def duplicate_keys(self, topic: str) -> FuzzLine:
        """A field repeated: the last occurrence decides, so the line is valid or not by design."""
        record = self.record(topic)
        field = self.rng.choice([f for f in record if f in FIELD_KIND])
        wrong = self.rng.choice(WRONG[FIELD_KIND[field]])
        if self.rng.random() < 0.5:  # a wrong value first, the good one last: valid
            pairs, must_reject = [(field, wrong), *record.items()], False
        else:
            pairs, must_reject = [*record.items(), (field, wrong)], True
        if field == "currency":  # a purchase's currency; elsewhere it is ignored
            must_reject = must_reject and record["event_type"] == "purchase"
        body = "{" + ", ".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in pairs) + "}"
        return FuzzLine("duplicate_keys", body.encode(), must_reject)

    def wrong_type(self, topic: str) -> FuzzLine:
        record = self.record(topic)
        field = self.rng.choice([f for f in record if f in FIELD_KIND and record[f] is not None])
        record[field] = self.rng.choice(WRONG[FIELD_KIND[field]])
        return FuzzLine("wrong_type", self.text(record).encode(), True)

    def control(self, topic: str) -> FuzzLine:
        """A control character spliced in anywhere (illegal unescaped), or a legal one."""
        rng = self.rng
        text = self.text(self.record(topic))
        at = rng.randrange(1, len(text) - 1)
        choice = rng.randrange(4)
        if choice == 0:  # an illegal control character at any position
            return FuzzLine("control", (text[:at] + rng.choice(ILLEGAL_CONTROLS) + text[at:]).encode(), True)
        if choice == 1:  # a line of characters that are no JSON and no ASCII whitespace
            return FuzzLine("control", rng.choice(NOT_BLANK).encode(), True)
        record = self.record(topic)
        if choice == 2:  # escaped control characters and DEL, U+2028 inside a string: valid JSON
            record["page"] = "a\x00b\x1b[0m\x7f\u2028c"
            return FuzzLine("control", self.text(record).encode(), False)
        return FuzzLine("control", self.text(record).replace(",", ",\r\t", 1).encode(), False)  # JSON whitespace

    def blank(self) -> FuzzLine:
        return FuzzLine("blank", self.rng.choice(BLANK), False)


SINGLE_KINDS = ("truncated", "malformed", "non_utf8", "duplicate_keys", "wrong_type", "control")


def generate(seed: int, hour: datetime, lines_per_kind: int = 40) -> dict[str, list[FuzzLine]]:
    """Lines per topic: `lines_per_kind` of each single kind, as many valid lines, and blanks,
    plus the huge and deep ones once per topic; shuffled."""
    gen = BadLines(seed, hour)
    out: dict[str, list[FuzzLine]] = {}
    for topic in (UA, API):
        lines = [getattr(gen, kind)(topic) for kind in SINGLE_KINDS for _ in range(lines_per_kind)]
        lines += [gen.valid(topic) for _ in range(lines_per_kind * 2)]
        lines += [gen.blank() for _ in range(lines_per_kind // 4)] + gen.huge(topic) + gen.deep(topic)
        gen.rng.shuffle(lines)
        out[topic] = lines
    return out
