# emu/: boot EIFs under QEMU's nitro-enclave machine.
#   build/bin/carve-vsock   our vhost-user-vsock backend (C, epoll, no GLib)
#   emu/find-qemu           prints a nitro-enclave-capable QEMU (builds one)
#   emu/carve-run           the launcher (also `make run`)

VSOCK_SRCS := emu/vsock/vring.c emu/vsock/vhost.c emu/vsock/vsock_proto.c emu/vsock/dev.c \
	emu/vsock/dev_guest.c emu/vsock/dev_host.c
CARVE_VSOCK := $(B)/bin/carve-vsock
VSOCK_LIB := $(B)/lib/libcarve-vsock.a

$(VSOCK_LIB): $(call host_objs,$(VSOCK_SRCS))
	@mkdir -p $(@D)
	$(archive)
$(CARVE_VSOCK): $(call host_objs,emu/vsock/main.c) $(VSOCK_LIB) $(COMMON_HOST)
	@mkdir -p $(@D)
	$(host_link)
ALL_TARGETS += $(CARVE_VSOCK)
CFLAGS_emu/vsock := -D_GNU_SOURCE

# Unit tests of the backend's pure parts.
$(B)/tests/test_vsock: $(call host_objs,tests/unit/test_vsock.c) $(VSOCK_LIB) $(COMMON_HOST)
	@mkdir -p $(@D)
	$(host_link)
$(B)/tests/test_vsock: LDLIBS := -lcmocka
TEST_SUITES += $(B)/tests/test_vsock

# QEMU: found or built once into the cache; the stamp records its path.
QEMU_STAMP := $(B)/emu/qemu.path
$(QEMU_STAMP): emu/find-qemu deps.lock
	@mkdir -p $(@D)
	@BUILD=$(CURDIR)/$(B) emu/find-qemu > $@.tmp && mv $@.tmp $@
# A stamp naming a QEMU that is gone (the cache was deleted) is redone.
ifneq ($(wildcard $(QEMU_STAMP)),)
ifeq ($(wildcard $(shell cat $(QEMU_STAMP))),)
.PHONY: $(QEMU_STAMP)
endif
endif
HELP_LINES += "qemu|find or build a nitro-enclave-capable QEMU (emu/find-qemu)"
.PHONY: qemu
qemu: $(QEMU_STAMP)

# The backend end to end against a fake QEMU + guest driver (no VM needed).
FAKEGUEST_OBJS := $(call host_objs,emu/vsock/fakeguest.c emu/vsock/vsock_proto.c)
$(B)/tests/test_vsock_loop: $(call host_objs,tests/unit/test_vsock_loop.c) $(FAKEGUEST_OBJS) $(COMMON_HOST)
	@mkdir -p $(@D)
	$(host_link)
$(B)/tests/test_vsock_loop: LDLIBS := -lcmocka
# It runs the backend of its own build (under `make asan`, the sanitized one).
$(B)/tests/test_vsock_loop: | $(CARVE_VSOCK)
$(call host_objs,tests/unit/test_vsock_loop.c): CFLAGS_tests/unit := -DCARVE_VSOCK_BIN='"$(CARVE_VSOCK)"'
TEST_SUITES += $(B)/tests/test_vsock_loop
# The launcher and find-qemu with a fake QEMU (no VM).
TEST_SUITES += tests/emu-launcher.sh
TEST_DEPS += $(CARVE_VSOCK)

# Fuzzing the backend's parsers (vhost-user messages, descriptor chains, lines).
FUZZ_TARGETS += vsock_vhost
FUZZ_SRCS_vsock_vhost := tests/fuzz/vsock_vhost.c emu/vsock/vhost.c emu/vsock/vring.c emu/vsock/vsock_proto.c
# The device behind the rings (dev*.c) driven by fuzzed guest packets, in process.
FUZZ_TARGETS += vsock_dev
FUZZ_SRCS_vsock_dev := tests/fuzz/vsock_dev.c $(VSOCK_SRCS)

# Benchmarks: the backend's packet path alone (no VM); boots under QEMU.
$(B)/bench/emu-vsock-loop: $(call host_objs,bench/emu-vsock-loop.c) $(FAKEGUEST_OBJS) $(COMMON_HOST)
	@mkdir -p $(@D)
	$(host_link)
BENCHES += $(B)/bench/emu-vsock-loop
$(B)/bench/emu-vsock-loop: | $(CARVE_VSOCK)

# `make run [EIF=...] [MEM=512] [CPUS=2] [FORWARD=8443:8443,...] [DEBUG=1] [ACCEL=auto]`.
# Paths are the agreed interface paths: the kernel, init and eif fragments
# are included after this one, so their variables are not set yet here.
HELLO_EIF := $(B)/hello.eif
EMU_MKEIF_DEPS := $(B)/bin/eiftool $(B)/bin/mkcpio $(B)/bin/elfdeps eif/mkeif
EMU_BOOT_DEPS := $(B)/kernel/bzImage $(B)/enclave/init kernel-config/cmdline
$(HELLO_EIF): $(EMU_MKEIF_DEPS) $(EMU_BOOT_DEPS) $(B)/enclave/hello
	eif/mkeif --app $(B)/enclave/hello --cmdline-file kernel-config/cmdline -o $@
# What a boot needs besides the EIF: the backend, QEMU, and the `vm` pins
# (qboot.rom and linuxboot_dma.bin from qemu-system-data, libcbor's runtime).
EMU_RUN_DEPS := $(CARVE_VSOCK) $(QEMU_STAMP) $(B)/deps/packages-vm.stamp
HELP_LINES += "run|[EIF=build/hello.eif MEM=512 CPUS=2 FORWARD=h:v,... DEBUG=1 ACCEL=auto]: boot an EIF under QEMU"
.PHONY: run
run: $(EMU_RUN_DEPS) $(if $(EIF),,$(HELLO_EIF))
	@CARVE_QEMU=$$(cat $(QEMU_STAMP)) emu/carve-run --mem $(or $(MEM),512) --cpus $(or $(CPUS),2) \
		--accel $(or $(ACCEL),auto) $(foreach f,$(subst $(comma), ,$(FORWARD)),--forward $(f)) \
		$(if $(filter-out 0,$(DEBUG)),--debug) $(or $(EIF),$(HELLO_EIF))
comma := ,

# In-enclave test apps for the e2e suites (static musl).
$(B)/tests/e2e/vsock-echo: $(call musl_objs,tests/e2e/apps/vsock-echo.c) $(COMMON_MUSL)
	@mkdir -p $(@D)
	$(musl_link)
# Dynamically linked on purpose (glibc): eif/mkeif must pack its libraries.
$(B)/tests/e2e/emu-glibc: tests/e2e/apps/emu-glibc.c
	@mkdir -p $(@D)
	$(HOST_CC) -O2 -Wall -Werror -ffile-prefix-map=$(CURDIR)=. -o $@ $<
BENCHES += bench/emu-boot.sh bench/emu-vsock.sh
bench/emu-boot.sh: $(HELLO_EIF) $(EMU_RUN_DEPS) $(HB_FLOOR)
bench/emu-vsock.sh: $(B)/tests/e2e/vsock-echo $(EMU_RUN_DEPS) $(EMU_MKEIF_DEPS) $(EMU_BOOT_DEPS)

# End-to-end suites: real boots under QEMU (TCG here; KVM where the probe
# says it works).  tests/e2e/lib.sh holds the shared boot helpers.
EMU_E2E_SUITES := tests/e2e/emu-boot.sh tests/e2e/emu-nsm.sh tests/e2e/emu-nsm-repeat.sh \
	tests/e2e/emu-vsock.sh tests/e2e/emu-glibc.sh tests/e2e/emu-run-opts.sh
TEST_SUITES += $(EMU_E2E_SUITES)
# emu-run-opts.sh boots init's probe app (init/build.mk, included later).
TEST_DEPS += $(EMU_RUN_DEPS) $(HELLO_EIF) $(EMU_MKEIF_DEPS) $(EMU_BOOT_DEPS) \
	$(B)/enclave/nsm $(B)/bin/nsm $(B)/tests/e2e/vsock-echo $(B)/tests/e2e/emu-glibc \
	$(B)/tests/e2e/probe
