-- The datasets loaded since the derived data was last brought up to date
-- (queries/derived.go): a load only records its dataset here, in its own
-- transaction; the first query after it recomputes the derived data of those
-- datasets in one transaction before reading, on committed rows (a scan of
-- the 20M rows a load has just appended, inside that load's transaction,
-- was 4-5x slower: 12 s instead of 3 s on the large demo).
CREATE TABLE derived_stale (
	dataset VARCHAR NOT NULL
);
