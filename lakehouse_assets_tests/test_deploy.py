"""The deployment files: docker-compose follows the Compose Specification; every service is health-checked and limited.

The specification is the JSON schema that `check-jsonschema` (a dev dependency) ships as its
built-in vendored schema `vendor.compose-spec`, so the check needs nothing outside the clone.
"""

import copy
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_SCHEMA = "vendor.compose-spec"


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def compose_validator():
    """A validator for the Compose Specification schema, of the draft the schema names."""
    import jsonschema
    from check_jsonschema.builtin_schemas import get_builtin_schema

    schema = get_builtin_schema(COMPOSE_SCHEMA)
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)


def spec_errors(validator, document) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in validator.iter_errors(document)]


def test_compose_matches_the_spec(compose, compose_validator):
    assert spec_errors(compose_validator, compose) == []


def test_the_spec_rejects_an_unknown_service_key(compose, compose_validator):
    broken = copy.deepcopy(compose)
    name = next(iter(broken["services"]))
    broken["services"][name]["healthcheck_typo"] = {"test": ["CMD", "true"]}
    errors = spec_errors(compose_validator, broken)
    assert errors and any("healthcheck_typo" in e for e in errors), errors


def test_the_spec_rejects_a_value_of_the_wrong_type(compose, compose_validator):
    broken = copy.deepcopy(compose)
    name = next(iter(broken["services"]))
    broken["services"][name]["restart"] = ["unless-stopped"]  # must be a string
    errors = spec_errors(compose_validator, broken)
    assert any(e.startswith(f"services/{name}/restart") for e in errors), errors


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
