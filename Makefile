# carve — one non-recursive GNU make build.
#
# Every room (init/, nsm/, rootfs/, eif/, kernel-config/, emu/, tests/,
# bench/) contributes a fragment, <room>/build.mk, included below.  A fragment
# adds its outputs to the registries declared here (ALL_TARGETS, TEST_SUITES,
# TEST_DEPS, FUZZ_TARGETS, BENCHES, HELP_LINES) and writes explicit link rules
# with the helpers defined here.  Conventions: HACKING.md.

.DEFAULT_GOAL := all
.DELETE_ON_ERROR:
.SUFFIXES:
MAKEFLAGS += --no-builtin-rules --no-builtin-variables
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c

SANITIZE ?= 0
# Sanitized builds live in their own tree so they never mix with normal ones.
B := $(if $(filter 1,$(SANITIZE)),build/asan,build)
CARVE_VERSION := 0.1.0
# Fixed default: same inputs => same bytes, whatever the clock says.
SOURCE_DATE_EPOCH ?= 0
export SOURCE_DATE_EPOCH
export LC_ALL := C
export TZ := UTC
CACHE_DIR ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/carve
export CACHE_DIR
# make splits prerequisites and -ffile-prefix-map=$(CURDIR)=. on blanks, and
# the kernel and libcbor builds in the cache cannot take them either: one
# clear line now rather than a cryptic failure later.
ifneq ($(word 2,$(CURDIR)),)
$(error carve: the checkout path '$(CURDIR)' contains whitespace, which make cannot handle; clone it elsewhere)
endif
ifneq ($(word 2,$(CACHE_DIR)),)
$(error carve: the cache directory '$(CACHE_DIR)' contains whitespace, which the kernel and library builds cannot handle; set CACHE_DIR to another directory)
endif
TESTDATA ?= $(abspath $(CURDIR)/../shared/testdata)
export TESTDATA

# ---------------------------------------------------------------- toolchains
HOST_CC ?= gcc
FUZZ_CC ?= clang
# Enclave code: musl headers through musl-gcc's specs; links are done by gcc
# with musl's own start files because Debian's musl-gcc.specs cannot produce a
# static-pie (it always picks Scrt1.o and a dynamic linker).
MUSL_CC ?= musl-gcc
MUSL_LIBDIR := /usr/lib/x86_64-linux-musl

DEPS_HOST := $(B)/deps/host
DEPS_MUSL := $(B)/deps/musl
DEPS_STAMP := $(B)/deps/.stamp

WARN := -Wall -Wextra -Werror
BASE_CFLAGS := -std=gnu11 $(WARN) -O2 -g -fstack-protector-strong \
	-ffile-prefix-map=$(CURDIR)=. -ffunction-sections -fdata-sections \
	-Icommon -Insm
HOSTO := $(B)/obj/host
ifeq ($(SANITIZE),1)
HOST_CFLAGS := $(BASE_CFLAGS) -O1 -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=all -I$(DEPS_HOST)/include
HOST_LDFLAGS := -fsanitize=address,undefined
else
HOST_CFLAGS := $(BASE_CFLAGS) -D_FORTIFY_SOURCE=2 -I$(DEPS_HOST)/include
HOST_LDFLAGS := -Wl,--gc-sections -Wl,--build-id=none
endif
MUSLO := $(B)/obj/musl
MUSL_CFLAGS := $(BASE_CFLAGS) -fPIE -I$(DEPS_MUSL)/include
FUZZO := $(B)/obj/fuzz
# UBSan only prints and goes on unless told not to recover: a report must
# crash the input so the replay in make test fails.
FUZZ_CFLAGS := -std=gnu11 -Wall -Wextra -g -O1 -fno-omit-frame-pointer \
	-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined \
	-ffile-prefix-map=$(CURDIR)=. \
	-Icommon -Insm -I$(DEPS_HOST)/include

# $(call host_objs,a.c b.c) / musl_objs / fuzz_objs: object paths for sources.
host_objs = $(patsubst %.c,$(HOSTO)/%.o,$(1))
musl_objs = $(patsubst %.c,$(MUSLO)/%.o,$(1))
fuzz_objs = $(patsubst %.c,$(FUZZO)/%.o,$(1))

# Link recipes.  In a rule: $(host_link) / $(musl_link), with objects and
# archives as prerequisites; extra libraries go in the target-specific
# variable LDLIBS (e.g. `$(B)/bin/x: LDLIBS := -lz`).
host_link = $(HOST_CC) $(HOST_LDFLAGS) -o $@ $(filter %.o %.a,$^) $(LDLIBS) $(COMMON_HOST_LIBS)
# $(call gcc_file,NAME): the path of one of gcc's own files.  Expanded only
# when a link runs: on a fresh machine gcc is installed by this same make
# (the deps step), so a parse-time lookup came out empty and the link
# silently left out crtbeginS.o/crtendS.o (other bytes, another PCR1).
# gcc echoes a name it cannot find unchanged, hence the test for a path.
gcc_file = $(or $(filter /%,$(shell $(HOST_CC) -print-file-name=$(1))),$(error \
	carve: cannot find $(1): '$(HOST_CC) -print-file-name=$(1)' gives no path (is $(HOST_CC) installed?)))
MUSL_CRT_BEGIN = $(MUSL_LIBDIR)/rcrt1.o $(MUSL_LIBDIR)/crti.o $(call gcc_file,crtbeginS.o)
MUSL_CRT_END = $(call gcc_file,crtendS.o) $(MUSL_LIBDIR)/crtn.o
musl_link = $(HOST_CC) -nostdlib -nostartfiles -static-pie -Wl,--gc-sections \
	-Wl,--build-id=none -Wl,-z,noexecstack -o $@ $(MUSL_CRT_BEGIN) \
	$(filter %.o %.a,$^) $(LDLIBS) $(COMMON_MUSL_LIBS) -L$(MUSL_LIBDIR) -lc \
	$(call gcc_file,libgcc.a) $(MUSL_CRT_END)
fuzz_link = $(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $@ $(filter %.o %.a,$^) $(LDLIBS) $(COMMON_HOST_LIBS)
archive = rm -f $@ && ar rcsD $@ $(filter %.o,$^)

$(HOSTO)/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(CFLAGS_$(<D)) -MMD -MP -c $< -o $@
$(MUSLO)/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(MUSL_CC) $(MUSL_CFLAGS) $(CFLAGS_$(<D)) -MMD -MP -c $< -o $@
# Fuzz objects also follow the Makefile: their sanitizer flags live here, and
# a flag change must reach the objects the replays run.
$(FUZZO)/%.o: %.c Makefile | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(CFLAGS_$(<D)) -MMD -MP -c $< -o $@

# ---------------------------------------------------------------- registries
ALL_TARGETS :=
TEST_SUITES :=
TEST_DEPS :=
FUZZ_TARGETS :=
BENCHES :=
HELP_LINES :=
INSTALL_TARGETS :=

include mk/deps.mk
include common/build.mk
include $(sort $(wildcard init/build.mk nsm/build.mk rootfs/build.mk eif/build.mk \
	kernel-config/build.mk emu/build.mk tests/build.mk bench/build.mk))

# ---------------------------------------------------------------- fuzzing
FUZZ_SECONDS ?= 600
define fuzz_target_rules
$(B)/fuzz/$(1): $(call fuzz_objs,$(FUZZ_SRCS_$(1))) $(FUZZ_LIBS_$(1)) $(COMMON_HOST)
	@mkdir -p $$(@D)
	$$(fuzz_link)
.PHONY: fuzz-$(1) fuzz-run-$(1)
fuzz-$(1): $(B)/fuzz/$(1)
# New inputs land in build/fuzz-work/<name>; merge the useful ones into the
# committed corpus with: build/fuzz/<name> -merge=1 tests/fuzz/corpus/<name> build/fuzz-work/<name>
fuzz-run-$(1): $(B)/fuzz/$(1)
	@mkdir -p $(B)/fuzz-work/$(1)
	$(B)/fuzz/$(1) -max_total_time=$$(FUZZ_SECONDS) -print_final_stats=1 $(B)/fuzz-work/$(1) tests/fuzz/corpus/$(1)
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz_target_rules,$(t))))
TEST_SUITES += $(addprefix $(B)/fuzz/,$(FUZZ_TARGETS))
HELP_LINES += "fuzz-NAME|build the libFuzzer target NAME (build/fuzz/NAME)"
HELP_LINES += "fuzz-run-NAME|fuzz NAME for FUZZ_SECONDS (default 600) under ASan+UBSan"

# ---------------------------------------------------------------- top targets
HELP_LINES += "all|build every host tool, library and enclave binary (no kernel)"
.PHONY: all
all: $(ALL_TARGETS)

HELP_LINES += "test|build and run every test suite; ends with 'N passed, N failed'"
HELP_LINES += "unit|build and run only the host unit suites (build/tests/*)"
HELP_LINES += "asan|run the unit suites under ASan+UBSan (build/asan/)"
.PHONY: test unit asan
# A prerequisite that fails to build (QEMU, the kernel) must not stop the
# host suites or the summary: build what can be built (-k), run every suite
# (one whose inputs are missing says so), and count the failed build.
test: tests/run.sh
	@status=0; $(MAKE) --no-print-directory -k all $(TEST_SUITES) $(TEST_DEPS) || status=$$?; \
	TEST_BUILD_STATUS=$$status tests/run.sh $(TEST_SUITES)
UNIT_SUITES = $(filter $(B)/tests/%,$(TEST_SUITES))
unit: $(UNIT_SUITES) tests/run.sh
	@tests/run.sh $(UNIT_SUITES)
asan:
	@$(MAKE) --no-print-directory SANITIZE=1 unit

HELP_LINES += "bench|run every benchmark under bench/ and print one table"
.PHONY: bench
bench: $(BENCHES) bench/run.sh
	@bench/run.sh $(BENCHES)

HELP_LINES += "install|install libraries, headers, pkg-config files and tools (PREFIX=/usr/local DESTDIR=)"
PREFIX ?= /usr/local
DESTDIR ?=
.PHONY: install
install: $(INSTALL_TARGETS)

HELP_LINES += "clean|remove build/ (the cache outside the checkout stays)"
.PHONY: clean
clean:
	rm -rf $(B)

HELP_LINES += "help|list every target with one line each"
.PHONY: help
help:
	@printf '%s\n' $(HELP_LINES) | sort | awk -F'|' '{ printf "  make %-22s %s\n", $$1, $$2 }'

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)
