# triage — see README.md. Only Go is needed for build, test and demo.
# Area-specific targets live in mk/*.mk (one file per area) so that each
# stays small; this file holds the core ones.

GO      ?= go
BIN     ?= bin/triage
PKGS    ?= ./...
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.Version=$(VERSION)

.PHONY: all build test test-short lint vet fmt fmt-check tidy-check bench demo clean help

all: build

help: ## list targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | sort

build: ## build bin/triage
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/triage

test: ## unit + embedded-broker integration tests, race detector on (only Go needed)
	$(GO) test -race -count=1 -timeout 20m $(PKGS)

test-short: ## quick tests without the race detector
	$(GO) test -short -count=1 $(PKGS)

vet: ## go vet
	$(GO) vet $(PKGS)

fmt: ## gofmt -w
	gofmt -w $$(git ls-files '*.go')

fmt-check: ## fail on gofmt drift
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt drift:"; echo "$$out"; exit 1; fi

tidy-check: ## fail when go.mod/go.sum are not tidy
	@cp go.mod /tmp/triage.go.mod.bak; cp go.sum /tmp/triage.go.sum.bak; \
	$(GO) mod tidy; \
	if ! git diff --quiet -- go.mod go.sum; then git diff -- go.mod go.sum | head -40; cp /tmp/triage.go.mod.bak go.mod; cp /tmp/triage.go.sum.bak go.sum; echo "go.mod/go.sum not tidy: run go mod tidy"; exit 1; fi

lint: vet fmt-check ## go vet, gofmt and staticcheck
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 $(PKGS)

bench: build ## micro-benchmarks, then the in-process pipeline benchmark (see BENCHMARKS.md)
	$(GO) test -run '^$$' -bench . -benchmem -benchtime=300ms -count=1 $(PKGS)
	$(BIN) bench --duration 10s

demo: ## run the real pipeline on an embedded broker with the bundled corpus
	$(GO) run ./cmd/triage demo

clean:
	rm -rf bin

-include mk/*.mk
