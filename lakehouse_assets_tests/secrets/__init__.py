"""No secret reaches the event log, metadata, errors, log files, reports or MLflow (the issue's "Secrets" test)."""
