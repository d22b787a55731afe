"""The scripts the containers run at start, run here for real: the PostgreSQL init script, the
banner seeding, the proxy's password files and the Spark image's jar download."""

from __future__ import annotations

import functools
import hashlib
import http.server
import os
import subprocess
import sys
import threading
from pathlib import Path

import psycopg2
import pytest

from lakehouse_assets_tests.support import database_url

from .files import DEPLOY, env_example
from lakehouse_assets_tests.processes import LOOPBACK

from .services import PG_ADMIN, stack_databases

SCRIPTS_RUN_BY_IMAGES = [
    DEPLOY / "postgres" / "10-databases.sh",  # /docker-entrypoint-initdb.d/
    DEPLOY / "nginx" / "40-htpasswd.sh",  # /docker-entrypoint.d/ runs executable files only
    DEPLOY / "spark" / "start-connect.sh",
    DEPLOY / "spark" / "fetch-jars.sh",
    DEPLOY / "banner" / "seed.sh",
    DEPLOY / "minio" / "create-buckets.sh",
]


@pytest.mark.parametrize("script", SCRIPTS_RUN_BY_IMAGES, ids=lambda p: p.name)
def test_start_scripts_are_executable_shell_scripts(script: Path):
    assert os.access(script, os.X_OK), f"{script} is not executable (git keeps the bit: chmod +x)"
    result = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.integration
def test_postgres_init_gives_each_service_its_own_database_and_role():
    with stack_databases() as databases:
        connection = psycopg2.connect(**PG_ADMIN)
        try:
            with connection.cursor() as cursor:
                for kind in ("DAGSTER", "ICEBERG", "MLFLOW"):
                    cursor.execute(
                        "SELECT pg_get_userbyid(datdba), has_database_privilege('public', datname, 'CONNECT') FROM pg_database WHERE datname = %s",
                        (databases.env[f"{kind}_PG_DB"],),
                    )
                    assert cursor.fetchall() == [(databases.env[f"{kind}_PG_USER"], False)], kind
        finally:
            connection.close()
        # A second run (a restarted init, a rotated password) changes passwords and nothing else.
        rotated = {**databases.env, "MLFLOW_PG_PASSWORD": "it's \"quoted\""}
        result = subprocess.run(
            ["bash", str(DEPLOY / "postgres" / "10-databases.sh")],
            env={**os.environ, **rotated, "PGHOST": LOOPBACK, "POSTGRES_USER": "postgres"},
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert "CREATE DATABASE" not in result.stdout and result.stdout.count("ALTER ROLE") == 3


@pytest.mark.integration
def test_banner_seed_fills_an_empty_database_once(tmp_path):
    with database_url("mariadb", tmp_path) as url:
        # `python` is the image's interpreter there; here it is this environment's.
        path = f"{Path(sys.executable).parent}:{os.environ['PATH']}"
        env = {**os.environ, "PATH": path, "BANNER_DB_URL": url, "BANNER_SAMPLE_DAYS": "1", "BANNER_SAMPLE_IMPRESSIONS_PER_DAY": "200"}
        script = ["sh", str(DEPLOY / "banner" / "seed.sh")]
        first = subprocess.run(script, env=env, capture_output=True, text=True, timeout=300)
        assert first.returncode == 0, first.stdout + first.stderr
        import sqlalchemy as sa

        engine = sa.create_engine(url)
        try:
            with engine.connect() as conn:
                impressions = conn.execute(sa.text("SELECT COUNT(*) FROM banner_impression")).scalar_one()
        finally:
            engine.dispose()
        assert impressions > 0
        second = subprocess.run(script, env=env, capture_output=True, text=True, timeout=300)
        assert second.returncode == 0, second.stdout + second.stderr
        assert "already has tables" in second.stdout


def _htpasswd_env(auth_dir: Path, **values: str) -> dict[str, str]:
    return {**os.environ, "PROXY_AUTH_DIR": str(auth_dir), "PROXY_AUTH_GROUP": "nogroup", **values}


def test_proxy_password_files_are_written_from_hashes(tmp_path):
    sha512 = subprocess.run(["openssl", "passwd", "-6", "s3cret"], capture_output=True, text=True, check=True).stdout.strip()
    apr1 = subprocess.run(["htpasswd", "-nbm", "viewer", "look"], capture_output=True, text=True, check=True).stdout.strip()
    env = _htpasswd_env(tmp_path / "auth", PROXY_ADMIN_HTPASSWD=f"admin:{sha512} ops:{sha512}", PROXY_VIEWER_HTPASSWD=apr1)
    result = subprocess.run(["sh", str(DEPLOY / "nginx" / "40-htpasswd.sh")], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    admin = tmp_path / "auth" / "admin.htpasswd"
    assert admin.read_text() == f"admin:{sha512}\nops:{sha512}\n"
    assert (tmp_path / "auth" / "viewer.htpasswd").read_text() == apr1 + "\n"
    assert oct(admin.stat().st_mode & 0o777) == "0o640"  # nginx's group reads, nobody else


@pytest.mark.parametrize("admin", ["admin:plain-password", "admin", ":$6$salt$hash", ""])
def test_proxy_refuses_plain_or_missing_passwords(tmp_path, admin):
    env = _htpasswd_env(tmp_path / "auth", PROXY_ADMIN_HTPASSWD=admin, PROXY_VIEWER_HTPASSWD="viewer:$apr1$a$b")
    result = subprocess.run(["sh", str(DEPLOY / "nginx" / "40-htpasswd.sh")], env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert not (tmp_path / "auth" / "admin.htpasswd").exists()


def test_env_example_leaves_the_proxy_passwords_to_the_operator():
    assert env_example()["PROXY_ADMIN_HTPASSWD"] == "" and env_example()["PROXY_VIEWER_HTPASSWD"] == ""


@pytest.fixture
def jar_server(tmp_path):
    """An HTTP server on loopback serving the files of a directory (stands in for Maven Central)."""
    served = tmp_path / "served"
    served.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    server = http.server.ThreadingHTTPServer((LOOPBACK, 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield served, f"http://{LOOPBACK}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_jar_download_keeps_only_verified_files(tmp_path, jar_server):
    served, base = jar_server
    (served / "good.jar").write_bytes(b"good jar")
    (served / "bad.jar").write_bytes(b"tampered jar")
    good_sha1 = hashlib.sha1(b"good jar").hexdigest()
    fetch = DEPLOY / "spark" / "fetch-jars.sh"

    listing = tmp_path / "jars.txt"
    listing.write_text(f"# comment\n\n{good_sha1} {base}/good.jar\n")
    result = subprocess.run(["sh", str(fetch), str(listing), str(tmp_path / "ok")], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "ok" / "good.jar").read_bytes() == b"good jar"

    listing.write_text(f"{good_sha1} {base}/good.jar\n{good_sha1} {base}/bad.jar\n")
    result = subprocess.run(["sh", str(fetch), str(listing), str(tmp_path / "refused")], capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "bad.jar" in result.stderr and "expected" in result.stderr
    assert not (tmp_path / "refused").exists()  # nothing half-verified lands in the image
