# crest: one binary (bin/crest) built from the module folders, a cmocka unit
# test per tests/unit/<module>/test_<file>.c, and bash integration tests in tests/integration.
#
#   make            build bin/crest
#   make deps       install missing Debian packages (fast no-op when present)
#   make test       deps + build + the whole suite (ends "N passed, N failed")
#   make demo       deps + build + the drill against the embedded testbed
#   make sanitize   ASan+UBSan build, then the whole suite on it
#   make bench      crest vs wrk vs h2load against the same nginx
#   make install PREFIX=/usr/local

PREFIX ?= /usr/local
BUILD  ?= build
BIN    ?= bin/crest
CC     ?= cc
PKGS    = libcurl gsl libcjson
EXTRA_CFLAGS ?=
CFLAGS  = -std=c11 -O2 -g -Wall -Wextra -Werror -Wshadow -Wvla $(EXTRA_CFLAGS)
CPPFLAGS = -D_GNU_SOURCE -I. $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lev -lcsv -lhttp_parser -lgsl -lz -lm -lpthread

MODULES  = common loadgen capacity forecast reports testbed observe cli
SRC      = $(wildcard $(addsuffix /*.c,$(MODULES)))
LIB_SRC  = $(filter-out cli/main.c,$(SRC))
LIB_OBJ  = $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRC))
LIB      = $(BUILD)/libcrest.a
UNIT_SRC = $(wildcard tests/unit/*/test_*.c)
UNIT_BIN = $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))

DEB_BUILD = build-essential pkg-config libcurl4-openssl-dev libev-dev libgsl-dev libcsv-dev \
            libcjson-dev libhttp-parser-dev zlib1g-dev
DEB_RUN   = gnuplot-nox
DEB_TEST  = libcmocka-dev nginx-light wrk nghttp2-client jq openssl curl python3 procps chromium valgrind \
            prometheus prometheus-node-exporter nodejs
# npm: a command, not a package name (NodeSource's nodejs ships it; Debian's is the npm package)
DEB_TEST_CMDS = npm:npm
DEB_ALL   = $(DEB_BUILD) $(DEB_RUN) $(DEB_TEST)

.PHONY: all deps test unit integration demo sanitize bench install clean

all: $(BIN) $(UNIT_BIN)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(BUILD)/cli/main.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LIB) -lcmocka $(LDLIBS)

-include $(LIB_OBJ:.o=.d) $(BUILD)/cli/main.d

# Installs only what is missing, so a second run costs a dpkg query.
deps:
	@missing=""; for p in $(DEB_ALL); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "crest: installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO=sudo; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi; \
	for pc in $(DEB_TEST_CMDS); do \
	  command -v $${pc%%:*} >/dev/null || { SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO=sudo; \
	    DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $${pc#*:}; }; \
	done

test: deps
	$(MAKE) -j2 all
	CREST=$(BIN) UNIT_DIR=$(BUILD)/tests tests/run.sh

unit: all
	CREST=$(BIN) UNIT_DIR=$(BUILD)/tests tests/run.sh unit

integration: all
	CREST=$(BIN) UNIT_DIR=$(BUILD)/tests tests/run.sh integration

demo: deps
	$(MAKE) -j2 all
	scripts/demo.sh $(BIN)

sanitize: deps
	$(MAKE) BUILD=build-san BIN=build-san/crest \
	  EXTRA_CFLAGS="-O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" all
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  CREST=build-san/crest UNIT_DIR=build-san/tests CREST_SANITIZE=1 tests/run.sh

bench: deps
	$(MAKE) -j2 all
	bench/run.sh $(BIN)

install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/crest/scenarios
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/crest
	cp -r scenarios/. $(DESTDIR)$(PREFIX)/share/crest/scenarios/

clean:
	rm -rf build build-san bin
