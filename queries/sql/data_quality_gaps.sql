-- Gaps that are not references: people whose site is not loaded (distinct
-- people) and ideas with no author at all.
SELECT
	(SELECT count(DISTINCT r.person_id) FROM people r ANTI JOIN sites t ON r.site_id = t.site_id) AS people_without_site,
	(SELECT count(*) FROM ideas WHERE author_id IS NULL OR trim(author_id) = '') AS ideas_without_author
