package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"relais/queries"
)

// retentionCutoff is the first instant kept: local midnight, months
// calendar months before today.
func retentionCutoff(now time.Time, loc *time.Location, months int) time.Time {
	today := now.In(loc)
	return time.Date(today.Year(), today.Month()-time.Month(months), today.Day(), 0, 0, 0, 0, loc)
}

// applyRetention deletes the activity older than retention.activity (run
// after each load) and records it in the audit log when rows went.
func (m *Main) applyRetention(ctx context.Context, db *queries.DB, actor string) error {
	months := m.config.Retention.ActivityMonths
	if months == 0 {
		return nil
	}
	cutoff := retentionCutoff(m.Now(), m.config.Location, months)
	n, err := db.ApplyRetention(ctx, cutoff)
	if err != nil {
		return fmt.Errorf("retention: %w", err)
	}
	if n == 0 {
		return nil
	}
	target := "activity before " + cutoff.Format("2006-01-02")
	m.Logger.Info("audit", "action", queries.AuditRetention, "actor", actor, "target", target, "outcome", fmt.Sprintf("ok: %d rows deleted", n))
	return db.RecordAudit(ctx, queries.AuditEvent{At: m.Now(), Actor: actor, Action: queries.AuditRetention, Target: target, Outcome: fmt.Sprintf("ok: %d rows deleted", n)})
}

// cliActor names the person at the command line in the audit log.
func (m *Main) cliActor() string {
	if u := m.Getenv("USER"); u != "" {
		return "cli:" + u
	}
	return "cli"
}

// forgetFlags registers `relais forget --person ID`: the person leaves
// every dataset and the derived data; the audit log records that someone
// was forgotten, by whom, not whom (docs/security.md).
func (m *Main) forgetFlags(fs *flag.FlagSet) func(ctx context.Context) error {
	person := fs.String("person", "", "the person id to remove from every dataset")
	return func(ctx context.Context) error {
		if err := requiredFlagOnly(fs, "person", *person); err != nil {
			return err
		}
		db, err := m.openDB(ctx)
		if err != nil {
			return err // held by a server: the message says to ask it
		}
		n, err := db.Forget(ctx, *person)
		outcome := fmt.Sprintf("ok: %d rows", n)
		switch {
		case errors.Is(err, queries.ErrUnknownPerson):
			outcome = "no such person"
		case err != nil:
			outcome = "error"
		}
		m.Logger.Info("audit", "action", queries.AuditForget, "actor", m.cliActor(), "outcome", outcome)
		if aerr := db.RecordAudit(ctx, queries.AuditEvent{At: m.Now(), Actor: m.cliActor(), Action: queries.AuditForget, Outcome: outcome}); aerr != nil && err == nil {
			err = aerr
		}
		if err != nil {
			return jobError{fmt.Errorf("forget: %w", err)}
		}
		fmt.Fprintf(m.Stdout, "forgotten: %d rows changed in the datasets; the derived data follows at the next query\n", n)
		return nil
	}
}

// lockedError says the database is held by a running server; it matches
// queries.ErrLocked, so that commands with another way in (the admin
// socket) can take it.
type lockedError struct{ err error }

func (e lockedError) Error() string        { return e.err.Error() }
func (e lockedError) Unwrap() error        { return e.err }
func (e lockedError) Is(target error) bool { return target == queries.ErrLocked }
