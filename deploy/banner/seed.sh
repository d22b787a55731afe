#!/bin/sh
# One-shot (the banner-seed service): gives the ads database (MariaDB) the sample schema and data
# on the stack's first start, and leaves a database that already has tables alone, so a restart
# or a real source database is never overwritten.
set -eu

: "${BANNER_DB_URL:?}"
tables="$(python - <<'PY'
import os
import sqlalchemy as sa

engine = sa.create_engine(os.environ["BANNER_DB_URL"])
try:
    print(len(sa.inspect(engine).get_table_names()))
finally:
    engine.dispose()
PY
)"
if [ "$tables" -gt 0 ]; then
    echo "banner-seed: the ads database already has tables: left as it is"
    exit 0
fi
exec python -m lakehouse_assets.sample_data banner --db-url "$BANNER_DB_URL" \
    --days "${BANNER_SAMPLE_DAYS:-14}" --impressions-per-day "${BANNER_SAMPLE_IMPRESSIONS_PER_DAY:-20000}" --seed 7
