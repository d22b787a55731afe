"""The fake secrets: one recognisable value per secret-bearing variable (made up at import, or
taken from `LEAK_CANARY_<NAME>`), and every form of it a leak could take (as set, URL-encoded,
URL-decoded, base64, HTTP basic auth)."""

from __future__ import annotations

import base64
import os
import secrets
from dataclasses import dataclass
from urllib.parse import quote, quote_plus

MARKER = "LEAKCANARY"  # in every value: a fragment of any of them is found too


def _canary(name: str, template: str) -> str:
    """A fake secret: `LEAK_CANARY_<name>` from the environment when set, else `template` with a
    random part made up at import, so nothing credential-shaped is committed. Either way it holds
    MARKER."""
    value = os.environ.get(f"LEAK_CANARY_{name}") or template.format(random=secrets.token_hex(4).upper(), marker=MARKER)
    assert MARKER in value, f"LEAK_CANARY_{name} must contain {MARKER}"
    return value


# Passwords and keys carry characters that URLs escape (@ / + : % & # =), so encoded and decoded
# forms differ and both are looked for.
AWS_ACCESS_KEY_ID = _canary("AWS_ACCESS_KEY_ID", "{random}{marker}")
AWS_SECRET_ACCESS_KEY = _canary("AWS_SECRET_ACCESS_KEY", "aws/{random}+{marker}-access-key")
AWS_SESSION_TOKEN = _canary("AWS_SESSION_TOKEN", "session/{random}+{marker}-token==")
KMA_SERVICE_KEY = _canary("KMA_SERVICE_KEY", "kma+{random}/{marker}-service-key==")
BANNER_PASSWORD = _canary("BANNER_PASSWORD", "src@{random}/{marker}-banner+db:1")
EXPORT_PASSWORD = _canary("EXPORT_PASSWORD", "exp%{random}#{marker}-export&db=2")
CATALOG_PASSWORD = _canary("CATALOG_PASSWORD", "cat@{random}/{marker}-iceberg:3")
MLFLOW_PASSWORD = _canary("MLFLOW_PASSWORD", "mlf {random}&{marker}-mlflow=4")
WEBHOOK_TOKEN = _canary("WEBHOOK_TOKEN", "hook-{random}-{marker}-token")


@dataclass(frozen=True)
class Secret:
    """One variable's value and the secret parts inside it (a URL's password, a webhook's path)."""

    var: str
    value: str
    parts: tuple[str, ...] = ()
    user: str | None = None  # for the basic-auth form of a URL's password

    def forms(self) -> dict[str, str]:
        """Every text whose presence means a leak, by name of the form."""
        found: dict[str, str] = {}
        for label, raw in (("value", self.value), *((f"part{i}", p) for i, p in enumerate(self.parts))):
            found[f"{label}"] = raw
            found[f"{label} url-encoded"] = quote(raw, safe="")
            found[f"{label} form-encoded"] = quote_plus(raw)
            found[f"{label} base64"] = base64.b64encode(raw.encode()).decode()
            found[f"{label} base64url"] = base64.urlsafe_b64encode(raw.encode()).decode()
        if self.user is not None:
            for i, part in enumerate(self.parts):
                found[f"part{i} basic-auth"] = base64.b64encode(f"{self.user}:{part}".encode()).decode()
        return found


def db_url(driver: str, user: str, password: str, host: str, port: int, database: str, *, in_query: bool = False) -> str:
    """A SQLAlchemy URL holding `password`, in the user-info part or as a `password=` query parameter."""
    if in_query:
        return f"{driver}://{user}@{host}:{port}/{database}?password={quote(password, safe='')}"
    return f"{driver}://{user}:{quote(password, safe='')}@{host}:{port}/{database}"


def find(text: str, secrets: list[Secret]) -> list[tuple[str, str, str]]:
    """(variable, form, context) of every secret form in `text`, plus the bare marker; the context
    shows the text around the hit with the secret itself replaced by <VARIABLE>."""
    hits = []
    for secret in secrets:
        for form, needle in secret.forms().items():
            at = text.find(needle)
            if at >= 0:
                hits.append((secret.var, form, text[max(0, at - 100) : at + len(needle) + 60].replace(needle, f"<{secret.var}>")))
    at = text.find(MARKER)
    if at >= 0 and not hits:
        hits.append(("?", f"a fragment holding {MARKER}", text[max(0, at - 100) : at + 60]))
    return hits
