import subprocess
import sys

from dagster import AssetKey

from lakehouse_assets.definitions import defs
from lakehouse_assets.settings import Settings

EVENTS_KEYS = {
    ("bronze", "events"),
    ("silver", "events"),
    ("silver", "event_rejects"),
    ("silver", "event_duplicates"),
    ("gold", "metrics_server_health_minutely"),
    ("gold", "metrics_operational_hourly"),
    ("gold", "metrics_business_daily"),
    ("gold", "metrics_funnel_daily"),
    ("gold", "metrics_data_quality_hourly"),
}


def test_all_definitions_load():
    graph = defs.resolve_asset_graph()
    keys = {tuple(k.path) for k in graph.get_all_asset_keys()}
    assert EVENTS_KEYS <= keys
    defs.resolve_implicit_global_asset_job_def()  # every asset resolves with the resources given


def test_all_domains_are_in_the_code_location():
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert {"media/image_metadata", "banner/stats_daily", "banner/stats_export", "banner/snapshot_banner_impression"} <= keys
    assert {"weather/observations_raw", "weather/observations"} <= keys
    assert defs.resolve_schedule_def("weather_hourly_schedule").execution_timezone == "Asia/Seoul"
    checks = {(c.asset_key.to_user_string(), c.name) for c in graph.asset_check_keys}
    assert ("banner/ads_database", "database_reachable") in checks and ("banner/stats_export", "database_reachable") in checks
    sensors = {s.name for s in defs.sensors}
    assert {"events_landing_sensor", "images_landing_sensor"} <= sensors


def test_every_asset_is_documented_grouped_and_kinded():
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.description, f"{key} has no description"
        assert node.group_name and node.group_name != "default", f"{key} has no group"
        assert node.kinds, f"{key} has no kinds"


def test_events_checks_are_registered():
    graph = defs.resolve_asset_graph()
    checks = {(tuple(c.asset_key.path), c.name) for c in graph.asset_check_keys}
    assert (("silver", "events"), "bronze_reconciles") in checks
    assert (("silver", "events"), "no_duplicate_event_id") in checks
    assert (("gold", "metrics_funnel_daily"), "funnel_non_increasing") in checks
    for key in EVENTS_KEYS:
        assert (key, "schema_matches_declaration") in checks


def test_import_is_light():
    code = "import sys, lakehouse_assets.definitions; print(','.join(m for m in ('pyspark','mlflow','sklearn') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_settings_defaults_are_embedded(tmp_path):
    settings = Settings.from_env({})
    assert settings.lakehouse_root.startswith("file:///") and settings.lakehouse_root.endswith("/.lakehouse")
    assert settings.landing == settings.lakehouse_root + "/landing"
    assert settings.catalog_uri.startswith("sqlite:///") and settings.catalog_uri.endswith(".lakehouse/catalog.db")
    assert settings.spark_master == "local[*]" and settings.spark_remote is None
    assert settings.kma_api_base_url == "https://apis.data.go.kr/1360000"
    assert settings.banner_export_db_url == settings.banner_db_url


def test_settings_from_environment():
    settings = Settings.from_env(
        {
            "LAKEHOUSE_ROOT": "s3://lakehouse",
            "LAKEHOUSE_LANDING": "s3://landing/raw",
            "LAKEHOUSE_CATALOG_URI": "postgresql+psycopg2://u@db/iceberg",
            "AWS_ENDPOINT_URL": "http://minio:9000",
            "SPARK_REMOTE": "sc://spark-connect:15002",
            "KMA_SERVICE_KEY": "secret",
        }
    )
    assert settings.lakehouse_root == "s3://lakehouse"
    assert settings.landing == "s3://landing/raw"
    assert settings.catalog_uri.startswith("postgresql")
    assert settings.aws_endpoint_url == "http://minio:9000"
    assert settings.spark_remote == "sc://spark-connect:15002"
    assert settings.kma_key_configured
    assert "secret" not in repr(settings)


def test_code_location_loads_as_dagster_loads_it(tmp_path):
    """`dagster dev` loads workspace.yaml: exactly one Definitions at module scope, all valid."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    dagster = Path(sys.executable).with_name("dagster")
    out = subprocess.run(
        [str(dagster), "definitions", "validate", "-w", "workspace.yaml"],
        cwd=root,
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "DAGSTER_HOME": str(tmp_path)},
        timeout=120,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Validation successful" in out.stdout + out.stderr
