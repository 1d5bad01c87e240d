-- People KPIs per people.site_id and overall: mau, mau_previous, ambassadors,
-- active_ambassadors.
-- A person is active on a date when an activity row, an idea they authored
-- (any status, withdrawn included), a vote or a comment (on any idea,
-- loaded or not) is dated then: fact_days (queries/derived.go) counts those
-- facts per person key and local day, and fact_weeks keeps, per person and
-- Monday-based week, the first and last of those days. W' and W are the
-- day numbers D-59 .. D-30 and D-29 .. D.
-- The overall row counts every person key seen in the facts (FULL JOIN), an
-- id missing from `people` included; the per-site rows only people rows.
-- Rows whose site_id is NULL (ids missing from `people`) are dropped in Go.
WITH act AS (
    -- Read per week, not per day: a span of at least 7 days holds one of a
    -- person's active days exactly when one of their weeks has
    -- first_day <= its last day and last_day >= its first day (a week
    -- overlapping the span's start ends inside it, one overlapping its end
    -- starts inside it, one between lies within it). W and W' are 30 days;
    -- nothing dated after D counts (first_day <= D).
    SELECT pk,
           bool_or(last_day >= $window_start_day) AS in_w,
           bool_or(first_day < $window_start_day) AS in_wp
      FROM fact_weeks
     WHERE week BETWEEN ($previous_window_start_day + 3) // 7 AND ($as_of_day + 3) // 7
       AND first_day <= $as_of_day
       AND last_day >= $previous_window_start_day
     GROUP BY pk
),
ppl AS (
    -- An ambassador on D: role ambassador, appointed on or before D (or no
    -- date), not gone on or before D.
    SELECT pk, site_id,
           role = 'ambassador'
           AND (ambassador_since IS NULL OR ambassador_since <= $as_of::DATE)
           AND (left_on IS NULL OR left_on > $as_of::DATE) AS amb
      FROM person_info
),
j AS (
    SELECT p.site_id,
           coalesce(p.amb, false) AS amb,
           coalesce(a.in_w, false) AS in_w,
           coalesce(a.in_wp, false) AS in_wp
      FROM ppl p
      FULL OUTER JOIN act a ON a.pk = p.pk
)
SELECT GROUPING(site_id) = 1 AS overall,
       site_id,
       count(*) FILTER (WHERE in_w) AS mau,
       count(*) FILTER (WHERE in_wp) AS mau_previous,
       count(*) FILTER (WHERE amb) AS ambassadors,
       count(*) FILTER (WHERE amb AND in_w) AS active_ambassadors
  FROM j
 GROUP BY GROUPING SETS ((site_id), ())
 ORDER BY overall, site_id;
