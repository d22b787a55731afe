# syntax=docker/dockerfile:1.7
# The Dagster webserver and daemon: Dagster itself, PostgreSQL storage and S3 compute logs, but
# not the project. Both reach the code location over gRPC (deploy/workspace.yaml).
#
#   docker build -f deploy/dagster.Dockerfile -t lakehouse-dagster:0.1.0 .
ARG PYTHON_IMAGE=python:3.11.11-slim-bookworm
FROM ${PYTHON_IMAGE}
ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DAGSTER_HOME=/opt/dagster/home
COPY deploy/constraints.txt /tmp/constraints.txt
RUN pip install --constraint /tmp/constraints.txt \
        "dagster==1.13.27" "dagster-webserver==1.13.27" "dagster-graphql==1.13.27" \
        "dagster-postgres==0.29.27" "dagster-aws==0.29.27" \
 && groupadd --gid 10001 dagster \
 && useradd --uid 10001 --gid dagster --create-home --home-dir /home/dagster dagster \
 && mkdir -p "$DAGSTER_HOME" && chown dagster:dagster "$DAGSTER_HOME"
COPY deploy/dagster.yaml deploy/workspace.yaml $DAGSTER_HOME/
WORKDIR /opt/dagster/home
USER 10001:10001
EXPOSE 3000
CMD ["dagster-webserver", "-h", "0.0.0.0", "-p", "3000", "-w", "/opt/dagster/home/workspace.yaml"]
