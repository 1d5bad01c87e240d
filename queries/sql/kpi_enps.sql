-- eNPS per site and overall: ambassadors on D who answered a survey in
-- D-89 .. D, each counted once with their latest answer in that range
-- (promoter 9-10, detractor 0-6).
WITH amb AS (
    SELECT person_id, site_id
      FROM people
     WHERE role = 'ambassador'
       AND (ambassador_since IS NULL OR ambassador_since <= $as_of::DATE)
       AND (left_on IS NULL OR left_on > $as_of::DATE)
),
latest AS (
    SELECT person_id, arg_max(score, answered_at) AS score
      FROM surveys
     WHERE answered_at >= $survey_start::TIMESTAMPTZ AND answered_at < $as_of_end::TIMESTAMPTZ
     GROUP BY person_id
)
SELECT GROUPING(amb.site_id) = 1 AS overall,
       amb.site_id,
       count(*) AS responses,
       count(*) FILTER (WHERE latest.score >= 9) AS promoters,
       count(*) FILTER (WHERE latest.score <= 6) AS detractors
  FROM amb
  JOIN latest ON latest.person_id = amb.person_id
 GROUP BY GROUPING SETS ((amb.site_id), ())
 ORDER BY overall, amb.site_id;
