package main

import (
	"reflect"
	"strings"
	"testing"
)

func TestConfigReadsLocalesAndTheZipLimit(t *testing.T) {
	cfg, err := ParseConfig([]byte("locales: [pt-BR, en]\nlimits:\n  zip_bytes: 2MiB\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cfg.Locales, []string{"pt-BR", "en"}) || cfg.Limits.ZipBytes != 2<<20 {
		t.Fatalf("locales %v, zip limit %d", cfg.Locales, cfg.Limits.ZipBytes)
	}
	if _, err := ParseConfig([]byte("limits:\n  zip_bytes: lots\n")); err == nil || !strings.Contains(err.Error(), "limits.zip_bytes") {
		t.Fatalf("a bad zip limit: %v", err)
	}
}
