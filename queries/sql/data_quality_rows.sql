-- Rows per dataset, in load order (the order of queries.Datasets()).
SELECT 'sites' AS dataset, count(*) AS n FROM sites
UNION ALL SELECT 'people', count(*) FROM people
UNION ALL SELECT 'ideas', count(*) FROM ideas
UNION ALL SELECT 'votes', count(*) FROM votes
UNION ALL SELECT 'comments', count(*) FROM comments
UNION ALL SELECT 'activity', count(*) FROM activity
UNION ALL SELECT 'challenges', count(*) FROM challenges
UNION ALL SELECT 'surveys', count(*) FROM surveys
UNION ALL SELECT 'decisions', count(*) FROM decisions
