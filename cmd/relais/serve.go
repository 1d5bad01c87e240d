package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"

	"github.com/gin-gonic/gin"

	"relais/dashboards"
	"relais/ingest"
	"relais/ingest/demo"
	"relais/metrics"
	"relais/queries"
)

// serveFlags registers `relais serve [--addr HOST:PORT] [--inbox DIR]
// [--demo]` (docs/cli.md) and returns its runner: the dashboards, the JSON API,
// the Excel export and /metrics on one address, until SIGINT or SIGTERM.
func (m *Main) serveFlags(fs *flag.FlagSet) func(ctx context.Context) error {
	addr := fs.String("addr", "127.0.0.1:8080", "the address to listen on (uploads are refused unless it is a loopback address)")
	inbox := fs.String("inbox", "", "a folder whose complete files are loaded, in name order, then moved to DIR/done or DIR/failed")
	withDemo := fs.Bool("demo", false, "write the small demo, load it and serve it (into a temporary database unless --db or RELAIS_DB is given)")
	return func(ctx context.Context) error {
		if fs.NArg() > 0 {
			return usagef("unexpected argument %q", fs.Arg(0))
		}
		if _, _, err := net.SplitHostPort(*addr); err != nil {
			return usagef("--addr %q: want HOST:PORT (for example 127.0.0.1:8080)", *addr)
		}
		explicit := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { explicit[f.Name] = true })
		var demoDir string
		if *withDemo {
			// The demo never lands in the user's relais.duckdb by accident:
			// without --db or RELAIS_DB it gets a database of its own.
			tmp, err := os.MkdirTemp("", "relais-demo-")
			if err != nil {
				return jobError{fmt.Errorf("demo: %w", err)}
			}
			defer os.RemoveAll(tmp)
			demoDir = filepath.Join(tmp, "demo-data")
			if !explicit["db"] && m.Getenv("RELAIS_DB") == "" {
				m.dbPath = filepath.Join(tmp, "demo.duckdb")
			}
		}
		var sum demo.Summary
		if *withDemo {
			var err error
			sum, err = demo.Write(ctx, demo.Options{Dir: demoDir, Scale: demo.ScaleSmall, Seed: 1, AsOf: m.today(), Location: m.config.Location})
			if err != nil {
				return jobError{fmt.Errorf("demo: %w", err)}
			}
			// The demo's relais.yaml (its program start) applies unless a
			// configuration was given explicitly.
			if !explicit["config"] && m.Getenv("RELAIS_CONFIG") == "" {
				cfg, err := LoadConfig(filepath.Join(demoDir, sum.Config), true)
				if err != nil {
					return jobError{fmt.Errorf("demo: %w", err)}
				}
				m.config = cfg
			}
		}
		db, err := m.openDB(ctx)
		if err != nil {
			return err
		}
		snaps := queries.NewSnapshots(db, m.config.Settings, m.Now)
		met := metrics.New(metrics.Options{DB: db, Snapshots: snaps, Logger: m.Logger})
		load := func(ctx context.Context, path, name string) (dashboards.IngestOutcome, error) {
			// The rules of the command line: dataset from the name or the
			// header, day-first dates, all-or-nothing.
			res, err := ingest.LoadFile(ctx, db, path, ingest.Options{
				Name: name, DateOrder: "dmy", Location: m.config.Location, Logger: m.Logger,
			})
			out := dashboards.IngestOutcome{
				File: res.File, Dataset: res.Dataset, RowsRead: res.Rows, Loaded: res.Loaded,
				Rejected: res.Rejected, Summary: res.Summary(), RejectsPath: res.RejectsFile,
			}
			for _, r := range res.Rejects {
				out.Errors = append(out.Errors, r.Message(res.File))
			}
			if more := res.Rejected - int64(len(res.Rejects)); more > 0 {
				out.Errors = append(out.Errors, fmt.Sprintf("%s: %d more rejected rows not shown", res.File, more))
			}
			met.ObserveIngest(res.Dataset, res.Loaded, res.Rejected, err == nil, m.Now())
			return out, err
		}
		if *withDemo {
			for _, f := range sum.Files {
				out, err := load(ctx, filepath.Join(demoDir, f.Name), f.Name)
				if err != nil {
					return jobError{fmt.Errorf("demo: %s: %w", out.Summary, err)}
				}
				m.Logger.Info("demo loaded", "summary", out.Summary)
			}
		}
		gin.SetMode(gin.ReleaseMode) // gin's debug mode prints to stdout
		srv, err := dashboards.New(dashboards.Options{
			DB: db, Snapshots: snaps, Logger: m.Logger, Now: m.Now,
			Ingest: load, Metrics: met.Handler(), ObserveHTTP: met.ObserveHTTP, InboxDir: *inbox,
		})
		if err != nil {
			return jobError{err}
		}
		if err := srv.Run(ctx, *addr); err != nil {
			return jobError{fmt.Errorf("%w (is another program using %s?)", err, *addr)}
		}
		return nil
	}
}
