-- References to rows that are not loaded (docs/data.md: kept, left out of the
-- KPIs that need the missing side, counted here). One row per kind of
-- reference: the referring dataset and column, the dataset referred to, the
-- referring rows whose target is missing and the distinct missing ids.
-- Empty (NULL) references are not dangling.
-- This form reads the datasets themselves (about 1 s on the large demo); it
-- runs while the derived data is stale (right after a load, so that the
-- summary of `relais ingest` does not compute it); data_quality_dangling.sql
-- gives the same counts from the derived data.
SELECT * FROM (
	SELECT 1 AS ord, 'ideas' AS dataset, 'site_id' AS col, 'sites' AS target, count(*) AS n, count(DISTINCT r.site_id) AS missing
	FROM ideas r ANTI JOIN sites t ON r.site_id = t.site_id
	UNION ALL
	SELECT 2, 'people', 'site_id', 'sites', count(*), count(DISTINCT r.site_id)
	FROM people r ANTI JOIN sites t ON r.site_id = t.site_id
	UNION ALL
	SELECT 3, 'challenges', 'site_id', 'sites', count(*), count(DISTINCT r.site_id)
	FROM challenges r ANTI JOIN sites t ON r.site_id = t.site_id WHERE r.site_id IS NOT NULL
	UNION ALL
	SELECT 4, 'ideas', 'author_id', 'people', count(*), count(DISTINCT r.author_id)
	FROM ideas r ANTI JOIN people t ON r.author_id = t.person_id WHERE r.author_id IS NOT NULL
	UNION ALL
	SELECT 5, 'votes', 'voter_id', 'people', count(*), count(DISTINCT r.voter_id)
	FROM votes r ANTI JOIN people t ON r.voter_id = t.person_id
	UNION ALL
	SELECT 6, 'comments', 'author_id', 'people', count(*), count(DISTINCT r.author_id)
	FROM comments r ANTI JOIN people t ON r.author_id = t.person_id
	UNION ALL
	SELECT 7, 'activity', 'person_id', 'people', count(*), count(DISTINCT r.person_id)
	FROM activity r ANTI JOIN people t ON r.person_id = t.person_id
	UNION ALL
	SELECT 8, 'surveys', 'person_id', 'people', count(*), count(DISTINCT r.person_id)
	FROM surveys r ANTI JOIN people t ON r.person_id = t.person_id
	UNION ALL
	SELECT 9, 'votes', 'idea_id', 'ideas', count(*), count(DISTINCT r.idea_id)
	FROM votes r ANTI JOIN ideas t ON r.idea_id = t.idea_id
	UNION ALL
	SELECT 10, 'comments', 'idea_id', 'ideas', count(*), count(DISTINCT r.idea_id)
	FROM comments r ANTI JOIN ideas t ON r.idea_id = t.idea_id
	UNION ALL
	SELECT 11, 'decisions', 'idea_id', 'ideas', count(*), count(DISTINCT r.idea_id)
	FROM decisions r ANTI JOIN ideas t ON r.idea_id = t.idea_id
	UNION ALL
	SELECT 12, 'ideas', 'replicates_idea_id', 'ideas', count(*), count(DISTINCT r.replicates_idea_id)
	FROM ideas r ANTI JOIN ideas t ON r.replicates_idea_id = t.idea_id WHERE r.replicates_idea_id IS NOT NULL
	UNION ALL
	SELECT 13, 'ideas', 'solves_idea_id', 'ideas', count(*), count(DISTINCT r.solves_idea_id)
	FROM ideas r ANTI JOIN ideas t ON r.solves_idea_id = t.idea_id WHERE r.solves_idea_id IS NOT NULL
	UNION ALL
	SELECT 14, 'ideas', 'challenge_id', 'challenges', count(*), count(DISTINCT r.challenge_id)
	FROM ideas r ANTI JOIN challenges t ON r.challenge_id = t.challenge_id WHERE r.challenge_id IS NOT NULL
)
ORDER BY ord
