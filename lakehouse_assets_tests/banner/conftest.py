"""Fixtures of the banner tests: a SQLite engine, the scripted EMR client, the spark-submit job."""

import importlib.util
from pathlib import Path

import pytest
import sqlalchemy as sa

from lakehouse_assets_tests.banner.fakes import StubbedEmr

BANNER_STATS_JOB = Path(__file__).resolve().parents[2] / "spark" / "jobs" / "banner_stats.py"


@pytest.fixture
def sqlite_engine(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'ads.db'}")
    yield engine
    engine.dispose()


@pytest.fixture
def emr():
    stub = StubbedEmr()
    yield stub
    stub.stubber.deactivate()


@pytest.fixture
def banner_stats_job():
    """`spark/jobs/banner_stats.py`, loaded fresh as a module (it is a script, not in the package)."""
    spec = importlib.util.spec_from_file_location("banner_stats_job", BANNER_STATS_JOB)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
