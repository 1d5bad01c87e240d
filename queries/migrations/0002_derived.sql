-- Derived data that keeps the KPI and page queries fast (queries/derived.go
-- maintains it inside each load's transaction; this migration creates it
-- and backfills it from the rows already loaded).
--
-- person_keys: one INTEGER key per person id seen in people, ideas
-- (author_id), votes (voter_id), comments (author_id) or activity; keys are
-- never reused nor changed, new ids get new keys.
CREATE TABLE person_keys (
	person_id VARCHAR NOT NULL,
	pk        INTEGER NOT NULL
);
-- person_info: the people rows with their key.
CREATE TABLE person_info (
	pk               INTEGER NOT NULL,
	person_id        VARCHAR NOT NULL,
	site_id          VARCHAR NOT NULL,
	role             VARCHAR NOT NULL,
	display_name     VARCHAR,
	ambassador_since DATE,
	trained_on       DATE,
	left_on          DATE
);
-- fact_days: the facts that make a person active (src 1 activity rows, 2
-- ideas authored, 3 votes, 4 comments), counted per person and local day
-- (days since 1970-01-01 in the zone of derived_state).
CREATE TABLE fact_days (
	src UTINYINT NOT NULL,
	pk  INTEGER NOT NULL,
	day INTEGER NOT NULL,
	n   BIGINT NOT NULL
);
-- derived_state: the time zone fact_days was computed in; another zone
-- makes queries/derived.go rebuild it.
CREATE TABLE derived_state (
	zone VARCHAR NOT NULL
);

INSERT INTO person_keys
SELECT id, (row_number() OVER (ORDER BY id))::INTEGER
  FROM (SELECT person_id AS id FROM people
        UNION SELECT author_id FROM ideas WHERE author_id IS NOT NULL
        UNION SELECT voter_id FROM votes
        UNION SELECT author_id FROM comments
        UNION SELECT person_id FROM activity);

INSERT INTO person_info
SELECT k.pk, p.person_id, p.site_id, p.role, p.display_name, p.ambassador_since, p.trained_on, p.left_on
  FROM people p
  JOIN person_keys k ON k.person_id = p.person_id;

-- The local day of each fact in the session time zone (the configured
-- one): the zone's offset is looked up once per distinct UTC minute (zones
-- change offset on whole minutes) rather than converting every row.
-- 86400000000000000 (10^6 days in microseconds) keeps the divisions flooring
-- for instants before 1970.
INSERT INTO fact_days
WITH f AS (
    SELECT 1::UTINYINT AS src, person_id AS pid, occurred_at AS ts FROM activity
    UNION ALL
    SELECT 2, author_id, created_at FROM ideas WHERE author_id IS NOT NULL
    UNION ALL
    SELECT 3, voter_id, voted_at FROM votes
    UNION ALL
    SELECT 4, author_id, created_at FROM comments
),
fm AS (
    SELECT src, pid, (epoch_us(ts) + 86400000000000000) // 60000000 AS minute, epoch_us(ts) AS us FROM f
),
off AS (
    SELECT minute,
           epoch_us(to_timestamp(((minute * 60000000 - 86400000000000000) // 1000000)::DOUBLE)::TIMESTAMP)
           - (minute * 60000000 - 86400000000000000) AS off_us
      FROM (SELECT DISTINCT minute FROM fm)
)
SELECT fm.src, k.pk, ((fm.us + off.off_us + 86400000000000000) // 86400000000 - 1000000)::INTEGER AS day, count(*)
  FROM fm
  JOIN off ON off.minute = fm.minute
  JOIN person_keys k ON k.person_id = fm.pid
 GROUP BY ALL;

INSERT INTO derived_state SELECT current_setting('TimeZone');
