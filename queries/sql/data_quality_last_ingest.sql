-- The last file loaded into each dataset, by dataset name.
SELECT dataset, file, rows_read, loaded, rejected, finished_at
FROM ingest_log
QUALIFY row_number() OVER (PARTITION BY dataset ORDER BY finished_at DESC, id DESC) = 1
ORDER BY dataset
