"""The sample ads database: deterministic for a seed, realistic ratios, no accidental overwrite."""

import argparse
from datetime import date

import sqlalchemy as sa

from lakehouse_assets.banner.tables import source_metadata
from lakehouse_assets.sample_data import banner as sample

DAY = date(2026, 11, 20)


def _dump(url):
    engine = sa.create_engine(url)
    metadata = source_metadata()
    with engine.connect() as conn:
        dump = {name: conn.execute(sa.select(table).order_by(*table.primary_key.columns)).fetchall() for name, table in metadata.tables.items()}
    engine.dispose()
    return dump


def test_sample_database_is_deterministic_and_realistic(tmp_path):
    urls = [f"sqlite:///{tmp_path / f'{i}.db'}" for i in range(2)]
    for url in urls:
        written = sample.write_banner_db(url, end_date=DAY, days=2, seed=7, impressions_per_day=2000)
    first, second = (_dump(u) for u in urls)
    assert first == second
    assert written["advertiser"] >= 3 and written["campaign"] >= 5 and written["banner"] == 50
    assert written["banner_impression"] > 20 * written["banner_click"] > 0 and written["banner_click"] > 5 * len([o for o in first["orders"] if o.banner_id]) > 0
    assert all(r.shown_at.microsecond == 0 for r in first["banner_impression"])
    other = f"sqlite:///{tmp_path / 'other.db'}"
    sample.write_banner_db(other, DAY, 2, seed=8, impressions_per_day=2000)
    assert _dump(other)["banner_impression"] != first["banner_impression"]


def test_sample_command_refuses_to_overwrite_without_reset(tmp_path, capsys):
    parser = argparse.ArgumentParser()
    sample.add_arguments(parser)
    argv = ["--db-url", f"sqlite:///{tmp_path / 'ads.db'}", "--days", "1", "--end-date", "2026-11-20", "--impressions-per-day", "500"]
    assert sample.run(parser.parse_args(argv)) == 0
    assert sample.run(parser.parse_args(argv)) == 2
    assert "--reset" in capsys.readouterr().out
    assert sample.run(parser.parse_args([*argv, "--reset"])) == 0
