# Chimera: every target works on a fresh clone with only Node 20 and npm installed.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
NPM ?= npm
NODE ?= node
export npm_config_update_notifier := false
export npm_config_fund := false
export npm_config_audit := false

SOURCES := $(shell find src test -name '*.ts' 2>/dev/null) tsconfig.json package.json

.PHONY: all install build test check lint format typecheck bench demo man soak evidence-tests kalshi-recordings clean

all: build

install: node_modules/.installed

node_modules/.installed: package.json package-lock.json
	$(NPM) ci --no-audit --no-fund
	@touch $@

build: dist/.built

dist/.built: node_modules/.installed $(SOURCES)
	node_modules/.bin/tsc -p tsconfig.json
	$(NODE) dist/src/build/buildinfo.js
	@touch $@

test: build
	node_modules/.bin/tap

typecheck: node_modules/.installed
	node_modules/.bin/tsc -p tsconfig.json --noEmit

lint: node_modules/.installed
	$(NODE) .ci/lint.js

# The one formatting rule: prettier with the options in package.json ("prettier"); lint checks it.
format: node_modules/.installed
	node_modules/.bin/prettier --log-level warn --write 'src/**/*.ts' 'test/**/*.ts'

check: typecheck lint build
	$(NODE) dist/src/build/man.js --check
	node_modules/.bin/tap

bench: build
	$(NODE) dist/test/bench/run.js

demo: build
	bash examples/demo.sh

man: build
	$(NODE) dist/src/build/man.js

SOAK_SECONDS ?= 21600
# The JSON soak report the live-capital gate reads (copy it to EVIDENCE/soak/).
SOAK_REPORT ?= out/soak/feed-kalshi.json
soak: build
	SOAK_SECONDS=$(SOAK_SECONDS) SOAK_REPORT=$(SOAK_REPORT) $(NODE) dist/test/soak/kalshi-soak.js

# The failure-mode tests the live-capital gate requires (config gate.failure_mode_tests,
# default list), as TAP into EVIDENCE/tests/ for `gate --evidence EVIDENCE`.
EVIDENCE ?= out/evidence
evidence-tests: build
	mkdir -p $(EVIDENCE)/tests
	node_modules/.bin/tap --reporter=tap $$($(NODE) -e "import('./dist/src/config/sections/gate.js').then((m) => console.log(m.DEFAULT_FAILURE_MODE_TESTS.map((t) => 'dist/' + t + '.js').join(' ')))") > $(EVIDENCE)/tests/failure-modes.tap

# Re-record the Kalshi regression recordings (test/fixtures/kalshi-raw) against the simulator.
kalshi-recordings: build
	$(NODE) dist/test/fixtures/kalshi-raw/generate.js

clean:
	rm -rf dist out .tap
