"""Landing storage for tests: a temp directory, or moto's in-memory S3 (same interface)."""

import contextlib

import boto3
from dagster_aws.s3 import S3Resource
from moto import mock_aws

from lakehouse_assets.resources import LocalLandingStorage, S3LandingStorage

BUCKET = "landing-test"


@contextlib.contextmanager
def landing_storage(kind: str, tmp_path):
    """Yield a LandingStorage of `kind` ("local" or "s3"); S3 lives only inside the context."""
    if kind == "local":
        yield LocalLandingStorage(root=str(tmp_path / "landing"))
        return
    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=BUCKET)
        yield S3LandingStorage(bucket=BUCKET, prefix="raw", s3=S3Resource(region_name="us-east-1"))
