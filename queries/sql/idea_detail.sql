-- One idea as loaded on the as-of date: the row of `ideas` created before
-- $as_of_end (none when it is created later), its site's name, its
-- author's display name, its challenge's title (keys are unique, so each
-- lookup has at most one row), its decided_at and implemented_at when
-- before $as_of_end, and its votes and comments dated on or before the
-- as-of day (engagements, queries/derived.go, by the idea's integer key;
-- withdrawn or not, they are what the idea received).
WITH i AS (
    SELECT *
      FROM ideas
     WHERE idea_id = $idea
       AND created_at < $as_of_end::TIMESTAMPTZ
),
e AS (
    SELECT count(*) FILTER (WHERE kind = 1) AS votes,
           count(*) FILTER (WHERE kind = 2) AS comments
      FROM engagements
     WHERE ik = (SELECT ik FROM idea_keys WHERE idea_id = $idea)
       AND day <= $as_of_day
)
SELECT i.idea_id, i.site_id,
       (SELECT name FROM sites WHERE site_id = i.site_id LIMIT 1),
       i.author_id,
       (SELECT display_name FROM people WHERE person_id = i.author_id LIMIT 1),
       i.kind, i.title, i.created_at, i.status,
       CASE WHEN i.decided_at < $as_of_end::TIMESTAMPTZ THEN i.decided_at END,
       CASE WHEN i.implemented_at < $as_of_end::TIMESTAMPTZ THEN i.implemented_at END,
       i.impact, i.feasibility, i.challenge_id,
       (SELECT title FROM challenges WHERE challenge_id = i.challenge_id LIMIT 1),
       i.theme, i.solves_idea_id, i.replicates_idea_id,
       e.votes, e.comments
  FROM i
  CROSS JOIN e;
