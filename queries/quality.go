package queries

import (
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"strings"
	"text/template"
	"time"
)

// danglingRef is one kind of reference between datasets that the data
// quality counts: rows of Dataset whose Column names no loaded row of
// Target (by its column TargetKey).
type danglingRef struct {
	// Ord is the reference's place in DataQuality.Dangling.
	Ord                                int
	Dataset, Column, Target, TargetKey string
	// Optional: the column may be empty, and an empty one is not dangling.
	Optional bool
	// Where the derived data counts the reference instead of the datasets
	// (none set: from the datasets in both forms): the source of the
	// person's rows in fact_people, the kind of engagement, the changelog.
	PersonSrc, EngagementKind int
	Changelog                 bool
}

// danglingRefs lists the references in their order: to sites, to people,
// to ideas, to challenges.
var danglingRefs = []danglingRef{
	{Ord: 1, Dataset: "ideas", Column: "site_id", Target: "sites", TargetKey: "site_id"},
	{Ord: 2, Dataset: "people", Column: "site_id", Target: "sites", TargetKey: "site_id"},
	{Ord: 3, Dataset: "challenges", Column: "site_id", Target: "sites", TargetKey: "site_id", Optional: true},
	{Ord: 4, Dataset: "ideas", Column: "author_id", Target: "people", TargetKey: "person_id", Optional: true, PersonSrc: 2},
	{Ord: 5, Dataset: "votes", Column: "voter_id", Target: "people", TargetKey: "person_id", PersonSrc: 3},
	{Ord: 6, Dataset: "comments", Column: "author_id", Target: "people", TargetKey: "person_id", PersonSrc: 4},
	{Ord: 7, Dataset: "activity", Column: "person_id", Target: "people", TargetKey: "person_id", PersonSrc: 1},
	{Ord: 8, Dataset: "surveys", Column: "person_id", Target: "people", TargetKey: "person_id"},
	{Ord: 9, Dataset: "votes", Column: "idea_id", Target: "ideas", TargetKey: "idea_id", EngagementKind: 1},
	{Ord: 10, Dataset: "comments", Column: "idea_id", Target: "ideas", TargetKey: "idea_id", EngagementKind: 2},
	{Ord: 11, Dataset: "decisions", Column: "idea_id", Target: "ideas", TargetKey: "idea_id", Changelog: true},
	{Ord: 12, Dataset: "ideas", Column: "replicates_idea_id", Target: "ideas", TargetKey: "idea_id", Optional: true},
	{Ord: 13, Dataset: "ideas", Column: "solves_idea_id", Target: "ideas", TargetKey: "idea_id", Optional: true},
	{Ord: 14, Dataset: "ideas", Column: "challenge_id", Target: "challenges", TargetKey: "challenge_id", Optional: true},
}

// renderDangling is one form of data_quality_dangling.sql.
func renderDangling(derived bool) string {
	var b strings.Builder
	t := template.Must(template.New("data_quality_dangling.sql").Parse(dataQualityDanglingTemplate))
	data := struct {
		Derived bool
		Refs    []danglingRef
	}{derived, danglingRefs}
	if err := t.Execute(&b, data); err != nil {
		panic(err) // the template and its data are embedded and have no function: it cannot fail
	}
	return b.String()
}

var (
	//go:embed sql/data_quality_rows.sql
	dataQualityRowsSQL string
	//go:embed sql/data_quality_dangling.sql
	dataQualityDanglingTemplate string
	// dataQualityDanglingSQL counts from the derived data,
	// dataQualityDanglingDirectSQL from the datasets (while the derived
	// data is stale): one template, two forms.
	dataQualityDanglingSQL       = renderDangling(true)
	dataQualityDanglingDirectSQL = renderDangling(false)
	//go:embed sql/data_quality_gaps.sql
	dataQualityGapsSQL string
	//go:embed sql/data_quality_last_ingest.sql
	dataQualityLastIngestSQL string
)

// DataQuality is the state of the loaded data: what is there, and which
// references between datasets point at rows that are not loaded (docs/data.md:
// such rows are kept and counted here, not rejected).
type DataQuality struct {
	// Rows counts the rows of every dataset, in the order of Datasets().
	Rows []DatasetRows `json:"rows"`
	// Dangling lists every kind of reference between datasets, with the
	// rows whose target is not loaded (zero counts included), in a fixed
	// order: references to sites, then people, then ideas, then challenges.
	Dangling []DanglingRef `json:"dangling"`
	// PeopleWithoutSite counts the people whose site is not loaded.
	PeopleWithoutSite int64 `json:"people_without_site"`
	// IdeasWithoutAuthor counts the ideas with no author_id.
	IdeasWithoutAuthor int64 `json:"ideas_without_author"`
	// LastIngest is the last file loaded into each dataset that has one,
	// by dataset name.
	LastIngest []LastIngest `json:"last_ingest"`
}

// DatasetRows is the row count of one dataset.
type DatasetRows struct {
	// Dataset is the canonical dataset name.
	Dataset string `json:"dataset"`
	// Rows is its number of rows.
	Rows int64 `json:"rows"`
}

// DanglingRef counts the references of one kind whose target is not loaded.
type DanglingRef struct {
	// Dataset and Column are the referring side (for example votes, idea_id).
	Dataset string `json:"dataset"`
	Column  string `json:"column"`
	// Target is the dataset referred to (for example ideas).
	Target string `json:"target"`
	// Rows counts the referring rows whose target is missing.
	Rows int64 `json:"rows"`
	// Missing counts the distinct missing identifiers.
	Missing int64 `json:"missing"`
}

// LastIngest is the most recent file loaded into a dataset.
type LastIngest struct {
	// Dataset is the canonical dataset name.
	Dataset string `json:"dataset"`
	// File is the file name as given.
	File string `json:"file"`
	// RowsRead, Loaded and Rejected are that file's counts.
	RowsRead int64 `json:"rows_read"`
	Loaded   int64 `json:"loaded"`
	Rejected int64 `json:"rejected"`
	// FinishedAt is when it committed.
	FinishedAt time.Time `json:"finished_at"`
}

// DanglingTotal sums the rows of every dangling reference.
func (q DataQuality) DanglingTotal() int64 {
	var n int64
	for _, d := range q.Dangling {
		n += d.Rows
	}
	return n
}

// DataQuality counts the rows per dataset and the references to sites,
// people, ideas and challenges that are not loaded.
func (db *DB) DataQuality(ctx context.Context) (DataQuality, error) {
	var q DataQuality
	// Counted from the derived data when it is up to date; right after a
	// load (derived data stale) from the datasets themselves, rather than
	// computing the derived data for this report (the summary printed by
	// `relais ingest` would pay for it).
	// One read view: the state check and every count see the same loads.
	ctx, done, err := db.readView(ctx, false)
	if err != nil {
		return q, fmt.Errorf("data quality: %w", err)
	}
	defer done()
	qr := db.queryer(ctx)
	zone, stale, err := derivedState(ctx, qr)
	if err != nil {
		return q, fmt.Errorf("data quality: %w", err)
	}
	dangling := dataQualityDanglingSQL
	if zone != db.loc.String() || len(stale) > 0 {
		dangling = dataQualityDanglingDirectSQL
	}
	q.Rows, err = queryRows(ctx, qr, dataQualityRowsSQL, nil, func(rows *sql.Rows, r *DatasetRows) error {
		return rows.Scan(&r.Dataset, &r.Rows)
	})
	if err != nil {
		return q, fmt.Errorf("data quality: rows: %w", err)
	}
	q.Dangling, err = queryRows(ctx, qr, dangling, nil, func(rows *sql.Rows, d *DanglingRef) error {
		var ord int64
		return rows.Scan(&ord, &d.Dataset, &d.Column, &d.Target, &d.Rows, &d.Missing)
	})
	if err != nil {
		return q, fmt.Errorf("data quality: references: %w", err)
	}
	if err := qr.QueryRowContext(ctx, dataQualityGapsSQL).Scan(&q.PeopleWithoutSite, &q.IdeasWithoutAuthor); err != nil {
		return q, fmt.Errorf("data quality: gaps: %w", err)
	}
	q.LastIngest, err = queryRows(ctx, qr, dataQualityLastIngestSQL, nil, func(rows *sql.Rows, l *LastIngest) error {
		err := rows.Scan(&l.Dataset, &l.File, &l.RowsRead, &l.Loaded, &l.Rejected, &l.FinishedAt)
		l.FinishedAt = l.FinishedAt.In(db.loc)
		return err
	})
	if err != nil {
		return q, fmt.Errorf("data quality: last ingest: %w", err)
	}
	return q, nil
}

type rowsCloser interface {
	Err() error
	Close() error
}

func closeRows(r rowsCloser) error {
	err := r.Err()
	if cerr := r.Close(); err == nil {
		err = cerr
	}
	return err
}
