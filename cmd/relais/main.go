// Command relais loads the idea platform's exports into DuckDB, computes the
// ambassador network's KPIs and shows them as tables, JSON, pages, Excel
// workbooks and Prometheus metrics.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"relais/queries"
)

func main() {
	m := NewMain()
	m.SetGoMemoryLimit = func(n int64) { debug.SetMemoryLimit(n) }
	code := m.Main(os.Args[1:])
	os.Exit(code)
}

// Exit statuses (docs/cli.md).
const (
	exitOK    = 0
	exitUsage = 1
	exitJob   = 2
)

// usageError is a usage or configuration error (exit 1, with the usage line).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// requiredFlagOnly is the usage error of a command line that must give
// the flag --name (value, as parsed) and no argument; nil when it does.
func requiredFlagOnly(fs *flag.FlagSet, name, value string) error {
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	if value == "" {
		return usagef("--%s is required", name)
	}
	return nil
}

// jobError is a failure of the job (exit 2) whose message was already
// printed, or that says what failed.
type jobError struct{ err error }

func (e jobError) Error() string { return e.err.Error() }
func (e jobError) Unwrap() error { return e.err }

// Main is the program: flags, configuration and the wiring of the packages.
type Main struct {
	// Stdout receives the command's output (the JSON document, tables).
	Stdout io.Writer
	// Stderr receives logs, progress and error messages.
	Stderr io.Writer
	// Getenv reads the environment (RELAIS_DB, RELAIS_CONFIG, RELAIS_LOG_LEVEL).
	Getenv func(string) string
	// Now is the clock; tests pin it.
	Now func() time.Time
	// Logger logs to Stderr.
	Logger *slog.Logger
	// SetGoMemoryLimit, when set (the binary, not the tests: it acts on
	// the whole process), receives the Go heap's soft limit
	// (goMemoryLimit) unless GOMEMLIMIT gives one.
	SetGoMemoryLimit func(bytes int64)

	// Command is the subcommand being run and Args its arguments.
	Command string
	Args    []string

	cmd        command
	fs         *flag.FlagSet
	dbPath     string
	configPath string
	config     Config
	db         *queries.DB
}

// NewMain returns a Main wired to the process's streams, environment and clock.
func NewMain() *Main {
	return &Main{
		Stdout: os.Stdout,
		Stderr: os.Stderr,
		Getenv: os.Getenv,
		Now:    time.Now,
	}
}

type command struct {
	name  string
	usage string
	// flags registers the subcommand's own flags on fs and returns the
	// function that runs it once flags and config are parsed.
	flags func(m *Main, fs *flag.FlagSet) func(ctx context.Context) error
}

func (m *Main) commands() []command {
	return []command{
		{"ingest", "relais ingest [--dataset NAME] [--mapping NAME|FILE] [--set COLUMN=VALUE]... [--sheet NAME] [--date-order dmy|mdy] [--skip-invalid] [--dry-run] FILE|ARCHIVE.zip...", (*Main).ingestFlags},
		{"kpi", "relais kpi [--as-of YYYY-MM-DD] [--format table|json]", (*Main).kpiFlags},
		{"export", "relais export [--as-of YYYY-MM-DD] [--lang fr|en] --out FILE.xlsx | --parquet DIR", (*Main).exportFlags},
		{"serve", "relais serve [--addr HOST:PORT] [--inbox DIR] [--demo] [--tls-cert FILE --tls-key FILE] [--insecure-no-auth]", (*Main).serveFlags},
		{"forget", "relais forget --person ID", (*Main).forgetFlags},
		{"backup", "relais backup --out DIR", (*Main).backupFlags},
		{"restore", "relais restore --from DIR", (*Main).restoreFlags},
		{"demo", "relais demo --out DIR [--scale small|medium|large|xlarge] [--seed N] [--as-of YYYY-MM-DD]", (*Main).demoFlags},
	}
}

func (m *Main) usage() string {
	var b strings.Builder
	b.WriteString("usage:\n")
	for _, c := range m.commands() {
		b.WriteString("  " + c.usage + "\n")
	}
	b.WriteString("flags of every command: --db FILE (RELAIS_DB, default relais.duckdb), --config FILE (RELAIS_CONFIG, default relais.yaml when present)\n")
	return b.String()
}

// Main runs the program with args and returns its exit status.
func (m *Main) Main(args []string) int {
	if m.Logger == nil {
		// RELAIS_LOG_LEVEL=debug also logs each KPI family's and derived
		// statement's duration (docs/configuration.md, "The environment"); the packages
		// log through the default logger, made this one.
		level := slog.LevelInfo
		if v := m.Getenv("RELAIS_LOG_LEVEL"); v != "" {
			if err := level.UnmarshalText([]byte(v)); err != nil {
				fmt.Fprintf(m.Stderr, "relais: RELAIS_LOG_LEVEL: %q is not debug, info, warn or error\n", v)
				return 2
			}
		}
		m.Logger = slog.New(slog.NewTextHandler(m.Stderr, &slog.HandlerOptions{Level: level}))
		slog.SetDefault(m.Logger)
	}
	run, err := m.ParseFlags(args)
	if err == nil && m.SetGoMemoryLimit != nil && m.Getenv("GOMEMLIMIT") == "" {
		m.SetGoMemoryLimit(goMemoryLimit(m.config.Database.MemoryLimit))
	}
	if err == nil {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err = m.Run(ctx, run)
		stop()
	}
	if cerr := m.Close(); cerr != nil && err == nil {
		err = jobError{cerr}
	}
	return m.report(err)
}

func (m *Main) report(err error) int {
	if err == nil {
		return exitOK
	}
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(m.Stderr, "relais: %v\n", err)
		if m.cmd.usage != "" {
			fmt.Fprintf(m.Stderr, "usage: %s\n", m.cmd.usage)
		} else {
			fmt.Fprint(m.Stderr, m.usage())
		}
		return exitUsage
	}
	fmt.Fprintf(m.Stderr, "relais: %v\n", err)
	return exitJob
}

// ParseFlags parses the subcommand, its flags and the configuration.
func (m *Main) ParseFlags(args []string) (func(ctx context.Context) error, error) {
	if len(args) == 0 {
		return nil, usagef("missing command")
	}
	m.Command, m.Args = args[0], args[1:]
	if m.Command == "-h" || m.Command == "--help" || m.Command == "help" {
		fmt.Fprint(m.Stdout, m.usage())
		return nil, flag.ErrHelp
	}
	for _, c := range m.commands() {
		if c.name == m.Command {
			m.cmd = c
		}
	}
	if m.cmd.name == "" {
		return nil, usagef("unknown command %q", m.Command)
	}
	fs := flag.NewFlagSet("relais "+m.cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&m.dbPath, "db", "", "the DuckDB database file (RELAIS_DB; default relais.duckdb)")
	fs.StringVar(&m.configPath, "config", "", "the YAML configuration (RELAIS_CONFIG; default relais.yaml when present)")
	run := m.cmd.flags(m, fs)
	m.fs = fs
	if err := fs.Parse(m.Args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(m.Stdout, "usage: %s\n", m.cmd.usage)
			fs.SetOutput(m.Stdout)
			fs.PrintDefaults()
			return nil, flag.ErrHelp
		}
		return nil, usageError{err}
	}
	if m.dbPath == "" {
		m.dbPath = m.Getenv("RELAIS_DB")
	}
	if m.dbPath == "" {
		m.dbPath = "relais.duckdb"
	}
	if m.configPath == "" {
		m.configPath = m.Getenv("RELAIS_CONFIG")
	}
	explicit := m.configPath != ""
	if !explicit {
		m.configPath = "relais.yaml"
	}
	cfg, err := LoadConfig(m.configPath, explicit)
	if err != nil {
		return nil, usageError{err}
	}
	m.config = cfg
	return run, nil
}

// Run runs the parsed subcommand.
func (m *Main) Run(ctx context.Context, run func(ctx context.Context) error) error {
	return run(ctx)
}

// Close releases the database when a subcommand opened it.
func (m *Main) Close() error {
	if m.db != nil {
		err := m.db.Close()
		m.db = nil
		return err
	}
	return nil
}

// openDB opens (or creates) the configured database once.
func (m *Main) openDB(ctx context.Context) (*queries.DB, error) {
	if m.db != nil {
		return m.db, nil
	}
	db, err := queries.Open(ctx, queries.Options{
		Path:        m.dbPath,
		Location:    m.config.Location,
		MemoryLimit: m.config.Database.MemoryLimit,
		Threads:     m.config.Database.Threads,
	})
	if err != nil {
		var locked *queries.LockedError
		if errors.As(err, &locked) {
			return nil, jobError{lockedError{errors.New(lockedMessage(m.dbPath, m.Command, locked))}}
		}
		return nil, jobError{fmt.Errorf("cannot open database %s: %w (check the path and its permissions)", m.dbPath, err)}
	}
	m.db = db
	return db, nil
}

// today is the as-of date by default: today in the configured zone.
func (m *Main) today() time.Time {
	n := m.Now().In(m.config.Location)
	return time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, time.UTC)
}

// parseAsOf reads an --as-of flag value (empty: today).
func (m *Main) parseAsOf(s string) (time.Time, error) {
	if s == "" {
		return m.today(), nil
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return time.Time{}, usagef("--as-of %q: want a date YYYY-MM-DD", s)
	}
	return t, nil
}
