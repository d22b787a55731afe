#!/bin/sh
# One-shot MinIO set-up (the minio-init service): the buckets, and a user for the lakehouse
# services that may use only those buckets. MinIO's root credentials stay with this job.
set -eu

: "${MINIO_ROOT_USER:?}" "${MINIO_ROOT_PASSWORD:?}" "${LAKEHOUSE_S3_ACCESS_KEY:?}" "${LAKEHOUSE_S3_SECRET_KEY:?}"
buckets="${LAKEHOUSE_BUCKET:-lakehouse} ${LANDING_BUCKET:-landing} ${MLFLOW_BUCKET:-mlflow} ${DAGSTER_COMPUTE_LOG_BUCKET:-dagster}"

mc alias set local "${MINIO_URL:-http://minio:9000}" "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" >/dev/null
resources=""
for bucket in $buckets; do
    mc mb --ignore-existing "local/$bucket"
    resources="$resources\"arn:aws:s3:::$bucket\",\"arn:aws:s3:::$bucket/*\","
done

policy=/tmp/lakehouse-policy.json
cat > "$policy" <<JSON
{"Version": "2012-10-17",
 "Statement": [{"Effect": "Allow", "Action": ["s3:*"], "Resource": [${resources%,}]}]}
JSON
mc admin policy create local lakehouse-buckets "$policy"
mc admin user add local "$LAKEHOUSE_S3_ACCESS_KEY" "$LAKEHOUSE_S3_SECRET_KEY"
# Attaching twice is an error on a restarted stack: the user already holds the policy then.
mc admin policy attach local lakehouse-buckets --user "$LAKEHOUSE_S3_ACCESS_KEY" \
    || mc admin user info local "$LAKEHOUSE_S3_ACCESS_KEY" | grep -q lakehouse-buckets
echo "buckets ready: $buckets"
