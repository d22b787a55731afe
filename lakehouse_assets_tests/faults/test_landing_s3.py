"""An S3 error in the middle of landing reads: the `bronze/events` run reads the hour's objects
from S3 (moto) and S3 answers 503 SlowDown from the fourth GetObject on, through a botocore
`before-call` hook on the run's real client. The run fails naming the object and the S3 error
code after the asset's retries (IO_RETRY, on a clock that does not wait), Bronze keeps its
snapshot and rows, nothing is staged, and the re-run reads every object."""

import itertools
from datetime import datetime, timezone

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from dagster import DagsterInstance, materialize
from dagster_aws.s3 import S3Resource
from moto import mock_aws

from lakehouse_assets.assets_common import IO_RETRY, hour_key
from lakehouse_assets.events.assets import bronze_events
from lakehouse_assets.events.tables import BRONZE_EVENTS
from lakehouse_assets.lakehouse.tables import Window
from lakehouse_assets.resources import LakehouseResource, S3LandingStorage
from lakehouse_assets.sample_data.events import generate_event_objects
from lakehouse_assets_tests.faults.retry_clock import failure_text, retry_clock, step_events
from lakehouse_assets_tests.faults.state import table_state, uncommitted_files
from lakehouse_assets_tests.support import BUCKET

HOUR = datetime(2026, 11, 20, 7, tzinfo=timezone.utc)
PREFIX = "raw"
READS_BEFORE_ERROR = 3


class S3FailingAfterReads(S3Resource):
    """S3 whose clients answer GetObject with 503 SlowDown after `reads_before_error` successful
    reads (negative: never). The hook answers in botocore's place, so the request never reaches
    the store, and botocore raises its own ClientError from the 503."""

    reads_before_error: int = -1

    def get_client(self):
        client = super().get_client()
        if self.reads_before_error >= 0:
            reads = itertools.count()

            def slow_down(params, **kwargs):
                if next(reads) < self.reads_before_error:
                    return None
                error = {"Code": "SlowDown", "Message": "Please reduce your request rate."}
                return AWSResponse(params["url"], 503, {}, None), {"Error": error, "ResponseMetadata": {"HTTPStatusCode": 503}}

            client.meta.events.register("before-call.s3.GetObject", slow_down)
        return client


def run_bronze(lakehouse: LakehouseResource, reads_before_error: int = -1):
    landing = S3LandingStorage(bucket=BUCKET, prefix=PREFIX, s3=S3FailingAfterReads(region_name="us-east-1", reads_before_error=reads_before_error))
    return materialize(
        [bronze_events],
        partition_key=hour_key(HOUR),
        resources={"landing": landing, "lakehouse": lakehouse},
        instance=DagsterInstance.ephemeral(),
        raise_on_error=False,
    )


@pytest.fixture
def s3_objects(aws_env):
    """The hour's generated landing objects; the first half landed in moto's S3, the rest to land."""
    objects = list(generate_event_objects(HOUR, hours=1, events_per_hour=400, bad_share=0.05, seed=5))
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)

        def land(batch):
            for obj in batch:
                client.put_object(Bucket=BUCKET, Key=f"{PREFIX}/{obj.key}", Body=obj.body)

        half = len(objects) // 2
        land(objects[:half])
        yield objects, lambda: land(objects[half:])


def test_an_s3_error_mid_reads_fails_the_run_and_leaves_bronze_as_it_was(s3_objects, tmp_path, monkeypatch):
    clock = retry_clock(monkeypatch)
    objects, land_the_rest = s3_objects
    assert len(objects) > READS_BEFORE_ERROR + 2
    lakehouse = LakehouseResource(root_uri=(tmp_path / "lake").as_uri(), catalog_uri=f"sqlite:///{tmp_path / 'catalog.db'}")
    assert run_bronze(lakehouse).success
    lh = lakehouse.lakehouse
    before = table_state(lh, BRONZE_EVENTS)
    assert before.snapshot_id is not None and before.rows
    land_the_rest()

    failed = run_bronze(lakehouse, reads_before_error=READS_BEFORE_ERROR)

    assert not failed.success
    assert len(step_events(failed, "STEP_UP_FOR_RETRY")) == IO_RETRY.max_retries == len(clock.waits)
    message = failure_text(failed)
    assert f"S3 get s3://{BUCKET}/{PREFIX}/events/topic=" in message and "failed: SlowDown" in message, message
    assert table_state(lh, BRONZE_EVENTS) == before
    assert uncommitted_files(lh, BRONZE_EVENTS) == set()

    rerun = run_bronze(lakehouse)

    assert rerun.success
    after = table_state(lh, BRONZE_EVENTS)
    assert after.snapshot_id != before.snapshot_id
    assert {r["source_key"] for r in after.rows} == {o.key for o in objects if o.body.strip()}
    assert lh.row_count(BRONZE_EVENTS, Window.hour(HOUR)) == len(after.rows) > len(before.rows)
