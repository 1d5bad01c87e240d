-- changelog_source: a digest of the rows the changelog was last built
-- from (decisions, and the ideas' id, title, site, status and decision
-- time), so that a load of ideas or decisions that changed none of them (a
-- full dump sent again) does not rebuild it (queries/derived.go). Empty
-- means unknown: the next refresh that needs the changelog rebuilds it.
CREATE TABLE changelog_source (
	digest VARCHAR NOT NULL
);
