-- The nine datasets of docs/data.md. Keys are enforced by the loader (staging
-- table + join), never by PRIMARY KEY: an ART index makes large loads 15x
-- slower and 4x hungrier. Instants are TIMESTAMPTZ, calendar dates DATE.
CREATE TABLE sites (
	site_id   VARCHAR NOT NULL,
	name      VARCHAR NOT NULL,
	region    VARCHAR,
	headcount BIGINT
);
CREATE TABLE people (
	person_id        VARCHAR NOT NULL,
	site_id          VARCHAR NOT NULL,
	role             VARCHAR NOT NULL,
	display_name     VARCHAR,
	ambassador_since DATE,
	trained_on       DATE,
	left_on          DATE
);
CREATE TABLE ideas (
	idea_id            VARCHAR NOT NULL,
	site_id            VARCHAR NOT NULL,
	author_id          VARCHAR,
	kind               VARCHAR NOT NULL,
	title              VARCHAR NOT NULL,
	created_at         TIMESTAMPTZ NOT NULL,
	status             VARCHAR NOT NULL,
	decided_at         TIMESTAMPTZ,
	implemented_at     TIMESTAMPTZ,
	impact             INTEGER,
	feasibility        INTEGER,
	challenge_id       VARCHAR,
	theme              VARCHAR,
	solves_idea_id     VARCHAR,
	replicates_idea_id VARCHAR
);
CREATE TABLE votes (
	idea_id  VARCHAR NOT NULL,
	voter_id VARCHAR NOT NULL,
	voted_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE comments (
	comment_id VARCHAR NOT NULL,
	idea_id    VARCHAR NOT NULL,
	author_id  VARCHAR NOT NULL,
	created_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE activity (
	person_id   VARCHAR NOT NULL,
	occurred_at TIMESTAMPTZ NOT NULL,
	action      VARCHAR NOT NULL
);
CREATE TABLE challenges (
	challenge_id VARCHAR NOT NULL,
	title        VARCHAR NOT NULL,
	site_id      VARCHAR,
	theme        VARCHAR,
	starts_on    DATE NOT NULL,
	ends_on      DATE NOT NULL
);
CREATE TABLE surveys (
	person_id   VARCHAR NOT NULL,
	answered_at TIMESTAMPTZ NOT NULL,
	score       INTEGER NOT NULL
);
CREATE TABLE decisions (
	idea_id    VARCHAR NOT NULL,
	decision   VARCHAR NOT NULL,
	decided_at TIMESTAMPTZ NOT NULL,
	reason     VARCHAR
);
-- One row per file that loaded (refused files leave no trace here: a refused
-- file leaves the database exactly as it was).
CREATE SEQUENCE ingest_log_id;
CREATE TABLE ingest_log (
	id          BIGINT NOT NULL DEFAULT nextval('ingest_log_id'),
	file        VARCHAR NOT NULL,
	dataset     VARCHAR NOT NULL,
	sha256      VARCHAR NOT NULL,
	rows_read   BIGINT NOT NULL,
	loaded      BIGINT NOT NULL,
	rejected    BIGINT NOT NULL,
	started_at  TIMESTAMPTZ NOT NULL,
	finished_at TIMESTAMPTZ NOT NULL
);
