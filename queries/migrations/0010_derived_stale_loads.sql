-- The load behind each stale mark (queries/derived.go): a load records its
-- id here beside its derived_stale mark, in its own transaction. When every
-- mark of a dataset has its load here, the derived data of some datasets
-- (activity) is brought up to date for the days that those loads' rows fall
-- on, instead of being recomputed from the whole table; a mark without a
-- load (recovery, forget, retention) still asks for the whole recomputation.
CREATE TABLE derived_stale_loads (
	dataset VARCHAR NOT NULL,
	load_id BIGINT NOT NULL
);
