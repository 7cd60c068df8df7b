# emu/: boot EIFs under QEMU's nitro-enclave machine.
#   build/bin/carve-vsock   our vhost-user-vsock backend (C, epoll, no GLib)
#   emu/find-qemu           prints a nitro-enclave-capable QEMU (builds one)
#   emu/carve-run           the launcher (also `make run`)

VSOCK_SRCS := emu/vsock/vring.c emu/vsock/vhost.c emu/vsock/vsock_proto.c emu/vsock/dev.c
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
HELP_LINES += "qemu|find or build a nitro-enclave-capable QEMU (emu/find-qemu)"
.PHONY: qemu
qemu: $(QEMU_STAMP)

# The backend end to end against a fake QEMU + guest driver (no VM needed).
FAKEGUEST_OBJS := $(call host_objs,emu/vsock/fakeguest.c emu/vsock/vsock_proto.c)
$(B)/tests/test_vsock_loop: $(call host_objs,tests/unit/test_vsock_loop.c) $(FAKEGUEST_OBJS) $(COMMON_HOST)
	@mkdir -p $(@D)
	$(host_link)
$(B)/tests/test_vsock_loop: LDLIBS := -lcmocka
TEST_SUITES += $(B)/tests/test_vsock_loop
TEST_DEPS += $(CARVE_VSOCK)
