"""The monitoring domain's declared names (no Dagster): the predictions table that live error is
measured on, and where reports are written under the lakehouse root.

`ml.temperature_predictions` is written by `ml/temperature_predictions` (ml/predictions.py) and
read by the `live_model_error` check; it is declared here, once, for both.
"""

from __future__ import annotations

from lakehouse_assets.lakehouse.tables import Column, TableSpec

TEMPERATURE_PREDICTIONS = TableSpec(
    "ml",
    "temperature_predictions",
    (
        Column("station_id", "int", "ASOS station id"),
        Column("observed_at", "timestamp", "Hour t (UTC) whose observations are the features: the partition"),
        Column("predicted_for", "timestamp", "Hour t+1 (UTC) whose air temperature is predicted"),
        Column("prediction", "double", "Predicted ta at predicted_for, °C"),
        Column("model_version", "string", "Version of weather_temperature_next_hour that predicted (the champion then)"),
        Column("model_run_id", "string", "MLflow run of that version"),
        Column("predicted_at", "timestamp", "When the prediction was made (UTC)"),
    ),
    partition_column="observed_at",
    partition_transform="hour",
    doc=(
        "The champion's next-hour temperature per station, one row per (station_id, observed_at). The observed value "
        "is joined from weather.observations (station_id, observed_at = predicted_for) when live error is measured."
    ),
)

# Reports: <LAKEHOUSE_ROOT>/reports/monitoring/YYYY/MM/DD/HHMM/{report.md,*.png}
REPORTS_FOLDER = "reports/monitoring"
