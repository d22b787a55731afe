"""The events transforms as SQL written once (DuckDB dialect; Spark gets it through sqlglot).

`silver`: the reject rules, the typed columns and the deduplication, over per-field
(JSON type, text) columns that each engine derives from a raw line. `gold`: the five Gold tables.
No Dagster, no engine import.
"""
