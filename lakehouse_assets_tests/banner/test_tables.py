"""The banner table declarations: SQL identifiers are validated, source specs are consistent."""

import pytest

from lakehouse_assets.banner.tables import SOURCE, SOURCE_TABLES, InvalidIdentifier, SourceColumn, SourceTable, check_identifier


@pytest.mark.parametrize("name", ["1abc", "a b", "orders; DROP TABLE orders", "name`", "x--", "", "a" * 65, "snapshot.date", "é"])
def test_bad_identifiers_are_rejected(name):
    with pytest.raises(InvalidIdentifier):
        check_identifier(name)
    with pytest.raises(InvalidIdentifier):
        SourceTable(name, "dimension", (SourceColumn("id", "INT"),), ("id",))
    with pytest.raises(InvalidIdentifier):
        SourceColumn(name, "INT")


def test_table_specs_are_consistent():
    with pytest.raises(ValueError, match="time column"):
        SourceTable("t", "fact", (SourceColumn("id", "INT"),), ("id",))
    with pytest.raises(ValueError, match="not one of its columns"):
        SourceTable("t", "fact", (SourceColumn("id", "INT"),), ("id",), time_column="at")
    with pytest.raises(ValueError, match="reserved"):
        SourceTable("t", "dimension", (SourceColumn("snapshot_date", "DATE"),), ())
    assert [t.name for t in SOURCE_TABLES if t.kind == "fact"] == ["banner_impression", "banner_click", "orders", "banner_cost"]
    impression = SOURCE["banner_impression"].snapshot
    assert impression.identifier == "banner.snapshot_banner_impression" and impression.partition_column == "snapshot_date"
    assert [(c.name, c.type) for c in impression.columns] == [("impression_id", "long"), ("banner_id", "int"), ("user_id", "string"), ("shown_at", "timestamp"), ("snapshot_date", "date")]
