-- cross_site_share per site of the person and overall: votes and comments
-- dated in P (local days S .. D), made by people of a known site on loaded,
-- non-withdrawn ideas created on or before D of a known site; the share on
-- ideas of another site than the person's. engagements (queries/derived.go)
-- carries each vote and comment with its person key, local day and its
-- idea's site, local creation day and status.
WITH per_person AS (
    -- Counted per (person, idea site) first: 300k groups, not 2.7M rows,
    -- meet the people.
    SELECT pk, idea_site, count(*) AS n
      FROM engagements
     WHERE day >= $p_day AND day <= $d_day
       AND idea_day <= $d_day
       AND NOT withdrawn
       AND idea_site IN (SELECT site_id FROM sites)
     GROUP BY pk, idea_site
)
SELECT GROUPING(p.site_id) = 1 AS overall,
       p.site_id,
       coalesce(sum(n), 0)::BIGINT AS actions,
       coalesce(sum(n) FILTER (WHERE p.site_id <> per_person.idea_site), 0)::BIGINT AS cross_site
  FROM per_person
  JOIN person_info p ON p.pk = per_person.pk
 WHERE p.site_id IN (SELECT site_id FROM sites)
 GROUP BY GROUPING SETS ((p.site_id), ())
 ORDER BY overall, p.site_id;
