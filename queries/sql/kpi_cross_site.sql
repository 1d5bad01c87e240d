-- cross_site_share per site of the person and overall: votes and comments
-- dated in P (local days S .. D), made by people of a known site on loaded,
-- non-withdrawn ideas created on or before D of a known site; the share on
-- ideas of another site than the person's. engagements (queries/derived.go)
-- carries each vote and comment with its person key, local day and its
-- idea's site, local creation day and status.
WITH pairs AS (
    -- Counted per (person's site, idea's site) first: the 2.7M actions meet
    -- the people on an integer key and leave 90k groups (twice as fast as
    -- counting per person first).
    SELECT p.site_id, e.idea_site, count(*) AS n
      FROM engagements e
      JOIN person_info p ON p.pk = e.pk
     WHERE e.day >= $program_start_day AND e.day <= $as_of_day
       AND e.idea_day <= $as_of_day
       AND NOT e.withdrawn
     GROUP BY p.site_id, e.idea_site
)
SELECT GROUPING(site_id) = 1 AS overall,
       site_id,
       coalesce(sum(n), 0)::BIGINT AS actions,
       coalesce(sum(n) FILTER (WHERE site_id <> idea_site), 0)::BIGINT AS cross_site
  FROM pairs
 WHERE site_id IN (SELECT site_id FROM sites)
   AND idea_site IN (SELECT site_id FROM sites)
 GROUP BY GROUPING SETS ((site_id), ())
 ORDER BY overall, site_id;
