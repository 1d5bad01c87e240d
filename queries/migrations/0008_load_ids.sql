-- Crash-safe loads (docs/loading.md): every dataset row carries the id of
-- the load that wrote it, and committed_loads records each load that
-- committed. At open, rows of a load that is not recorded are removed and
-- a recorded load whose replacement of older rows did not take effect is
-- completed (queries/recover.go). Rows loaded before this migration have
-- load id 0 (committed).
ALTER TABLE sites ADD COLUMN load_id BIGINT DEFAULT 0;
ALTER TABLE people ADD COLUMN load_id BIGINT DEFAULT 0;
ALTER TABLE ideas ADD COLUMN load_id BIGINT DEFAULT 0;
ALTER TABLE votes ADD COLUMN load_id BIGINT DEFAULT 0;
ALTER TABLE comments ADD COLUMN load_id BIGINT DEFAULT 0;
ALTER TABLE activity ADD COLUMN load_id BIGINT DEFAULT 0;
ALTER TABLE challenges ADD COLUMN load_id BIGINT DEFAULT 0;
ALTER TABLE surveys ADD COLUMN load_id BIGINT DEFAULT 0;
ALTER TABLE decisions ADD COLUMN load_id BIGINT DEFAULT 0;
-- One row per committed load: its dataset, the file's SHA-256, the rows it
-- left in its dataset (kept) and the dataset's row count right after it
-- (rows_after). Nothing but the loader writes or deletes here.
CREATE TABLE committed_loads (
	load_id     BIGINT NOT NULL,
	dataset     VARCHAR NOT NULL,
	sha256      VARCHAR NOT NULL,
	kept        BIGINT NOT NULL,
	rows_after  BIGINT NOT NULL
);
-- The ingest_log row of a load names it, so that recovery can remove the
-- row of a load that did not land whole (NULL for loads before 0008).
ALTER TABLE ingest_log ADD COLUMN load_id BIGINT;
