"""Feature drift between a reference frame and a current frame (no Dagster).

The rule is Evidently's default data-drift preset (0.7), implemented on `scipy.stats` so the check
needs no Evidently at run time; `lakehouse_assets_tests/monitoring/test_drift_evidently.py` shows
the verdicts equal Evidently's on the same frames. Per feature, after dropping NaN and +-inf:

| feature | reference rows <= 1000 | reference rows > 1000 |
|---|---|---|
| numeric, > 5 distinct values (reference and current together) | two-sample KS, drift when p <= 0.05 | Wasserstein / max(std of reference, 0.001), drift when >= 0.1 |
| numeric with <= 5 distinct values, or categorical | chi-square p < 0.05 (z-test for proportions p < 0.05 with <= 2 values) | Jensen-Shannon distance >= 0.1 |

The dataset drifts when the share of drifted features reaches `drift_share` (0.5). PSI over ten
quantile bins of the reference is computed for every numeric feature and only reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial import distance

SMALL_REFERENCE_ROWS = 1000
FEW_VALUES = 5
DEFAULT_DRIFT_SHARE = 0.5
PSI_BINS = 10
# Evidently fills empty bins with this share so that the logarithm stays finite.
EMPTY_BIN_SHARE = 0.0001

KS, WASSERSTEIN, CHI_SQUARE, Z_TEST, JENSEN_SHANNON = "ks", "wasserstein", "chisquare", "z", "jensenshannon"
# (threshold, statistic is a p-value, drift when the p-value is <= rather than <)
METHODS: dict[str, tuple[float, bool, bool]] = {
    KS: (0.05, True, True),
    WASSERSTEIN: (0.1, False, False),
    CHI_SQUARE: (0.05, True, False),
    Z_TEST: (0.05, True, False),
    JENSEN_SHANNON: (0.1, False, False),
}
METHOD_NAMES = {
    KS: "K-S p-value",
    WASSERSTEIN: "Wasserstein distance (normed)",
    CHI_SQUARE: "chi-square p-value",
    Z_TEST: "Z-test p-value",
    JENSEN_SHANNON: "Jensen-Shannon distance",
}


@dataclass(frozen=True)
class FeatureDrift:
    feature: str
    kind: str  # numeric | categorical
    method: str
    statistic: float
    threshold: float
    drifted: bool
    reference_rows: int
    current_rows: int
    psi: float | None  # numeric features only; reported, never a verdict

    @property
    def rule(self) -> str:
        _, is_p_value, inclusive = METHODS[self.method]
        if is_p_value:
            return f"p {'<=' if inclusive else '<'} {self.threshold:g}"
        return f">= {self.threshold:g}"

    def as_row(self) -> dict[str, Any]:
        return {
            "feature": self.feature,
            "kind": self.kind,
            "method": METHOD_NAMES[self.method],
            "statistic": round(float(self.statistic), 6),
            "drift when": self.rule,
            "verdict": "DRIFT" if self.drifted else "ok",
            "psi": None if self.psi is None else round(self.psi, 4),
            "reference rows": self.reference_rows,
            "current rows": self.current_rows,
        }


@dataclass(frozen=True)
class DriftReport:
    features: tuple[FeatureDrift, ...]
    drift_share_threshold: float

    @property
    def drifted(self) -> list[str]:
        return [f.feature for f in self.features if f.drifted]

    @property
    def drift_share(self) -> float:
        return len(self.drifted) / len(self.features) if self.features else 0.0

    @property
    def dataset_drift(self) -> bool:
        return bool(self.features) and self.drift_share >= self.drift_share_threshold


class EmptyFeature(ValueError):
    """A feature has no finite value in the reference or the current frame."""


def select_method(reference: pd.Series, current: pd.Series, kind: str) -> str:
    """Evidently's default method for one (cleaned) feature."""
    distinct = pd.concat([reference, current]).nunique()
    if len(reference) <= SMALL_REFERENCE_ROWS:
        if kind == "numeric" and distinct > FEW_VALUES:
            return KS
        return CHI_SQUARE if distinct > 2 else Z_TEST
    if kind == "numeric" and distinct > FEW_VALUES:
        return WASSERSTEIN
    return JENSEN_SHANNON


def statistic(method: str, reference: pd.Series, current: pd.Series) -> float:
    if method == KS:
        return float(stats.ks_2samp(reference, current).pvalue)
    if method == WASSERSTEIN:
        return float(stats.wasserstein_distance(reference, current) / max(float(np.std(reference)), 0.001))
    if method == CHI_SQUARE:
        keys, ref_counts, cur_counts = _counts(reference, current)
        expected = ref_counts * (len(current) / len(reference))
        with np.errstate(divide="ignore", invalid="ignore"):
            return float(stats.chisquare(cur_counts, expected).pvalue)
    if method == Z_TEST:
        return _z_test_p_value(reference, current)
    if method == JENSEN_SHANNON:
        _, ref_counts, cur_counts = _counts(reference, current)
        return float(distance.jensenshannon(ref_counts / len(reference), cur_counts / len(current)))
    raise ValueError(f"unknown drift method {method!r}")


def _counts(reference: pd.Series, current: pd.Series) -> tuple[list[Any], np.ndarray, np.ndarray]:
    keys = sorted(set(reference.unique()) | set(current.unique()), key=str)
    ref = reference.value_counts()
    cur = current.value_counts()
    return keys, np.array([ref.get(k, 0) for k in keys], dtype=float), np.array([cur.get(k, 0) for k in keys], dtype=float)


def _z_test_p_value(reference: pd.Series, current: pd.Series) -> float:
    if reference.nunique() == 1 and current.nunique() == 1 and reference.iloc[0] == current.iloc[0]:
        return 1.0
    first = sorted(set(reference.unique()) | set(current.unique()))[0]
    p1, p2 = float((reference != first).mean()), float((current != first).mean())
    n1, n2 = len(reference), len(current)
    pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
    z = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2))
    return float(2 * (1 - stats.norm.cdf(np.abs(z))))


def psi(reference: pd.Series, current: pd.Series, bins: int = PSI_BINS) -> float:
    """Population stability index over `bins` quantile bins of the reference (open-ended outer bins)."""
    edges = np.unique(np.quantile(reference.to_numpy(dtype=float), np.linspace(0, 1, bins + 1))[1:-1])
    ref_share = np.bincount(np.searchsorted(edges, reference.to_numpy(dtype=float), side="right"), minlength=len(edges) + 1) / len(reference)
    cur_share = np.bincount(np.searchsorted(edges, current.to_numpy(dtype=float), side="right"), minlength=len(edges) + 1) / len(current)
    ref_share = np.where(ref_share == 0, EMPTY_BIN_SHARE, ref_share)
    cur_share = np.where(cur_share == 0, EMPTY_BIN_SHARE, cur_share)
    return float(np.sum((ref_share - cur_share) * np.log(ref_share / cur_share)))


def clean(values: pd.Series) -> pd.Series:
    return values.replace([np.inf, -np.inf], np.nan).dropna()


def feature_drift(reference: pd.Series, current: pd.Series, kind: str) -> FeatureDrift:
    name = str(reference.name)
    ref, cur = clean(reference), clean(current)
    if kind == "categorical":  # station ids and codes are labels: compared as values, never ordered
        ref, cur = ref.astype(str), cur.astype(str)
    if ref.empty or cur.empty:
        raise EmptyFeature(f"feature {name!r} has no value in the {'reference' if ref.empty else 'current'} data")
    method = select_method(ref, cur, kind)
    value = statistic(method, ref, cur)
    threshold, is_p_value, inclusive = METHODS[method]
    if is_p_value:
        drifted = value <= threshold if inclusive else value < threshold
    else:
        drifted = value >= threshold
    return FeatureDrift(
        feature=name,
        kind=kind,
        method=method,
        statistic=value,
        threshold=threshold,
        drifted=bool(drifted),
        reference_rows=len(ref),
        current_rows=len(cur),
        psi=psi(ref, cur) if kind == "numeric" else None,
    )


def drift_report(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    numeric: Sequence[str],
    categorical: Sequence[str] = (),
    drift_share: float = DEFAULT_DRIFT_SHARE,
) -> DriftReport:
    """Drift of every listed feature, categorical ones compared as values (station ids, codes)."""
    features = [feature_drift(reference[c], current[c], "numeric") for c in numeric]
    features += [feature_drift(reference[c], current[c], "categorical") for c in categorical]
    return DriftReport(tuple(features), drift_share)
