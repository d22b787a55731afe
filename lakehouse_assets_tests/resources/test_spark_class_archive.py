"""A local driver maps the class archive when it was built, and only then."""

from pathlib import Path

from lakehouse_assets.lakehouse import class_archive
from lakehouse_assets.resources import spark_config


def test_the_archive_option_is_added_only_when_the_archive_exists(tmp_path: Path, monkeypatch) -> None:
    archive = tmp_path / "spark-classes.jsa"
    monkeypatch.setattr(class_archive, "archive_path", lambda: archive)

    assert "SharedArchiveFile" not in spark_config()["spark.driver.defaultJavaOptions"]
    archive.write_bytes(b"built")
    options = spark_config()["spark.driver.defaultJavaOptions"]
    assert options.endswith(f" -XX:SharedArchiveFile={archive}")
    assert options.startswith("-XX:+UseParallelGC")  # added to the defaults, not replacing them
    assert "SharedArchiveFile" not in spark_config(class_archive=False)["spark.driver.defaultJavaOptions"]
    # A Spark Connect client starts no driver JVM of its own.
    assert not any("JavaOptions" in key for key in spark_config(remote="sc://localhost:15002"))


def test_the_build_writes_where_the_driver_looks() -> None:
    assert class_archive.archive_path().name == "spark-classes.jsa"
    assert class_archive.dump_option(Path("/x/a.jsa")) == "-XX:ArchiveClassesAtExit=/x/a.jsa"
    assert class_archive.driver_options(Path("/nonexistent/a.jsa")) == ""
