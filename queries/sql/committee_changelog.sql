-- The committee's changelog between $lo and $hi (local midnights: a month,
-- cut at the end of the as-of date), newest first, one page of it
-- ($limit rows after $offset). From changelog (queries/derived.go,
-- migration 0004): the rows of `decisions` when that table has any, else
-- derived from ideas (decided_at with the status as the decision, for the
-- four statuses that are decisions), with the idea's title and site.
-- Decisions on withdrawn ideas stay (it is the record of what was
-- decided); those on ideas not loaded keep an empty title and site and
-- show only when every site is asked for, and no challenge.
-- Filters: $site, $decision, $challenge (ideas.challenge_id); '' keeps all.
-- (decided_at, idea_id, decision) is the key of `decisions` and an idea
-- has one derived row: the order is total, so pages never overlap.
SELECT idea_id, coalesce(title, ''), coalesce(site_id, ''), decision, decided_at, reason
  FROM changelog
 WHERE decided_at >= $lo::TIMESTAMPTZ AND decided_at < $hi::TIMESTAMPTZ
   AND ($site = '' OR site_id = $site)
   AND ($decision = '' OR decision = $decision)
   AND ($challenge = '' OR idea_id IN (SELECT idea_id FROM ideas WHERE challenge_id = $challenge))
 ORDER BY decided_at DESC, idea_id DESC, decision DESC
 LIMIT $limit OFFSET $offset;
