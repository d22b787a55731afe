"""The temperature model: a scikit-learn pipeline over the dataset's features (no Dagster).

scikit-learn is imported inside the functions: this module is imported by the code location's
assets, which must load without it.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd

from .tables import FEATURE_COLUMNS, STATION_COLUMN, TARGET_COLUMN

HIST_GRADIENT_BOOSTING, RIDGE = "hist_gradient_boosting", "ridge"
BASE_FEATURE = "ta"  # the temperature at t, from which the model predicts the change
ESTIMATORS = (HIST_GRADIENT_BOOSTING, RIDGE)
# Models are stored in the skops format, which refuses types outside scikit-learn's safe list unless
# they are named. These are what the pipelines hold (our change wrapper, boosted trees, the
# encoders' validation helpers, ridge's dtype), reviewed once; a new estimator that needs more
# fails when it is logged, not when it is loaded.
SKOPS_TRUSTED_TYPES = (
    "functools.partial",
    "lakehouse_assets.ml.estimators.NextHourChange",
    "numpy.dtype",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn.utils.validation.check_array",
)


def model_input(frame: pd.DataFrame, features: Sequence[str]) -> pd.DataFrame:
    """The columns a model reads, typed as its signature declares (station long, the rest double)."""
    unknown = sorted(set(features) - set(FEATURE_COLUMNS))
    if unknown:
        raise ValueError(f"unknown features {unknown}; choose from {list(FEATURE_COLUMNS)}")
    ordered = [c for c in FEATURE_COLUMNS if c in set(features)]  # one order whatever the config's
    return frame.loc[:, ordered].astype({c: ("int64" if c == STATION_COLUMN else "float64") for c in ordered})


def build_pipeline(features: Sequence[str], estimator: str = HIST_GRADIENT_BOOSTING, **hyperparameters: Any) -> Any:
    """Station (when a feature) encoded as a category, then the estimator; with `ta` among the
    features the estimator learns the change from ta (`NextHourChange`).

    Gradient boosting takes the station as a native categorical split and the numbers as they are
    (NaN included); ridge gets the station one-hot and the numbers imputed and scaled.
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingRegressor
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import Pipeline, make_pipeline
    from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

    numeric = [c for c in FEATURE_COLUMNS if c in set(features) and c != STATION_COLUMN]
    with_station = STATION_COLUMN in set(features)
    if estimator == HIST_GRADIENT_BOOSTING:
        # An unseen station becomes NaN, which the booster treats as a missing category.
        station = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan, encoded_missing_value=np.nan)
        numeric_step: Any = "passthrough"
        model = HistGradientBoostingRegressor(categorical_features=[0] if with_station else None, **hyperparameters)
    elif estimator == RIDGE:
        station = OneHotEncoder(handle_unknown="ignore", sparse_output=False)
        numeric_step = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
        model = Ridge(**hyperparameters)
    else:
        raise ValueError(f"unknown estimator {estimator!r}; choose from {list(ESTIMATORS)}")
    columns = ([("station", station, [STATION_COLUMN])] if with_station else []) + ([("numeric", numeric_step, numeric)] if numeric else [])
    pipeline = Pipeline([("features", ColumnTransformer(columns, remainder="drop")), ("model", model)])
    if BASE_FEATURE not in numeric:
        return pipeline
    from .estimators import NextHourChange

    return NextHourChange(pipeline, base_column=BASE_FEATURE)


def fit(train: pd.DataFrame, features: Sequence[str], estimator: str = HIST_GRADIENT_BOOSTING, **hyperparameters: Any) -> Any:
    """The pipeline fitted on the train rows' features and `target_ta_next_hour`."""
    if train.empty:
        raise ValueError("no training rows")
    pipeline = build_pipeline(features, estimator, **hyperparameters)
    pipeline.fit(model_input(train, features), train[TARGET_COLUMN].to_numpy(dtype="float64"))
    return pipeline


def predict(model: Any, frame: pd.DataFrame) -> np.ndarray:
    """The model's predictions for the rows of `frame`, given the features it was trained on."""
    return np.asarray(model.predict(model_input(frame, list(model.feature_names_in_))), dtype="float64")


def hyperparameters(estimator: str, values: dict[str, Any]) -> dict[str, Any]:
    """The subset of `values` the estimator takes (a config carries both estimators' settings)."""
    names = {
        HIST_GRADIENT_BOOSTING: ("max_iter", "learning_rate", "max_leaf_nodes", "min_samples_leaf", "l2_regularization", "random_state"),
        RIDGE: ("alpha",),
    }[estimator]
    return {name: values[name] for name in names if name in values}
