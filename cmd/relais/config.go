package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"gopkg.in/yaml.v3"

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
	Targets  yaml.Node      `yaml:"targets"`
	Database DatabaseConfig `yaml:"database"`
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
	cfg := Config{Timezone: raw.Timezone, Database: raw.Database}
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
	if cfg.Database.Threads < 0 {
		return Config{}, fmt.Errorf("database.threads: must be >= 0, got %d", cfg.Database.Threads)
	}
	if err := cfg.Settings.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}
