package queries

import (
	"context"
	"fmt"
	"time"
)

// Audit actions (the action column of audit_log).
const (
	AuditSignIn    = "sign_in"
	AuditUpload    = "upload"
	AuditExport    = "export"
	AuditForget    = "forget"
	AuditRetention = "retention"
	AuditBackup    = "backup"
	AuditRestore   = "restore"
)

// AuditEvent is one row of the audit log.
type AuditEvent struct {
	At time.Time `json:"at"`
	// Actor is the signed-in person's name, or "cli" / "inbox".
	Actor string `json:"actor"`
	// Role is the actor's role ("" when auth is off).
	Role string `json:"role"`
	// Action is one of the Audit* constants.
	Action string `json:"action"`
	// Target is the file, the export or the count removed; never the
	// person forgotten.
	Target string `json:"target"`
	// Outcome is "ok" or what went wrong.
	Outcome string `json:"outcome"`
}

// RecordAudit appends one event to the audit log.
func (db *DB) RecordAudit(ctx context.Context, e AuditEvent) error {
	if e.At.IsZero() {
		e.At = time.Now()
	}
	if _, err := db.sql.ExecContext(ctx, `INSERT INTO audit_log (event_at, actor, role, action, target, outcome) VALUES (?, ?, ?, ?, ?, ?)`,
		e.At, e.Actor, e.Role, e.Action, e.Target, e.Outcome); err != nil {
		return fmt.Errorf("record audit: %w", err)
	}
	return nil
}

// AuditLog returns the latest events, newest first.
func (db *DB) AuditLog(ctx context.Context, limit int) ([]AuditEvent, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT event_at, actor, role, action, target, outcome FROM audit_log ORDER BY event_at DESC, action, actor LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	defer rows.Close()
	out := []AuditEvent{}
	for rows.Next() {
		var e AuditEvent
		if err := rows.Scan(&e.At, &e.Actor, &e.Role, &e.Action, &e.Target, &e.Outcome); err != nil {
			return nil, fmt.Errorf("audit log: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	return out, nil
}
