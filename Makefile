# crest: one binary (bin/crest) built from the module folders, a cmocka unit
# test per tests/unit/<module>/test_<file>.c, and bash integration tests in tests/integration.
#
#   make            build bin/crest
#   make deps       install missing Debian packages (fast no-op when present)
#   make deps-run   only the packages to build and run crest (what `make demo` needs)
#   make test       deps + build + the whole suite (ends "N passed, N failed, N skipped")
#   make demo       deps + build + the drill against the embedded testbed
#   make sanitize   ASan+UBSan build, then the whole suite on it
#   make bench      crest vs wrk vs h2load against the same nginx
#   make fuzz       every libFuzzer harness tests/fuzz/fuzz_*.c for FUZZ_SECONDS each
#   make install PREFIX=/usr/local   (binary, man page, bash/zsh completion, scenarios)

PREFIX ?= /usr/local
BUILD  ?= build
BIN    ?= bin/crest
CC     ?= cc
PKGS    = libcurl gsl libcjson openssl
EXTRA_CFLAGS ?=
CFLAGS  = -std=c11 -O2 -g -Wall -Wextra -Werror -Wshadow -Wvla $(EXTRA_CFLAGS)
CPPFLAGS = -D_GNU_SOURCE -I. $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lev -lcsv -lhttp_parser -lgsl -lz -lm -lpthread

MODULES  = common loadgen capacity forecast reports testbed fleet replay observe cli
SRC      = $(wildcard $(addsuffix /*.c,$(MODULES)))
LIB_SRC  = $(filter-out cli/main.c,$(SRC))
LIB_OBJ  = $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRC))
LIB      = $(BUILD)/libcrest.a
UNIT_SRC = $(wildcard tests/unit/*/test_*.c)
UNIT_BIN = $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))

DEB_BUILD = build-essential pkg-config libcurl4-openssl-dev libev-dev libgsl-dev libcsv-dev \
            libcjson-dev libhttp-parser-dev libssl-dev zlib1g-dev
DEB_RUN   = gnuplot-nox
# libFuzzer: clang and its runtime (Debian 12 ships clang 14).
DEB_FUZZ  = clang libclang-rt-14-dev
DEB_TEST  = libcmocka-dev nginx-light wrk nghttp2-client jq openssl curl python3 procps chromium valgrind time \
            nodejs prometheus prometheus-node-exporter $(DEB_FUZZ)
# Installed only when the command is missing: NodeSource's nodejs package ships npm itself
# and conflicts with Debian's npm (the fleet manifest test installs kubernetes-models with it).
DEB_BY_COMMAND = npm
DEB_ALL   = $(DEB_BUILD) $(DEB_RUN) $(DEB_TEST)
MAN      = $(BUILD)/crest.1

# Fuzz harnesses: every tests/fuzz/fuzz_*.c, linked with libFuzzer against a
# clang + ASan + UBSan build of the library in $(FUZZ_BUILD) (docs/reliability.md).
FUZZ_BUILD   ?= build-fuzz
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 180
FUZZ_CFLAGS   = -O1 -fsanitize=address,undefined,fuzzer-no-link -fno-sanitize-recover=undefined \
                -fno-omit-frame-pointer
FUZZ_SRC      = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN      = $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))

.PHONY: all deps deps-run test unit integration demo sanitize bench install clean fuzz fuzz-build fuzz-harnesses

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

$(BUILD)/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz_util.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -fsanitize=fuzzer -o $@ $< $(LIB) $(LDLIBS)

-include $(LIB_OBJ:.o=.d) $(BUILD)/cli/main.d

# Installs only what is missing, so a second run costs a dpkg query.
# `make demo` needs only the build and run packages; the test-only ones
# (chromium, valgrind, nginx, wrk, ...) come with `make test`.
deps: DEB_WANTED = $(DEB_ALL)
deps-run: DEB_WANTED = $(DEB_BUILD) $(DEB_RUN)
deps deps-run:
	@missing=""; for p in $(DEB_WANTED); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	for c in $(DEB_BY_COMMAND); do command -v $$c > /dev/null 2>&1 || missing="$$missing $$c"; done; \
	if [ -n "$$missing" ]; then \
	  echo "crest: installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO=sudo; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

test: deps
	$(MAKE) -j2 all fuzz-build
	CREST=$(BIN) UNIT_DIR=$(BUILD)/tests tests/run.sh

unit: all
	CREST=$(BIN) UNIT_DIR=$(BUILD)/tests tests/run.sh unit

integration: all
	CREST=$(BIN) UNIT_DIR=$(BUILD)/tests tests/run.sh integration

demo: deps-run
	$(MAKE) -j2 $(BIN)
	scripts/demo.sh $(BIN)

sanitize: deps
	$(MAKE) BUILD=build-san BIN=build-san/crest \
	  EXTRA_CFLAGS="-O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" all
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  CREST=build-san/crest UNIT_DIR=build-san/tests CREST_SANITIZE=1 tests/run.sh

bench: deps
	$(MAKE) -j2 all
	bench/run.sh $(BIN)

fuzz-harnesses: $(FUZZ_BIN)

fuzz-build:
	$(MAKE) -j2 BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) EXTRA_CFLAGS="$(FUZZ_CFLAGS)" fuzz-harnesses

fuzz: deps
	$(MAKE) fuzz-build
	FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh $(FUZZ_BUILD)

# The man page and the completions are generated by the binary from the
# same flag tables as --help (cli/optable.h), so they cannot drift.
$(MAN): $(BIN)
	@mkdir -p $(dir $@)
	$(BIN) manpage > $@

install: $(BIN) $(MAN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/crest/scenarios \
	  $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/bash-completion/completions \
	  $(DESTDIR)$(PREFIX)/share/zsh/site-functions
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/crest
	install -m 644 $(MAN) $(DESTDIR)$(PREFIX)/share/man/man1/crest.1
	$(BIN) completion bash > $(DESTDIR)$(PREFIX)/share/bash-completion/completions/crest
	$(BIN) completion zsh > $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_crest
	cp -r scenarios/. $(DESTDIR)$(PREFIX)/share/crest/scenarios/

clean:
	rm -rf build build-san build-fuzz bin
