-- The committee's changelog between $lo and $hi (local midnights): from
-- `decisions` when that table has any row, else derived from ideas
-- (decided_at with the status as the decision, for the four statuses that
-- are decisions). Decisions on withdrawn ideas stay (it is the record of
-- what was decided); those on ideas not loaded keep an empty title and
-- site and show only when every site is asked for.
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
SELECT s.idea_id, coalesce(i.title, ''), coalesce(i.site_id, ''), s.decision, s.decided_at, s.reason
  FROM src s
  LEFT JOIN ideas i ON i.idea_id = s.idea_id
 WHERE s.decided_at >= $lo::TIMESTAMPTZ AND s.decided_at < $hi::TIMESTAMPTZ
   AND ($site = '' OR i.site_id = $site)
 ORDER BY s.decided_at, s.idea_id, s.decision;
