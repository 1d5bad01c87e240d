package metrics

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// promtool finds promtool (Debian's prometheus package). Without it the
// test fails in CI (CI=true) and is skipped elsewhere.
func promtool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("promtool is missing in CI (install Debian's prometheus package): %v", err)
		}
		t.Skip("promtool not installed")
	}
	return p
}

func TestPromtool(t *testing.T) {
	bin := promtool(t)
	m, _ := fixtureMetrics(t)
	live := scrape(t, serve(t, m))
	dir := filepath.Join("prometheus")
	cases := []struct {
		name  string
		args  []string
		stdin string
	}{
		{"check metrics on a live scrape", []string{"check", "metrics"}, live},
		{"check rules", []string{"check", "rules", filepath.Join(dir, "relais-rules.yml")}, ""},
		{"test rules", []string{"test", "rules", filepath.Join(dir, "relais-rules.test.yml")}, ""},
		{"check the example scrape config", []string{"check", "config", filepath.Join(dir, "prometheus.yml")}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(bin, tc.args...)
			cmd.Stdin = strings.NewReader(tc.stdin)
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Run(); err != nil {
				t.Fatalf("promtool %s: %v\n%s", strings.Join(tc.args, " "), err, out.String())
			}
			// promtool check metrics exits 0 with warnings on some
			// versions: any output line is a lint problem.
			if tc.args[1] == "metrics" && strings.TrimSpace(out.String()) != "" {
				t.Errorf("promtool check metrics reports problems:\n%s", out.String())
			}
		})
	}
}
