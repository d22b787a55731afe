"""`banner.stats_daily` as SQL written once (DuckDB dialect; Spark gets it through sqlglot).

Inputs: the day's `impressions`, `clicks`, `orders`, `costs` (fact snapshots) and the `banners`,
`campaigns` dimension snapshots; parameter `:day` (the KST stats date). One row per banner with an
impression, click, attributed order or cost that day. Counts and sums are 0 when there is nothing
to count (never NULL); a ratio whose denominator is 0 is NULL. Money is rounded to cents (the
snapshots carry DECIMAL(12,2) as double). Dimensions are whole-table snapshots, one row per key,
so their joins never multiply rows.
"""

from __future__ import annotations

STATS_DAILY_SQL = """
WITH seen AS (
    SELECT banner_id, count(*) AS impressions, count(DISTINCT user_id) AS unique_viewers
    FROM impressions WHERE banner_id IS NOT NULL GROUP BY banner_id
),
clicked AS (
    SELECT banner_id, count(*) AS clicks FROM clicks WHERE banner_id IS NOT NULL GROUP BY banner_id
),
ordered AS (
    SELECT banner_id, count(*) AS orders, sum(amount) AS revenue
    FROM orders WHERE banner_id IS NOT NULL GROUP BY banner_id
),
spent AS (
    SELECT banner_id, sum(spend) AS spend FROM costs WHERE banner_id IS NOT NULL GROUP BY banner_id
),
active AS (
    SELECT banner_id FROM seen UNION SELECT banner_id FROM clicked
    UNION SELECT banner_id FROM ordered UNION SELECT banner_id FROM spent
),
counted AS (
    SELECT active.banner_id, b.campaign_id, c.advertiser_id, b.tab_id,
        CAST(coalesce(seen.impressions, 0) AS BIGINT) AS impressions,
        CAST(coalesce(seen.unique_viewers, 0) AS BIGINT) AS unique_viewers,
        CAST(coalesce(clicked.clicks, 0) AS BIGINT) AS clicks,
        CAST(coalesce(ordered.orders, 0) AS BIGINT) AS orders,
        round(coalesce(ordered.revenue, 0.0), 2) AS revenue,
        round(coalesce(spent.spend, 0.0), 2) AS spend
    FROM active
    LEFT JOIN seen ON active.banner_id = seen.banner_id
    LEFT JOIN clicked ON active.banner_id = clicked.banner_id
    LEFT JOIN ordered ON active.banner_id = ordered.banner_id
    LEFT JOIN spent ON active.banner_id = spent.banner_id
    LEFT JOIN banners b ON active.banner_id = b.banner_id
    LEFT JOIN campaigns c ON b.campaign_id = c.campaign_id
)
SELECT :day AS stat_date, banner_id, campaign_id, advertiser_id, tab_id,
    impressions, unique_viewers, clicks,
    CASE WHEN impressions <> 0 THEN CAST(clicks AS DOUBLE) / impressions END AS ctr,
    orders, revenue,
    CASE WHEN clicks <> 0 THEN CAST(orders AS DOUBLE) / clicks END AS cvr,
    spend,
    CASE WHEN spend <> 0 THEN revenue / spend END AS roas
FROM counted
"""
