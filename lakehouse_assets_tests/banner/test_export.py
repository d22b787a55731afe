"""The export transaction: one KST day replaced in `banner_stats_daily`, on SQLite and MariaDB."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from lakehouse_assets.banner.export import ExportSchemaMismatch, read_day, replace_day
from lakehouse_assets.resources.databases import DatabaseResource
from lakehouse_assets_tests.banner.fakes import stats_daily_row
from lakehouse_assets_tests.support import DB_KINDS, database_url

DAY = date(2026, 11, 20)


@pytest.mark.parametrize("kind", DB_KINDS)
def test_replace_day_touches_only_that_day(kind, tmp_path):
    with database_url(kind, tmp_path) as url:
        engine = DatabaseResource(url=url).engine()
        other = DAY + timedelta(days=1)
        assert replace_day(engine, DAY, [stats_daily_row(DAY, 1), stats_daily_row(DAY, 2)]) == (0, 2)
        assert replace_day(engine, other, [stats_daily_row(other, 1)]) == (0, 1)
        assert replace_day(engine, DAY, [stats_daily_row(DAY, 3, impressions=9)]) == (2, 1)
        assert [(r["banner_id"], r["impressions"], r["spend"]) for r in read_day(engine, DAY)] == [(3, 9, Decimal("1.25"))]
        assert [r["banner_id"] for r in read_day(engine, other)] == [1]
        with pytest.raises(ValueError, match="handed to the export"):
            replace_day(engine, DAY, [stats_daily_row(other, 5)])
        with pytest.raises(sa.exc.IntegrityError):  # a duplicate key rolls the whole day back
            replace_day(engine, DAY, [stats_daily_row(DAY, 4), stats_daily_row(DAY, 4)])
        assert [r["banner_id"] for r in read_day(engine, DAY)] == [3]
        engine.dispose()


def test_existing_export_table_with_other_columns_is_refused(sqlite_engine):
    with sqlite_engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE banner_stats_daily (stat_date DATE, banner_id INT, views INT)"))
    with pytest.raises(ExportSchemaMismatch, match="views"):
        replace_day(sqlite_engine, DAY, [])
