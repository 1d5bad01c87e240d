-- Challenges (défis) on the as-of date, one statement per part, each
-- ending in a deterministic ORDER BY (queries/challenges.go runs them in
-- one read view). The ideas of a challenge are the ideas whose challenge_id
-- is it, created before $as_of_end, withdrawn left out (as in the KPIs),
-- whatever their date against the challenge's dates. Counts are per idea
-- site, and per challenge over every site (the rows with site_id NULL):
-- ideas; participants = distinct people who wrote, voted on or commented
-- on those ideas (votes and comments dated on or before $as_of_day), each
-- counted once however often they took part; votes and comments on them.

-- name: challenges
SELECT challenge_id, title, site_id, theme, starts_on, ends_on
  FROM challenges
 WHERE starts_on <= $as_of::DATE
 ORDER BY starts_on DESC, challenge_id;

-- name: figures
WITH ci AS (
    SELECT i.challenge_id, ii.site_id, ii.ik, ii.author_pk
      FROM ideas i
      JOIN idea_info ii ON ii.idea_id = i.idea_id
     WHERE i.challenge_id IS NOT NULL
       AND i.created_at < $as_of_end::TIMESTAMPTZ
       AND i.status <> 'withdrawn'
),
part AS (
    SELECT challenge_id, site_id, author_pk AS pk, 0 AS kind
      FROM ci
     WHERE author_pk IS NOT NULL
    UNION ALL
    SELECT ci.challenge_id, ci.site_id, e.pk, e.kind
      FROM engagements e
      JOIN ci ON ci.ik = e.ik
     WHERE e.day <= $as_of_day
),
idea_n AS (
    SELECT challenge_id, site_id, GROUPING(site_id) = 1 AS total, count(*) AS ideas
      FROM ci
     GROUP BY GROUPING SETS ((challenge_id, site_id), (challenge_id))
),
part_n AS (
    SELECT challenge_id, site_id, GROUPING(site_id) = 1 AS total,
           count(DISTINCT pk) AS participants,
           count(*) FILTER (WHERE kind = 1) AS votes,
           count(*) FILTER (WHERE kind = 2) AS comments
      FROM part
     GROUP BY GROUPING SETS ((challenge_id, site_id), (challenge_id))
)
SELECT n.challenge_id, n.total, coalesce(n.site_id, ''), n.ideas,
       coalesce(p.participants, 0), coalesce(p.votes, 0), coalesce(p.comments, 0)
  FROM idea_n n
  LEFT JOIN part_n p ON p.challenge_id = n.challenge_id AND p.total = n.total
                    AND p.site_id IS NOT DISTINCT FROM n.site_id
 ORDER BY n.challenge_id, n.total DESC, n.ideas DESC, n.site_id;

-- name: sites
SELECT site_id, name
  FROM sites
 ORDER BY site_id;
