"""Injected faults: each one makes a run fail (or retry) with a message naming what failed, leaves
the table exactly as before (same snapshot id, same rows), leaves nothing that blocks the next run
(staged files in the partition's data folder, stray metadata, locks), and the re-run succeeds.

| fault | proven by | how it is injected |
|---|---|---|
| S3 error in the middle of landing reads | `test_landing_s3.py::test_an_s3_error_mid_reads_fails_the_run_and_leaves_bronze_as_it_was` | moto S3; a botocore `before-call` hook answers 503 SlowDown from the 4th GetObject of the run |
| compute step killed (SIGKILL) with its files written, before any commit | `test_killed_writer.py::test_a_writer_killed_mid_write_changes_nothing_and_blocks_nothing[files_written]` | a child process writing Silver on DuckDB pauses before the commit and reports it on a pipe; the test kills it |
| compute step killed (SIGKILL) inside the catalog commit (metadata written, row moved, no COMMIT; hot SQLite journal) | `test_killed_writer.py::...[catalog_row_moved]` | as above, paused in SQLAlchemy's `commit` event |
| Iceberg commit conflict, different partitions | `test_commit_conflict.py::test_the_loser_of_a_real_conflict_is_rebased_and_both_commits_land` | two writers, own catalog connections, one commits after the other loaded the same base |
| Iceberg commit conflict, same partition | `test_commit_conflict.py::test_two_writers_of_one_partition_leave_exactly_the_last_commit` | as above; pyiceberg's ValidationException, retried by the table layer |
| commit conflict on every attempt (engine write) | `test_commit_conflict.py::test_an_engine_write_that_always_loses_fails_clearly_and_leaves_nothing_behind`; injected (not real) conflicts also in `lakehouse/test_table_layer.py::test_a_conflicting_commit_is_retried_until_it_lands` and `::test_a_commit_that_keeps_conflicting_fails_with_a_clear_error` | a real concurrent commit before each attempt |
| catalog database gone during a commit, once / on every attempt | `test_catalog_outage.py::test_a_commit_cut_off_once_is_committed_again_on_a_new_connection`, `::test_a_catalog_that_keeps_going_away_fails_the_write_and_changes_nothing` | PostgreSQL catalog; `pg_terminate_backend` of the catalog's backend between its UPDATE and COMMIT |
| catalog gone after a COMMIT landed but before it was answered | `test_catalog_outage.py::test_a_commit_whose_answer_was_lost_keeps_its_files_when_the_catalog_stays_away` | the COMMIT runs; the caller is told the connection broke; later commits are terminated |
| KMA API timing out | `test_kma_timeout.py::test_a_kma_timeout_fails_the_run_after_its_retries_and_changes_nothing` (the weather run); client level in `weather/test_kma_client.py::test_a_timeout_is_retried_then_succeeds`, `::test_a_timeout_on_every_attempt_is_unavailable`, `::test_connection_refused_names_no_key` | the local KMA stand-in hangs on one station past a 0.3 s read timeout |
| MLflow unreachable during a promotion | `test_mlflow_unreachable.py::test_mlflow_gone_during_the_alias_move_keeps_the_champion_and_the_rerun_promotes` | a real MLflow server (its app on loopback) stops when the alias move reaches it |
| three concurrent backfills over overlapping Silver and Gold partitions | `test_concurrent_backfill.py::test_three_overlapping_backfills_leave_every_partition_as_one_writer_would`; different partitions only in `lakehouse/test_table_layer.py::test_concurrent_partition_replacements_all_land` | three threads on DuckDB and the PostgreSQL catalog; their first Silver commits forced onto one base snapshot |

Dagster's step retries run on `retry_clock.RetryClock`, so the assets' real retry policies run in
full without waiting. PostgreSQL (127.0.0.1:5432) missing is a failure, not a skip.
"""
