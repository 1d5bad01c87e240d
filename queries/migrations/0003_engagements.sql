-- Votes and comments with integer keys and the site, local creation day
-- and withdrawn status of their idea (queries/derived.go keeps it in each
-- load's transaction; this migration creates and backfills it). The
-- cross-site share, votes per idea, the weekly series, the committee's
-- vote counts and the data-quality report read it instead of joining 4M
-- VARCHAR idea ids per request.
--
-- idea_keys: one INTEGER key per idea id seen in ideas, votes or comments;
-- never reused nor changed.
CREATE TABLE idea_keys (
	idea_id VARCHAR NOT NULL,
	ik      INTEGER NOT NULL
);
-- engagements: one row per vote (kind 1) and comment (kind 2): the
-- person's key, the idea's key, the local day (days since 1970-01-01 in the
-- zone of derived_state); idea_site, idea_day (local creation day) and
-- withdrawn are NULL when the idea is not loaded.
CREATE TABLE engagements (
	kind      UTINYINT NOT NULL,
	pk        INTEGER NOT NULL,
	ik        INTEGER NOT NULL,
	day       INTEGER NOT NULL,
	idea_site VARCHAR,
	idea_day  INTEGER,
	withdrawn BOOLEAN
);

INSERT INTO idea_keys
SELECT id, (row_number() OVER (ORDER BY id))::INTEGER
  FROM (SELECT idea_id AS id FROM ideas
        UNION SELECT idea_id FROM votes
        UNION SELECT idea_id FROM comments);

-- Local days in the session time zone (the configured one), the zone's
-- offset looked up once per distinct UTC minute as in 0002.
INSERT INTO engagements
WITH e AS (
    SELECT 1::UTINYINT AS kind, voter_id AS pid, idea_id, voted_at AS ts FROM votes
    UNION ALL
    SELECT 2, author_id, idea_id, created_at FROM comments
),
i AS (
    SELECT idea_id, site_id, created_at AS ts, status = 'withdrawn' AS withdrawn FROM ideas
),
minutes AS (
    SELECT DISTINCT (epoch_us(ts) + 86400000000000000) // 60000000 AS minute FROM e
    UNION
    SELECT DISTINCT (epoch_us(ts) + 86400000000000000) // 60000000 FROM i
),
off AS (
    SELECT minute,
           epoch_us(to_timestamp(((minute * 60000000 - 86400000000000000) // 1000000)::DOUBLE)::TIMESTAMP)
           - (minute * 60000000 - 86400000000000000) AS off_us
      FROM minutes
),
iday AS (
    SELECT i.idea_id, i.site_id, i.withdrawn,
           ((epoch_us(i.ts) + off.off_us + 86400000000000000) // 86400000000 - 1000000)::INTEGER AS day
      FROM i
      JOIN off ON off.minute = (epoch_us(i.ts) + 86400000000000000) // 60000000
)
SELECT e.kind, pk.pk, ik.ik,
       ((epoch_us(e.ts) + off.off_us + 86400000000000000) // 86400000000 - 1000000)::INTEGER,
       iday.site_id, iday.day, iday.withdrawn
  FROM e
  JOIN off ON off.minute = (epoch_us(e.ts) + 86400000000000000) // 60000000
  JOIN person_keys pk ON pk.person_id = e.pid
  JOIN idea_keys ik ON ik.idea_id = e.idea_id
  LEFT JOIN iday ON iday.idea_id = e.idea_id;
