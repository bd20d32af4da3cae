# pkg2os — set up, build, test, demo. Every target works on a fresh Debian 12
# with Node.js >= 20 (run as root, or with sudo available for apt-get).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# Debian packages pkg2os runs, and those the tests drive.
APT_PACKAGES := dpkg-dev rpm lintian fakeroot util-linux cpio xz-utils bzip2 zstd gpg gpgv \
	python3 python3-build python3-installer python3-setuptools python3-wheel \
	python3-setuptools-scm python3-hatchling python3-poetry-core flit python3-packaging \
	python3-asgiref python3-tz python3-sqlparse patch patchelf binutils dh-python bubblewrap \
	createrepo-c dnf dnf-plugins-core apt-utils time python3-apt mmdebstrap redis-server \
	chromium strace
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
TEST_CONCURRENCY ?= 2

.PHONY: help setup apt-packages node-packages build test test-unit test-hostile demo clean schema docs bench

help:
	@echo "make setup  install Debian and npm packages, compile pkg2os"
	@echo "make demo   set up, then build the example sdist into .deb/.rpm and install the .deb"
	@echo "make test   set up, then run every test (unit, integration, acceptance)"
	@echo "make docs   regenerate docs/reference.md and the JSON schemas from the code"

setup: apt-packages node-packages build

apt-packages:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:" $$missing; \
		$(SUDO) apt-get update -qq; \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

node-packages: node_modules/.package-lock.json

node_modules/.package-lock.json: package.json package-lock.json
	@node -e 'const [M] = process.versions.node.split("."); if (+M < 20) { console.error(`pkg2os needs Node.js >= 20, this is ${process.version}`); process.exit(1) }'
	npm ci --no-audit --no-fund
	@touch $@

# tsc checks and compiles (tests import dist/); esbuild bundles the CLI: an
# entry that holds the command line and loads, per command, only the chunks
# that command needs (pkg2os --version loads commander and nothing else).
build: node-packages
	rm -rf dist
	npx tsc -p tsconfig.json
	npx esbuild dist/src/cli/main.js --bundle --splitting --platform=node --format=esm --target=node20 \
		--outdir=dist/bundle --entry-names=pkg2os --chunk-names=chunks/[name]-[hash] --out-extension:.js=.mjs --log-level=warning \
		--banner:js="import { createRequire as __pkg2osRequire } from 'node:module'; const require = __pkg2osRequire(import.meta.url);"

test: setup
	node --test --test-concurrency=$(TEST_CONCURRENCY) dist/test/

test-unit: build
	node --test dist/test/unit/

# The hostile suite alone: sdists that attack the build host (also part of make test).
test-hostile: setup
	node --test --test-concurrency=$(TEST_CONCURRENCY) dist/test/hostile/

demo: setup
	node dist/scripts/demo.js $(CURDIR)/demo-out

clean:
	rm -rf dist demo-out out

schema: build
	node dist/scripts/write-schemas.js

# docs/reference.md from the code's own definitions (commands, configuration and recipe keys, exit codes, schemas).
docs: schema
	node dist/scripts/write-docs.js

# Benchmarks against the floor (not part of make test); appends to bench/RESULTS.md.
BENCH_PEERS := aptly reprepro

bench: setup
	@missing=$$(for p in $(BENCH_PEERS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "Installing the peers bench/ compares with:" $$missing; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing \
			|| echo "(could not install $$missing: bench/ reports them as skipped)"; \
	fi
	node dist/bench/run.js
