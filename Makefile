# leadrelay: run `make help` for the targets.
GO ?= go
PKGS ?= ./...
BENCHTIME ?= 1s

.PHONY: help build run test test/race lint bench

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

bench: ## run the benchmarks
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) $(PKGS)
