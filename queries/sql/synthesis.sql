-- Monthly synthesis per known site between $lo and $hi (the month, cut at
-- the end of the as-of date): ideas shared (created, withdrawn excluded),
-- the changelog's decisions by kind (same source rule as
-- decisions_changelog.sql), ideas implemented (status implemented and
-- implemented_at, or decided_at when empty, in the period).
WITH src AS (
    SELECT idea_id, decision, decided_at FROM decisions
    UNION ALL
    SELECT idea_id, status, decided_at
      FROM ideas
     WHERE decided_at IS NOT NULL
       AND status IN ('retained', 'postponed', 'rejected', 'implemented')
       AND NOT EXISTS (SELECT 1 FROM decisions)
),
dec AS (
    SELECT i.site_id,
           count(*) FILTER (WHERE s.decision = 'retained') AS retained,
           count(*) FILTER (WHERE s.decision = 'postponed') AS postponed,
           count(*) FILTER (WHERE s.decision = 'rejected') AS rejected,
           count(*) FILTER (WHERE s.decision = 'implemented') AS implemented
      FROM src s
      JOIN ideas i ON i.idea_id = s.idea_id
     WHERE s.decided_at >= $lo::TIMESTAMPTZ AND s.decided_at < $hi::TIMESTAMPTZ
     GROUP BY i.site_id
),
idea AS (
    SELECT site_id,
           count(*) FILTER (WHERE created_at >= $lo::TIMESTAMPTZ AND created_at < $hi::TIMESTAMPTZ
                              AND status <> 'withdrawn') AS shared,
           count(*) FILTER (WHERE status = 'implemented'
                              AND coalesce(implemented_at, decided_at) >= $lo::TIMESTAMPTZ
                              AND coalesce(implemented_at, decided_at) < $hi::TIMESTAMPTZ) AS implemented
      FROM ideas
     WHERE created_at < $hi::TIMESTAMPTZ
     GROUP BY site_id
)
SELECT s.site_id, s.name,
       coalesce(idea.shared, 0),
       coalesce(dec.retained, 0), coalesce(dec.postponed, 0), coalesce(dec.rejected, 0), coalesce(dec.implemented, 0),
       coalesce(idea.implemented, 0)
  FROM sites s
  LEFT JOIN idea ON idea.site_id = s.site_id
  LEFT JOIN dec ON dec.site_id = s.site_id
 ORDER BY s.site_id;
