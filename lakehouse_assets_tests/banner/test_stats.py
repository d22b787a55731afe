"""The pure Spark transform of the day's snapshots into `banner.stats_daily` rows."""

from datetime import date, datetime, timezone

import pytest

DAY = date(2026, 11, 20)


@pytest.mark.spark
def test_banner_stats_transform(spark):
    from lakehouse_assets.banner.stats import banner_stats

    at = datetime(2026, 11, 20, 3, tzinfo=timezone.utc)
    impressions = spark.createDataFrame(
        [(1, 1, "a", at), (2, 1, "a", at), (3, 1, None, at), (4, 1, "b", at), (5, 2, "c", at), (6, None, "d", at)],
        "impression_id long, banner_id int, user_id string, shown_at timestamp",
    )
    clicks = spark.createDataFrame([(1, 1, "a", at), (2, 3, "x", at)], "click_id long, banner_id int, user_id string, clicked_at timestamp")
    orders = spark.createDataFrame(
        [(1, "a", 9, 10.10, at, 1), (2, "x", 9, 20.20, at, 3), (3, "z", 9, 99.99, at, None)],
        "order_id long, user_id string, product_id int, amount double, ordered_at timestamp, banner_id int",
    )
    costs = spark.createDataFrame([(1, DAY, 5.05), (2, DAY, 0.0), (4, DAY, 7.0)], "banner_id int, cost_date date, spend double")
    banners = spark.createDataFrame([(1, 10, 100), (2, 10, 101), (4, 11, 100)], "banner_id int, campaign_id int, tab_id int")
    campaigns = spark.createDataFrame([(10, 1000), (11, 1001)], "campaign_id int, advertiser_id int")
    rows = {r["banner_id"]: r.asDict() for r in banner_stats(DAY, impressions, clicks, orders, costs, banners, campaigns).collect()}
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
