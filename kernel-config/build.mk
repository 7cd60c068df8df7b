# kernel-config/: carve's enclave kernel (Linux 6.12 from Debian's
# linux-source-6.12), its command line, and the nitro-cli blob directory.
#
# The build itself is kernel-config/build.sh (cache under $(CACHE_DIR),
# atomic, reproducible).  It is always consulted (KERNEL_FORCE) because its
# cache key covers what make cannot see (compiler and source package
# versions); a cache hit takes a second and rewrites nothing, so targets that
# depend on $(KERNEL_BZIMAGE) are not rebuilt for nothing.

KERNEL_BZIMAGE := $(B)/kernel/bzImage
KERNEL_CONFIG := $(B)/kernel/bzImage.config
KERNEL_CMDLINE_FILE := kernel-config/cmdline
KERNEL_FRAGMENTS := kernel-config/base.config kernel-config/x86_64.config
# tests/kernel-config.sh checks the built .config against this same list.
export KERNEL_FRAGMENTS
KERNEL_SCRIPTS := kernel-config/build.sh kernel-config/check-config.sh
KERNEL_PATCHES := $(sort $(wildcard kernel-config/patches/*.patch))
KERNEL_DEPS_STAMP := $(B)/deps/packages-kernel.stamp

.PHONY: KERNEL_FORCE
$(KERNEL_BZIMAGE) $(KERNEL_CONFIG) &: $(KERNEL_FRAGMENTS) $(KERNEL_PATCHES) $(KERNEL_SCRIPTS) $(KERNEL_DEPS_STAMP) KERNEL_FORCE
	@kernel-config/build.sh install $(B)/kernel

HELP_LINES += "kernel|build the enclave kernel: build/kernel/bzImage (+ .config), cached"
.PHONY: kernel
kernel: $(KERNEL_BZIMAGE) $(KERNEL_CONFIG)

# nitro-cli's blob directory (NITRO_CLI_BLOBS): same file names as
# /usr/share/nitro_enclaves/blobs.  nsm.ko is an empty file: the driver is
# built in, and nitro-cli only checks that the path is a file (README, "make
# blobs").  nitro-cli also runs <blobs>/linuxkit, which carve does not build:
# with NITRO_CLI_LINUXKIT=PATH (default: the installed nitro-cli's) it is
# linked in, otherwise make blobs says what is missing.
BLOBS_DIR := $(B)/blobs
NITRO_CLI_LINUXKIT ?= /usr/share/nitro_enclaves/blobs/linuxkit
HELP_LINES += "blobs|build/blobs/: bzImage, bzImage.config, cmdline, init, nsm.ko for NITRO_CLI_BLOBS"
.PHONY: blobs
blobs: $(BLOBS_DIR)/bzImage $(BLOBS_DIR)/bzImage.config $(BLOBS_DIR)/cmdline \
	$(BLOBS_DIR)/init $(BLOBS_DIR)/nsm.ko
	@if [ -x '$(NITRO_CLI_LINUXKIT)' ]; then ln -sfn '$(abspath $(NITRO_CLI_LINUXKIT))' $(BLOBS_DIR)/linuxkit; \
	else echo "blobs: note: no linuxkit at $(NITRO_CLI_LINUXKIT); nitro-cli build-enclave needs $(BLOBS_DIR)/linuxkit (make blobs NITRO_CLI_LINUXKIT=PATH)"; fi
$(BLOBS_DIR)/bzImage: $(KERNEL_BZIMAGE)
$(BLOBS_DIR)/bzImage.config: $(KERNEL_CONFIG)
$(BLOBS_DIR)/cmdline: $(KERNEL_CMDLINE_FILE)
$(BLOBS_DIR)/init: $(B)/enclave/init
$(BLOBS_DIR)/bzImage $(BLOBS_DIR)/bzImage.config $(BLOBS_DIR)/cmdline $(BLOBS_DIR)/init:
	@mkdir -p $(@D)
	cp $< $@.tmp && mv -f $@.tmp $@
$(BLOBS_DIR)/nsm.ko:
	@mkdir -p $(@D)
	: >$@

# The probe initramfs (busybox + a reporting /init) for the boot test and
# the boot benchmark.
KERNEL_PROBE_CPIO := $(B)/kernel/probe.cpio
$(KERNEL_PROBE_CPIO): kernel-config/probe.sh $(B)/deps/packages-base.stamp
	@mkdir -p $(@D)
	kernel-config/probe.sh initrd $@

# Tests: the fragments survived olddefconfig; two builds in two directories
# give the same bzImage; the kernel boots and keeps AWS's init's cgroup-v1
# contract (QEMU from the vm package group).
TEST_SUITES += tests/kernel-config.sh tests/kernel-repro.sh tests/kernel-boot.sh
TEST_DEPS += $(KERNEL_BZIMAGE) $(KERNEL_CONFIG) $(KERNEL_PROBE_CPIO) $(B)/deps/packages-vm.stamp

# Benchmarks: size against Debian's generic kernel; boot time to /init,
# Zstandard against LZ4, smallest memory; under -M nitro-enclave against
# the floor kernel.
BENCHES += bench/kernel-size.sh bench/kernel-boot.sh
bench/kernel-size.sh bench/kernel-boot.sh: $(KERNEL_BZIMAGE) $(KERNEL_PROBE_CPIO) $(B)/deps/packages-vm.stamp
bench/kernel-boot.sh: $(EMU_MKEIF_DEPS) $(CARVE_VSOCK) $(QEMU_STAMP) $(HB_FLOOR) $(B)/enclave/hello
