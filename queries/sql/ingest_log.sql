-- The most recent loads first (one row per file that loaded).
-- $1: the maximum number of rows.
SELECT id, file, dataset, sha256, rows_read, loaded, rejected, started_at, finished_at
FROM ingest_log
ORDER BY finished_at DESC, id DESC
LIMIT $1
