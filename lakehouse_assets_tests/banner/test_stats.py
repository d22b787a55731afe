"""The day's snapshots into `banner.stats_daily` rows: the one SQL definition, on each engine."""

from datetime import date, datetime, timezone

import pyarrow as pa
import pytest

DAY = date(2026, 11, 20)


def test_banner_stats_transform(engine):
    from lakehouse_assets.banner.stats import banner_stats

    at = datetime(2026, 11, 20, 3, tzinfo=timezone.utc)

    def frame(columns: dict, types: dict):
        return engine.from_arrow(pa.table({name: pa.array(values, types[name]) for name, values in columns.items()}))

    ts = pa.timestamp("us", tz="UTC")
    impressions = frame(
        {"impression_id": [1, 2, 3, 4, 5, 6], "banner_id": [1, 1, 1, 1, 2, None], "user_id": ["a", "a", None, "b", "c", "d"], "shown_at": [at] * 6},
        {"impression_id": pa.int64(), "banner_id": pa.int32(), "user_id": pa.string(), "shown_at": ts},
    )
    clicks = frame({"click_id": [1, 2], "banner_id": [1, 3], "user_id": ["a", "x"], "clicked_at": [at] * 2},
                   {"click_id": pa.int64(), "banner_id": pa.int32(), "user_id": pa.string(), "clicked_at": ts})  # fmt: skip
    orders = frame(
        {"order_id": [1, 2, 3], "user_id": ["a", "x", "z"], "product_id": [9, 9, 9], "amount": [10.10, 20.20, 99.99], "ordered_at": [at] * 3, "banner_id": [1, 3, None]},
        {"order_id": pa.int64(), "user_id": pa.string(), "product_id": pa.int32(), "amount": pa.float64(), "ordered_at": ts, "banner_id": pa.int32()},
    )
    costs = frame({"banner_id": [1, 2, 4], "cost_date": [DAY] * 3, "spend": [5.05, 0.0, 7.0]},
                  {"banner_id": pa.int32(), "cost_date": pa.date32(), "spend": pa.float64()})  # fmt: skip
    banners = frame({"banner_id": [1, 2, 4], "campaign_id": [10, 10, 11], "tab_id": [100, 101, 100]},
                    {"banner_id": pa.int32(), "campaign_id": pa.int32(), "tab_id": pa.int32()})  # fmt: skip
    campaigns = frame({"campaign_id": [10, 11], "advertiser_id": [1000, 1001]}, {"campaign_id": pa.int32(), "advertiser_id": pa.int32()})
    result = banner_stats(engine, DAY, impressions=impressions, clicks=clicks, orders=orders, costs=costs, banners=banners, campaigns=campaigns)
    rows = {r["banner_id"]: r for r in engine.rows(result)}
    assert set(rows) == {1, 2, 3, 4}  # the NULL banner and the unattributed order make no row
    one = rows[1]
    assert (one["impressions"], one["unique_viewers"], one["clicks"], one["orders"]) == (4, 2, 1, 1)
    assert one["ctr"] == pytest.approx(0.25) and one["cvr"] == pytest.approx(1.0)
    assert (one["revenue"], one["spend"], one["roas"]) == (10.1, 5.05, pytest.approx(2.0))
    assert (one["campaign_id"], one["advertiser_id"], one["tab_id"], one["stat_date"]) == (10, 1000, 100, DAY)
    assert rows[2]["spend"] == 0.0 and rows[2]["roas"] is None and rows[2]["cvr"] is None  # zero spend, no clicks
    three = rows[3]  # a click and an order but no impression, and not in the banner snapshot
    assert (three["impressions"], three["ctr"], three["clicks"], three["cvr"], three["campaign_id"]) == (0, None, 1, 1.0, None)
    assert (three["spend"], three["roas"], three["revenue"]) == (0.0, None, 20.2)
    four = rows[4]  # cost only
    assert (four["impressions"], four["clicks"], four["orders"], four["revenue"], four["spend"], four["roas"]) == (0, 0, 0, 0.0, 7.0, 0.0)
