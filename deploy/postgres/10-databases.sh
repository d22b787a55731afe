#!/usr/bin/env bash
# Creates one role and one database each for Dagster's storage, the Iceberg catalog and MLflow's
# backend, so that a leaked credential of one service opens only that service's database.
#
# The postgres image runs this once, on an empty data directory (/docker-entrypoint-initdb.d/).
# It is plain psql, so it also works against any server the caller can reach as a superuser
# (PGHOST/PGPORT/PGUSER), which is how the tests run it.
set -euo pipefail

: "${DAGSTER_PG_USER:?}" "${DAGSTER_PG_PASSWORD:?}" "${ICEBERG_PG_USER:?}" "${ICEBERG_PG_PASSWORD:?}"
: "${MLFLOW_PG_USER:?}" "${MLFLOW_PG_PASSWORD:?}"

create_owned_database() {
  # psql variables (:"name" and :'literal') quote the names and the password: no SQL injection
  # through the environment. Only stdin scripts interpolate them, hence the heredoc.
  psql -v ON_ERROR_STOP=1 --no-psqlrc --username "${POSTGRES_USER:-postgres}" --dbname postgres \
    --set=role_name="$1" --set=role_password="$2" --set=db_name="$3" <<'SQL'
SELECT NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role_name') AS role_missing \gset
\if :role_missing
CREATE ROLE :"role_name" LOGIN PASSWORD :'role_password';
\else
ALTER ROLE :"role_name" LOGIN PASSWORD :'role_password';
\endif
SELECT NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db_name') AS db_missing \gset
\if :db_missing
CREATE DATABASE :"db_name" OWNER :"role_name";
\endif
REVOKE ALL ON DATABASE :"db_name" FROM PUBLIC;
GRANT ALL ON DATABASE :"db_name" TO :"role_name";
SQL
}

create_owned_database "$DAGSTER_PG_USER" "$DAGSTER_PG_PASSWORD" "${DAGSTER_PG_DB:-dagster}"
create_owned_database "$ICEBERG_PG_USER" "$ICEBERG_PG_PASSWORD" "${ICEBERG_PG_DB:-iceberg}"
create_owned_database "$MLFLOW_PG_USER" "$MLFLOW_PG_PASSWORD" "${MLFLOW_PG_DB:-mlflow}"
