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
WITH vp AS (
    SELECT idea_id, count(*) AS n
      FROM votes
     WHERE voted_at >= $p_lo::TIMESTAMPTZ AND voted_at < $end_d::TIMESTAMPTZ
     GROUP BY idea_id
),
i AS (
    SELECT i.site_id,
           i.status,
           i.created_at >= $p_lo::TIMESTAMPTZ AS in_p,
           i.status <> 'withdrawn' AS kept,
           i.impact IS NOT NULL AND i.feasibility IS NOT NULL AS scored,
           i.impact * i.feasibility AS score,
           i.status = 'implemented'
           AND coalesce(i.implemented_at, i.decided_at) >= $p_lo::TIMESTAMPTZ
           AND coalesce(i.implemented_at, i.decided_at) < $end_d::TIMESTAMPTZ AS implemented_in_p,
           coalesce(vp.n, 0) AS votes
      FROM ideas i
      LEFT JOIN vp ON vp.idea_id = i.idea_id
     WHERE i.created_at < $end_d::TIMESTAMPTZ
)
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
       avg(score) FILTER (WHERE in_p AND kept AND scored) AS quality_score,
       coalesce(sum(votes) FILTER (WHERE in_p AND kept), 0)::BIGINT AS votes
  FROM i
 GROUP BY GROUPING SETS ((site_id), ())
 ORDER BY overall, site_id;
