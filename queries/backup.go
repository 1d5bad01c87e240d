package queries

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// BackupManifest is relais-backup.json, written beside the exported
// tables: what the backup holds, checked again at restore.
type BackupManifest struct {
	Format        int              `json:"format"`
	CreatedAt     time.Time        `json:"created_at"`
	SchemaVersion int              `json:"schema_version"`
	Rows          map[string]int64 `json:"rows"`
}

// ManifestFile is the manifest's name inside a backup folder.
const ManifestFile = "relais-backup.json"

const backupFormat = 1

// Backup writes a consistent copy of the database into dir (created; it
// must not exist or be empty): DuckDB's EXPORT DATABASE (schema and
// Parquet files) inside one read transaction, so a load that commits
// meanwhile is either wholly in it or not at all, then the manifest. It
// runs beside readers and loads, holding no lock of ours.
func (db *DB) Backup(ctx context.Context, dir string) (BackupManifest, error) {
	m := BackupManifest{Format: backupFormat, CreatedAt: time.Now().UTC(), Rows: map[string]int64{}}
	if err := emptyDir(dir); err != nil {
		return m, err
	}
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
	if err := conn.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&m.SchemaVersion); err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}
	if m.Rows, err = tableRows(ctx, conn); err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "EXPORT DATABASE "+quote(dir)+" (FORMAT parquet)"); err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, ManifestFile), b, 0o600); err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}
	return m, nil
}

// tableRows counts the rows of every table of the main schema.
func tableRows(ctx context.Context, q queryer) (map[string]int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' AND table_type = 'BASE TABLE' ORDER BY 1`)
	if err != nil {
		return nil, err
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, err
		}
		names = append(names, n)
	}
	rows.Close()
	out := map[string]int64{}
	for _, n := range names {
		var c int64
		if err := q.QueryRowContext(ctx, `SELECT count(*) FROM main."`+strings.ReplaceAll(n, `"`, `""`)+`"`).Scan(&c); err != nil {
			return nil, err
		}
		out[n] = c
	}
	return out, nil
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func emptyDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if len(entries) > 0 {
		return fmt.Errorf("backup: %s is not empty: give a new folder", dir)
	}
	return nil
}

// ReadManifest reads a backup folder's manifest.
func ReadManifest(dir string) (BackupManifest, error) {
	var m BackupManifest
	b, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return m, fmt.Errorf("%s is not a relais backup: %w", dir, err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("%s: %w", ManifestFile, err)
	}
	if m.Format != backupFormat {
		return m, fmt.Errorf("%s: backup format %d, this relais reads %d", ManifestFile, m.Format, backupFormat)
	}
	return m, nil
}

// Restore builds a new database file at path from the backup in dir and
// checks every table's row count against the manifest. path must not
// exist: the caller moves the old database aside first. The database is
// built beside path and renamed into place once complete.
func Restore(ctx context.Context, dir, path string) (BackupManifest, error) {
	m, err := ReadManifest(dir)
	if err != nil {
		return m, err
	}
	if _, err := os.Stat(path); err == nil {
		return m, fmt.Errorf("restore: %s exists: move it aside first", path)
	}
	tmp := path + ".restoring"
	os.Remove(tmp)
	os.Remove(tmp + ".wal")
	if err := importInto(ctx, dir, tmp, m); err != nil {
		os.Remove(tmp)
		os.Remove(tmp + ".wal")
		return m, err
	}
	if err := os.Rename(tmp, path); err != nil {
		return m, fmt.Errorf("restore: %w", err)
	}
	return m, nil
}

func importInto(ctx context.Context, dir, path string, m BackupManifest) error {
	connector, err := duckdb.NewConnector(path+"?autoinstall_known_extensions=false&autoload_known_extensions=false", nil)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	sqldb := sql.OpenDB(connector)
	defer sqldb.Close()
	if _, err := sqldb.ExecContext(ctx, "IMPORT DATABASE "+quote(dir)); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	got, err := tableRows(ctx, sqldb)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	for name, want := range m.Rows {
		if got[name] != want {
			return fmt.Errorf("restore: table %s has %d rows, the backup says %d: the backup is damaged", name, got[name], want)
		}
	}
	if _, err := sqldb.ExecContext(ctx, "CHECKPOINT"); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if err := sqldb.Close(); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if _, err := os.Stat(path + ".wal"); err == nil {
		return errors.New("restore: the database was not checkpointed")
	}
	return nil
}
