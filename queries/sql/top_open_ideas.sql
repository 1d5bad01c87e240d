-- Ideas open at $as_of_end (status submitted or in_review, no decision before
-- it in ideas.decided_at or decisions), per ideas.site_id ($per_site) or
-- for the whole group (not $per_site), ranked by impact x feasibility
-- (unscored last), then more votes (dated before $as_of_end), then older,
-- then idea_id; the first $limit of each site (or of the group).
-- $site keeps one site, $challenge the ideas of one challenge
-- (ideas.challenge_id); '' keeps all.
-- $order = 'score' ranks as above; 'age' ranks oldest first (the monthly
-- synthesis's "waiting longest").
-- idea_info and engagements (queries/derived.go) carry the ideas with their
-- integer key and earliest row in decisions, and the votes with their idea
-- key and local day ($end_day is the local day $as_of_end starts).
WITH open_ideas AS (
    SELECT *
      FROM idea_info
     WHERE created_at < $as_of_end::TIMESTAMPTZ
       AND status IN ('submitted', 'in_review')
       AND (decided_at IS NULL OR decided_at >= $as_of_end::TIMESTAMPTZ)
       AND (first_decision_at IS NULL OR first_decision_at >= $as_of_end::TIMESTAMPTZ)
       AND ($site = '' OR site_id = $site)
       AND ($challenge = '' OR idea_id IN (SELECT idea_id FROM ideas WHERE challenge_id = $challenge))
),
-- idea_info has each idea's votes and the local day of its latest vote:
-- when that day is before $end_day every vote counts; only the ideas voted
-- on or after it are counted in engagements (none for the latest as-of
-- date: the join with an empty side reads nothing).
late AS (
    SELECT ik FROM open_ideas WHERE last_vote_day >= $end_day
),
late_counts AS (
    SELECT ik, count(*) AS n
      FROM engagements
     WHERE kind = 1 AND day < $end_day AND ik IN (SELECT ik FROM late)
     GROUP BY ik
),
vote_counts AS (
    SELECT o.ik,
           CASE WHEN o.last_vote_day >= $end_day THEN coalesce(l.n, 0) ELSE coalesce(o.votes, 0) END AS n
      FROM open_ideas o
      LEFT JOIN late_counts l ON l.ik = o.ik
),
ranked AS (
    SELECT o.idea_id, o.site_id, o.title, o.kind, o.status, o.author_id, o.created_at,
           o.impact, o.feasibility, o.impact * o.feasibility AS score,
           coalesce(vc.n, 0) AS votes,
           (epoch_us($as_of_end::TIMESTAMPTZ) - epoch_us(o.created_at)) / 86400000000.0 AS waiting_days,
           row_number() OVER (
               PARTITION BY CASE WHEN $per_site THEN o.site_id END
               ORDER BY CASE WHEN $order = 'age' THEN NULL ELSE o.impact * o.feasibility END DESC NULLS LAST,
                        CASE WHEN $order = 'age' THEN NULL ELSE coalesce(vc.n, 0) END DESC NULLS LAST,
                        o.created_at, o.idea_id) AS rank
      FROM open_ideas o
      LEFT JOIN vote_counts vc ON vc.ik = o.ik
)
SELECT idea_id, site_id, title, kind, status, author_id, created_at, impact, feasibility, score, votes, waiting_days
  FROM ranked
 WHERE rank <= $limit
 ORDER BY CASE WHEN $per_site THEN site_id END, rank;
