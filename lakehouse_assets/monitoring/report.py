"""The monitoring report: check outcomes of the last day across all domains, the newest drift table
and the live model error over time, as Markdown with PNG plots (no Dagster; matplotlib Agg).

Inputs are plain records gathered by the `monitoring/report` asset from the instance, so the
rendering is tested on its own.
"""

from __future__ import annotations

import io
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Sequence

PASSED, WARNED, FAILED, ERRORED = "passed", "failed (WARN)", "failed (ERROR)", "did not run"
OUTCOMES = (PASSED, WARNED, FAILED, ERRORED)
COLORS = {PASSED: "#3a9d5d", WARNED: "#e0a030", FAILED: "#c8413b", ERRORED: "#7d7d7d"}


@dataclass(frozen=True)
class CheckOutcome:
    asset: str
    check: str
    outcome: str  # one of OUTCOMES
    at: datetime
    partition: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class LiveErrorPoint:
    at: datetime  # when the check ran
    live_mae: float | None
    holdout_mae: float | None
    verdict: str


@dataclass(frozen=True)
class Report:
    markdown: str
    images: dict[str, bytes]


def outcome_table(outcomes: Sequence[CheckOutcome]) -> list[dict[str, Any]]:
    """One row per check: counts per outcome and the newest outcome, failing checks first."""
    by_check: dict[tuple[str, str], list[CheckOutcome]] = defaultdict(list)
    for outcome in outcomes:
        by_check[(outcome.asset, outcome.check)].append(outcome)
    rows = []
    for (asset, check), items in by_check.items():
        counts = Counter(o.outcome for o in items)
        newest = max(items, key=lambda o: o.at)
        rows.append(
            {
                "asset": asset,
                "check": check,
                "evaluations": len(items),
                **{outcome: counts.get(outcome, 0) for outcome in OUTCOMES},
                "newest": newest.outcome,
                "newest at (UTC)": f"{newest.at:%m-%d %H:%M}",
                "newest partition": newest.partition or "",
            }
        )
    severity = {FAILED: 0, ERRORED: 1, WARNED: 2, PASSED: 3}
    return sorted(rows, key=lambda r: (severity[r["newest"]], r["asset"], r["check"]))


def render(
    generated_at: datetime,
    hours: int,
    outcomes: Sequence[CheckOutcome],
    outcomes_markdown: str,
    drift_markdown: str | None,
    drift_summary: str | None,
    live_errors: Sequence[LiveErrorPoint],
    live_error_by_hour: Sequence[dict[str, Any]],
) -> Report:
    """The report's Markdown (images referenced by file name) and the PNGs it references;
    `outcomes_markdown` is `outcome_table(outcomes)` as a Markdown table."""
    images = {"check_outcomes.png": _outcomes_plot(outcomes, hours)}
    if live_errors or live_error_by_hour:
        images["live_error.png"] = _live_error_plot(live_errors, live_error_by_hour)
    table = outcome_table(outcomes)
    totals = Counter(o.outcome for o in outcomes)
    lines = [
        f"# Monitoring report {generated_at:%Y-%m-%d %H:%M} UTC",
        "",
        f"## Checks of the last {hours} hours",
        "",
        ", ".join(f"**{totals.get(o, 0)}** {o}" for o in OUTCOMES) + f" across {len(table)} checks.",
        "",
        outcomes_markdown,
        "",
        "![check outcomes](check_outcomes.png)",
        "",
        "## Weather drift (newest evaluation)",
        "",
        drift_summary or "_weather_drift has not run yet_",
        "",
        drift_markdown or "",
        "",
        "## Live model error",
        "",
    ]
    if live_errors:
        newest = live_errors[-1]
        mae = f"{newest.live_mae:.3f} °C" if newest.live_mae is not None else "n/a"
        holdout = f"{newest.holdout_mae:.3f} °C" if newest.holdout_mae is not None else "n/a"
        lines += [f"Newest: {newest.verdict}, live MAE {mae} vs holdout {holdout} ({newest.at:%Y-%m-%d %H:%M} UTC).", "", "![live error](live_error.png)"]
    else:
        lines.append("_live_model_error has not run yet_")
    return Report("\n".join(lines) + "\n", images)


def _figure(width: float, height: float) -> Any:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=90)


def _png(figure: Any) -> bytes:
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _outcomes_plot(outcomes: Sequence[CheckOutcome], hours: int) -> bytes:
    """Evaluations per asset's domain, stacked by outcome."""
    domains = sorted({o.asset.split("/")[0] for o in outcomes}) or ["(none)"]
    counts = {outcome: [sum(1 for o in outcomes if o.asset.split("/")[0] == d and o.outcome == outcome) for d in domains] for outcome in OUTCOMES}
    figure = _figure(6.5, 3.2)
    axes = figure.subplots()
    bottom = [0] * len(domains)
    for outcome in OUTCOMES:
        axes.bar(domains, counts[outcome], bottom=bottom, color=COLORS[outcome], label=outcome)
        bottom = [b + c for b, c in zip(bottom, counts[outcome])]
    axes.set(ylabel="evaluations", title=f"Check evaluations, last {hours} hours")
    axes.legend(fontsize=8)
    return _png(figure)


def _live_error_plot(points: Sequence[LiveErrorPoint], by_hour: Sequence[dict[str, Any]]) -> bytes:
    """Left: MAE per predicted hour of the newest window. Right: live vs holdout MAE per check run."""
    from matplotlib.dates import DateFormatter

    figure = _figure(9, 3.2)
    left, right = figure.subplots(1, 2)
    if by_hour:
        left.plot([datetime.fromisoformat(r["predicted_for"]) for r in by_hour], [r["mae"] for r in by_hour], marker="o", markersize=3)
    left.set(title="Live MAE per predicted hour (newest window)", ylabel="°C")
    left.set_ylim(bottom=0)
    left.xaxis.set_major_formatter(DateFormatter("%m-%d %H:%M"))
    left.tick_params(axis="x", labelrotation=45, labelsize=7)
    judged = [p for p in points if p.live_mae is not None]
    right.plot([p.at for p in judged], [p.live_mae for p in judged], marker="o", markersize=4, label="live MAE")
    right.plot([p.at for p in judged], [p.holdout_mae for p in judged], marker="_", markersize=12, linestyle="--", label="holdout MAE")
    if len(judged) == 1:  # one point: show an hour around it, not matplotlib's default years
        right.set_xlim(judged[0].at - timedelta(hours=1), judged[0].at + timedelta(hours=1))
    right.set(title="live_model_error over time", ylabel="°C")
    highest = max([p.live_mae for p in judged] + [p.holdout_mae or 0 for p in judged], default=1.0)
    right.set_ylim(0, highest * 1.2)
    right.xaxis.set_major_formatter(DateFormatter("%m-%d %H:%M"))
    right.tick_params(axis="x", labelrotation=45, labelsize=7)
    right.legend(fontsize=8)
    return _png(figure)
