package main

import (
	"fmt"
	"time"

	"relais/dashboards"
)

// HTTPConfig is the `http:` section of relais.yaml (docs/configuration.md,
// docs/operations.md): the server's timeouts and header limit. Durations are
// Go durations ("30s", "10m"); a key left out keeps its default
// (dashboards.DefaultHTTPLimits, docs/operations.md).
type HTTPConfig struct {
	ReadHeaderTimeout time.Duration `yaml:"read_header_timeout"`
	ReadTimeout       time.Duration `yaml:"read_timeout"`
	WriteTimeout      time.Duration `yaml:"write_timeout"`
	IdleTimeout       time.Duration `yaml:"idle_timeout"`
	UploadTimeout     time.Duration `yaml:"upload_timeout"`
	ExportTimeout     time.Duration `yaml:"export_timeout"`
	MaxHeaderBytes    int           `yaml:"max_header_bytes"`
}

// validate refuses negative values, naming the key.
func (h HTTPConfig) validate() error {
	for _, d := range []struct {
		key string
		v   time.Duration
	}{
		{"read_header_timeout", h.ReadHeaderTimeout}, {"read_timeout", h.ReadTimeout},
		{"write_timeout", h.WriteTimeout}, {"idle_timeout", h.IdleTimeout},
		{"upload_timeout", h.UploadTimeout}, {"export_timeout", h.ExportTimeout},
	} {
		if d.v < 0 {
			return fmt.Errorf("http.%s: must not be negative, got %s", d.key, d.v)
		}
	}
	if h.MaxHeaderBytes < 0 {
		return fmt.Errorf("http.max_header_bytes: must not be negative, got %d", h.MaxHeaderBytes)
	}
	return nil
}

// limits is the section as the server takes it.
func (h HTTPConfig) limits() dashboards.HTTPLimits {
	return dashboards.HTTPLimits{
		ReadHeaderTimeout: h.ReadHeaderTimeout, ReadTimeout: h.ReadTimeout, WriteTimeout: h.WriteTimeout,
		IdleTimeout: h.IdleTimeout, UploadTimeout: h.UploadTimeout, ExportTimeout: h.ExportTimeout,
		MaxHeaderBytes: h.MaxHeaderBytes,
	}
}
