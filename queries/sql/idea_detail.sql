-- One idea as loaded on the as-of date: the row of `ideas` created before
-- $as_of_end (none when it is created later), its site's name, its
-- author's display name, its challenge's title, its decided_at and
-- implemented_at when before $as_of_end, and its votes and comments dated
-- on or before the as-of day (engagements, queries/derived.go; withdrawn
-- or not, they are what the idea received).
WITH i AS (
    SELECT *
      FROM ideas
     WHERE idea_id = $idea
       AND created_at < $as_of_end::TIMESTAMPTZ
),
e AS (
    SELECT count(*) FILTER (WHERE e.kind = 1) AS votes,
           count(*) FILTER (WHERE e.kind = 2) AS comments
      FROM engagements e
      JOIN idea_keys k ON k.ik = e.ik
     WHERE k.idea_id = $idea
       AND e.day <= $as_of_day
)
SELECT i.idea_id, i.site_id, s.name, i.author_id, p.display_name, i.kind, i.title, i.created_at, i.status,
       CASE WHEN i.decided_at < $as_of_end::TIMESTAMPTZ THEN i.decided_at END,
       CASE WHEN i.implemented_at < $as_of_end::TIMESTAMPTZ THEN i.implemented_at END,
       i.impact, i.feasibility, i.challenge_id, c.title, i.theme, i.solves_idea_id, i.replicates_idea_id,
       e.votes, e.comments
  FROM i
  CROSS JOIN e
  LEFT JOIN (SELECT DISTINCT ON (site_id) site_id, name FROM sites ORDER BY site_id) s ON s.site_id = i.site_id
  LEFT JOIN (SELECT DISTINCT ON (person_id) person_id, display_name FROM people ORDER BY person_id) p ON p.person_id = i.author_id
  LEFT JOIN (SELECT DISTINCT ON (challenge_id) challenge_id, title FROM challenges ORDER BY challenge_id) c ON c.challenge_id = i.challenge_id;
