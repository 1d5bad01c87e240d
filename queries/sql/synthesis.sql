-- Monthly synthesis per known site between $lo and $hi (the month, cut at
-- the end of the as-of date): ideas shared (created, withdrawn excluded),
-- the changelog's decisions by kind (same source rule as
-- committee_changelog.sql), ideas implemented (status implemented and
-- implemented_at, or decided_at when empty, in the period).
WITH dec AS (
    -- changelog (queries/derived.go): the changelog's source rule with the
    -- idea's site (NULL when the idea is not loaded).
    SELECT site_id,
           count(*) FILTER (WHERE decision = 'retained') AS retained,
           count(*) FILTER (WHERE decision = 'postponed') AS postponed,
           count(*) FILTER (WHERE decision = 'rejected') AS rejected,
           count(*) FILTER (WHERE decision = 'implemented') AS implemented
      FROM changelog
     WHERE decided_at >= $lo::TIMESTAMPTZ AND decided_at < $hi::TIMESTAMPTZ
       AND site_id IS NOT NULL
     GROUP BY site_id
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
