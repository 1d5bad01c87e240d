-- People KPIs per people.site_id and overall: mau, mau_previous, ambassadors,
-- active_ambassadors.
-- A person is active on a date when an activity row, an idea they authored
-- (any status, withdrawn included), a vote or a comment (on any idea,
-- loaded or not) is dated then: fact_days (queries/derived.go) counts those
-- facts per person key and local day, so W' and W are the day numbers
-- D-59 .. D-30 and D-29 .. D, and nothing dated after D is read.
-- The overall row counts every person key seen in the facts (FULL JOIN), an
-- id missing from `people` included; the per-site rows only people rows.
-- Rows whose site_id is NULL (ids missing from `people`) are dropped in Go.
WITH act AS (
    -- Every fact read lies in D-59 .. D: active in W when the latest one
    -- is on or after D-29, in W' when the earliest one is before it.
    SELECT pk,
           max(day) >= $window_start_day AS in_w,
           min(day) < $window_start_day AS in_wp
      FROM fact_days
     WHERE day >= $previous_window_start_day AND day <= $as_of_day
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
