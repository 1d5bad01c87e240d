-- Decision KPIs per ideas.site_id and overall, over the non-withdrawn ideas
-- loaded on D: decision_delay_days (first decisions in P),
-- decision_delay_baseline_days (first decisions in B),
-- oldest_open_idea_days, response_sla_share (counted and answered ideas).
-- First decision = the earliest of ideas.decided_at and every
-- decisions.decided_at of the idea, only those before the end of D.
-- Durations are exact fractional days, clamped at 0.
-- idea_info (queries/derived.go) carries each idea's key, its author's
-- person key and the earliest decided_at of its rows in decisions: the
-- earliest before the end of D is that one when it is before the end of D.
WITH idea AS (
    SELECT ik, site_id, author_pk, created_at, status,
           CASE WHEN decided_at < $as_of_end::TIMESTAMPTZ THEN decided_at END AS decided_at,
           CASE WHEN first_decision_at < $as_of_end::TIMESTAMPTZ THEN first_decision_at END AS dec_first
      FROM idea_info
     WHERE created_at < $as_of_end::TIMESTAMPTZ
       AND status <> 'withdrawn'
),
-- The local day of the first comment, dated on or before D, by a person
-- other than the idea's author whose role (as loaded) is ambassador or
-- core_team; only for ideas created in P (the only ones the SLA reads). A
-- commenter missing from `people` (person_info) never answers.
-- engagements (kind 2) has each comment's person key, idea key, local day.
cm AS (
    SELECT e.ik, min(e.day) AS comment_day
      FROM engagements e
      JOIN idea i ON i.ik = e.ik
      JOIN person_info p ON p.pk = e.pk
     WHERE e.kind = 2
       AND e.day <= $as_of_day
       AND i.created_at >= $program_start::TIMESTAMPTZ
       AND p.role IN ('ambassador', 'core_team')
       AND e.pk IS DISTINCT FROM i.author_pk
     GROUP BY e.ik
),
f AS (
    SELECT i.site_id, i.created_at, i.status,
           CASE WHEN i.dec_first IS NULL OR i.decided_at <= i.dec_first
                THEN coalesce(i.decided_at, i.dec_first)
                ELSE i.dec_first END AS first_at,
           cm.comment_day
      FROM idea i
      LEFT JOIN cm ON cm.ik = i.ik
),
g AS (
    SELECT site_id, status, first_at,
           greatest(epoch_us(first_at) - epoch_us(created_at), 0) / 86400000000.0 AS delay,
           (epoch_us($as_of_end::TIMESTAMPTZ) - epoch_us(created_at)) / 86400000000.0 AS age,
           created_at >= $program_start::TIMESTAMPTZ AS in_p,
           -- Local creation day (a day number, {{"{{"}}.Day{{"}}"}} is exact for
           -- instants in P, queries/localday.go), only for ideas created in
           -- P (the only ones the SLA reads).
           CASE WHEN created_at >= $program_start::TIMESTAMPTZ THEN {{.Day "created_at"}} END AS cday,
           comment_day
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
       quantile_cont(delay, 0.5) FILTER (WHERE first_at >= $program_start::TIMESTAMPTZ) AS decision_delay_days,
       quantile_cont(delay, 0.5) FILTER (WHERE first_at >= $baseline_start::TIMESTAMPTZ AND first_at < $program_start::TIMESTAMPTZ) AS decision_delay_baseline_days,
       max(age) FILTER (WHERE status IN ('submitted', 'in_review') AND first_at IS NULL) AS oldest_open_idea_days,
       count(*) FILTER (WHERE in_p AND due <= $as_of_day) AS sla_ideas,
       -- Answered (the earlier of the first decision and the first
       -- qualifying comment) on or before the due date: either one is. Every
       -- decision is before the end of D; one before P is before the creation
       -- date, so before the due date; one in P has its exact local day.
       count(*) FILTER (WHERE in_p AND due <= $as_of_day
                          AND ((first_at IS NOT NULL
                                AND (first_at < $program_start::TIMESTAMPTZ OR {{.Day "first_at"}} <= due))
                               OR comment_day <= due)) AS sla_answered
  FROM h
 GROUP BY GROUPING SETS ((site_id), ())
 ORDER BY overall, site_id;
