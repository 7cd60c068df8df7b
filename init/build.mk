# init/: carve's PID 1 (issue 3).  Interface: INIT_BIN, a stripped
# static-pie musl binary the EIF's bootstrap ramdisk carries as /init.
#
# The parsers (config.c) and the pure policy code (status.c) are also built
# for the host: the unit tests and fuzzers run exactly the code PID 1 runs.

INIT_SRCS := init/main.c init/config.c init/status.c init/log.c init/sys.c \
	init/vsock.c init/entropy.c init/mounts.c init/net.c init/prep.c init/supervise.c \
	init/shutdown.c
INIT_PURE_SRCS := init/config.c init/status.c
INIT_BIN := $(B)/enclave/init
INIT_ELF := $(B)/obj/musl/init/init.elf

# -Os: the size goal is 64 KiB stripped (bench/init-size.sh prints it).
CFLAGS_init := -Os -fno-asynchronous-unwind-tables -fno-unwind-tables -DCARVE_VERSION='"$(CARVE_VERSION)"'

# nsm/build.mk is included after this file, so the archive is named by its
# agreed path (HACKING.md) rather than by LIBNSM_MUSL; libcbor follows it.
# Pack the segments: -z separate-code would page-align text apart from the
# headers and read-only data, ~8 KiB of padding in a 60 KiB file.
$(INIT_ELF): LDLIBS := -Wl,-z,noseparate-code
$(INIT_ELF): $(call musl_objs,$(INIT_SRCS)) $(B)/lib/musl/libnsm.a $(DEPS_MUSL)/lib/libcbor.a
	@mkdir -p $(@D)
	$(musl_link)
# The unstripped ELF stays beside the objects for gdb and size analysis.
$(INIT_BIN): $(INIT_ELF)
	@mkdir -p $(@D)
	objcopy --strip-all $< $@.tmp && mv $@.tmp $@
ALL_TARGETS += $(INIT_BIN)
HELP_LINES += "build/enclave/init|carve's PID 1 (static-pie musl, stripped)"

# Unit tests: parsers with hostile inputs, status mapping, backoff.
$(B)/tests/test_init: $(call host_objs,tests/unit/test_init.c $(INIT_PURE_SRCS)) $(COMMON_HOST)
	@mkdir -p $(@D)
	$(host_link)
$(B)/tests/test_init: LDLIBS = $(UNIT_LIBS)
TEST_SUITES += $(B)/tests/test_init
# init outside PID 1: --help, --version, the refusal (tests/init-cli.sh).
TEST_SUITES += tests/init-cli.sh

# Fuzzers: /init.conf, and /cmd + /env (first input byte picks which).
FUZZ_TARGETS += init_conf init_cmdenv
FUZZ_SRCS_init_conf := tests/fuzz/init_conf.c init/config.c
FUZZ_SRCS_init_cmdenv := tests/fuzz/init_cmdenv.c init/config.c

# The in-VM matrix: one EIF per case, booted under the emulator
# (tests/e2e/init-matrix.sh), with its static musl test app.  eif/ and emu/
# are included before this fragment; kernel-config/ after it, hence the
# literal bzImage path (the agreed KERNEL_BZIMAGE).
INIT_PROBE := $(B)/tests/e2e/probe
$(INIT_PROBE): $(call musl_objs,tests/e2e/apps/probe.c)
	@mkdir -p $(@D)
	$(musl_link)
ALL_TARGETS += $(INIT_PROBE)
TEST_SUITES += tests/e2e/init-matrix.sh
TEST_DEPS += $(INIT_BIN) $(INIT_PROBE) $(MKEIF_DEPS) $(CARVE_VSOCK) $(QEMU_STAMP) \
	$(B)/kernel/bzImage kernel-config/cmdline

# Benchmarks: stripped size, and boot-path timings from the debug mode's
# kernel-stamped lines.  init-boot.sh also needs `make kernel`, eif/mkeif
# and emu/carve-run; it checks for them itself and fails naming what is
# missing, so `make bench` never stops on another room's unfinished rule.
BENCHES += bench/init-size.sh bench/init-boot.sh
bench/init-size.sh: $(INIT_BIN)
bench/init-boot.sh: $(INIT_BIN) $(INIT_PROBE) $(HB_FLOOR)
