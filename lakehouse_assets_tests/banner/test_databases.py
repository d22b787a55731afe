"""The banner database resources: reachability without the password, URLs kept as EnvVars."""

from lakehouse_assets.resources.databases import DatabaseResource, masked_url


def test_database_check_hides_the_password(tmp_path):
    ok, message = DatabaseResource(url=f"sqlite:///{tmp_path / 'new' / 'x.db'}").check()
    assert ok and "SELECT 1 answered" in message
    down = DatabaseResource(url="mysql+pymysql://ads:s3cr3t-pw@127.0.0.1:1/ads", connect_timeout_seconds=2)
    ok, message = down.check()
    assert not ok and "unreachable" in message and "s3cr3t-pw" not in message and "***" in message
    assert "s3cr3t-pw" not in down.safe_url and "s3cr3t-pw" not in repr(down.engine())
    assert masked_url("mysql+pymysql://u:p%40ss@h/db") == "mysql+pymysql://u:***@h/db"
    assert "zz" not in masked_url("mysql+pymysql://u@h/db?password=zz")


def test_database_urls_from_the_environment_stay_env_vars():
    from dagster import EnvVar

    from lakehouse_assets.resources.databases import banner_database_resources

    embedded = banner_database_resources("sqlite:///a.db", "sqlite:///a.db", False, False)
    assert embedded["banner_db"].url == embedded["banner_export_db"].url == "sqlite:///a.db"
    secret = "mysql+pymysql://u:pw@db/ads"
    wired = banner_database_resources(secret, secret, True, False)
    assert wired["banner_db"].url == EnvVar("BANNER_DB_URL") and wired["banner_export_db"].url == EnvVar("BANNER_DB_URL")
    assert banner_database_resources(secret, "sqlite:///r.db", True, True)["banner_export_db"].url == EnvVar("BANNER_EXPORT_DB_URL")
