"""Whether a challenger takes the `champion` alias (no Dagster, no MLflow): one pure rule."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Candidate:
    """A registered model version and its MAE on the holdout of the day being decided."""

    version: str
    training_day: str  # ISO date, the tag every version carries
    mae: float


@dataclass(frozen=True)
class Decision:
    promote: bool
    reason: str


def decide(challenger: Candidate, persistence_mae: float, champion: Candidate | None, max_mae_loss_c: float) -> Decision:
    """Promote only a challenger that beats persistence and loses to the champion by at most
    `max_mae_loss_c` °C of MAE on the same holdout. A backfill of an older day never replaces a
    champion trained for a later day: that champion's training data holds this holdout."""
    c = challenger
    if champion is not None and champion.version == c.version:
        return Decision(True, f"version {c.version} is already the champion")
    if not c.mae < persistence_mae:  # also refuses NaN (no holdout rows)
        return Decision(False, f"challenger v{c.version} MAE {c.mae:.3f} °C does not beat persistence ({persistence_mae:.3f} °C) on the {c.training_day} holdout")
    if champion is None:
        return Decision(True, f"first champion: challenger v{c.version} MAE {c.mae:.3f} °C beats persistence ({persistence_mae:.3f} °C)")
    if champion.training_day > c.training_day:
        return Decision(
            False,
            f"champion v{champion.version} was trained for a later day ({champion.training_day}) than challenger v{c.version} "
            f"({c.training_day}); an older day's model does not replace it",
        )
    if c.mae > champion.mae + max_mae_loss_c:
        return Decision(
            False,
            f"challenger v{c.version} MAE {c.mae:.3f} °C loses to champion v{champion.version} ({champion.mae:.3f} °C) by "
            f"{c.mae - champion.mae:.3f} °C, more than the allowed {max_mae_loss_c:.3f} °C",
        )
    return Decision(
        True,
        f"challenger v{c.version} MAE {c.mae:.3f} °C beats persistence ({persistence_mae:.3f} °C) and champion v{champion.version} "
        f"({champion.mae:.3f} °C) within {max_mae_loss_c:.3f} °C",
    )
