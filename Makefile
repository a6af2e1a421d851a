# leadrelay: run `make help` for the targets.
GO ?= go
PKGS ?= ./...
BENCHTIME ?= 1s
# An execution count, not a duration: a duration-bounded run can fail with a
# bare "context deadline exceeded" when its workers are starved at the end
# (Go's fuzzing coordinator, go.dev/issue/75804).
FUZZTIME ?= 20000x
# The load targets' database: the harness drops and creates it, and drops it after.
LOAD_DSN ?= mysql://root@127.0.0.1:3306/leadbench
LOAD = $(GO) run ./cmd/leadbench -dsn $(LOAD_DSN)

.PHONY: help build run test test/race lint bench fuzz load-throughput load-scaleout load-latency load-chaos load-sigterm load-dbkill load-backlog load-intake load-ci load-ci-sigterm load-ci-dbkill load-ci-intake load-uncertain

help: ## list the targets
	@grep -E '^[a-zA-Z/_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  %-18s %s\n", $$1, $$2}'

build: ## build bin/leadrelay
	$(GO) build -o bin/leadrelay ./cmd/leadrelay

run: ## run leadrelay on the embedded database (sqlite:leadrelay.db)
	$(GO) run ./cmd/leadrelay serve

test: ## run the tests (MariaDB too when LEADRELAY_TEST_MYSQL_DSN is set)
	$(GO) test $(PKGS)

test/race: ## run the tests with the race detector
	$(GO) test -race $(PKGS)

lint: ## go vet and a gofmt check
	$(GO) vet $(PKGS)
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

fuzz: ## fuzz the intake's form and JSON decoding for FUZZTIME (20000x, a few seconds): never a 5xx
	$(GO) test -run '^$$' -fuzz FuzzIntakeDecoding -fuzztime $(FUZZTIME) ./api/

bench: ## run the benchmarks
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) $(PKGS)

load-throughput: ## load: 100,000 leads to a CRM that answers at once, 1 process (MariaDB at LOAD_DSN)
	$(LOAD) -leads 100000 -procs 1

load-scaleout: ## load: 100,000 leads, 3 processes sharing the database
	$(LOAD) -leads 100000 -procs 3

load-latency: ## load: 20,000 leads to a CRM that takes 200 ms an answer
	$(LOAD) -leads 20000 -latency 200ms -bare 5000

load-chaos: ## load: 20,000 leads, 3 processes, one SIGKILLed mid-drain; the CRM fails 10% 5xx, 2% timeouts
	$(LOAD) -leads 20000 -procs 3 -kill -errors 0.10 -timeouts 0.02

load-sigterm: ## load: 20,000 leads, 3 processes, a CRM that takes 500 ms an answer; one SIGTERMed at 30% and started again
	$(LOAD) -leads 20000 -procs 3 -latency 500ms -term -bare 0

load-uncertain: ## load: 20,000 leads, the CRM stores 2% and never answers; on_uncertain check finds them (double_orders=0)
	$(LOAD) -leads 20000 -hang-after-read 0.02 -on-uncertain check -max-attempts 10 -bare 0

load-dbkill: ## load: 20,000 leads, 3 processes on a MariaDB of the run's own, SIGKILLed at 30% and back 10 s later
	$(LOAD) -leads 20000 -procs 3 -dbkill

load-backlog: ## load: peak RSS of one process working through 1,000,000 waiting leads for 60 s
	$(LOAD) -leads 1000000 -procs 1 -run-for 60s -bare 0

load-intake: ## load: 64 publishers post form and JSON leads to 1 process for 20 s; a bare gin handler gives the ratio (LOAD_DSN may be sqlite:PATH)
	$(LOAD) -intake 20s -publishers 64 -procs 1

load-ci: ## load: the chaos scenario small enough for CI (2,000 leads, one SIGKILL)
	$(LOAD) -leads 2000 -procs 3 -concurrency 16 -latency 50ms -kill -errors 0.05 -resets 0.01 -max-attempts 2 -bare 0

load-ci-sigterm: ## load: the SIGTERM run small enough for CI (400 leads, one SIGTERM)
	$(LOAD) -leads 400 -procs 3 -concurrency 8 -latency 500ms -term -bare 0

load-ci-intake: ## load: the intake scenario small enough for CI (16 publishers for 3 s on SQLite); it fails on any answer but 201
	@mkdir -p bin
	$(GO) run ./cmd/leadbench -dsn sqlite:$(CURDIR)/bin/leadbench-intake.db -intake 3s -publishers 16 -procs 1

load-ci-dbkill: ## load: the database kill small enough for CI (2,000 leads, the run's own MariaDB down 5 s)
	$(LOAD) -leads 2000 -procs 3 -concurrency 16 -latency 50ms -dbkill -dbkill-for 5s -bare 0
