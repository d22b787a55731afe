"""The compose topology as processes on loopback, for test_topology: the commands and the
environment are taken from docker-compose.yml as Docker Compose resolves it, with only the
addresses moved to 127.0.0.1 (PostgreSQL, S3 = moto's server mode, MLflow, the code server) and
the container paths to a temp DAGSTER_HOME."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import requests

from .files import DEPLOY, PROXY_TEMPLATE, compose_config, filled_env_file, render_template, unescape
from lakehouse_assets_tests.processes import LOOPBACK, Service, ServiceFailed, free_port, group_members, launch, port_accepts

from .services import StackDatabases

STARTUP_TIMEOUT_SECONDS = 150.0
BIN = Path(sys.executable).parent
CONTAINER_HOME = "/opt/dagster/home"
BUCKETS = ("lakehouse", "landing", "mlflow", "dagster")
ADMIN = ("operator", "operator-password")
VIEWER = ("viewer", "viewer-password")


@dataclass
class Topology:
    tmp: Path
    databases: StackDatabases
    env: dict[str, str]
    marker: str
    ports: dict[str, int]
    compose: dict  # the resolved compose services
    hours: list = field(default_factory=list)  # the ingest hours that received sample events
    startup_seconds: float = 0.0
    services: dict[str, Service] = field(default_factory=dict)
    stack: ExitStack = field(default_factory=ExitStack)

    def url(self, name: str) -> str:
        return f"http://{LOOPBACK}:{self.ports[name]}"

    def s3(self):
        return boto3.client(
            "s3", endpoint_url=self.url("s3"), region_name="us-east-1",
            aws_access_key_id=self.env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=self.env["AWS_SECRET_ACCESS_KEY"],
        )  # fmt: skip

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        pages = self.s3().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        return [item["Key"] for page in pages for item in page.get("Contents", [])]

    def logs(self) -> str:
        return "\n".join(f"--- {name} ---\n{service.log_tail(40)}" for name, service in self.services.items())

    def check_alive(self) -> None:
        for service in self.services.values():
            service.check_alive()

    def start(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> Service:
        service = launch(name, argv, env or self.env, self.tmp / "logs", cwd=self.tmp)
        self.services[name] = service
        self.stack.callback(service.stop)
        return service

    def stop(self) -> list[str]:
        """Stops everything (last started first); returns what is still alive afterwards."""
        self.stack.close()
        time.sleep(0.2)
        return stray_processes(self.marker) + [
            f"{name}: group {service.process.pid} has {group_members(service.process.pid)}"
            for name, service in self.services.items()
            if group_members(service.process.pid)
        ]


def stray_processes(marker: str) -> list[str]:
    """Processes whose environment carries this topology's marker (every process it started has it)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker.encode() in (entry / "environ").read_bytes():
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                found.append(f"{entry.name}: {cmdline}")
        except OSError:
            continue
    return found


def stack_environment(databases: StackDatabases, tmp: Path) -> tuple[dict, dict]:
    """The resolved compose services with the test's own database roles and S3 keys."""
    overrides = {**databases.env, "LAKEHOUSE_S3_ACCESS_KEY": "lakehouse-test", "LAKEHOUSE_S3_SECRET_KEY": "lakehouse-test-secret"}
    # Two runs at once: CI has two cores for the whole suite.
    overrides["DAGSTER_MAX_CONCURRENT_RUNS"] = "2"
    services = compose_config(filled_env_file(tmp, overrides))["services"]
    return services, overrides


def localize(value: str, ports: dict[str, int], home: Path) -> str:
    """A compose value with the service addresses and container paths of this topology."""
    replacements = {
        "@postgres:5432": f"@{LOOPBACK}:5432",
        "http://minio:9000": f"http://{LOOPBACK}:{ports['s3']}",
        "http://mlflow:5000": f"http://{LOOPBACK}:{ports['mlflow']}",
        "@mariadb:3306": f"@{LOOPBACK}:3306",
        CONTAINER_HOME: str(home),
    }
    for old, new in replacements.items():
        value = value.replace(old, new)
    return value


def build(tmp: Path, databases: StackDatabases) -> Topology:
    ports = {name: free_port() for name in ("s3", "mlflow", "code", "webserver", "readonly", "admin", "viewer", "health")}
    home = tmp / "dagster_home"
    home.mkdir(parents=True)
    shutil.copy(DEPLOY / "dagster.yaml", home / "dagster.yaml")
    shutil.copy(DEPLOY / "workspace.yaml", home / "workspace.yaml")
    services, _ = stack_environment(databases, tmp)
    marker = f"topology-{uuid.uuid4().hex}"
    base = {key: os.environ[key] for key in ("HOME", "LANG", "TZ", "TMPDIR") if key in os.environ}
    base.update(PATH=f"{BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}", LAKEHOUSE_TOPOLOGY_TEST=marker, PYTHONUNBUFFERED="1")
    env = {**base, **{key: localize(unescape(value), ports, home) for key, value in services["user-code"]["environment"].items()}}
    env.update(
        DAGSTER_PG_HOST=LOOPBACK,
        DAGSTER_CODE_SERVER_HOST=LOOPBACK,
        DAGSTER_CODE_SERVER_PORT=str(ports["code"]),
        DUCKDB_TEMP_DIRECTORY=str(tmp / "duckdb"),
    )
    leftovers = [f"{key}={value}" for key, value in env.items() if any(host in value for host in ("postgres:", "minio:", "mlflow:", "mariadb:", "user-code"))]
    assert not leftovers, f"compose addresses the topology does not provide: {leftovers}"
    return Topology(tmp, databases, env, marker, ports, services)


def command(topology: Topology, service: str, host_port: tuple[str, str] | None = None) -> list[str]:
    """The compose service's command, on loopback; `host_port` maps its port to a topology port."""
    argv = [localize(str(arg), topology.ports, topology.tmp / "dagster_home") for arg in topology.compose[service]["command"]]
    argv = [LOOPBACK if arg == "0.0.0.0" else arg for arg in argv]
    if host_port:
        argv = [host_port[1] if arg == host_port[0] else arg for arg in argv]
    return argv


def start_s3(topology: Topology) -> None:
    server = topology.start("s3", [str(BIN / "moto_server"), "-H", LOOPBACK, "-p", str(topology.ports["s3"])])
    server.wait_until(lambda: port_accepts(topology.ports["s3"]), "S3 port listening", 60)
    for bucket in BUCKETS:
        topology.s3().create_bucket(Bucket=bucket)


def start_mlflow(topology: Topology) -> Service:
    """`mlflow server` as compose runs it (PostgreSQL backend, artifacts served from S3)."""
    mlflow_env = {key: localize(unescape(value), topology.ports, topology.tmp) for key, value in topology.compose["mlflow"]["environment"].items()}
    argv = command(topology, "mlflow")
    argv = [f"--port={topology.ports['mlflow']}" if arg == "--port=5000" else arg for arg in argv]
    argv = [f"{arg},{LOOPBACK}:{topology.ports['mlflow']}" if arg.startswith("--allowed-hosts=") else arg for arg in argv]
    argv = ["--workers=1" if arg.startswith("--workers=") else arg for arg in argv]
    argv = [f"--host={LOOPBACK}" if arg == "--host=0.0.0.0" else arg for arg in argv]
    return topology.start("mlflow", [str(BIN / argv[0]), *argv[1:]], {**topology.env, **mlflow_env})


def http_ok(url: str, auth: tuple[str, str] | None = None) -> bool:
    try:
        return requests.get(url, auth=auth, timeout=3).status_code == 200
    except requests.RequestException:
        return False


def start_dagster(topology: Topology) -> None:
    ports = topology.ports
    code = topology.start("user-code", command(topology, "user-code", ("4000", str(ports["code"]))))
    health = [str(BIN / "dagster"), "api", "grpc-health-check", "-h", LOOPBACK, "-p", str(ports["code"])]
    code.wait_until(lambda: port_accepts(ports["code"]), "gRPC port listening", STARTUP_TIMEOUT_SECONDS)
    code.wait_until(lambda: subprocess.run(health, env=topology.env, capture_output=True).returncode == 0, "healthy code server", 60)
    webserver = topology.start("webserver", command(topology, "webserver", ("3000", str(ports["webserver"]))))
    readonly = topology.start("webserver-readonly", command(topology, "webserver-readonly", ("3000", str(ports["readonly"]))))
    topology.start("daemon", command(topology, "daemon"))
    for service, port in ((webserver, "webserver"), (readonly, "readonly")):
        service.wait_until(lambda port=port: http_ok(f"{topology.url(port)}/server_info"), "/server_info", STARTUP_TIMEOUT_SECONDS)


def start_proxy(topology: Topology) -> Path:
    """nginx with the project's template, password files written by the project's entrypoint script."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    assert Path(nginx).exists(), "nginx is not installed (apt-get install nginx apache2-utils)"
    # Workers run as nobody (when root): the files they read must be reachable from /.
    conf = Path(tempfile.mkdtemp(prefix="lakehouse-proxy-"))
    topology.stack.callback(shutil.rmtree, conf, True)
    conf.chmod(0o755)
    hashes = {}
    for variable, (user, password) in (("PROXY_ADMIN_HTPASSWD", ADMIN), ("PROXY_VIEWER_HTPASSWD", VIEWER)):
        hashed = subprocess.run(["openssl", "passwd", "-6", password], capture_output=True, text=True, check=True).stdout.strip()
        hashes[variable] = f"{user}:{hashed}"
    group = "nogroup" if os.geteuid() == 0 else str(os.getegid())
    written = subprocess.run(
        ["sh", str(DEPLOY / "nginx" / "40-htpasswd.sh")],
        env={**os.environ, **hashes, "PROXY_AUTH_DIR": str(conf / "auth"), "PROXY_AUTH_GROUP": group},
        capture_output=True, text=True,
    )  # fmt: skip
    assert written.returncode == 0, written.stderr
    values = {
        "PROXY_ADMIN_LISTEN": f"{LOOPBACK}:{topology.ports['admin']}",
        "PROXY_VIEWER_LISTEN": f"{LOOPBACK}:{topology.ports['viewer']}",
        "PROXY_HEALTH_LISTEN": f"{LOOPBACK}:{topology.ports['health']}",
        "DAGSTER_WEBSERVER_ADDRESS": f"{LOOPBACK}:{topology.ports['webserver']}",
        "DAGSTER_READONLY_WEBSERVER_ADDRESS": f"{LOOPBACK}:{topology.ports['readonly']}",
        "PROXY_AUTH_DIR": str(conf / "auth"),
        "PROXY_CONF_DIR": str(DEPLOY / "nginx"),
        "PROXY_RESOLVER": LOOPBACK,
    }
    (conf / "default.conf").write_text(render_template(PROXY_TEMPLATE.read_text(), values))
    main = conf / "nginx.conf"
    main.write_text(nginx_main_config(conf))
    checked = subprocess.run([nginx, "-t", "-p", str(conf), "-e", str(conf / "error.log"), "-c", str(main)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    proxy = topology.start("proxy", [nginx, "-p", str(conf), "-e", str(conf / "error.log"), "-c", str(main)])
    proxy.wait_until(lambda: port_accepts(topology.ports["admin"]) and port_accepts(topology.ports["viewer"]), "proxy listening", 30)
    return conf


def nginx_main_config(conf: Path) -> str:
    """The part of nginx.conf the image provides; the project's template is its http{} include."""
    user = "user nobody nogroup;" if os.geteuid() == 0 else ""
    temp = "\n".join(f"    {kind}_temp_path {conf / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return f"""{user}
daemon off;
worker_processes 1;
pid {conf / "nginx.pid"};
error_log {conf / "error.log"} info;
events {{ worker_connections 128; }}
http {{
    access_log {conf / "access.log"};
{temp}
    include {conf / "default.conf"};
}}
"""


def assert_started(topology: Topology, started: float) -> None:
    try:
        topology.check_alive()
    except ServiceFailed as exc:
        raise ServiceFailed(f"{exc}\nafter {time.monotonic() - started:.0f}s:\n{topology.logs()}") from None
