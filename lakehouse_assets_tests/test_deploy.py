"""The deployment files: docker-compose follows the Compose spec; every service is health-checked and limited."""

import json
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT.parent / "shared" / "schemas" / "compose-spec.json"


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_matches_the_spec(compose):
    jsonschema = pytest.importorskip("jsonschema")
    if not SPEC.exists():
        pytest.skip(f"{SPEC} is not beside the checkout")
    jsonschema.validate(compose, json.loads(SPEC.read_text()))


def test_every_service_has_a_healthcheck_and_limits(compose):
    for name, service in compose["services"].items():
        assert "healthcheck" in service, name
        assert service["deploy"]["resources"]["limits"]["memory"], name


def test_no_secret_values_in_compose(compose):
    text = (ROOT / "docker-compose.yml").read_text()
    assert "change-me" not in text
    for service in compose["services"].values():
        for value in (service.get("environment") or {}).values():
            assert "SECRET" not in str(value) or str(value).startswith("${"), value
