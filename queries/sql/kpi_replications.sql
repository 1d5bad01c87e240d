-- replications and time_to_knowledge_days per replica site and overall:
-- non-withdrawn ideas created in P whose replicates_idea_id is a loaded,
-- non-withdrawn idea of another site (the origin's site need not be in
-- `sites`); the median of (replica.created_at - origin.created_at) in
-- days, clamped at 0.
WITH idea AS (
    SELECT idea_id, site_id, created_at, replicates_idea_id
      FROM ideas
     WHERE created_at < $as_of_end::TIMESTAMPTZ
       AND status <> 'withdrawn'
)
SELECT GROUPING(r.site_id) = 1 AS overall,
       r.site_id,
       count(*) AS replications,
       quantile_cont(greatest(epoch_us(r.created_at) - epoch_us(o.created_at), 0) / 86400000000.0, 0.5) AS time_to_knowledge_days
  FROM idea r
  JOIN idea o ON o.idea_id = r.replicates_idea_id
 WHERE r.created_at >= $program_start::TIMESTAMPTZ
   AND o.site_id <> r.site_id
 GROUP BY GROUPING SETS ((r.site_id), ())
 ORDER BY overall, r.site_id;
