-- Weekly series of every site at once (the Parquet export's weekly.parquet):
-- the figures of series.sql with $site set to each site in turn, in one
-- pass instead of one query per site. One row per site and week that has
-- something (a site or week absent here is all zeros, no median); the
-- caller adds the week's dates. Same definitions as series.sql, read it for
-- their reasons.
WITH wk AS (
    SELECT idx,
           least(DATE '1970-01-01' + ($lo_day + 7 * idx + 6)::INTEGER, $as_of::DATE) AS week_end
      FROM range($weeks) AS t(idx)
),
-- The site's people: person_info has one row per person key.
week_people AS (
    SELECT p.site_id, f.week - $lo_week AS idx, p.role, p.ambassador_since, p.left_on
      FROM fact_weeks f
      JOIN person_info p ON p.pk = f.pk
     WHERE f.week >= $lo_week AND f.first_day <= $as_of_day
),
act AS (
    SELECT w.site_id, w.idx,
           count(*) AS people,
           count(*) FILTER (WHERE w.role = 'ambassador'
                              AND (w.ambassador_since IS NULL OR w.ambassador_since <= wk.week_end)
                              AND (w.left_on IS NULL OR w.left_on > wk.week_end)) AS ambassadors
      FROM week_people w
      JOIN wk ON wk.idx = w.idx
     GROUP BY w.site_id, w.idx
),
idea AS (
    SELECT site_id, kind, created_at,
           CASE WHEN decided_at < $as_of_end::TIMESTAMPTZ THEN decided_at END AS decided_at,
           CASE WHEN first_decision_at < $as_of_end::TIMESTAMPTZ THEN first_decision_at END AS dec_first
      FROM idea_info
     WHERE created_at < $as_of_end::TIMESTAMPTZ
       AND status <> 'withdrawn'
),
created AS (
    SELECT site_id, ({{.Day "created_at"}} - $lo_day) // 7 AS idx,
           count(*) AS ideas,
           count(*) FILTER (WHERE kind = 'idea') AS k_idea,
           count(*) FILTER (WHERE kind = 'irritant') AS k_irritant,
           count(*) FILTER (WHERE kind = 'solution') AS k_solution,
           count(*) FILTER (WHERE kind = 'practice') AS k_practice
      FROM idea
     WHERE created_at >= $lo::TIMESTAMPTZ
     GROUP BY ALL
),
engaged AS (
    SELECT idea_site AS site_id, (day - $lo_day) // 7 AS idx,
           sum(n) FILTER (WHERE kind = 1) AS votes,
           sum(n) FILTER (WHERE kind = 2) AS comments
      FROM (SELECT idea_site, kind, day, count(*) AS n
              FROM engagements
             WHERE day >= $lo_day AND day <= $as_of_day
               AND idea_day <= $as_of_day
               AND NOT withdrawn
             GROUP BY idea_site, kind, day)
     GROUP BY ALL
),
first_decisions AS (
    SELECT site_id, created_at,
           CASE WHEN dec_first IS NULL OR decided_at <= dec_first
                THEN coalesce(decided_at, dec_first)
                ELSE dec_first END AS first_at
      FROM idea
),
decided AS (
    SELECT site_id, ({{.Day "first_at"}} - $lo_day) // 7 AS idx,
           count(*) AS decisions,
           quantile_cont(greatest(epoch_us(first_at) - epoch_us(created_at), 0) / 86400000000.0, 0.5) AS delay
      FROM first_decisions
     WHERE first_at >= $lo::TIMESTAMPTZ
     GROUP BY ALL
),
cells AS (
    SELECT site_id, idx FROM act
    UNION SELECT site_id, idx FROM created
    UNION SELECT site_id, idx FROM engaged
    UNION SELECT site_id, idx FROM decided
)
SELECT cells.site_id,
       cells.idx,
       coalesce(act.people, 0),
       coalesce(act.ambassadors, 0),
       coalesce(created.ideas, 0),
       coalesce(created.k_idea, 0),
       coalesce(created.k_irritant, 0),
       coalesce(created.k_solution, 0),
       coalesce(created.k_practice, 0),
       coalesce(engaged.votes, 0)::BIGINT,
       coalesce(engaged.comments, 0)::BIGINT,
       coalesce(decided.decisions, 0),
       decided.delay
  FROM cells
  LEFT JOIN act USING (site_id, idx)
  LEFT JOIN created USING (site_id, idx)
  LEFT JOIN engaged USING (site_id, idx)
  LEFT JOIN decided USING (site_id, idx)
 WHERE cells.site_id IS NOT NULL AND cells.idx >= 0 AND cells.idx < $weeks
 ORDER BY cells.site_id, cells.idx;
