-- Decision KPIs per ideas.site_id and overall, over the non-withdrawn ideas
-- loaded on D: decision_delay_days (first decisions in P),
-- decision_delay_baseline_days (first decisions in B),
-- oldest_open_idea_days, response_sla_share (counted and answered ideas).
-- First decision = the earliest of ideas.decided_at and every
-- decisions.decided_at of the idea, only those before the end of D.
-- Durations are exact fractional days, clamped at 0.
WITH idea AS (
    SELECT idea_id, site_id, author_id, created_at, status,
           CASE WHEN decided_at < $end_d::TIMESTAMPTZ THEN decided_at END AS decided_at
      FROM ideas
     WHERE created_at < $end_d::TIMESTAMPTZ
       AND status <> 'withdrawn'
),
dec AS (
    SELECT idea_id, min(decided_at) AS first_at
      FROM decisions
     WHERE decided_at < $end_d::TIMESTAMPTZ
     GROUP BY idea_id
),
-- The first comment, dated on or before D, by a person other than the
-- idea's author whose role (as loaded) is ambassador or core_team; only
-- for ideas created in P (the only ones the SLA reads). A commenter missing
-- from `people` never answers.
cm AS (
    SELECT c.idea_id, min(c.created_at) AS first_at
      FROM comments c
      JOIN idea i ON i.idea_id = c.idea_id
      JOIN people p ON p.person_id = c.author_id
     WHERE c.created_at < $end_d::TIMESTAMPTZ
       AND i.created_at >= $p_lo::TIMESTAMPTZ
       AND p.role IN ('ambassador', 'core_team')
       AND c.author_id IS DISTINCT FROM i.author_id
     GROUP BY c.idea_id
),
f AS (
    SELECT i.site_id, i.created_at, i.status,
           CASE WHEN d.first_at IS NULL OR i.decided_at <= d.first_at
                THEN coalesce(i.decided_at, d.first_at)
                ELSE d.first_at END AS first_at,
           cm.first_at AS comment_at
      FROM idea i
      LEFT JOIN dec d ON d.idea_id = i.idea_id
      LEFT JOIN cm ON cm.idea_id = i.idea_id
),
g AS (
    SELECT site_id, status, first_at,
           greatest(epoch_us(first_at) - epoch_us(created_at), 0) / 86400000000.0 AS delay,
           (epoch_us($end_d::TIMESTAMPTZ) - epoch_us(created_at)) / 86400000000.0 AS age,
           created_at >= $p_lo::TIMESTAMPTZ AS in_p,
           -- Local creation day (a day number, {{"{{"}}.Day{{"}}"}} is exact for
           -- instants in P, queries/localday.go), only for ideas created in
           -- P (the only ones the SLA reads).
           CASE WHEN created_at >= $p_lo::TIMESTAMPTZ THEN {{.Day "created_at"}} END AS cday,
           -- Answered = the earlier of the first decision and the first
           -- qualifying comment.
           CASE WHEN comment_at IS NULL OR first_at <= comment_at
                THEN coalesce(first_at, comment_at)
                ELSE comment_at END AS answered_at
      FROM f
),
-- Due date: the 5th business day after the local creation date (Monday to
-- Friday: +7 days; Saturday: the Friday after, +6; Sunday: +5). isodow of
-- day number n is (n + 3) % 7 + 1 (1970-01-01 was a Thursday; the bias keeps
-- the remainder positive).
h AS (
    SELECT *,
           cday + CASE (cday + 7000003) % 7 + 1 WHEN 6 THEN 6 WHEN 7 THEN 5 ELSE 7 END AS due
      FROM g
)
SELECT GROUPING(site_id) = 1 AS overall,
       site_id,
       quantile_cont(delay, 0.5) FILTER (WHERE first_at >= $p_lo::TIMESTAMPTZ) AS decision_delay_days,
       quantile_cont(delay, 0.5) FILTER (WHERE first_at >= $b_lo::TIMESTAMPTZ AND first_at < $p_lo::TIMESTAMPTZ) AS decision_delay_baseline_days,
       max(age) FILTER (WHERE status IN ('submitted', 'in_review') AND first_at IS NULL) AS oldest_open_idea_days,
       count(*) FILTER (WHERE in_p AND due <= $d_day) AS sla_ideas,
       -- Answered on or before the due date: every answer is before the end
       -- of D; one before P is before the creation date, so before the due
       -- date; one in P has its exact local day.
       count(*) FILTER (WHERE in_p AND due <= $d_day
                          AND (answered_at < $p_lo::TIMESTAMPTZ OR {{.Day "answered_at"}} <= due)) AS sla_answered
  FROM h
 GROUP BY GROUPING SETS ((site_id), ())
 ORDER BY overall, site_id;
