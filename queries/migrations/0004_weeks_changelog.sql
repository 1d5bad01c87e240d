-- More derived data (queries/derived.go keeps it in each load's
-- transaction; this migration creates and backfills it).
--
-- fact_weeks: the Monday-based local weeks a person was active in (week =
-- (day + 3) // 7, day numbers of fact_days; 1970-01-01 was a Thursday),
-- with the first active day of the week: a person is active in week w as of
-- D when first_day <= D. One row per (person, week), for the weekly series.
CREATE TABLE fact_weeks (
	pk        INTEGER NOT NULL,
	week      INTEGER NOT NULL,
	first_day INTEGER NOT NULL
);
INSERT INTO fact_weeks
SELECT pk, (day + 3) // 7, min(day) FROM fact_days GROUP BY pk, (day + 3) // 7;

-- changelog: the committee's decisions with their idea's title and site
-- (NULL when the idea is not loaded): the rows of `decisions` when it has
-- any, else derived from ideas (decided_at with the status as decision,
-- for the four statuses that are decisions). Sorted by decided_at, so a
-- month is a range of it.
CREATE TABLE changelog (
	idea_id    VARCHAR NOT NULL,
	title      VARCHAR,
	site_id    VARCHAR,
	decision   VARCHAR NOT NULL,
	decided_at TIMESTAMPTZ NOT NULL,
	reason     VARCHAR
);
INSERT INTO changelog
WITH src AS (
    SELECT idea_id, decision, decided_at, reason
      FROM decisions
    UNION ALL
    SELECT idea_id, status, decided_at, NULL
      FROM ideas
     WHERE decided_at IS NOT NULL
       AND status IN ('retained', 'postponed', 'rejected', 'implemented')
       AND NOT EXISTS (SELECT 1 FROM decisions)
)
SELECT s.idea_id, i.title, i.site_id, s.decision, s.decided_at, s.reason
  FROM src s
  LEFT JOIN ideas i ON i.idea_id = s.idea_id
 ORDER BY s.decided_at;
