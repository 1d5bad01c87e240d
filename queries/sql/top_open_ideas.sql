-- Ideas open at $end_d (status submitted or in_review, no decision before
-- it in ideas.decided_at or decisions), per ideas.site_id, ranked by
-- impact x feasibility (unscored last), then more votes (dated before
-- $end_d), then older, then idea_id; the first $limit of each site.
-- $order = 'score' ranks as above; 'age' ranks oldest first (the monthly
-- synthesis's "waiting longest").
WITH decided AS (
    SELECT DISTINCT idea_id FROM decisions WHERE decided_at < $end_d::TIMESTAMPTZ
),
open_ideas AS (
    SELECT i.*
      FROM ideas i
     WHERE i.created_at < $end_d::TIMESTAMPTZ
       AND i.status IN ('submitted', 'in_review')
       AND (i.decided_at IS NULL OR i.decided_at >= $end_d::TIMESTAMPTZ)
       AND ($site = '' OR i.site_id = $site)
       AND NOT EXISTS (SELECT 1 FROM decided d WHERE d.idea_id = i.idea_id)
),
-- Votes before $end_d (local days before $end_day) on the open ideas, from
-- engagements (queries/derived.go: integer idea keys, local days).
open_keys AS (
    SELECT k.ik, k.idea_id
      FROM idea_keys k
      JOIN open_ideas o ON o.idea_id = k.idea_id
),
vote_counts AS (
    SELECT ok.idea_id, v.n
      FROM (SELECT ik, count(*) AS n
              FROM engagements
             WHERE kind = 1 AND day < $end_day AND ik IN (SELECT ik FROM open_keys)
             GROUP BY ik) v
      JOIN open_keys ok ON ok.ik = v.ik
),
ranked AS (
    SELECT o.idea_id, o.site_id, o.title, o.kind, o.status, o.author_id, o.created_at,
           o.impact, o.feasibility, o.impact * o.feasibility AS score,
           coalesce(vc.n, 0) AS votes,
           (epoch_us($end_d::TIMESTAMPTZ) - epoch_us(o.created_at)) / 86400000000.0 AS waiting_days,
           row_number() OVER (
               PARTITION BY o.site_id
               ORDER BY CASE WHEN $order = 'age' THEN NULL ELSE o.impact * o.feasibility END DESC NULLS LAST,
                        CASE WHEN $order = 'age' THEN NULL ELSE coalesce(vc.n, 0) END DESC NULLS LAST,
                        o.created_at, o.idea_id) AS rank
      FROM open_ideas o
      LEFT JOIN vote_counts vc ON vc.idea_id = o.idea_id
)
SELECT idea_id, site_id, title, kind, status, author_id, created_at, impact, feasibility, score, votes, waiting_days
  FROM ranked
 WHERE rank <= $limit
 ORDER BY site_id, rank;
