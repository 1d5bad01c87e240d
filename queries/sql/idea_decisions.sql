-- The decisions on one idea dated before $as_of_end, oldest first, from
-- changelog (queries/derived.go: the rows of `decisions`, else derived
-- from ideas).
SELECT decision, decided_at, reason
  FROM changelog
 WHERE idea_id = $idea
   AND decided_at < $as_of_end::TIMESTAMPTZ
 ORDER BY decided_at, decision;
