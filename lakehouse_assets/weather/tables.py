"""The weather tables, declared once (contract: docs/contracts/weather.md)."""

from __future__ import annotations

from lakehouse_assets.lakehouse.tables import Column, TableSpec

# The numeric columns, in contract order, with the API field each comes from (same name).
VALUE_COLUMNS = ("ta", "rn", "ws", "wd", "hm", "pv", "td", "pa", "ps", "ss", "icsr", "dsnw", "vs", "ts")

OBSERVATIONS = TableSpec(
    "weather",
    "observations",
    (
        Column("station_id", "int", "ASOS station id (stnId)"),
        Column("station_name", "string", "Station name as the API spells it (stnNm)"),
        Column("observed_at", "timestamp", "Observation hour in UTC (tm, KST, minus nine hours)"),
        Column("ta", "double", "Air temperature, °C"),
        Column("rn", "double", "Precipitation, mm (the API's empty value = no rain = 0.0)"),
        Column("ws", "double", "Wind speed, m/s"),
        Column("wd", "double", "Wind direction, degrees"),
        Column("hm", "double", "Relative humidity, %"),
        Column("pv", "double", "Vapour pressure, hPa"),
        Column("td", "double", "Dew point, °C"),
        Column("pa", "double", "Station pressure, hPa"),
        Column("ps", "double", "Sea-level pressure, hPa"),
        Column("ss", "double", "Sunshine, hours"),
        Column("icsr", "double", "Solar radiation, MJ/m²"),
        Column("dsnw", "double", "Snow depth, cm"),
        Column("vs", "double", "Visibility, 10 m units as sent"),
        Column("ts", "double", "Ground temperature, °C"),
        Column("qc_flags", "string", "JSON object of the non-empty *Qcflg fields, keys sorted ({} when none)"),
        Column("source", "string", "kma (the real service) or sample (offline generator)"),
    ),
    partition_column="observed_at",
    partition_transform="hour",
    doc="KMA ASOS hourly surface observations: one row per (station_id, observed_at), numbers as doubles, null when missing.",
)

# Not an Iceberg table: describes the items of the raw JSON bodies in the landing zone, so the
# raw asset shows its schema in the UI like every other asset. Every value arrives as a string.
OBSERVATIONS_RAW = TableSpec(
    "weather",
    "observations_raw",
    (
        Column("tm", "string", "Observation time, KST, YYYY-MM-DD HH:MM"),
        Column("stnId", "string", "Station id"),
        Column("stnNm", "string", "Station name"),
        *(Column(name, "string", f"{name} as sent (\"\", \" \" or \"-\" when missing)") for name in VALUE_COLUMNS),
        Column("*Qcflg", "string", "Quality flags per element (taQcflg, rnQcflg, ...)"),
    ),
    partition_column="tm",
    doc="getWthrDataList response bodies exactly as received, one JSON object per station, page and UTC hour.",
)
