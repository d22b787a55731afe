"""Test doubles and sample rows the banner tests share: a clock that never waits, a scripted EMR
client (botocore's Stubber on a real boto3 client) and a `banner.stats_daily` row."""

from datetime import date

import boto3
from botocore.stub import ANY, Stubber

from lakehouse_assets.banner.emr import command_step

JOB_FLOW = {"Name": "banner-stats", "ReleaseLabel": "emr-7.5.0", "Instances": {"InstanceCount": 1}}
NEW, EXISTING = "j-NEWCLUSTER", "j-EXISTING"
STEPS = [command_step(f"step {i}", ["echo", str(i)]) for i in (1, 2, 3)]
STEP_IDS = ["s-1", "s-2", "s-3"]


class FakeTime:
    """The poll clock and sleep: time passes only when the lifecycle sleeps; `on_sleep(n)` acts at the n-th."""

    def __init__(self, on_sleep=None):
        self.now = 1000.0
        self.sleeps: list[float] = []
        self.on_sleep = on_sleep

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        if self.on_sleep is not None:
            self.on_sleep(len(self.sleeps))


class StubbedEmr:
    """A real boto3 EMR client answering from a script; records every call made (even failing ones)."""

    def __init__(self):
        self.client = boto3.client("emr", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
        self.stubber = Stubber(self.client)
        self.calls: list[tuple[str, dict]] = []
        self.client.meta.events.register("before-parameter-build.emr", self._record)
        self.stubber.activate()

    def _record(self, params, model, **_):
        self.calls.append((model.name, dict(params)))

    def count(self, operation: str) -> int:
        return sum(1 for name, _ in self.calls if name == operation)

    def params(self, operation: str) -> dict:
        return next(p for name, p in self.calls if name == operation)

    def creates(self, cluster_id=NEW):
        self.stubber.add_response("run_job_flow", {"JobFlowId": cluster_id}, dict.fromkeys(("Name", "ReleaseLabel", "Instances", "AutoTerminationPolicy", "Tags"), ANY))

    def cluster_is(self, state, cluster_id=EXISTING):
        self.stubber.add_response("describe_cluster", {"Cluster": {"Id": cluster_id, "Name": "c", "Status": {"State": state}}}, {"ClusterId": cluster_id})

    def adds_steps(self, cluster_id, step_ids):
        self.stubber.add_response("add_job_flow_steps", {"StepIds": step_ids}, {"JobFlowId": cluster_id, "Steps": ANY})

    def steps_are(self, cluster_id, states, failure=None):
        steps = []
        for step_id, state in zip(STEP_IDS, states):
            status = {"State": state}
            if state == "FAILED" and failure:
                status["FailureDetails"] = failure
            steps.append({"Id": step_id, "Name": f"step {step_id[-1]}", "Status": status})
        self.stubber.add_response("list_steps", {"Steps": steps}, {"ClusterId": cluster_id, "StepIds": STEP_IDS[: len(states)]})

    def terminates(self, cluster_id=NEW):
        self.stubber.add_response("terminate_job_flows", {}, {"JobFlowIds": [cluster_id]})

    def cancels(self, step_ids, cluster_id=EXISTING):
        info = [{"StepId": s, "Status": "SUBMITTED", "Reason": ""} for s in step_ids]
        self.stubber.add_response("cancel_steps", {"CancelStepsInfoList": info}, {"ClusterId": cluster_id, "StepIds": step_ids, "StepCancellationOption": "SEND_INTERRUPT"})

    def done(self):
        self.stubber.assert_no_pending_responses()


def stats_daily_row(day: date, banner_id: int, impressions: int = 1) -> dict:
    """One valid `banner.stats_daily` row (every column, money in cents)."""
    return {
        "stat_date": day, "banner_id": banner_id, "campaign_id": 1, "advertiser_id": 1, "tab_id": 1,
        "impressions": impressions, "unique_viewers": 1, "clicks": 0, "ctr": 0.0, "orders": 0,
        "revenue": 0.0, "cvr": None, "spend": 1.25, "roas": 0.0,
    }  # fmt: skip
