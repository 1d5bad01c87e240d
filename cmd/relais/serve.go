package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/gin-gonic/gin"

	"relais/dashboards"
	"relais/dashboards/auth"
	"relais/ingest/demo"
	"relais/metrics"
	"relais/queries"
)

// maxServedRejects bounds the rejected rows an upload answers with and the
// inbox keeps per file (each message is bounded by the ingest package).
const maxServedRejects = 100

// serveFlags registers `relais serve [--addr HOST:PORT] [--inbox DIR]
// [--demo]` (docs/cli.md) and returns its runner: the dashboards, the JSON API,
// the Excel export and /metrics on one address, until SIGINT or SIGTERM.
func (m *Main) serveFlags(fs *flag.FlagSet) func(ctx context.Context) error {
	addr := fs.String("addr", "127.0.0.1:8080", "the address to listen on (uploads are refused unless it is a loopback address)")
	inbox := fs.String("inbox", "", "a folder whose complete files are loaded, in name order, then moved to DIR/done or DIR/failed")
	withDemo := fs.Bool("demo", false, "write the small demo, load it and serve it (into a temporary database unless --db or RELAIS_DB is given)")
	insecure := fs.Bool("insecure-no-auth", false, "serve a non-loopback address without sign-in (only when another layer protects it)")
	tlsCert := fs.String("tls-cert", "", "serve HTTPS with this PEM certificate (chain) file; reloaded on SIGHUP")
	tlsKey := fs.String("tls-key", "", "the PEM private key of --tls-cert")
	return func(ctx context.Context) error {
		if fs.NArg() > 0 {
			return usagef("unexpected argument %q", fs.Arg(0))
		}
		host, _, err := net.SplitHostPort(*addr)
		if err != nil {
			return usagef("--addr %q: want HOST:PORT (for example 127.0.0.1:8080)", *addr)
		}
		if (*tlsCert == "") != (*tlsKey == "") {
			return usagef("--tls-cert and --tls-key go together")
		}
		authn, err := m.serveAuth(*addr, host, *insecure)
		if err != nil {
			return err
		}
		var tlsConfig *tls.Config
		if *tlsCert != "" {
			certs, err := newCertReloader(*tlsCert, *tlsKey, m.Logger)
			if err != nil {
				return jobError{err}
			}
			certs.watch(ctx)
			tlsConfig = certs.config()
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
		load := m.serveIngest(db, met.ObserveIngest)
		if *withDemo {
			for _, f := range sum.Files {
				out, err := load(ctx, filepath.Join(demoDir, f.Name), f.Name)
				if err != nil {
					return jobError{fmt.Errorf("demo: %s: %w", out.Summary, err)}
				}
				m.Logger.Info("demo loaded", "summary", out.Summary)
			}
		}
		if err := m.serveAdmin(ctx, db); err != nil {
			return jobError{err}
		}
		gin.SetMode(gin.ReleaseMode) // gin's debug mode prints to stdout
		srv, err := dashboards.New(dashboards.Options{
			DB: db, Snapshots: snaps, Logger: m.Logger, Now: m.Now,
			Ingest: load, DryRun: m.serveDryRun(), Metrics: met.Handler(), ObserveHTTP: met.ObserveHTTP, InboxDir: *inbox,
			HTTP: m.config.HTTP.limits(),
			Auth: authn, TLS: tlsConfig, RetentionMonths: m.config.Retention.ActivityMonths,
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

// serveAuth builds the sign-in of relais.yaml's auth section, or refuses
// to serve a non-loopback address without it unless --insecure-no-auth.
func (m *Main) serveAuth(addr, host string, insecure bool) (*auth.Auth, error) {
	if !m.config.Auth.Configured() {
		if loopbackHost(host) {
			return nil, nil
		}
		if !insecure {
			return nil, usagef("--addr %s would serve beyond this machine, and relais.yaml configures no sign-in (auth.oidc or auth.proxy): anyone who reaches it would see the named people. Configure sign-in (docs/security.md), listen on 127.0.0.1, or pass --insecure-no-auth if another layer already protects it", addr)
		}
		m.Logger.Warn("serving without sign-in on a non-loopback address (--insecure-no-auth): uploads are refused, every page and the named people are open to whoever reaches it")
		return nil, nil
	}
	c, err := m.config.Auth.build(m.Getenv, true)
	if err != nil {
		return nil, jobError{err}
	}
	c.Logger, c.Now = m.Logger, m.Now
	a, err := auth.New(c)
	if err != nil {
		return nil, usageError{err}
	}
	return a, nil
}

// loopbackHost says whether a listen host is this machine only.
func loopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}
