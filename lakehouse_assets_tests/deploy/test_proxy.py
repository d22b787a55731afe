"""The proxy's nginx template with the values compose gives it: every placeholder filled, nothing
else touched, and a configuration `nginx -t` accepts. (test_topology runs it in front of real
webservers.)"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from .files import DEPLOY, PROXY_TEMPLATE, compose_config, filled_env_file, render_template, template_variables
from .topology import nginx_main_config

NGINX_OWN_VARIABLES = {"$http_upgrade", "$connection_upgrade", "$http_host", "$remote_addr", "$proxy_add_x_forwarded_for", "$scheme", "$dagster_upstream"}


@pytest.fixture(scope="module")
def proxy_env(tmp_path_factory) -> dict[str, str]:
    return compose_config(filled_env_file(tmp_path_factory.mktemp("proxy")))["services"]["proxy"]["environment"]


def test_compose_fills_every_placeholder_of_the_template(proxy_env):
    placeholders = template_variables(PROXY_TEMPLATE.read_text())
    given = set(proxy_env) - {"PROXY_ADMIN_HTPASSWD", "PROXY_VIEWER_HTPASSWD"}  # read by 40-htpasswd.sh
    assert placeholders == given
    rendered = render_template(PROXY_TEMPLATE.read_text(), proxy_env)
    assert "${" not in rendered
    # The include is mounted as it is (not a template): nginx's own variables only.
    included = (DEPLOY / "nginx" / "dagster-proxy.inc").read_text()
    assert "${" not in included
    for variable in NGINX_OWN_VARIABLES:
        assert variable in rendered + included, f"{variable} must reach nginx unchanged"
    assert 'proxy_set_header Authorization "";' in included  # the webserver never sees the password
    assert "proxy_pass $dagster_upstream;" in rendered and "http://webserver:3000" in rendered
    assert "auth_basic_user_file /etc/nginx/auth/admin.htpasswd;" in rendered
    assert "auth_basic_user_file /etc/nginx/auth/viewer.htpasswd;" in rendered
    assert "listen 127.0.0.1:8090;" in rendered  # the health endpoint stays inside the container


def test_nginx_accepts_the_rendered_configuration(proxy_env, tmp_path):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    assert Path(nginx).exists(), "nginx is not installed (apt-get install nginx apache2-utils)"
    # The container's paths, moved into tmp_path; everything else as compose renders it.
    values = {**proxy_env, "PROXY_CONF_DIR": str(DEPLOY / "nginx"), "PROXY_AUTH_DIR": str(tmp_path / "auth")}
    (tmp_path / "default.conf").write_text(render_template(PROXY_TEMPLATE.read_text(), values))
    (tmp_path / "nginx.conf").write_text(nginx_main_config(tmp_path))
    result = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert result.returncode == 0 and "test is successful" in result.stderr, result.stderr
    broken = tmp_path / "default.conf"
    broken.write_text(broken.read_text().replace("auth_basic_user_file", "auth_basic_userfile", 1))
    result = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert result.returncode != 0  # the check above can fail
