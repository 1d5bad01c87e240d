-- Who did what (docs/security.md): sign-ins, uploads and their result,
-- exports, backups, retention runs and forgotten people. A forgotten
-- person is never named here: the row says that someone was forgotten,
-- by whom, and what was removed, not whom.
CREATE TABLE audit_log (
	event_at TIMESTAMPTZ NOT NULL,
	actor VARCHAR NOT NULL,
	role VARCHAR NOT NULL,
	action VARCHAR NOT NULL,
	target VARCHAR NOT NULL,
	outcome VARCHAR NOT NULL
);
