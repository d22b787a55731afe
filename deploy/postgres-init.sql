-- The Iceberg SQL catalog lives in its own database next to Dagster's.
CREATE DATABASE iceberg;
