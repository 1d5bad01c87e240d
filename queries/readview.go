package queries

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// viewKey carries a read view's connection in a context.
type viewKey struct{}

// queryer is what a read runs its statements on: the pool, or the
// connection of a read view.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// queryer returns the read view's connection when ctx carries one, else the
// pool.
func (db *DB) queryer(ctx context.Context) queryer {
	if c, ok := ctx.Value(viewKey{}).(*sql.Conn); ok {
		return c
	}
	return db.sql
}

// queryRows runs query on q and returns its rows, each scanned into a T by
// scan, in the query's order (nil when there is none).
func queryRows[T any](ctx context.Context, q queryer, query string, args []any, scan func(rows *sql.Rows, v *T) error) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	var out []T
	for rows.Next() {
		var v T
		if err := scan(rows, &v); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, v)
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}
	return out, nil
}

// maxViewAttempts bounds how often a read view is retried because a load
// committed between bringing derived data up to date and opening the view.
const maxViewAttempts = 5

// readView opens a consistent view of the database for one read made of
// several queries (a KPI document, a page query): every query run with the
// returned context sees the same committed state, one transaction on one
// connection, so a document never mixes rows from before and after a load.
// With derived set, derived data is brought up to date first and checked
// inside the view; the view holds derivedMu for reading, so no recomputation
// runs until it ends. done must be called; a view inside a view reuses it.
func (db *DB) readView(ctx context.Context, derived bool) (context.Context, func(), error) {
	if _, ok := ctx.Value(viewKey{}).(*sql.Conn); ok {
		return ctx, func() {}, nil
	}
	for attempt := 1; ; attempt++ {
		if derived {
			if err := db.ensureDerived(ctx); err != nil {
				return ctx, nil, err
			}
		}
		db.derivedMu.RLock()
		conn, err := db.sql.Conn(ctx)
		if err != nil {
			db.derivedMu.RUnlock()
			return ctx, nil, fmt.Errorf("read view: %w", err)
		}
		done := func() {
			// Read only: nothing to commit.
			_, _ = conn.ExecContext(context.Background(), "ROLLBACK")
			conn.Close()
			db.derivedMu.RUnlock()
		}
		if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
			conn.Close()
			db.derivedMu.RUnlock()
			return ctx, nil, fmt.Errorf("read view: %w", err)
		}
		if !derived {
			return context.WithValue(ctx, viewKey{}, conn), done, nil
		}
		zone, stale, err := derivedState(ctx, conn)
		if err != nil {
			done()
			return ctx, nil, err
		}
		if zone == db.loc.String() && len(stale) == 0 {
			return context.WithValue(ctx, viewKey{}, conn), done, nil
		}
		// A load committed after ensureDerived: bring it in and retry.
		done()
		if attempt == maxViewAttempts {
			return ctx, nil, errors.New("read view: loads keep landing; derived data could not catch up")
		}
	}
}

// listInView runs one query in a read view over up-to-date derived data
// and returns its rows, each scanned into a T by scan, in the query's order
// (an empty slice, not nil, when there is none); name prefixes its errors.
func listInView[T any](ctx context.Context, db *DB, name, query string, args []any, scan func(rows *sql.Rows, v *T) error) ([]T, error) {
	ctx, done, err := db.readView(ctx, true)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	defer done()
	out := []T{}
	err = db.each(ctx, name, query, args, func(rows *sql.Rows) error {
		var v T
		if err := scan(rows, &v); err != nil {
			return err
		}
		out = append(out, v)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
