# Wolfpack top-level commands. `make` builds into ./build; `make test` sets
# up what it needs (Debian packages), builds, runs the unit tests under
# ASan+UBSan and then the integration tests; `make bench` runs the
# benchmarks; `make install` installs.

BUILD      ?= build
ASAN_BUILD ?= build-asan
PYTHON     ?= /usr/bin/python3
MESON      ?= meson

DEB_PACKAGES = meson ninja-build pkg-config gcc libc6-dev libsystemd-dev libjansson-dev \
               libsqlite3-dev libmicrohttpd-dev libgnutls28-dev libcurl4-openssl-dev libseccomp-dev libmnl-dev libxml2-dev \
               libcmocka-dev python3-pytest python3-prometheus-client scdoc \
               corosync libcpg-dev libquorum-dev libvotequorum-dev libcmap-dev libcorosync-common-dev \
               corosync-qdevice corosync-qnetd resource-agents curl openssl chromium

.PHONY: all deps browser-deps build run run-cluster test unit integration bench install clean

all: build

deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" != 0 ]; then echo "run as root to install:$$missing" >&2; exit 1; fi; \
	  DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing >/dev/null || exit 1; \
	fi

# The browser test's driver: node and npm (Debian's, where the machine has
# neither), then playwright-core as tests/browser/package-lock.json pins it,
# installed again only when the lock file is newer than the installation.
BROWSER_TESTS = tests/browser

browser-deps: deps
	@missing=""; command -v node >/dev/null || missing="nodejs"; command -v npm >/dev/null || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" != 0 ]; then echo "run as root to install:$$missing" >&2; exit 1; fi; \
	  DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing >/dev/null || exit 1; \
	fi
	@if [ ! -f $(BROWSER_TESTS)/node_modules/.package-lock.json ] || \
	    [ $(BROWSER_TESTS)/package-lock.json -nt $(BROWSER_TESTS)/node_modules/.package-lock.json ]; then \
	  npm ci --prefix $(BROWSER_TESTS) --no-audit --no-fund; \
	fi

$(BUILD)/build.ninja:
	$(MESON) setup $(BUILD)

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

$(ASAN_BUILD)/build.ninja:
	$(MESON) setup $(ASAN_BUILD) -Db_sanitize=address,undefined -Db_lundef=false

unit: deps $(ASAN_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD)
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
	  $(MESON) test -C $(ASAN_BUILD) --suite unit --suite fuzz --print-errorlogs

integration: build browser-deps $(ASAN_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD)
	WOLFPACK_BUILD=$(abspath $(BUILD)) WOLFPACK_ASAN_BUILD=$(abspath $(ASAN_BUILD)) \
	  $(PYTHON) -m pytest -q -p no:cacheprovider tests/integration

test: unit integration

run: build
	tools/run-local

# Three nodes on corosync, each in its own namespaces (as root).
run-cluster: build
	$(PYTHON) tools/run-cluster --build $(abspath $(BUILD))

bench: build browser-deps
	$(PYTHON) bench/resmon --build $(abspath $(BUILD))
	$(PYTHON) bench/cluster --build $(abspath $(BUILD))
	$(PYTHON) bench/genjob --build $(abspath $(BUILD))
	$(PYTHON) bench/failover --build $(abspath $(BUILD))
	$(PYTHON) bench/resources --build $(abspath $(BUILD))
	$(PYTHON) bench/api --build $(abspath $(BUILD))

install: build
	ninja -C $(BUILD) install

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
