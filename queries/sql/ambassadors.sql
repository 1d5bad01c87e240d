-- Ambassadors on D (role ambassador, ambassador_since empty or <= D,
-- left_on empty or > D) of one site ($site) or every site (''), with the
-- last local day (<= D) they were active and their activity facts
-- (activity rows, ideas authored, votes, comments) in W = D-29 .. D, read
-- from fact_days (facts per person key and local day, queries/derived.go).
WITH amb AS (
    SELECT pk, person_id, site_id, coalesce(display_name, person_id) AS name, ambassador_since, trained_on
      FROM person_info
     WHERE role = 'ambassador'
       AND (ambassador_since IS NULL OR ambassador_since <= $as_of::DATE)
       AND (left_on IS NULL OR left_on > $as_of::DATE)
       AND ($site = '' OR site_id = $site)
),
agg AS (
    SELECT pk, max(day) AS last_day, coalesce(sum(n) FILTER (WHERE day >= $window_start_day), 0)::BIGINT AS actions
      FROM fact_days
     WHERE day <= $as_of_day AND pk IN (SELECT pk FROM amb)
     GROUP BY pk
)
SELECT a.person_id, a.site_id, a.name, a.ambassador_since, a.trained_on, agg.last_day, coalesce(agg.actions, 0)
  FROM amb a
  LEFT JOIN agg ON agg.pk = a.pk
 ORDER BY a.site_id, a.person_id;
