-- The people whose rows a load replaced, for a dataset whose key does not
-- hold the person (comments: a replaced comment may have had another
-- author). queries/derived.go brings the derived data of those people up
-- to date with the load's own; a load records here, in its own
-- transaction, a row without person (NULL) beside them to say that it did.
-- A load that writes more than a quarter of its dataset records nothing:
-- the derived data is recomputed whole after it.
CREATE TABLE derived_replaced (
	load_id   BIGINT NOT NULL,
	person_id VARCHAR
);
