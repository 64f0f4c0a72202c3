# The evidence-bundle verifier toolkit.
#   make run      install what is missing, build, verify the sample bundle
#   make test     the same set-up, then every test (unit, end-to-end, fixture reproducibility)
#   make fixtures rewrite Fixtures/ from fixed seeds (byte for byte)
#   make install  install verify, portal and the man pages under PREFIX (default /usr/local)
#   make bench    benchmarks (bench-quick: 100k receipts only; bench-pq; bench-portal); see docs/performance.md

SHELL := /bin/bash
PREFIX ?= /usr/local
SWIFT ?= swift
BUILD_DIR := .build
DEBUG_BIN := $(BUILD_DIR)/debug
SYSTEM_PACKAGES := libsodium-dev libarchive-dev pkg-config
PYTHON ?= python3

.PHONY: all deps python-deps build bench bench-quick bench-pq bench-portal run test unit-test fixtures check-fixtures vectors check-vectors install uninstall clean

all: build

# Installs the Debian packages the build needs, only when something is missing.
deps:
	@if ! pkg-config --exists libsodium libarchive 2>/dev/null; then \
	  echo "installing $(SYSTEM_PACKAGES)"; \
	  if [ "$$(id -u)" -eq 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(SYSTEM_PACKAGES); \
	fi
	@command -v $(SWIFT) >/dev/null || { echo "swift is not on PATH: install a Swift 6 toolchain first" >&2; exit 2; }

build: deps
	$(SWIFT) build

run: build
	@echo "+ verify Fixtures/sample.tar --trust Fixtures/sample.trust"
	@$(DEBUG_BIN)/verify Fixtures/sample.tar --trust Fixtures/sample.trust

test: build python-deps unit-test check-fixtures check-vectors

# The independent implementations the tests cross-check against (pinned in Tests/requirements.txt).
python-deps:
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is not on PATH; the cross-checks need it" >&2; exit 2; }
	@$(PYTHON) -m pip --version >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" -eq 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq python3-pip; }
	$(PYTHON) -m pip install -q --disable-pip-version-check -r Tests/requirements.txt -r Tests/portal-mcp/requirements.txt

unit-test:
	$(SWIFT) test

fixtures: build
	$(DEBUG_BIN)/fixturegen --out Fixtures

# Regenerates the fixtures into a scratch directory and fails if any committed byte differs.
check-fixtures: build
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	  $(DEBUG_BIN)/fixturegen --out "$$tmp" --pins Fixtures/pinned-signatures.jsonl >/dev/null && \
	  for f in sample.tar sample-session.tar sample.trust sample-pq.tar sample-pq.trust pinned-signatures.jsonl; do \
	    cmp "$$tmp/$$f" "Fixtures/$$f" || { echo "Fixtures/$$f differs from what 'make fixtures' writes" >&2; exit 1; }; \
	  done && echo "fixtures: reproducible"

vectors: build
	rm -rf TestVectors/vectors TestVectors/keys TestVectors/index.json
	$(DEBUG_BIN)/vectorgen --out TestVectors

# Runs the committed suite with the built verify, then regenerates it and fails on any difference.
check-vectors: build
	$(DEBUG_BIN)/verify vectors TestVectors
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	  cp TestVectors/README.md "$$tmp/" && \
	  $(DEBUG_BIN)/vectorgen --out "$$tmp" --pins TestVectors/pinned-signatures.jsonl >/dev/null && \
	  diff -r -q "$$tmp" TestVectors || { echo "TestVectors/ differs from what 'make vectors' writes" >&2; exit 1; }
	@echo "vectors: reproducible"

# Benchmarks (not part of `make test`): release builds, bundles of 10k, 100k and 1M receipts, the
# libsodium floor; results in Benchmarks/. See docs/performance.md.
bench: deps
	$(SWIFT) build -c release --product verify
	$(SWIFT) build -c release --product evidence-bench
	$(BUILD_DIR)/release/evidence-bench --runs 3 --out Benchmarks/results.json

bench-quick: deps
	$(SWIFT) build -c release --product verify
	$(SWIFT) build -c release --product evidence-bench
	$(BUILD_DIR)/release/evidence-bench --quick --runs 3 --out Benchmarks/results-quick.json

bench-pq: deps
	$(SWIFT) build -c release --product verify
	$(SWIFT) build -c release --product evidence-bench
	$(BUILD_DIR)/release/evidence-bench --profile mldsa65-ed25519 --out Benchmarks/results-pq.json

# The Portal's budget items: per-call overhead of `portal run` (official MCP Python SDK as the
# client, durable receipts) and the rate of `portal simulate` (about 3 minutes).
bench-portal: deps python-deps
	$(SWIFT) build -c release --product portal
	$(SWIFT) build -c release --product verify
	$(PYTHON) Benchmarks/portal/portal_overhead.py --portal $(BUILD_DIR)/release/portal --verify $(BUILD_DIR)/release/verify --out Benchmarks/results-portal.json

install: deps
	$(SWIFT) build -c release --product verify
	$(SWIFT) build -c release --product portal
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man5
	install -m 0755 $(BUILD_DIR)/release/verify $(DESTDIR)$(PREFIX)/bin/verify
	install -m 0755 $(BUILD_DIR)/release/portal $(DESTDIR)$(PREFIX)/bin/portal
	install -m 0644 man/verify.1 $(DESTDIR)$(PREFIX)/share/man/man1/verify.1
	install -m 0644 man/portal.1 $(DESTDIR)$(PREFIX)/share/man/man1/portal.1
	install -m 0644 man/evidence-bundle.5 $(DESTDIR)$(PREFIX)/share/man/man5/evidence-bundle.5

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/verify $(DESTDIR)$(PREFIX)/bin/portal \
	  $(DESTDIR)$(PREFIX)/share/man/man1/verify.1 $(DESTDIR)$(PREFIX)/share/man/man1/portal.1 \
	  $(DESTDIR)$(PREFIX)/share/man/man5/evidence-bundle.5

clean:
	rm -rf $(BUILD_DIR)
