"""Banner ads database: the contract's ten tables with advertisers, campaigns, ~50 banners and
daily impressions >> clicks >> orders plus costs, in SQLite or MariaDB (any SQLAlchemy URL).

    python -m lakehouse_assets.sample_data banner --db-url sqlite:///.lakehouse/banner.db --days 7 --seed 7

DATETIMEs are Korea local time (whole seconds). Dimensions derive from `--seed`; each day's facts
from (seed, date), so a date always gets the same rows whatever the range it is generated in. The
only clock read is the default `--end-date` (yesterday in Korea). Built-in edge cases every day:
banner 47 has a cost but no impression, banner 49 a cost row of 0.00 (ROAS undefined), banner 48
no cost row; some impressions have no user; clicks and orders near midnight land on the next day;
orders without a banner are organic.
"""

from __future__ import annotations

import argparse
import random
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Iterator

ADVERTISERS = ("Hanbit Cosmetics", "Daon Foods", "Mirae Electronics", "Saebom Fashion")
TABS = ("home", "beauty", "food", "digital", "fashion")  # tab_id 1..5
ADVERTISER_TAB = {1: 2, 2: 3, 3: 4, 4: 5}  # each advertiser's own tab
BANNERS = 50
PRODUCTS = 60
COST_ONLY_BANNER, ZERO_SPEND_BANNER, NO_COST_BANNER = 47, 49, 48  # campaigns 7, 9, 8: active all along
_ID_SPACE = 10_000_000  # ids of a day: date.toordinal() * _ID_SPACE + n
_INSERT_BATCH = 10_000
# Share of a day's impressions per hour of day (KST): quiet nights, busy evenings.
_HOURLY = (2, 1, 1, 1, 1, 2, 3, 5, 6, 6, 6, 6, 7, 6, 6, 6, 6, 6, 7, 8, 9, 9, 7, 4)


@dataclass(frozen=True)
class Dimensions:
    rows: dict[str, list[dict[str, Any]]]
    weights: dict[int, float]  # banner_id -> impression weight
    ctr: dict[int, float]
    cvr: dict[int, float]
    cpm: dict[int, float]
    tab_products: dict[int, list[tuple[int, Decimal]]]


def _money(value: float) -> Decimal:
    return Decimal(f"{value:.2f}")


def dimensions(seed: int, first_day: date, last_day: date) -> Dimensions:
    rng = random.Random(f"banner-dimensions-{seed}")
    advertisers = [{"advertiser_id": i, "name": name} for i, name in enumerate(ADVERTISERS, start=1)]
    tabs = [{"tab_id": i, "name": name} for i, name in enumerate(TABS, start=1)]
    products, tab_product, tab_products = [], [], {t: [] for t in range(1, len(TABS) + 1)}
    for pid in range(1, PRODUCTS + 1):
        price = _money(rng.choice((4900, 9900, 12900, 19900, 29900, 49900, 89000, 129000, 249000)))
        tab = 2 + (pid - 1) % 4
        products.append({"product_id": pid, "name": f"{TABS[tab - 1].title()} item {pid:03d}", "price": price})
        for t in (tab, 1) if rng.random() < 0.3 else (tab,):
            tab_product.append({"tab_id": t, "product_id": pid})
            tab_products[t].append((pid, price))
    campaigns = []
    for cid in range(1, 11):
        advertiser = 1 + (cid - 1) % len(ADVERTISERS)
        start = first_day - timedelta(days=rng.randint(5, 40))
        # Campaign 10 ends before the last day, so its banners go quiet inside the range.
        end = first_day + timedelta(days=max(0, (last_day - first_day).days // 2)) if cid == 10 else last_day + timedelta(days=rng.randint(10, 60))
        campaigns.append(
            {"campaign_id": cid, "advertiser_id": advertiser, "name": f"{ADVERTISERS[advertiser - 1]} campaign {cid}", "start_date": start, "end_date": end, "daily_budget": _money(rng.choice((300_000, 500_000, 1_000_000)))}
        )
    banners, weights, ctr, cvr, cpm = [], {}, {}, {}, {}
    for bid in range(1, BANNERS + 1):
        campaign = campaigns[(bid - 1) % len(campaigns)]
        tab = ADVERTISER_TAB[campaign["advertiser_id"]] if rng.random() < 0.7 else 1
        slot = rng.randint(1, 6)
        created = datetime.combine(campaign["start_date"], datetime.min.time()) + timedelta(seconds=rng.randint(9 * 3600, 18 * 3600))
        banners.append({"banner_id": bid, "campaign_id": campaign["campaign_id"], "tab_id": tab, "slot": slot, "title": f"{campaign['name']} banner {bid}", "created_at": created})
        weights[bid] = 0.0 if bid == COST_ONLY_BANNER else rng.lognormvariate(0, 0.8) / slot
        ctr[bid], cvr[bid], cpm[bid] = rng.uniform(0.005, 0.04), rng.uniform(0.03, 0.12), rng.uniform(800, 4000)
    rows = {"advertiser": advertisers, "campaign": campaigns, "tab": tabs, "product": products, "tab_product": tab_product, "banner": banners}
    return Dimensions(rows, weights, ctr, cvr, cpm, tab_products)


def day_facts(dims: Dimensions, day: date, seed: int, impressions_per_day: int) -> dict[str, list[dict[str, Any]]]:
    """The day's impressions, clicks, orders and costs (same date + seed -> same rows)."""
    rng = random.Random(f"banner-facts-{seed}-{day.isoformat()}")
    base = day.toordinal() * _ID_SPACE
    midnight = datetime.combine(day, datetime.min.time())
    campaigns = {c["campaign_id"]: c for c in dims.rows["campaign"]}
    banners = {b["banner_id"]: b for b in dims.rows["banner"]}
    active = [b for b, row in banners.items() if campaigns[row["campaign_id"]]["start_date"] <= day <= campaigns[row["campaign_id"]]["end_date"]]
    weighted = [b for b in active if dims.weights[b] > 0]
    users = max(200, impressions_per_day // 5)
    user_weights = [1 / (rank**0.8) for rank in range(1, users + 1)]
    n = int(impressions_per_day * rng.uniform(0.85, 1.15)) if weighted else 0
    chosen = rng.choices(weighted, weights=[dims.weights[b] for b in weighted], k=n) if n else []
    viewers = rng.choices(range(users), weights=user_weights, k=n)
    hours = rng.choices(range(24), weights=_HOURLY, k=n)
    impressions, clicks, orders = [], [], []
    for i, (bid, viewer, hour) in enumerate(zip(chosen, viewers, hours)):
        # The first and last impressions sit on the day's edges: the boundary must hold them.
        offset = 0 if i == 0 else 86_399 if i == 1 else hour * 3600 + rng.randrange(3600)
        user = None if rng.random() < 0.03 else f"u{viewer:06d}"
        shown = midnight + timedelta(seconds=offset)
        impressions.append({"impression_id": base + i, "banner_id": bid, "user_id": user, "shown_at": shown})
        if rng.random() < dims.ctr[bid] or i == 1:
            clicked = shown + timedelta(seconds=rng.randint(1, 120))
            clicks.append({"click_id": base + len(clicks), "banner_id": bid, "user_id": user, "clicked_at": clicked})
            if rng.random() < dims.cvr[bid]:
                product, price = rng.choice(dims.tab_products[banners[bid]["tab_id"]])
                orders.append(_order(base + len(orders), user or f"u{viewer:06d}", product, price * rng.randint(1, 3), clicked + timedelta(seconds=rng.randint(30, 3600)), bid))
    for _ in range(max(1, len(orders) * 3 // 2)):  # organic orders: no banner to attribute
        product, price = rng.choice(dims.tab_products[1 + rng.randrange(len(TABS))])
        orders.append(_order(base + len(orders), f"u{rng.randrange(users):06d}", product, price, midnight + timedelta(seconds=rng.randrange(86_400)), None))
    shown_count = {b: 0 for b in active}
    for row in impressions:
        shown_count[row["banner_id"]] += 1
    costs = []
    for bid in active:
        if bid == NO_COST_BANNER:
            continue
        spend = 0.0 if bid == ZERO_SPEND_BANNER else 15_000.0 if bid == COST_ONLY_BANNER else shown_count[bid] * dims.cpm[bid] / 1000 * rng.uniform(0.9, 1.1)
        if shown_count[bid] or bid in (COST_ONLY_BANNER, ZERO_SPEND_BANNER):
            costs.append({"banner_id": bid, "cost_date": day, "spend": _money(spend)})
    return {"banner_impression": impressions, "banner_click": clicks, "orders": orders, "banner_cost": costs}


def _order(order_id: int, user: str, product: int, amount: Decimal, at: datetime, banner_id: int | None) -> dict[str, Any]:
    return {"order_id": order_id, "user_id": user, "product_id": product, "amount": amount, "ordered_at": at, "banner_id": banner_id}


class DatabaseNotEmpty(RuntimeError):
    pass


def write_banner_db(db_url: str, end_date: date, days: int, seed: int = 7, impressions_per_day: int = 20_000, reset: bool = False) -> dict[str, int]:
    """Create the contract's tables in `db_url` and fill them; returns rows written per table."""
    import sqlalchemy as sa

    from lakehouse_assets.banner.tables import SOURCE_TABLES, source_metadata
    from lakehouse_assets.resources.databases import DatabaseResource, masked_url

    if days < 1:
        raise ValueError("--days must be at least 1")
    engine = DatabaseResource(url=db_url).engine()
    metadata = source_metadata()
    try:
        metadata.create_all(engine, checkfirst=True)
        with engine.connect() as conn:
            filled = [t.name for t in SOURCE_TABLES if conn.execute(sa.select(sa.func.count()).select_from(metadata.tables[t.name])).scalar_one()]
        if filled and not reset:
            raise DatabaseNotEmpty(f"{masked_url(db_url)} already has rows in {filled}: pass --reset to drop and recreate the sample tables")
        if filled:
            metadata.drop_all(engine)
            metadata.create_all(engine)
        first_day = end_date - timedelta(days=days - 1)
        dims = dimensions(seed, first_day, end_date)
        written = {name: 0 for name in metadata.tables}
        with engine.begin() as conn:
            for name, rows in dims.rows.items():
                written[name] += _insert(conn, metadata.tables[name], rows)
        for day in _days(first_day, end_date):
            with engine.begin() as conn:
                for name, rows in day_facts(dims, day, seed, impressions_per_day).items():
                    written[name] += _insert(conn, metadata.tables[name], rows)
        return written
    finally:
        engine.dispose()


def _days(first: date, last: date) -> Iterator[date]:
    while first <= last:
        yield first
        first += timedelta(days=1)


def _insert(conn: Any, table: Any, rows: list[dict[str, Any]]) -> int:
    for start in range(0, len(rows), _INSERT_BATCH):
        conn.execute(table.insert(), rows[start : start + _INSERT_BATCH])
    return len(rows)


def yesterday_in_korea() -> date:
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo("Asia/Seoul")).date() - timedelta(days=1)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `python -m lakehouse_assets.sample_data banner`."""
    parser.add_argument("--db-url", required=True, help="SQLAlchemy URL, e.g. sqlite:///.lakehouse/banner.db or mysql+pymysql://root@127.0.0.1/ads")
    parser.add_argument("--days", type=int, default=7, help="number of KST days of activity (default 7)")
    parser.add_argument("--end-date", type=date.fromisoformat, default=None, help="last KST day (default: yesterday in Korea)")
    parser.add_argument("--impressions-per-day", type=int, default=20_000, help="about this many impressions per day (default 20000)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument("--reset", action="store_true", help="drop and recreate the ten sample tables when they already hold rows")


def run(args: argparse.Namespace) -> int:
    """Writes the database and prints a one-line summary."""
    from lakehouse_assets.resources.databases import masked_url

    began = time.perf_counter()
    end_date = args.end_date or yesterday_in_korea()
    try:
        written = write_banner_db(args.db_url, end_date, args.days, args.seed, args.impressions_per_day, args.reset)
    except DatabaseNotEmpty as exc:
        print(f"banner: {exc}")
        return 2
    first = end_date - timedelta(days=args.days - 1)
    counts = ", ".join(f"{name} {count:,}" for name, count in written.items())
    print(f"banner: {masked_url(args.db_url)} {first}..{end_date} (KST): {counts}; {time.perf_counter() - began:.1f} s")
    return 0
