package main

import (
	"strings"
	"testing"
	"time"
)

func TestHTTPSectionSetsTheServerLimits(t *testing.T) {
	cfg, err := ParseConfig([]byte("http:\n  idle_timeout: 45s\n  upload_timeout: 20m\n  max_header_bytes: 32768\n"))
	if err != nil {
		t.Fatal(err)
	}
	l := cfg.HTTP.limits()
	if l.IdleTimeout != 45*time.Second || l.UploadTimeout != 20*time.Minute || l.MaxHeaderBytes != 32768 || l.ReadTimeout != 0 {
		t.Errorf("limits %+v", l)
	}
	for _, c := range []struct{ yaml, says string }{
		{"http:\n  write_timeout: -1s\n", "http.write_timeout"},
		{"http:\n  read_timeout: 30\n", "line 2"}, // a duration needs its unit
		{"http:\n  max_header_bytes: -5\n", "http.max_header_bytes"},
		{"http:\n  idle: 5s\n", "idle"},
	} {
		if _, err := ParseConfig([]byte(c.yaml)); err == nil || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%q: error %v, want one naming %s", c.yaml, err, c.says)
		}
	}
}
