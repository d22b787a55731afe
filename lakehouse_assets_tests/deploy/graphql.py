"""A small client of the Dagster webserver's GraphQL API, the way the UI and scripts launch work:
launch a run of assets for a partition (with run config), wait for it, read permissions."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import requests

LOCATION = "lakehouse_assets"
REPOSITORY = "__repository__"
ASSET_JOB = "__ASSET_JOB"
FINISHED = {"SUCCESS", "FAILURE", "CANCELED"}

LAUNCH_RUN = """
mutation LaunchRun($executionParams: ExecutionParams!) {
  launchRun(executionParams: $executionParams) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on Error { message }
    ... on RunConfigValidationInvalid { errors { message } }
  }
}
"""
RUN_STATUS = """
query RunStatus($runId: ID!) {
  runOrError(runId: $runId) { __typename ... on Run { status tags { key value } } ... on Error { message } }
}
"""
PERMISSIONS = "query { permissions { permission value } }"


class GraphQLError(RuntimeError):
    pass


@dataclass
class DagsterGraphQL:
    """`base_url` is the webserver (or the proxy in front of it); `auth` is (user, password)."""

    base_url: str
    auth: tuple[str, str] | None = None
    timeout: float = 30.0

    def query(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = requests.post(
            f"{self.base_url.rstrip('/')}/graphql",
            json={"query": query, "variables": variables or {}},
            auth=self.auth,
            timeout=self.timeout,
        )
        response.raise_for_status()
        body = response.json()
        if body.get("errors"):
            raise GraphQLError(f"{body['errors']}")
        return body["data"]

    def permissions(self) -> dict[str, bool]:
        return {item["permission"]: item["value"] for item in self.query(PERMISSIONS)["permissions"]}

    def launch_assets(
        self,
        asset_keys: list[list[str]],
        partition_key: str | None = None,
        run_config: dict[str, Any] | None = None,
        tags: dict[str, str] | None = None,
    ) -> str:
        """Launch one run materializing `asset_keys` (for `partition_key`); returns its run id.
        Raises with the webserver's message when it refuses (read-only, bad config, unknown keys)."""
        all_tags = dict(tags or {})
        if partition_key is not None:
            all_tags["dagster/partition"] = partition_key
        params = {
            "selector": {
                "repositoryLocationName": LOCATION,
                "repositoryName": REPOSITORY,
                "jobName": ASSET_JOB,
                "assetSelection": [{"path": key} for key in asset_keys],
            },
            "runConfigData": run_config or {},
            "executionMetadata": {"tags": [{"key": key, "value": value} for key, value in all_tags.items()]},
        }
        result = self.query(LAUNCH_RUN, {"executionParams": params})["launchRun"]
        if result["__typename"] != "LaunchRunSuccess":
            detail = result.get("message") or result.get("errors")
            raise GraphQLError(f"launchRun: {result['__typename']}: {detail}")
        return result["run"]["runId"]

    def run_status(self, run_id: str) -> str:
        result = self.query(RUN_STATUS, {"runId": run_id})["runOrError"]
        if result["__typename"] != "Run":
            raise GraphQLError(f"run {run_id}: {result}")
        return result["status"]

    def wait_for_run(self, run_id: str, timeout: float, poll: float = 1.0) -> str:
        """The run's final status; raises when it is still going after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            status = self.run_status(run_id)
            if status in FINISHED:
                return status
            if time.monotonic() > deadline:
                raise TimeoutError(f"run {run_id} still {status} after {timeout:.0f}s")
            time.sleep(poll)
