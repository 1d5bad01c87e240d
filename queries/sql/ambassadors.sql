-- Ambassadors on D (role ambassador, ambassador_since empty or <= D,
-- left_on empty or > D) of one site ($site) or every site (''), with their
-- last activity instant before the end of D and their activity facts
-- (activity rows, ideas authored, votes, comments) in W = D-29 .. D.
WITH amb AS (
    SELECT person_id, site_id, coalesce(display_name, person_id) AS name, ambassador_since, trained_on
      FROM people
     WHERE role = 'ambassador'
       AND (ambassador_since IS NULL OR ambassador_since <= $d::DATE)
       AND (left_on IS NULL OR left_on > $d::DATE)
       AND ($site = '' OR site_id = $site)
),
facts AS (
    SELECT person_id AS pid, occurred_at AS ts
      FROM activity
     WHERE occurred_at < $end_d::TIMESTAMPTZ AND person_id IN (SELECT person_id FROM amb)
    UNION ALL
    SELECT author_id, created_at
      FROM ideas
     WHERE created_at < $end_d::TIMESTAMPTZ AND author_id IN (SELECT person_id FROM amb)
    UNION ALL
    SELECT voter_id, voted_at
      FROM votes
     WHERE voted_at < $end_d::TIMESTAMPTZ AND voter_id IN (SELECT person_id FROM amb)
    UNION ALL
    SELECT author_id, created_at
      FROM comments
     WHERE created_at < $end_d::TIMESTAMPTZ AND author_id IN (SELECT person_id FROM amb)
),
agg AS (
    SELECT pid, max(ts) AS last_at, count(*) FILTER (WHERE ts >= $w_lo::TIMESTAMPTZ) AS actions
      FROM facts
     GROUP BY pid
)
SELECT a.person_id, a.site_id, a.name, a.ambassador_since, a.trained_on, agg.last_at, coalesce(agg.actions, 0)
  FROM amb a
  LEFT JOIN agg ON agg.pid = a.person_id
 ORDER BY a.site_id, a.person_id;
