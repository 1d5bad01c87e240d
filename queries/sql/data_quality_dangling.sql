-- References to rows that are not loaded (docs/data.md: kept, left out of the
-- KPIs that need the missing side, counted here). One row per kind of
-- reference: the referring dataset and column, the dataset referred to, the
-- referring rows whose target is missing and the distinct missing ids.
-- Empty (NULL) references are not dangling.
--
-- A text/template with two forms that give the same counts (quality.go):
-- - .Derived: the references of the large tables are counted from the
--   derived data (queries/derived.go), which keeps one person key per id and
--   one idea key per idea id: fact_people counts the rows of activity, ideas
--   (author_id not empty), votes and comments per person key (src 1, 2, 3,
--   4), and engagements has one row per vote (kind 1) and comment (kind 2)
--   with idea_site NULL when the idea is not loaded; person_info holds
--   people's keys.
-- - otherwise the datasets themselves (about 1 s on the large demo): it runs
--   while the derived data is stale (right after a load, so that the
--   summary of `relais ingest` does not compute it).
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
	SELECT 8, 'surveys', 'person_id', 'people', count(*), count(DISTINCT r.person_id)
	FROM surveys r ANTI JOIN people t ON r.person_id = t.person_id
	UNION ALL
	SELECT 12, 'ideas', 'replicates_idea_id', 'ideas', count(*), count(DISTINCT r.replicates_idea_id)
	FROM ideas r ANTI JOIN ideas t ON r.replicates_idea_id = t.idea_id WHERE r.replicates_idea_id IS NOT NULL
	UNION ALL
	SELECT 13, 'ideas', 'solves_idea_id', 'ideas', count(*), count(DISTINCT r.solves_idea_id)
	FROM ideas r ANTI JOIN ideas t ON r.solves_idea_id = t.idea_id WHERE r.solves_idea_id IS NOT NULL
	UNION ALL
	SELECT 14, 'ideas', 'challenge_id', 'challenges', count(*), count(DISTINCT r.challenge_id)
	FROM ideas r ANTI JOIN challenges t ON r.challenge_id = t.challenge_id WHERE r.challenge_id IS NOT NULL
{{- if .Derived}}
	UNION ALL
	SELECT 4, 'ideas', 'author_id', 'people', coalesce(sum(n), 0)::BIGINT, count(DISTINCT r.pk)
	FROM fact_people r ANTI JOIN person_info t ON r.pk = t.pk WHERE r.src = 2
	UNION ALL
	SELECT 5, 'votes', 'voter_id', 'people', coalesce(sum(n), 0)::BIGINT, count(DISTINCT r.pk)
	FROM fact_people r ANTI JOIN person_info t ON r.pk = t.pk WHERE r.src = 3
	UNION ALL
	SELECT 6, 'comments', 'author_id', 'people', coalesce(sum(n), 0)::BIGINT, count(DISTINCT r.pk)
	FROM fact_people r ANTI JOIN person_info t ON r.pk = t.pk WHERE r.src = 4
	UNION ALL
	SELECT 7, 'activity', 'person_id', 'people', coalesce(sum(n), 0)::BIGINT, count(DISTINCT r.pk)
	FROM fact_people r ANTI JOIN person_info t ON r.pk = t.pk WHERE r.src = 1
	UNION ALL
	SELECT 9, 'votes', 'idea_id', 'ideas', count(*), count(DISTINCT ik)
	FROM engagements WHERE kind = 1 AND idea_site IS NULL
	UNION ALL
	SELECT 10, 'comments', 'idea_id', 'ideas', count(*), count(DISTINCT ik)
	FROM engagements WHERE kind = 2 AND idea_site IS NULL
	UNION ALL
	-- changelog holds every row of decisions (when it has any) with the
	-- idea's title, NULL when the idea is not loaded (titles are required).
	SELECT 11, 'decisions', 'idea_id', 'ideas', count(*), count(DISTINCT idea_id)
	FROM changelog WHERE title IS NULL
{{- else}}
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
	SELECT 9, 'votes', 'idea_id', 'ideas', count(*), count(DISTINCT r.idea_id)
	FROM votes r ANTI JOIN ideas t ON r.idea_id = t.idea_id
	UNION ALL
	SELECT 10, 'comments', 'idea_id', 'ideas', count(*), count(DISTINCT r.idea_id)
	FROM comments r ANTI JOIN ideas t ON r.idea_id = t.idea_id
	UNION ALL
	SELECT 11, 'decisions', 'idea_id', 'ideas', count(*), count(DISTINCT r.idea_id)
	FROM decisions r ANTI JOIN ideas t ON r.idea_id = t.idea_id
{{- end}}
)
ORDER BY ord
