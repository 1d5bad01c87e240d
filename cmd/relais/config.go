package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"relais/ingest"
	"relais/queries"
)

// Config is relais.yaml (docs/configuration.md). Every key is optional.
type Config struct {
	// Timezone is the IANA zone in which dates are read (default Europe/Paris).
	Timezone string
	// Location is Timezone loaded.
	Location *time.Location
	// Settings are the KPI settings: program start, baseline, targets.
	Settings queries.Settings
	// Database tunes DuckDB.
	Database DatabaseConfig
	// Limits bound what one input file may hold (docs/limits.md).
	Limits ingest.Limits
	// HTTP bounds the server's connections (relais serve).
	HTTP HTTPConfig
	// Locales order the translated columns a mapping reads ("title/*"),
	// the configured language first (default fr, en; docs/mappings.md).
	Locales []string
	// Auth is the sign-in configuration (nil: no sign-in).
	Auth *AuthConfig
	// Retention bounds how long personal activity is kept.
	Retention Retention
}

// DatabaseConfig tunes DuckDB (docs/configuration.md: an addition for ops).
type DatabaseConfig struct {
	// MemoryLimit is DuckDB's memory_limit, for example "1GB".
	MemoryLimit string `yaml:"memory_limit"`
	// Threads is DuckDB's thread count.
	Threads int `yaml:"threads"`
}

type rawConfig struct {
	Timezone string `yaml:"timezone"`
	Program  struct {
		Start                     string   `yaml:"start"`
		BaselineDecisionDelayDays *float64 `yaml:"baseline_decision_delay_days"`
	} `yaml:"program"`
	Targets   yaml.Node      `yaml:"targets"`
	Database  DatabaseConfig `yaml:"database"`
	Limits    rawLimits      `yaml:"limits"`
	HTTP      HTTPConfig     `yaml:"http"`
	Locales   []string       `yaml:"locales"`
	Auth      *AuthConfig    `yaml:"auth"`
	Retention rawRetention   `yaml:"retention"`
}

// rawLimits are the limits: as sizes, a number of bytes or a number with
// a unit ("1MiB", "512 MB").
type rawLimits struct {
	FieldBytes  string `yaml:"field_bytes"`
	RecordBytes string `yaml:"record_bytes"`
	XLSXBytes   string `yaml:"xlsx_bytes"`
	ZipBytes    string `yaml:"zip_bytes"`
}

type rawTarget struct {
	KPI       string   `yaml:"kpi"`
	Target    *float64 `yaml:"target"`
	Direction string   `yaml:"direction"`
}

// LoadConfig reads the configuration at path. A missing file is an error
// only when the path was given explicitly.
func LoadConfig(path string, explicit bool) (Config, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && !explicit {
		b, err = nil, nil
	}
	if err != nil {
		return Config{}, fmt.Errorf("config %s: %w", path, err)
	}
	cfg, err := ParseConfig(b)
	if err != nil {
		return Config{}, fmt.Errorf("config %s: %w", path, err)
	}
	return cfg, nil
}

// ParseConfig parses and validates a configuration; errors name the key.
func ParseConfig(b []byte) (Config, error) {
	var raw rawConfig
	if len(bytes.TrimSpace(b)) > 0 {
		dec := yaml.NewDecoder(bytes.NewReader(b))
		dec.KnownFields(true)
		if err := dec.Decode(&raw); err != nil {
			return Config{}, err
		}
	}
	cfg := Config{Timezone: raw.Timezone, Database: raw.Database, HTTP: raw.HTTP, Locales: raw.Locales}
	if cfg.Timezone == "" {
		cfg.Timezone = queries.DefaultLocation
	}
	loc, err := time.LoadLocation(cfg.Timezone)
	if err != nil {
		return Config{}, fmt.Errorf("timezone: %q is not a known time zone (try Europe/Paris)", cfg.Timezone)
	}
	cfg.Location = loc
	if raw.Program.Start != "" {
		t, err := time.Parse("2006-01-02", raw.Program.Start)
		if err != nil {
			return Config{}, fmt.Errorf("program.start: %q is not a date YYYY-MM-DD", raw.Program.Start)
		}
		cfg.Settings.ProgramStart = &t
	}
	cfg.Settings.BaselineDecisionDelayDays = raw.Program.BaselineDecisionDelayDays
	if raw.Targets.Kind != 0 {
		// A targets key replaces the defaults; an empty list means none.
		cfg.Settings.Targets = []queries.TargetSpec{}
		if !(raw.Targets.Kind == yaml.ScalarNode && raw.Targets.Tag == "!!null") {
			var ts []rawTarget
			if err := raw.Targets.Decode(&ts); err != nil {
				return Config{}, fmt.Errorf("targets: %w", err)
			}
			for i, t := range ts {
				if t.KPI == "" {
					return Config{}, fmt.Errorf("targets[%d].kpi: missing", i)
				}
				if t.Target == nil {
					return Config{}, fmt.Errorf("targets[%d].target: missing", i)
				}
				dir := t.Direction
				if dir == "" {
					dir = queries.AtLeast
				}
				cfg.Settings.Targets = append(cfg.Settings.Targets, queries.TargetSpec{KPI: t.KPI, Target: *t.Target, Direction: dir})
			}
		}
	}
	if err := cfg.HTTP.validate(); err != nil {
		return Config{}, err
	}
	if cfg.Database.Threads < 0 {
		return Config{}, fmt.Errorf("database.threads: must be >= 0, got %d", cfg.Database.Threads)
	}
	if cfg.Limits, err = parseLimits(raw.Limits); err != nil {
		return Config{}, err
	}
	if err := raw.Auth.check(); err != nil {
		return Config{}, err
	}
	cfg.Auth = raw.Auth
	if cfg.Retention, err = parseRetention(raw.Retention); err != nil {
		return Config{}, err
	}
	if err := cfg.Settings.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// parseLimits reads the limits: key; what is not given keeps its default.
func parseLimits(raw rawLimits) (ingest.Limits, error) {
	var lim ingest.Limits
	for _, f := range []struct {
		key, value string
		to         *int64
		min        int64
	}{
		{"limits.field_bytes", raw.FieldBytes, &lim.FieldBytes, 1 << 10},
		{"limits.record_bytes", raw.RecordBytes, &lim.RecordBytes, 1 << 10},
		{"limits.xlsx_bytes", raw.XLSXBytes, &lim.XLSXBytes, 1 << 20},
		{"limits.zip_bytes", raw.ZipBytes, &lim.ZipBytes, 1 << 20},
	} {
		if f.value == "" {
			continue
		}
		n, err := parseSize(f.value)
		if err != nil {
			return ingest.Limits{}, fmt.Errorf("%s: %q is not a size (want bytes, or a number with KiB, MiB or GiB: 4MiB)", f.key, f.value)
		}
		if n < f.min {
			return ingest.Limits{}, fmt.Errorf("%s: %s is below the least it may be, %s", f.key, ingest.FormatBytes(n), ingest.FormatBytes(f.min))
		}
		*f.to = n
	}
	field, record := lim.FieldBytes, lim.RecordBytes
	if field == 0 {
		field = ingest.DefaultFieldBytes
	}
	if record == 0 {
		record = ingest.DefaultRecordBytes
	}
	if field > record {
		return ingest.Limits{}, fmt.Errorf("limits.field_bytes: %s is more than limits.record_bytes (%s): a field is part of a record", ingest.FormatBytes(field), ingest.FormatBytes(record))
	}
	return lim, nil
}

// minGoMemoryLimit is the least soft limit goMemoryLimit gives the Go heap.
const minGoMemoryLimit = 256 << 20

// goMemoryLimit is the Go heap's soft limit (runtime/debug.SetMemoryLimit)
// for DuckDB's memory_limit: half of it, at least 256 MiB. With the
// default 600MB that is 286 MiB: a large load's Go heap (the rows in
// flight and their key set) is collected before it doubles, and the
// process, DuckDB included, stays under 1 GiB (docs/operations.md,
// "Memory"). A limit DuckDB reads but parseSize does not ("80%") gets
// the least.
func goMemoryLimit(duckdbLimit string) int64 {
	if duckdbLimit == "" {
		duckdbLimit = queries.DefaultMemoryLimit
	}
	n, err := parseSize(duckdbLimit)
	if err != nil {
		return minGoMemoryLimit
	}
	return max(n/2, minGoMemoryLimit)
}

// parseSize reads "1048576", "1MiB", "1 MiB", "1MB" (10^6), "512k".
func parseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	i := strings.IndexFunc(s, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	num, unit := s, ""
	if i >= 0 {
		num, unit = s[:i], strings.ToLower(strings.TrimSpace(s[i:]))
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("not a size: %q", s)
	}
	mult := map[string]float64{
		"": 1, "b": 1,
		"k": 1 << 10, "kib": 1 << 10, "kb": 1e3,
		"m": 1 << 20, "mib": 1 << 20, "mb": 1e6,
		"g": 1 << 30, "gib": 1 << 30, "gb": 1e9,
	}[unit]
	if mult == 0 || v*mult > 1<<62 {
		return 0, fmt.Errorf("not a size: %q", s)
	}
	return int64(v * mult), nil
}
