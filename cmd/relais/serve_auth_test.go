package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"log/slog"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"relais/internal/testfixture"
)

func TestServeRefusesANonLoopbackAddressWithoutSignIn(t *testing.T) {
	var out, errb bytes.Buffer
	m := NewMain()
	m.Stdout, m.Stderr = &out, &errb
	m.Getenv = func(string) string { return "" }
	code := m.Main([]string{"serve", "--db", filepath.Join(t.TempDir(), "x.duckdb"), "--addr", "0.0.0.0:8080"})
	if code != exitUsage {
		t.Fatalf("exit %d, want %d: %s", code, exitUsage, errb.String())
	}
	for _, want := range []string{"0.0.0.0:8080", "no sign-in", "--insecure-no-auth", "docs/security.md"} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("the refusal does not say %q: %s", want, errb.String())
		}
	}
	for _, host := range []string{"127.0.0.1", "::1", "[::1]", "localhost"} {
		if !loopbackHost(host) {
			t.Errorf("%s taken for a non-loopback address", host)
		}
	}
	for _, host := range []string{"", "0.0.0.0", "::", "10.1.2.3", "relais.example.com"} {
		if loopbackHost(host) {
			t.Errorf("%q taken for loopback", host)
		}
	}
}

func TestAuthConfiguration(t *testing.T) {
	cases := []struct {
		name, yaml, err string
	}{
		{"oidc", "auth:\n  oidc: {issuer: https://id.example, client_id: relais, redirect_url: https://relais.example/auth/callback}\n  roles:\n    - {group: core, role: core_team}\n    - {group: lyon, role: ambassador, sites: [LYON]}\n  default_role: none\n  session: {idle: 30m, absolute: 8h}\n", ""},
		{"proxy", "auth:\n  proxy: {user_header: X-Forwarded-User, groups_header: X-Forwarded-Groups, trusted: [10.0.0.0/8, 127.0.0.1]}\n", ""},
		{"secret in the yaml", "auth:\n  oidc: {issuer: https://id.example, client_id: relais, client_secret: hunter2, redirect_url: https://r/cb}\n", "do not belong in relais.yaml"},
		{"both", "auth:\n  oidc: {issuer: https://id.example, client_id: relais, redirect_url: https://r/cb}\n  proxy: {user_header: U, trusted: [10.0.0.0/8]}\n", "exactly one"},
		{"proxy trusting nobody", "auth:\n  proxy: {user_header: U}\n", "auth.proxy.trusted"},
		{"bad cidr", "auth:\n  proxy: {user_header: U, trusted: [10.0.0/8]}\n", "auth.proxy.trusted[0]"},
		{"unknown role", "auth:\n  proxy: {user_header: U, trusted: [127.0.0.1]}\n  roles: [{group: g, role: admin}]\n", "auth.roles[0].role"},
		{"bad duration", "auth:\n  proxy: {user_header: U, trusted: [127.0.0.1]}\n  session: {idle: forever}\n", "auth.session.idle"},
		{"retention", "retention: {activity: 13mo}\n", ""},
		{"retention years", "retention: {activity: 2y}\n", ""},
		{"retention unclear", "retention: {activity: 13}\n", "retention.activity"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := ParseConfig([]byte(tc.yaml))
			if tc.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("error %v, want one saying %q (config %+v)", err, tc.err, cfg)
			}
		})
	}
	cfg, _ := ParseConfig([]byte("retention: {activity: 2y}\n"))
	if cfg.Retention.ActivityMonths != 24 {
		t.Errorf("2y = %d months", cfg.Retention.ActivityMonths)
	}
}

// writeCert writes a fresh self-signed certificate with that serial
// number.
func writeCert(t *testing.T, certFile, keyFile string, serial int64) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "relais test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames: []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestServeOverTLSWithHSTSReloadsTheCertificateOnSIGHUP(t *testing.T) {
	dbPath, cfg := kpiTestDB(t)
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writeCert(t, certFile, keyFile, 1)
	addr := testfixture.FreeAddr(t)
	var errb testfixture.SyncBuffer
	m := NewMain()
	m.Stdout, m.Stderr = &errb, &errb
	m.Getenv = func(string) string { return "" }
	m.Logger = slog.New(slog.NewTextHandler(&errb, nil))
	run, err := m.ParseFlags([]string{"serve", "--db", dbPath, "--config", cfg, "--addr", addr, "--tls-cert", certFile, "--tls-key", keyFile})
	if err != nil {
		t.Fatal(err)
	}
	stop := testfixture.Start(func(ctx context.Context) error { return m.Run(ctx, run) })
	defer func() {
		stop()
		m.Close()
	}()
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	serial := func() (int64, *http.Response) {
		resp, err := client.Get("https://" + addr + "/healthz")
		if err != nil {
			return 0, nil
		}
		resp.Body.Close()
		return resp.TLS.PeerCertificates[0].SerialNumber.Int64(), resp
	}
	var resp *http.Response
	var got int64
	for i := 0; i < 100 && resp == nil; i++ {
		if got, resp = serial(); resp == nil {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if resp == nil || got != 1 {
		t.Fatalf("no HTTPS answer with certificate 1 (got %d): %s", got, errb.String())
	}
	if !strings.HasPrefix(resp.Header.Get("Strict-Transport-Security"), "max-age=") {
		t.Errorf("no HSTS over HTTPS: %v", resp.Header)
	}
	writeCert(t, certFile, keyFile, 2)
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100; i++ {
		if got, _ = serial(); got == 2 {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("certificate still %d after SIGHUP: %s", got, errb.String())
}
