package main

import (
	"archive/tar"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"relais/queries"
)

// adminSocket is the Unix socket a running server answers backups on,
// beside the database: only who may read the database (its owner, root)
// may reach it, so it needs no sign-in.
func adminSocket(dbPath string) string { return dbPath + ".sock" }

// serveAdmin listens on the admin socket until ctx is done: POST /backup
// answers a consistent backup as a tar stream.
func (m *Main) serveAdmin(ctx context.Context, db *queries.DB) error {
	path := adminSocket(m.dbPath)
	if len(path) > 100 {
		m.Logger.Warn("the database path is too long for the admin socket: `relais backup` will not reach this server", "socket", path)
		return nil
	}
	// We hold the database, so no other server owns a socket here.
	os.Remove(path)
	ln, err := net.Listen("unix", path)
	if err != nil {
		return fmt.Errorf("admin socket %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return fmt.Errorf("admin socket %s: %w", path, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ping", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "relais\n") })
	mux.HandleFunc("POST /backup", func(w http.ResponseWriter, r *http.Request) {
		actor := r.Header.Get("X-Relais-Actor")
		if actor == "" {
			actor = "admin-socket"
		}
		if err := m.backupTo(r.Context(), db, w, actor); err != nil {
			m.Logger.Error("backup", "err", err)
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
		os.Remove(path)
	}()
	go srv.Serve(ln)
	return nil
}

// backupTo takes a backup beside the database and streams it as tar.
func (m *Main) backupTo(ctx context.Context, db *queries.DB, w http.ResponseWriter, actor string) error {
	tmp, err := os.MkdirTemp(filepath.Dir(m.dbPath), ".relais-backup-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	dir := filepath.Join(tmp, "backup")
	man, err := db.Backup(ctx, dir)
	m.auditBackup(ctx, db, actor, man, err)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/x-tar")
	return writeTar(w, dir)
}

func (m *Main) auditBackup(ctx context.Context, db *queries.DB, actor string, man queries.BackupManifest, err error) {
	outcome := fmt.Sprintf("ok: schema %d", man.SchemaVersion)
	if err != nil {
		outcome = "error: " + err.Error()
	}
	m.Logger.Info("audit", "action", queries.AuditBackup, "actor", actor, "outcome", outcome)
	if aerr := db.RecordAudit(ctx, queries.AuditEvent{At: m.Now(), Actor: actor, Action: queries.AuditBackup, Outcome: outcome}); aerr != nil {
		m.Logger.Error("audit", "err", aerr)
	}
}

// writeTar writes the files of dir (flat: EXPORT DATABASE writes no
// folders) as a tar stream.
func writeTar(w io.Writer, dir string) error {
	tw := tar.NewWriter(w)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		f, err := os.Open(filepath.Join(dir, e.Name()))
		if err != nil {
			return err
		}
		st, err := f.Stat()
		if err == nil {
			err = tw.WriteHeader(&tar.Header{Name: e.Name(), Mode: 0o600, Size: st.Size(), ModTime: st.ModTime()})
		}
		if err == nil {
			_, err = io.Copy(tw, f)
		}
		f.Close()
		if err != nil {
			return err
		}
	}
	return tw.Close()
}

// readTar extracts a flat tar stream into dir.
func readTar(r io.Reader, dir string) error {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if h.Typeflag != tar.TypeReg || h.Name != filepath.Base(h.Name) || strings.HasPrefix(h.Name, ".") {
			return fmt.Errorf("unexpected entry %q in the backup stream", h.Name)
		}
		f, err := os.OpenFile(filepath.Join(dir, h.Name), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return err
		}
		_, err = io.Copy(f, tr)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
}

// backupFlags registers `relais backup --out DIR`: a consistent copy of
// the database, taken directly, or through the running server's admin
// socket when a server holds the database (docs/deployment.md).
func (m *Main) backupFlags(fs *flag.FlagSet) func(ctx context.Context) error {
	out := fs.String("out", "", "the new folder to write the backup into")
	return func(ctx context.Context) error {
		if err := requiredFlagOnly(fs, "out", *out); err != nil {
			return err
		}
		if m.serverRunning(ctx) {
			if err := m.backupThroughServer(ctx, *out); err != nil {
				return jobError{err}
			}
		} else {
			db, err := m.openDB(ctx)
			if err != nil {
				return err // held: the message names the holder and what to do
			}
			man, err := db.Backup(ctx, *out)
			m.auditBackup(ctx, db, m.cliActor(), man, err)
			if err != nil {
				return jobError{err}
			}
		}
		man, err := queries.ReadManifest(*out)
		if err != nil {
			return jobError{err}
		}
		var rows int64
		for _, n := range man.Rows {
			rows += n
		}
		fmt.Fprintf(m.Stdout, "backup: %s (%d tables, %d rows, schema %d); restore with: relais restore --from %s\n", *out, len(man.Rows), rows, man.SchemaVersion, *out)
		return nil
	}
}

// adminClient talks HTTP over the admin socket.
func adminClient(sock string) *http.Client {
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", sock)
		},
	}}
}

// serverRunning says whether a server answers on the database's admin
// socket.
func (m *Main) serverRunning(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://relais/ping", nil)
	if err != nil {
		return false
	}
	resp, err := adminClient(adminSocket(m.dbPath)).Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func (m *Main) backupThroughServer(ctx context.Context, out string) error {
	sock := adminSocket(m.dbPath)
	if err := os.MkdirAll(out, 0o700); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if entries, err := os.ReadDir(out); err != nil || len(entries) > 0 {
		return fmt.Errorf("backup: %s is not an empty folder: give a new one", out)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://relais/backup", nil)
	if err != nil {
		return err
	}
	req.Header.Set("X-Relais-Actor", m.cliActor())
	resp, err := adminClient(sock).Do(req)
	if err != nil {
		return fmt.Errorf("the server's admin socket %s: %w", sock, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("the server's backup failed: %s", strings.TrimSpace(string(b)))
	}
	if err := readTar(resp.Body, out); err != nil {
		return fmt.Errorf("backup: reading the server's answer: %w", err)
	}
	return nil
}

// restoreFlags registers `relais restore --from DIR`: the database is
// rebuilt from a backup; the current file, if any, is kept aside. The
// server must be stopped.
func (m *Main) restoreFlags(fs *flag.FlagSet) func(ctx context.Context) error {
	from := fs.String("from", "", "the backup folder (written by relais backup)")
	return func(ctx context.Context) error {
		if err := requiredFlagOnly(fs, "from", *from); err != nil {
			return err
		}
		if _, err := queries.ReadManifest(*from); err != nil {
			return jobError{err}
		}
		if m.serverRunning(ctx) {
			return jobError{fmt.Errorf("%s is held by a running `relais serve`: stop it first (systemctl stop relais), restore, then start it", m.dbPath)}
		}
		aside := ""
		if _, err := os.Stat(m.dbPath); err == nil {
			// Opening it tells whether a server holds it.
			db, err := m.openDB(ctx)
			if err != nil {
				return err // held: the message names the holder and what to do
			}
			db.Close()
			m.db = nil
			aside = fmt.Sprintf("%s.before-restore-%s", m.dbPath, m.Now().UTC().Format("20060102T150405Z"))
			if err := os.Rename(m.dbPath, aside); err != nil {
				return jobError{fmt.Errorf("restore: keep the current database aside: %w", err)}
			}
			if _, err := os.Stat(m.dbPath + ".wal"); err == nil {
				os.Rename(m.dbPath+".wal", aside+".wal")
			}
		}
		man, err := queries.Restore(ctx, *from, m.dbPath)
		if err != nil {
			if aside != "" {
				os.Rename(aside, m.dbPath)
			}
			return jobError{err}
		}
		// Open once: the migrations newer than the backup apply.
		db, err := m.openDB(ctx)
		if err != nil {
			return err
		}
		outcome := fmt.Sprintf("ok: backup of %s, schema %d", man.CreatedAt.Format(time.RFC3339), man.SchemaVersion)
		m.Logger.Info("audit", "action", queries.AuditRestore, "actor", m.cliActor(), "outcome", outcome)
		if err := db.RecordAudit(ctx, queries.AuditEvent{At: m.Now(), Actor: m.cliActor(), Action: queries.AuditRestore, Target: *from, Outcome: outcome}); err != nil {
			return jobError{err}
		}
		fmt.Fprintf(m.Stdout, "restored %s from %s (taken %s)\n", m.dbPath, *from, man.CreatedAt.Format(time.RFC3339))
		if aside != "" {
			fmt.Fprintf(m.Stdout, "the previous database is kept at %s: delete it once the restore is checked\n", aside)
		}
		return nil
	}
}
