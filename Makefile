# relais: see README.md. `make run` builds, writes the small demo, loads it
# and serves it; `make test` is what CI runs.
GO ?= go
BIN := bin/relais
DEMO_DIR ?= demo-data
DB ?= demo.duckdb

.PHONY: build test race lint bench bench-large soak bench-freshness run assets clean

build: assets
	$(GO) build -o $(BIN) ./cmd/relais

assets:
	@./dashboards/fetch-assets.sh || echo "warning: echarts.min.js not fetched; pages will say charts are unavailable" >&2

# The cmd/relais package builds the binary, kills loads and prints the medium
# demo's workbook with LibreOffice: on a busy machine it can pass go test's
# default 10 minutes without anything being wrong.
test:
	$(GO) test -count=1 -timeout 15m ./...

# The suite under the race detector (about twice as slow).
race:
	$(GO) test -race -count=1 ./...

# staticcheck is pinned as a tool in go.mod (go get -tool ...@version).
lint:
	$(GO) vet ./...
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) tool staticcheck ./...

# Benchmarks that need the large demo skip themselves without it: bench-large
# writes it (about 1.1 GB under BENCH_DIR), loads it, and runs them all.
bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 1x -timeout 60m ./...

BENCH_DIR ?= /tmp/relais-bench
BENCH_AS_OF ?= $(shell date +%F)
bench-large: build
	rm -rf $(BENCH_DIR) && mkdir -p $(BENCH_DIR)
	$(BIN) demo --out $(BENCH_DIR)/data --scale large --as-of $(BENCH_AS_OF)
	cd $(BENCH_DIR)/data && $$(command -v /usr/bin/time >/dev/null && echo /usr/bin/time -v) $(CURDIR)/$(BIN) ingest --db $(BENCH_DIR)/large.duckdb --config relais.yaml *.csv *.xlsx
	RELAIS_BENCH_DIR=$(BENCH_DIR)/data RELAIS_BENCH_DB=$(BENCH_DIR)/large.duckdb RELAIS_BENCH_AS_OF=$(BENCH_AS_OF) \
		$(GO) test -run '^$$' -bench . -benchmem -benchtime 3x -timeout 60m ./...

# The soak (dashboards under load while the inbox reloads activity): writes
# the SOAK_SCALE demo under SOAK_DIR, loads it, then runs BenchmarkSoak for
# SOAK_DURATION with SOAK_CLIENTS clients (cmd/relais/soak_test.go).
SOAK_DIR ?= /tmp/relais-soak
SOAK_SCALE ?= large
SOAK_DURATION ?= 10m
SOAK_CLIENTS ?= 8
soak: build
	rm -rf $(SOAK_DIR) && mkdir -p $(SOAK_DIR)
	$(BIN) demo --out $(SOAK_DIR)/data --scale $(SOAK_SCALE)
	cd $(SOAK_DIR)/data && $(CURDIR)/$(BIN) ingest --db $(SOAK_DIR)/soak.duckdb --config relais.yaml *.csv *.xlsx
	RELAIS_SOAK_DB=$(SOAK_DIR)/soak.duckdb RELAIS_SOAK_DIR=$(SOAK_DIR)/data RELAIS_SOAK_BIN=$(CURDIR)/$(BIN) \
	RELAIS_SOAK_DURATION=$(SOAK_DURATION) RELAIS_SOAK_CLIENTS=$(SOAK_CLIENTS) \
		$(GO) test -run '^$$' -bench BenchmarkSoak -benchtime 1x -timeout 0 ./cmd/relais

# Data-to-dashboard latency (cmd/relais/freshness_test.go): writes the
# FRESH_SCALE demo under FRESH_DIR, then BenchmarkFreshness drops it into a
# running server's inbox (full export, re-export, one-day delta) and times
# each until /api/v1/kpis serves it, beside DuckDB's read_csv of the files.
FRESH_DIR ?= /tmp/relais-fresh
FRESH_SCALE ?= large
bench-freshness: build
	rm -rf $(FRESH_DIR) && mkdir -p $(FRESH_DIR)
	$(BIN) demo --out $(FRESH_DIR)/data --scale $(FRESH_SCALE)
	RELAIS_FRESH_BIN=$(CURDIR)/$(BIN) RELAIS_FRESH_DIR=$(FRESH_DIR)/data RELAIS_FRESH_LOG=$(FRESH_DIR)/server.log \
		$(GO) test -run '^$$' -bench BenchmarkFreshness -benchtime 1x -timeout 0 ./cmd/relais

run: build
	rm -rf $(DEMO_DIR) $(DB) $(DB).wal
	$(BIN) demo --out $(DEMO_DIR) --scale small
	cd $(DEMO_DIR) && ../$(BIN) ingest --db ../$(DB) *.csv *.xlsx
	$(BIN) serve --db $(DB) --config $(DEMO_DIR)/relais.yaml

clean:
	rm -rf bin $(DEMO_DIR) $(DB) $(DB).wal
