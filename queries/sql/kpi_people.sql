-- People KPIs per people.site_id and overall: mau, mau_previous, ambassadors,
-- active_ambassadors.
-- A person is active on a date when an activity row, an idea they authored
-- (any status, withdrawn included), a vote or a comment (on any idea,
-- loaded or not) is dated then. Only facts in W' and W (from D-59 to the
-- end of D) are read: the bounds are local midnights bound as instants.
-- The overall row counts every person id seen in the facts (FULL JOIN), an
-- id missing from `people` included; the per-site rows only people rows.
-- Rows whose site_id is NULL (ids missing from `people`) are dropped in Go.
WITH facts AS (
    SELECT person_id AS pid, occurred_at AS ts
      FROM activity
     WHERE occurred_at >= $wp_lo::TIMESTAMPTZ AND occurred_at < $end_d::TIMESTAMPTZ
    UNION ALL
    SELECT author_id, created_at
      FROM ideas
     WHERE author_id IS NOT NULL
       AND created_at >= $wp_lo::TIMESTAMPTZ AND created_at < $end_d::TIMESTAMPTZ
    UNION ALL
    SELECT voter_id, voted_at
      FROM votes
     WHERE voted_at >= $wp_lo::TIMESTAMPTZ AND voted_at < $end_d::TIMESTAMPTZ
    UNION ALL
    SELECT author_id, created_at
      FROM comments
     WHERE created_at >= $wp_lo::TIMESTAMPTZ AND created_at < $end_d::TIMESTAMPTZ
),
act AS (
    -- Every fact lies in [D-59, D+1): active in W when the latest one is
    -- on or after D-29, in W' when the earliest one is before it (min/max
    -- aggregate about twice as fast as bool_or on 14M rows).
    SELECT pid,
           max(ts) >= $w_lo::TIMESTAMPTZ AS in_w,
           min(ts) < $w_lo::TIMESTAMPTZ AS in_wp
      FROM facts
     GROUP BY pid
),
ppl AS (
    -- An ambassador on D: role ambassador, appointed on or before D (or no
    -- date), not gone on or before D.
    SELECT person_id, site_id,
           role = 'ambassador'
           AND (ambassador_since IS NULL OR ambassador_since <= $d::DATE)
           AND (left_on IS NULL OR left_on > $d::DATE) AS amb
      FROM people
),
j AS (
    SELECT p.site_id,
           coalesce(p.amb, false) AS amb,
           coalesce(a.in_w, false) AS in_w,
           coalesce(a.in_wp, false) AS in_wp
      FROM ppl p
      FULL OUTER JOIN act a ON a.pid = p.person_id
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
