"""lakehouse_assets: a Dagster code location for the lakehouse, weather, ML, media and banner pipelines."""
