-- Idea counts per ideas.site_id and overall, over the ideas loaded on D
-- (created_at before the end of D):
--   ideas, ideas_by_status (withdrawn included), ideas_implemented,
--   scored ideas, mean impact x feasibility, votes dated in P on ideas
--   created in P.
-- Withdrawn ideas count only in ideas_by_status.
-- ideas_implemented: status implemented and implemented_at, or decided_at
-- when implemented_at is empty, in P. An implemented_at after D keeps the
-- idea out (it was not implemented yet on D); it does not fall back to
-- decided_at.
WITH i AS (
    SELECT i.site_id,
           i.status,
           i.created_at >= $program_start::TIMESTAMPTZ AS in_p,
           i.status <> 'withdrawn' AS kept,
           i.impact IS NOT NULL AND i.feasibility IS NOT NULL AS scored,
           i.impact * i.feasibility AS score,
           i.status = 'implemented'
           AND coalesce(i.implemented_at, i.decided_at) >= $program_start::TIMESTAMPTZ
           AND coalesce(i.implemented_at, i.decided_at) < $as_of_end::TIMESTAMPTZ AS implemented_in_p
      FROM ideas i
     WHERE i.created_at < $as_of_end::TIMESTAMPTZ
),
agg AS (
    SELECT GROUPING(site_id) = 1 AS overall,
           site_id,
           count(*) FILTER (WHERE in_p AND kept) AS ideas,
           count(*) FILTER (WHERE in_p AND status = 'submitted') AS submitted,
           count(*) FILTER (WHERE in_p AND status = 'in_review') AS in_review,
           count(*) FILTER (WHERE in_p AND status = 'retained') AS retained,
           count(*) FILTER (WHERE in_p AND status = 'postponed') AS postponed,
           count(*) FILTER (WHERE in_p AND status = 'rejected') AS rejected,
           count(*) FILTER (WHERE in_p AND status = 'implemented') AS implemented,
           count(*) FILTER (WHERE in_p AND status = 'withdrawn') AS withdrawn,
           count(*) FILTER (WHERE implemented_in_p) AS ideas_implemented,
           count(*) FILTER (WHERE in_p AND kept AND scored) AS scored,
           avg(score) FILTER (WHERE in_p AND kept AND scored) AS quality_score
      FROM i
     GROUP BY GROUPING SETS ((site_id), ())
),
-- Votes dated in P (local days S .. D) on non-withdrawn ideas created in P,
-- per idea site, from engagements (queries/derived.go).
vp AS (
    SELECT GROUPING(idea_site) = 1 AS overall, idea_site AS site_id, count(*) AS n
      FROM engagements
     WHERE kind = 1
       AND day >= $program_start_day AND day <= $as_of_day
       AND idea_day >= $program_start_day AND idea_day <= $as_of_day
       AND NOT withdrawn
     GROUP BY GROUPING SETS ((idea_site), ())
)
SELECT agg.overall, agg.site_id, ideas, submitted, in_review, retained, postponed, rejected, implemented, withdrawn,
       ideas_implemented, scored, quality_score, coalesce(vp.n, 0)::BIGINT AS votes
  FROM agg
  LEFT JOIN vp ON vp.overall = agg.overall AND vp.site_id IS NOT DISTINCT FROM agg.site_id
 ORDER BY agg.overall, agg.site_id;
