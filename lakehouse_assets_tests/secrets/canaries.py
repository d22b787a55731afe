"""The fake secrets: one recognisable value per secret-bearing variable, and every form of it a
leak could take (as set, URL-encoded, URL-decoded, base64, HTTP basic auth)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from urllib.parse import quote, quote_plus

MARKER = "LEAKCANARY"  # in every value: a fragment of any of them is found too

# Passwords and keys carry characters that URLs escape (@ / + : % & # =), so encoded and decoded
# forms differ and both are looked for.
AWS_ACCESS_KEY_ID = "AKIALEAKCANARY0ID000"
AWS_SECRET_ACCESS_KEY = "aws/Secret+LEAKCANARY-access-key0000000"
AWS_SESSION_TOKEN = "FwoGZXIvYXdz//LEAKCANARY-session+token=="
KMA_SERVICE_KEY = "kma+Key/LEAKCANARY-service-key=="
BANNER_PASSWORD = "src@Pw/LEAKCANARY-banner+db:1"
EXPORT_PASSWORD = "exp%Pw#LEAKCANARY-export&db=2"
CATALOG_PASSWORD = "cat@Pw/LEAKCANARY-iceberg:3"
MLFLOW_PASSWORD = "mlf Pw&LEAKCANARY-mlflow=4"
WEBHOOK_TOKEN = "xoxb-LEAKCANARY-webhook-token"


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
