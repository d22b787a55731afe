"""The UI end to end, in a real browser: `make dev` exactly as the README's first command (embedded
defaults, a temp DAGSTER_HOME and lakehouse, a smaller sample), then headless Chromium walks what
the README tells a newcomer to look at: every group in the Lineage graph, the checks of
`gold/metrics_funnel_daily`, a weather partition materialized from its sample source, the runs of
the sensors and of automation, and the monitoring report with its plots. Screenshots go to
test-artifacts/ui/. The start must be quiet, and `dagster dev` must stop within seconds of a
signal to its process group, even when started the way a script starts a background job."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest
import requests

from lakehouse_assets_tests.deploy.files import ROOT

from .browser import DagsterUI, chromium
from .dev_server import DevServer, start_make_dev

pytestmark = pytest.mark.integration

SHOTS = ROOT / "test-artifacts" / "ui"
AUTOMATION_TIMEOUT_SECONDS = 150.0
RUN_TIMEOUT_SECONDS = 90.0
# After SIGTERM: make returns once `dagster dev` has shut down its webserver and daemon (~6 s
# here); the code servers follow a few seconds later. Generous bounds for a loaded CI machine: a
# start that ignores the signal (the bug this guards against) never stops at all.
MAKE_RETURNS_SECONDS = 15.0
STOP_BUDGET_SECONDS = 30.0
FUNNEL = "gold/metrics_funnel_daily"
# What the sensor (Bronze) and then automation (Silver, Gold) must have written, for which sample
# hours: the data-quality Gold of the first hour runs with its Silver, in the same run.
FOLLOWS_THE_SAMPLE = {"bronze/events": slice(None), "silver/events": slice(None), "gold/metrics_data_quality_hourly": slice(0, 1)}
# The sample images include a loose key and an empty file on purpose (README): the only warnings
# a healthy start may log.
EXPECTED_WARNINGS = re.compile(r"skipped \d+ keys outside images/|kept aside \d+ keys: images/")
ANSI_COLOR = re.compile(r"\x1b\[[0-9;]*m")
NOISE = re.compile(r"\b[A-Z]\w*Warning\b|dagster\.yaml|[Tt]elemetry|dg dev|Traceback|- ERROR -")
MATERIALIZED = """
query Materialized($key: AssetKeyInput!, $partitions: [String!]) {
  assetOrError(assetKey: $key) { ... on Asset { assetMaterializations(partitions: $partitions) { partition } } }
}
"""


def test_a_newcomer_walks_the_ui_of_make_dev(tmp_path: Path):
    from dagster import AssetKey

    from lakehouse_assets.definitions import defs

    graph = defs.resolve_asset_graph()
    groups = {node.group_name for node in graph.asset_nodes}
    funnel_checks = {key.name for key in graph.asset_check_keys if key.asset_key == AssetKey.from_user_string(FUNNEL)}
    shutil.rmtree(SHOTS, ignore_errors=True)
    SHOTS.mkdir(parents=True)
    started = time.monotonic()
    server = start_make_dev(tmp_path)
    timings = {"webserver up": time.monotonic() - started}
    try:
        with chromium(tmp_path / "chromium-profile") as driver:
            ui = DagsterUI(driver, server.url, SHOTS)
            assert lineage_groups(ui) == groups
            assert funnel_check_names(ui) == funnel_checks
            assert materialize_weather_hour(ui, server.partition_keys()[0]) == "Success"
            plots, referenced = monitoring_report_plots(ui, server)
            assert plots == referenced >= 1
            timings["ui done"] = time.monotonic() - started
            wait_for_sensor_and_automation(server)
            timings["automation"] = time.monotonic() - started
            assert any("events_automation_sensor" in row for row in automation_runs(ui))
    finally:
        running_log = server.log()  # stopping interrupts runs in flight: those fail, by design
        make_seconds, stop_seconds = server.stop(STOP_BUDGET_SECONDS)
        (SHOTS / "make-dev.log").write_text(server.log())
    timings["stopped"] = time.monotonic() - started
    print("ui test timings (s): " + ", ".join(f"{k} {v:.0f}" for k, v in timings.items()), f"; after SIGTERM make returned in {make_seconds:.1f}, all stopped in {stop_seconds:.1f}")
    assert make_seconds < MAKE_RETURNS_SECONDS, f"make dev returned {make_seconds:.0f}s after SIGTERM"
    assert stop_seconds < STOP_BUDGET_SECONDS, f"processes of make dev still running {STOP_BUDGET_SECONDS:.0f}s after SIGTERM"
    noise = [line for line in running_log.splitlines() if _is_noise(line)]
    assert not noise, "a healthy start logged:\n" + "\n".join(noise[:20])


def lineage_groups(ui: DagsterUI) -> set[str]:
    """The group boxes of the global Lineage graph (the sidebar's Lineage entry)."""
    ui.open("/", "Lineage")
    ui.skip_community_dialog(timeout=10)
    ui.click("Lineage")
    box = "//*[local-name()='foreignObject'][contains(@class, 'group')]"
    ui.element(box)
    ui.until(lambda d: not ui.elements(f"{box}[contains(., 'fetching statuses')]"), "the groups' statuses")
    boxes = ui.elements(box)
    ui.screenshot("01-lineage-groups")
    return {box.text.splitlines()[0].strip() for box in boxes if box.text.strip()}


def funnel_check_names(ui: DagsterUI) -> set[str]:
    """The Checks tab of the funnel table: one row per check, as many as its "Checks (n)" says."""
    ui.open(f"/assets/{FUNNEL}", "Checks")
    ui.click("Checks")
    heading = ui.element("//*[not(*)][starts-with(normalize-space(), 'Checks (')]").text
    count = int(re.fullmatch(r"Checks \((\d+)\)", heading).group(1))
    rows = "//div[contains(@class, 'checkRow')]//div[@title]"
    ui.until(lambda d: len(ui.elements(rows)) == count, f"{count} check rows")
    ui.screenshot("02-funnel-checks")
    return {row.get_attribute("title") for row in ui.elements(rows)}


def materialize_weather_hour(ui: DagsterUI, partition: str) -> str:
    """Materialize... on weather/observations_raw, one partition typed in, Launch; the run's end."""
    ui.open("/assets/weather/observations_raw", "Materialize…")
    ui.click("Materialize…")
    dialog = "//div[@role='dialog']"
    field = ui.element(f"{dialog}//input[@type='text']")
    field.send_keys(partition + "\n")
    ui.wait_for_text("1 partition")
    ui.click("Launch 1 run", within=dialog)
    ui.follow_launched_run()
    status = ui.wait_for_run(RUN_TIMEOUT_SECONDS)
    ui.wait_for_text(f"partition: {partition}")
    ui.screenshot("03-weather-run")
    return status


def wait_for_sensor_and_automation(server: DevServer) -> None:
    """Until the sensor's Bronze and automation's Silver and Gold hold the sample hours."""
    deadline = time.monotonic() + AUTOMATION_TIMEOUT_SECONDS
    missing: dict[str, list[str]] = {}
    while time.monotonic() < deadline:
        missing = {}
        for key, hours in FOLLOWS_THE_SAMPLE.items():
            wanted = server.partition_keys()[hours]
            variables = {"key": {"path": key.split("/")}, "partitions": wanted}
            response = requests.post(f"{server.url}/graphql", json={"query": MATERIALIZED, "variables": variables}, timeout=10)
            done = {m["partition"] for m in response.json()["data"]["assetOrError"].get("assetMaterializations") or []}
            if set(wanted) - done:
                missing[key] = sorted(set(wanted) - done)
        if not missing:
            return
        server.service.check_alive()
        time.sleep(2)
    raise AssertionError(f"not materialized after {AUTOMATION_TIMEOUT_SECONDS:.0f}s: {missing}")


def automation_runs(ui: DagsterUI) -> list[str]:
    """The Runs page, then with "Show runs within backfills" ticked: the rows of runs that ran
    inside a backfill (automation's runs hide there)."""
    ui.open("/runs", "Show runs within backfills")
    ui.element("//div[contains(@class, 'VirtualizedTable_row')][contains(., 'events_automation_sensor')]")
    ui.screenshot("04-runs")
    ui.element("//label[contains(normalize-space(), 'Show runs within backfills')]").click()
    inside = "//div[contains(@class, 'VirtualizedTable_row')][.//*[starts-with(normalize-space(), 'Backfill: ')]]"
    ui.element(inside)
    ui.screenshot("05-runs-within-backfills")
    return [row.text for row in ui.elements(inside)]


def monitoring_report_plots(ui: DagsterUI, server: DevServer) -> tuple[int, int]:
    """Materialize monitoring/report from its page; the plots its Markdown shows (loaded images)
    and the PNGs that the report it wrote under the lakehouse references."""
    ui.open("/assets/monitoring/report", "Materialize")
    ui.click("Materialize")
    ui.follow_launched_run()
    assert ui.wait_for_run(RUN_TIMEOUT_SECONDS) == "Success"
    ui.open("/assets/monitoring/report", "report_location")
    ui.click("[Show Markdown]")
    dialog = ui.element("//div[@role='dialog'][.//*[starts-with(normalize-space(), 'Monitoring report')]]")
    images = ui.until(lambda d: _loaded_images(dialog), "a loaded plot in the report")
    ui.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", images[0])
    ui.screenshot("06-monitoring-report")
    reports = sorted((server.lakehouse / "reports" / "monitoring").rglob("report.md"))
    assert reports, "no report.md under the lakehouse"
    referenced = re.findall(r"!\[[^\]]*\]\(([^)]+\.png)\)", reports[-1].read_text())
    return len(images), len(referenced)


def _loaded_images(dialog) -> list:
    images = dialog.find_elements("tag name", "img")
    loaded = [i for i in images if (i.get_attribute("src") or "").startswith("data:image/png") and int(i.get_attribute("naturalWidth") or 0) > 0]
    return loaded if loaded and len(loaded) == len(images) else []


def _is_noise(line: str) -> bool:
    plain = ANSI_COLOR.sub("", line)  # the daemon and webserver log in color
    return bool(NOISE.search(plain)) or (" - WARNING - " in plain and not EXPECTED_WARNINGS.search(plain))
