"""The table layer: Iceberg tables in one SQL catalog, with Spark as the compute engine.

Nothing here imports Dagster, so Spark jobs submitted to a cluster use the same code.
"""
