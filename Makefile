# memprobe — the only build entry.
#   make            build bin/memprobe
#   make run        install missing dependencies, build, run the default suite, write the report
#   make test       build and run the cmocka tests (unit + integration)
#   make deps       install missing dependencies (scripts/deps.sh)
#   make plots RUN=results/latest    redraw a run's plots
#   make lint       cppcheck + clang-tidy
#   make sanitize   ASan+UBSan build: tests and a --quick run; TSan build: harness and family tests
#   make valgrind   memcheck over the unit tests and a short run (no errors, no definite leaks)
#   make fuzz       libFuzzer targets (fuzz/): replay saved inputs, fuzz each FUZZ_SECONDS (20)
#   make cross-aarch64   cross-build for aarch64 and run the tests under qemu-user
#   make fleet-test the Slurm fleet scripts (scripts/fleet/) on a one-node Slurm started here
#   make install    PREFIX=/usr/local DESTDIR=   memprobe into bin/, helpers into
#                   libexec/memprobe/, data into share/memprobe/, man page, bash completion
CC      ?= gcc
CXX     ?= g++
PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build
LIBEXECDIR = $(PREFIX)/libexec/memprobe
DATADIR    = $(PREFIX)/share/memprobe
PKGS    := papi hwloc benchmark bdw-gc json-c inih
OPT     ?= -O2
VERSION := 0.1.0
GIT_REV := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)

# make's default CC is "cc"; treat it as gcc
ifeq ($(origin CC),default)
CC := gcc
endif
ifeq ($(origin CXX),default)
CXX := g++
endif

# Hardening that distribution compilers turn on by default (Ubuntu's gcc:
# -fstack-protector-strong, -fstack-clash-protection, -fcf-protection,
# _FORTIFY_SOURCE; arm64: -mbranch-protection) adds work to the measured
# stack variants only, so benches/ is built with it pinned off (each flag
# where this compiler knows it).  What the compiler really applied, to
# benches/ and to the rest, is asked from it (scripts/cc-hardening.sh) and
# recorded in machine.json's build_flags.
cc_option = $(shell $(CC) -Werror $(1) -c -x c /dev/null -o /dev/null 2>/dev/null && echo $(1))
BENCH_FLAGS := $(strip $(call cc_option,-fno-stack-protector) $(call cc_option,-fno-stack-clash-protection) \
                 $(call cc_option,-fcf-protection=none) $(call cc_option,-mbranch-protection=none) -U_FORTIFY_SOURCE)
hardening_of = $(shell sh scripts/cc-hardening.sh $(CC) $(OPT) $(SANFLAGS) $(EXTRA_CFLAGS) $(1) 2>/dev/null)
BENCH_HARDENING   := $(call hardening_of,$(BENCH_FLAGS))
HARNESS_HARDENING := $(call hardening_of,)

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
WARN       := -Wall -Wextra -Werror
DEFS       := -D_GNU_SOURCE -DGC_THREADS -DMEMPROBE_VERSION='"$(VERSION)"' -DMEMPROBE_GIT_REV='"$(GIT_REV)"' \
              -DMEMPROBE_CC='"$(notdir $(CC)) $(shell $(CC) -dumpversion 2>/dev/null)"' -DMEMPROBE_CFLAGS='"$(OPT) $(SANFLAGS)"' \
              -DMEMPROBE_BENCHMARK_VERSION='"$(shell pkg-config --modversion benchmark 2>/dev/null)"' \
              -DMEMPROBE_DATADIR='"$(DATADIR)"' -DMEMPROBE_LIBEXECDIR='"$(LIBEXECDIR)"'
CFLAGS_ALL   = -std=gnu11 $(OPT) -g $(WARN) $(DEFS) -Iinclude $(PKG_CFLAGS) $(SANFLAGS) $(EXTRA_CFLAGS)
CXXFLAGS_ALL = -std=c++17 $(OPT) -g $(WARN) $(DEFS) -Iinclude $(PKG_CFLAGS) $(SANFLAGS) $(EXTRA_CFLAGS)
LDLIBS_ALL   = $(PKG_LIBS) -lcsv -lpthread -ldl -lm $(SANFLAGS)

HARNESS_C  := $(filter-out harness/main.c,$(wildcard harness/*.c))
ANALYSIS_C := $(wildcard analysis/*.c)
BENCH_C    := $(wildcard benches/*.c)
LIB_OBJ    := $(HARNESS_C:%.c=$(BUILD)/%.o) $(ANALYSIS_C:%.c=$(BUILD)/%.o) $(BENCH_C:%.c=$(BUILD)/%.o) \
              $(BUILD)/harness/cbench.o
MAIN_OBJ   := $(BUILD)/harness/main.o
TEST_SRC   := $(wildcard tests/test_*.c)
TEST_BIN   := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
DEPFLAGS   = -MMD -MP

.PHONY: test-binaries all run test deps deps-build deps-test plots lint sanitize install clean
.PHONY: valgrind fuzz fleet-test
all: bin/memprobe

deps:
	@scripts/deps.sh all
deps-build:
	@scripts/deps.sh build
deps-run:
	@scripts/deps.sh run
deps-test:
	@scripts/deps.sh test

bin/memprobe: $(MAIN_OBJ) $(LIB_OBJ)
	@mkdir -p bin
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CXX) -o $@ $(MAIN_OBJ) $(LIB_OBJ) $(LDLIBS_ALL)

# the same program inside a build folder (sanitizer builds: make BUILD=build-asan build-asan/memprobe)
$(BUILD)/memprobe: $(MAIN_OBJ) $(LIB_OBJ)
	$(Q)$(CXX) -o $@ $(MAIN_OBJ) $(LIB_OBJ) $(LDLIBS_ALL)

test-binaries: $(TEST_BIN)

$(BUILD)/libmemprobe.a: $(LIB_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

# V=1 shows the full compiler command lines
Q := $(if $(V),,@)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS_ALL) $(DEPFLAGS) -c $< -o $@

# the measured code: hardening pinned off (see BENCH_FLAGS)
$(BUILD)/benches/%.o: CFLAGS_ALL += $(BENCH_FLAGS)
# the fingerprint records the flags and what the compiler made of them
$(BUILD)/harness/sysinfo.o: CFLAGS_ALL += -DMEMPROBE_BENCH_FLAGS='"$(strip $(OPT) $(SANFLAGS) $(BENCH_FLAGS))"' \
    -DMEMPROBE_BENCH_HARDENING='"$(BENCH_HARDENING)"' -DMEMPROBE_HARNESS_HARDENING='"$(HARNESS_HARDENING)"'

$(BUILD)/harness/cbench.o: harness/cbench.cc
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CXX     $<")
	$(Q)$(CXX) $(CXXFLAGS_ALL) $(DEPFLAGS) -c $< -o $@

$(BUILD)/tests/%: tests/%.c $(BUILD)/libmemprobe.a tests/testutil.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TEST    $<")
	$(Q)$(CC) $(CFLAGS_ALL) -Itests $< -o $@ $(BUILD)/libmemprobe.a -lcmocka $(LDLIBS_ALL) -lstdc++

# the shape of a run's results.csv (scripts/results-shape.sh), read with the program's own CSV reader
$(BUILD)/results-shape: scripts/results-shape.c harness/output.c harness/xalloc.c include/memprobe/output.h
	@mkdir -p $(dir $@)
	$(Q)$(CC) -std=gnu11 $(OPT) $(WARN) -D_GNU_SOURCE -Iinclude $(filter %.c,$^) -lcsv -o $@

# `make run`: everything from nothing to a report
run:
	@scripts/deps.sh run
	@$(MAKE) --no-print-directory bin/memprobe
	./bin/memprobe run $(ARGS)

test:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory bin/memprobe $(TEST_BIN)
	@scripts/run-tests.sh $(TEST_BIN)

RUN ?= results/latest
plots: bin/memprobe
	./bin/memprobe plot $(RUN)

lint:
	@scripts/lint.sh

sanitize:
	@scripts/sanitize.sh

valgrind:
	@scripts/valgrind.sh

# a one-node Slurm from the distribution's packages runs scripts/fleet/*.sbatch;
# skips with the reason where the daemons cannot start
fleet-test:
	@scripts/fleet/test.sh

FUZZ_SECONDS ?= 20
fuzz:
	@scripts/fuzz.sh $(FUZZ_SECONDS)

# cross-build for aarch64 (arm64 sysroot in build-aarch64/sysroot) and run the tests under qemu-user
.PHONY: cross-aarch64
cross-aarch64:
	@scripts/cross-aarch64.sh all

# the man page, from the program's own --help and `run --help` (help2man)
$(BUILD)/memprobe.1: bin/memprobe scripts/memprobe.h2m
	@command -v help2man >/dev/null || { echo "make: help2man not found (it writes the man page): make deps" >&2; exit 1; }
	@mkdir -p $(BUILD)
	$(Q){ cat scripts/memprobe.h2m; printf '[RUN OPTIONS]\n.nf\n'; bin/memprobe run --help | tail -n +3; printf '.fi\n'; } \
	  > $(BUILD)/memprobe.h2m
	$(Q)help2man --no-info --section=1 --name="measure what memory costs on this machine" \
	  --include=$(BUILD)/memprobe.h2m --output=$@ bin/memprobe

# Only memprobe goes on PATH: the helpers (the Go companion) into
# libexec/memprobe/, data (plots, claims, the companion's build records)
# into share/memprobe/; memprobe finds both from its own folder.
install: bin/memprobe $(BUILD)/memprobe.1
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(DATADIR)/plots $(DESTDIR)$(DATADIR)/claims \
	  $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 755 bin/memprobe $(DESTDIR)$(PREFIX)/bin/memprobe
	install -m 644 plots/*.gp $(DESTDIR)$(DATADIR)/plots/
	install -m 644 claims/*.ini $(DESTDIR)$(DATADIR)/claims/
	install -m 644 $(BUILD)/memprobe.1 $(DESTDIR)$(PREFIX)/share/man/man1/memprobe.1
	install -m 644 scripts/memprobe.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/memprobe
	@# the Go companion and its build records, when they were built
	for f in bin/memprobe-go bin/memprobe-go-race; do [ ! -e $$f ] || install -m 755 $$f $(DESTDIR)$(LIBEXECDIR)/; done
	for f in bin/memprobe-go.escape.txt bin/memprobe-go-race.unavailable; do [ ! -e $$f ] || install -m 644 $$f $(DESTDIR)$(DATADIR)/; done

clean:
	rm -rf $(BUILD) bin build-*

# ---- the Go companion (benches/go/): built only where `go` is on PATH, so
# `make` works without Go (the go family then says how to install it).
# bin/memprobe-go.escape.txt: the compiler's escape decisions (-gcflags=-m=2);
# bin/memprobe-go-race: the -race build, or bin/memprobe-go-race.unavailable
# saying why there is none.  Standard library only: nothing is downloaded.
GO_BIN    ?= $(shell command -v go 2>/dev/null)
GO_SRC    := benches/go/go.mod $(wildcard benches/go/*.go)
GO_ENV     = GOCACHE=$(abspath $(BUILD))/gocache GOPATH=$(abspath $(BUILD))/gopath GOPROXY=off GOTOOLCHAIN=local GOFLAGS= GO111MODULE=on
ifneq ($(GO_BIN),)
all: bin/memprobe-go
bin/memprobe: | bin/memprobe-go
endif
bin/memprobe-go: $(GO_SRC)
	@mkdir -p bin
	@$(if $(Q),echo "  GO      $@")
	$(Q)cd benches/go && $(GO_ENV) CGO_ENABLED=0 $(GO_BIN) build -gcflags=-m=2 -o $(abspath $@) . 2>$(abspath $@).escape.tmp \
	  || { cat $(abspath $@).escape.tmp >&2; rm -f $(abspath $@).escape.tmp; exit 1; }
	$(Q)mv $@.escape.tmp $@.escape.txt
	$(Q)rm -f $@-race $@-race.unavailable
	$(Q)cd benches/go && $(GO_ENV) CGO_ENABLED=1 $(GO_BIN) build -race -o $(abspath $@)-race . 2>$(abspath $@)-race.unavailable \
	  && rm -f $(abspath $@)-race.unavailable || echo "  GO      $@-race: race detector unavailable (see $@-race.unavailable)"

-include $(LIB_OBJ:.o=.d) $(MAIN_OBJ:.o=.d)
