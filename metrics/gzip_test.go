package metrics

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestAcceptsGzipReadsTheAcceptEncodingHeader(t *testing.T) {
	cases := []struct {
		name, header string
		want         bool
	}{
		{"prometheus", "gzip", true},
		{"browser list", "deflate, gzip;q=1.0, *;q=0.5", true},
		{"refused with q=0", "gzip;q=0", false},
		{"absent", "", false},
		{"other only", "br, deflate", false},
		{"case", "GZIP", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := acceptsGzip(c.header); got != c.want {
				t.Fatalf("acceptsGzip(%q) = %v, want %v", c.header, got, c.want)
			}
		})
	}
}

func TestScrapeIsGzippedOnlyWhenTheScraperAcceptsIt(t *testing.T) {
	srv := httptest.NewServer(New(Options{}).Handler())
	defer srv.Close()
	get := func(enc string) (*http.Response, string) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
		if enc != "" {
			req.Header.Set("Accept-Encoding", enc)
		}
		// A transport that leaves the body as sent.
		res, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var r io.Reader = res.Body
		if res.Header.Get("Content-Encoding") == "gzip" {
			gz, err := gzip.NewReader(res.Body)
			if err != nil {
				t.Fatal(err)
			}
			r = gz
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		return res, string(b)
	}
	res, body := get("gzip")
	if res.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(body, "# TYPE go_goroutines gauge") {
		t.Fatalf("gzip scrape: encoding %q, body %.200q", res.Header.Get("Content-Encoding"), body)
	}
	res, body = get("")
	if res.Header.Get("Content-Encoding") != "" || !strings.Contains(body, "# TYPE go_goroutines gauge") {
		t.Fatalf("plain scrape: encoding %q, body %.200q", res.Header.Get("Content-Encoding"), body)
	}
}
