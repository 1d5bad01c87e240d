-- Totals of ingest_log by dataset, for the operations metrics (counters that
-- survive restarts because ingest_log does). sum() is HUGEINT in DuckDB: cast.
SELECT dataset,
       count(*)::BIGINT              AS files,
       sum(rows_read)::BIGINT        AS rows_read,
       sum(loaded)::BIGINT           AS loaded,
       sum(rejected)::BIGINT         AS rejected,
       max(finished_at)              AS last_finished_at
FROM ingest_log
GROUP BY dataset
ORDER BY dataset
