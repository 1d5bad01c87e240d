package queries

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// forgetStatements remove one person (?) from the datasets: their own
// rows go, the ideas they wrote stay without an author (an idea is the
// site's, not the person's). The derived data is recomputed from these.
var forgetStatements = []struct{ dataset, sql string }{
	{"people", `DELETE FROM people WHERE person_id = ?`},
	{"ideas", `UPDATE ideas SET author_id = NULL WHERE author_id = ?`},
	{"votes", `DELETE FROM votes WHERE voter_id = ?`},
	{"comments", `DELETE FROM comments WHERE author_id = ?`},
	{"activity", `DELETE FROM activity WHERE person_id = ?`},
	{"surveys", `DELETE FROM surveys WHERE person_id = ?`},
	{"person_keys", `DELETE FROM person_keys WHERE person_id = ?`},
	{"derived_replaced", `DELETE FROM derived_replaced WHERE person_id = ?`},
}

// ErrUnknownPerson means Forget found no row of the person anywhere.
var ErrUnknownPerson = errors.New("no such person in any dataset")

// Forget removes a person from every dataset and from the derived data
// (recomputed before the next query), in one transaction; it returns how
// many rows changed. The caller records that it happened, never whom.
func (db *DB) Forget(ctx context.Context, personID string) (int64, error) {
	personID = strings.TrimSpace(personID)
	if personID == "" {
		return 0, errors.New("forget: empty person id")
	}
	return db.personalWrite(ctx, "forget", func(tx *sql.Tx) (int64, error) {
		var total int64
		for _, st := range forgetStatements {
			res, err := tx.ExecContext(ctx, st.sql, personID)
			if err != nil {
				return 0, fmt.Errorf("%s: %w", st.dataset, err)
			}
			n, _ := res.RowsAffected()
			if st.dataset != "person_keys" && st.dataset != "derived_replaced" {
				total += n
			}
		}
		if total == 0 {
			return 0, ErrUnknownPerson
		}
		return total, nil
	})
}

// ApplyRetention deletes the activity rows older than cutoff and returns
// how many went.
func (db *DB) ApplyRetention(ctx context.Context, cutoff time.Time) (int64, error) {
	return db.personalWrite(ctx, "retention", func(tx *sql.Tx) (int64, error) {
		res, err := tx.ExecContext(ctx, `DELETE FROM activity WHERE occurred_at < ?`, cutoff)
		if err != nil {
			return 0, fmt.Errorf("activity: %w", err)
		}
		return res.RowsAffected()
	})
}

// personalWrite runs a removal under the write lock in one transaction,
// marks every derived dataset stale (so that the next query recomputes it
// from what is left) and moves the data version on when rows changed.
func (db *DB) personalWrite(ctx context.Context, what string, f func(*sql.Tx) (int64, error)) (int64, error) {
	db.writeMu.Lock()
	defer db.writeMu.Unlock()
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	defer tx.Rollback()
	n, err := f(tx)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	if n == 0 {
		return 0, nil
	}
	for _, ds := range derivedDatasets {
		if _, err := tx.ExecContext(ctx, `INSERT INTO derived_stale VALUES (?)`, ds); err != nil {
			return 0, fmt.Errorf("%s: %w", what, err)
		}
	}
	if err := recountLatestLoads(ctx, tx); err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("%s: commit: %w", what, err)
	}
	db.version.Add(1)
	return n, nil
}

// recountLatestLoads brings the record of each dataset's latest load in
// line with the rows a removal left, in the removal's transaction: were
// the record left saying more rows than remain, the recovery after a later
// crash would take the load for one that did not land whole and undo it
// (docs/loading.md).
func recountLatestLoads(ctx context.Context, tx *sql.Tx) error {
	for _, ds := range Datasets() {
		_, err := tx.ExecContext(ctx, fmt.Sprintf(`UPDATE committed_loads
			SET kept = (SELECT count(*) FROM main.%[1]s d WHERE d.load_id = committed_loads.load_id),
			    rows_after = (SELECT count(*) FROM main.%[1]s)
			WHERE dataset = ? AND load_id = (SELECT max(load_id) FROM committed_loads WHERE dataset = ?)`, ds.Name), ds.Name, ds.Name)
		if err != nil {
			return fmt.Errorf("recount %s loads: %w", ds.Name, err)
		}
	}
	return nil
}
