-- fact_weeks gains the last active day of each (person, week) beside the
-- first: a person is active in a span of days of at least a week when one
-- of their weeks overlapping it has first_day <= its end and last_day >= its
-- start, so the people KPIs read one row per person and week instead of
-- one per source, person and day (docs/benchmarks.md, "KPI document").
-- Rebuilt from fact_days, as queries/derived.go writes it.
DROP TABLE fact_weeks;
CREATE TABLE fact_weeks (
	pk        INTEGER NOT NULL,
	week      INTEGER NOT NULL,
	first_day INTEGER NOT NULL,
	last_day  INTEGER NOT NULL
);
INSERT INTO fact_weeks
SELECT pk, (day + 3) // 7, min(day), max(day) FROM fact_days GROUP BY pk, (day + 3) // 7;
