#!/bin/sh
# The Spark Connect server of the compose profile `spark`, in the foreground (a container's main
# process), on the standalone master. S3A's endpoint and region come from the environment that
# every lakehouse service shares (docker-compose.yml, x-s3-env).
set -eu

: "${SPARK_HOME:?}" "${SPARK_MASTER:?}" "${AWS_ENDPOINT_URL:?}"
export SPARK_NO_DAEMONIZE=1
export SPARK_LOG_DIR="${SPARK_LOG_DIR:-/tmp/spark-logs}" SPARK_PID_DIR="${SPARK_PID_DIR:-/tmp}"
exec "$SPARK_HOME/sbin/start-connect-server.sh" \
    --master "$SPARK_MASTER" \
    --conf "spark.connect.grpc.binding.port=${SPARK_CONNECT_PORT:-15002}" \
    --conf "spark.hadoop.fs.s3a.endpoint=$AWS_ENDPOINT_URL" \
    --conf "spark.hadoop.fs.s3a.endpoint.region=${AWS_REGION:-us-east-1}" \
    --conf "spark.executor.memory=${SPARK_EXECUTOR_MEMORY:-2g}" \
    --conf "spark.cores.max=${SPARK_CORES_MAX:-2}" \
    "$@"
