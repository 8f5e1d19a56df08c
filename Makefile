# soapstack: `make demo` runs the secure-session demo, `make test` runs every check and test.
GO ?= go
PKGS := ./...

.PHONY: demo test check fmt vet staticcheck unit peer bench fuzz

demo:
	$(GO) run ./cmd/soapstack demo

# test is the README's test command and what CI runs.
test: check unit

check: fmt vet staticcheck

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet $(PKGS)

staticcheck:
	$(GO) tool staticcheck $(PKGS)

# unit runs every Go test with the race detector, including the live interop
# tests (they build and start the Apache CXF and Eclipse Metro peers through
# interop/cxf/peer and interop/metro/peer).
unit: peer
	$(GO) test -race -timeout 40m $(PKGS)
	# The 10,000-message lossy-link test at full size (under -race it sends
	# 1,000 per variant).
	$(GO) test -count=1 -timeout 10m -run TestLossy10k ./internal/rmtest/

peer:
	interop/cxf/peer build
	interop/metro/peer build

bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

# fuzz runs each fuzz target for FUZZTIME (default 1m).
FUZZTIME ?= 1m
fuzz:
	@for pkg in $$($(GO) list $(PKGS)); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$t"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done
