-- References to rows that are not loaded (docs/data.md: kept, left out of the
-- KPIs that need the missing side, counted here). One row per kind of
-- reference: the referring dataset and column, the dataset referred to, the
-- referring rows whose target is missing and the distinct missing ids.
-- Empty (NULL) references are not dangling.
--
-- A text/template over the kinds of reference (.Refs, danglingRefs in
-- quality.go), with two forms that give the same counts:
-- - .Derived: the references of the large tables are counted from the
--   derived data (queries/derived.go), which keeps one person key per id and
--   one idea key per idea id: fact_people counts the rows of activity, ideas
--   (author_id not empty), votes and comments per person key (.PersonSrc 1,
--   2, 3, 4), and engagements has one row per vote (.EngagementKind 1) and
--   comment (2) with idea_site NULL when the idea is not loaded; person_info
--   holds people's keys; changelog holds every row of decisions (when it has
--   any) with the idea's title, NULL when the idea is not loaded (titles are
--   required).
-- - otherwise the datasets themselves (about 1 s on the large demo): it runs
--   while the derived data is stale (right after a load, so that the
--   summary of `relais ingest` does not compute it).
{{- define "ref"}}
	SELECT {{.Ord}} AS ord, '{{.Dataset}}' AS dataset, '{{.Column}}' AS col, '{{.Target}}' AS target,
{{- end}}
SELECT * FROM (
{{- range $i, $r := .Refs}}
{{- if $i}}
	UNION ALL
{{- end}}
{{- if and $.Derived $r.PersonSrc}}
{{- template "ref" $r}} coalesce(sum(n), 0)::BIGINT AS n, count(DISTINCT r.pk) AS missing
	FROM fact_people r ANTI JOIN person_info t ON r.pk = t.pk WHERE r.src = {{$r.PersonSrc}}
{{- else if and $.Derived $r.EngagementKind}}
{{- template "ref" $r}} count(*) AS n, count(DISTINCT ik) AS missing
	FROM engagements WHERE kind = {{$r.EngagementKind}} AND idea_site IS NULL
{{- else if and $.Derived $r.Changelog}}
{{- template "ref" $r}} count(*) AS n, count(DISTINCT idea_id) AS missing
	FROM changelog WHERE title IS NULL
{{- else}}
{{- template "ref" $r}} count(*) AS n, count(DISTINCT r.{{$r.Column}}) AS missing
	FROM {{$r.Dataset}} r ANTI JOIN {{$r.Target}} t ON r.{{$r.Column}} = t.{{$r.TargetKey}}
	{{- if $r.Optional}} WHERE r.{{$r.Column}} IS NOT NULL{{end}}
{{- end}}
{{- end}}
)
ORDER BY ord
