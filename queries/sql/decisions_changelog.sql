-- The committee's changelog between $lo and $hi (local midnights), from
-- changelog (queries/derived.go, migration 0004): the rows of `decisions`
-- when that table has any, else derived from ideas (decided_at with the
-- status as the decision, for the four statuses that are decisions), with
-- the idea's title and site. Decisions on withdrawn ideas stay (it is the
-- record of what was decided); those on ideas not loaded keep an empty
-- title and site and show only when every site is asked for.
SELECT idea_id, coalesce(title, ''), coalesce(site_id, ''), decision, decided_at, reason
  FROM changelog
 WHERE decided_at >= $lo::TIMESTAMPTZ AND decided_at < $hi::TIMESTAMPTZ
   AND ($site = '' OR site_id = $site)
 ORDER BY decided_at, idea_id, decision;
