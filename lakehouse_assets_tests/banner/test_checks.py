"""The banner checks' logic on small tables, and the reachability check run through Dagster."""

from datetime import date
from decimal import Decimal

from lakehouse_assets.banner.checks import export_result, rows_valid_result, source_count_result, totals_result
from lakehouse_assets.resources.databases import DatabaseResource

DAY = date(2026, 11, 20)


def _stats(rows):
    import pyarrow as pa

    base = {"stat_date": DAY, "campaign_id": 1, "advertiser_id": 1, "tab_id": 1, "unique_viewers": 1, "clicks": 1, "ctr": 0.5, "orders": 1, "cvr": 1.0, "revenue": 10.0, "spend": 5.0, "roas": 2.0}
    return pa.Table.from_pylist([{**base, **r} for r in rows])


def test_totals_check_catches_a_lost_row():
    import pyarrow as pa

    impressions = pa.table({"banner_id": [1, 1, 2, None]})
    clicks, orders = pa.table({"banner_id": [1, 2]}), pa.table({"banner_id": [1, 2, None], "amount": [10.0, 10.0, 3.0]})
    costs = pa.table({"banner_id": [1, 2], "spend": [5.0, 5.0]})
    good = _stats([{"banner_id": 1, "impressions": 2}, {"banner_id": 2, "impressions": 1}])
    assert totals_result(good, impressions, clicks, orders, costs).passed
    lost = totals_result(_stats([{"banner_id": 1, "impressions": 2}]), impressions, clicks, orders, costs)
    assert not lost.passed and lost.metadata["snapshot_impressions"].value == 3


def test_rows_valid_check():
    assert rows_valid_result(_stats([{"banner_id": 1, "impressions": 2}])).passed
    duplicate = rows_valid_result(_stats([{"banner_id": 1, "impressions": 2}, {"banner_id": 1, "impressions": 2}]))
    assert not duplicate.passed and duplicate.metadata["duplicate_banner_ids"].value == 1
    ratio = rows_valid_result(_stats([{"banner_id": 1, "impressions": 0, "ctr": 0.0}]))
    assert not ratio.passed and ratio.metadata["ratio_null_mismatches"].value == 1


def test_export_and_source_count_checks():
    lake = [{"banner_id": 1, "impressions": 2, "unique_viewers": 1, "clicks": 1, "orders": 0, "revenue": 1.0, "spend": 2.0}]
    assert export_result(lake, [{**lake[0], "revenue": Decimal("1.00")}]).passed
    assert not export_result(lake, []).passed
    assert not export_result(lake, [{**lake[0], "clicks": 2}]).passed
    assert source_count_result("fact", 10, 10).passed and source_count_result("fact", None, 0).passed
    short = source_count_result("fact", 10, 9)
    assert not short.passed and short.severity.value == "ERROR" and short.metadata["difference"].value == -1
    assert source_count_result("dimension", 10, 9).severity.value == "WARN"


def test_reachability_checks_take_the_url_from_the_environment_and_never_show_the_password(tmp_path, monkeypatch):
    from dagster import DagsterInstance, Definitions, EnvVar

    from lakehouse_assets.banner.checks import source_database_reachable
    from lakehouse_assets.banner.snapshots import SOURCE_DATABASE

    def run_check(url):
        monkeypatch.setenv("BANNER_TEST_DB_URL", url)
        defs = Definitions(assets=[SOURCE_DATABASE], asset_checks=[source_database_reachable], resources={"banner_db": DatabaseResource(url=EnvVar("BANNER_TEST_DB_URL"))})
        instance = DagsterInstance.ephemeral()
        result = defs.resolve_implicit_global_asset_job_def().execute_in_process(instance=instance)
        logs = "\n".join(str(entry) for entry in instance.all_logs(result.run_id))
        return result.get_asset_check_evaluations()[0], logs

    evaluation, _ = run_check(f"sqlite:///{tmp_path / 'ads.db'}")
    assert evaluation.passed
    evaluation, logs = run_check("mysql+pymysql://ads:s3cr3t-pw@127.0.0.1:1/ads")
    assert not evaluation.passed and "unreachable" in evaluation.description
    assert "s3cr3t-pw" not in logs and "s3cr3t-pw" not in str(evaluation.metadata)
