"""A scikit-learn meta-estimator for "ta one hour ahead" (no Dagster; imported when a model is
built or loaded, never when the code location loads)."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, clone


class NextHourChange(RegressorMixin, BaseEstimator):
    """Predicts ta at t+1h as ta at t plus `estimator`'s prediction of the change.

    Trees cannot extrapolate: fitted on absolute temperatures they flatten every hour colder or
    warmer than the training window (each autumn day is colder than most of its window), while an
    hour's change stays in the range they were trained on.
    """

    def __init__(self, estimator: Any = None, base_column: str = "ta"):
        self.estimator = estimator
        self.base_column = base_column

    def fit(self, X: Any, y: Any) -> "NextHourChange":
        base = X[self.base_column].to_numpy(dtype="float64")
        self.estimator_ = clone(self.estimator).fit(X, np.asarray(y, dtype="float64") - base)
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = len(self.feature_names_in_)
        return self

    def predict(self, X: Any) -> np.ndarray:
        return X[self.base_column].to_numpy(dtype="float64") + self.estimator_.predict(X)
