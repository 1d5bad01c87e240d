-- More derived data (queries/derived.go keeps it in each load's
-- transaction; this migration creates and backfills it).
--
-- idea_info: the ideas with their integer key (idea_keys), their author's
-- person key (NULL without author) and the earliest decided_at of their
-- rows in `decisions` (NULL when none): a query cut at an instant reads
-- "first decision in decisions before it" as first_decision_at < it.
CREATE TABLE idea_info (
	ik                 INTEGER NOT NULL,
	idea_id            VARCHAR NOT NULL,
	site_id            VARCHAR NOT NULL,
	author_id          VARCHAR,
	author_pk          INTEGER,
	kind               VARCHAR NOT NULL,
	title              VARCHAR NOT NULL,
	created_at         TIMESTAMPTZ NOT NULL,
	status             VARCHAR NOT NULL,
	decided_at         TIMESTAMPTZ,
	implemented_at     TIMESTAMPTZ,
	impact             INTEGER,
	feasibility        INTEGER,
	first_decision_at  TIMESTAMPTZ
);
INSERT INTO idea_info
SELECT k.ik, i.idea_id, i.site_id, i.author_id, pk.pk, i.kind, i.title, i.created_at, i.status, i.decided_at,
       i.implemented_at, i.impact, i.feasibility, d.first_at
  FROM ideas i
  JOIN idea_keys k ON k.idea_id = i.idea_id
  LEFT JOIN person_keys pk ON pk.person_id = i.author_id
  LEFT JOIN (SELECT idea_id, min(decided_at) AS first_at FROM decisions GROUP BY idea_id) d ON d.idea_id = i.idea_id;

-- fact_people: fact_days summed per source and person (rows of activity,
-- ideas with an author, votes, comments per person key), for the
-- data-quality report's references to people.
CREATE TABLE fact_people (
	src UTINYINT NOT NULL,
	pk  INTEGER NOT NULL,
	n   BIGINT NOT NULL
);
INSERT INTO fact_people SELECT src, pk, sum(n) FROM fact_days GROUP BY src, pk;
