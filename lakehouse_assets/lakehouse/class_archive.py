"""The local Spark driver's class archive (the JVM's class data sharing): the classes a driver
loads to plan and run the lakehouse's queries, stored once, mapped by every later driver.

A fresh local driver spends seconds loading and verifying Spark's classes before and during its
first queries (1M-line Silver: 5.7-6.1 s of driver work before the first job, 4.7 s with the
archive; Silver 29.6 s -> 27.7 s). `make spark-classes` builds the archive (`events/class_archive_build.py`
runs a small Bronze -> Silver -> Gold with `-XX:ArchiveClassesAtExit`); `spark_config` then adds
`-XX:SharedArchiveFile` to a local driver's options whenever the file exists. A stale or foreign
archive (another JDK build, another pyspark) is refused by the JVM with one warning line, and the
driver runs as without it. No Dagster.
"""

from __future__ import annotations

import sys
from pathlib import Path


def archive_path() -> Path:
    """`share/lakehouse_assets/spark-classes.jsa` in this Python environment: the archive belongs to
    the pyspark (and the JDK) it was built with."""
    return Path(sys.prefix) / "share" / "lakehouse_assets" / "spark-classes.jsa"


def driver_options(path: Path | None = None) -> str:
    """The driver's JVM option that maps the archive, or "" when there is none."""
    path = path or archive_path()
    return f"-XX:SharedArchiveFile={path}" if path.is_file() else ""


def dump_option(path: Path) -> str:
    """The JVM option that writes the classes it loaded to `path` when the driver exits."""
    return f"-XX:ArchiveClassesAtExit={path}"
