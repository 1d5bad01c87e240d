# relais: see README.md. `make run` builds, writes the small demo, loads it
# and serves it; `make test` is what CI runs.
GO ?= go
BIN := bin/relais
DEMO_DIR ?= demo-data
DB ?= demo.duckdb
STATICCHECK_VERSION ?= v0.8.2

.PHONY: build test lint bench run assets clean

build: assets
	$(GO) build -o $(BIN) ./cmd/relais

assets:
	@./dashboards/fetch-assets.sh || echo "warning: echarts.min.js not fetched; pages will say charts are unavailable" >&2

test:
	$(GO) test -count=1 ./...

lint:
	$(GO) vet ./...
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 1x -timeout 60m ./...

run: build
	rm -rf $(DEMO_DIR) $(DB) $(DB).wal
	$(BIN) demo --out $(DEMO_DIR) --scale small
	cd $(DEMO_DIR) && ../$(BIN) ingest --db ../$(DB) *.csv *.xlsx
	$(BIN) serve --db $(DB) --config $(DEMO_DIR)/relais.yaml

clean:
	rm -rf bin $(DEMO_DIR) $(DB) $(DB).wal
