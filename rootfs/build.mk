# rootfs/: ramdisk bytes — the deterministic newc cpio writer (mkcpio), the
# ELF dependency resolver (elfdeps), the hello demo app, and the `make eif`
# and `make verify-pcrs` targets (here, not in eif/build.mk, because they
# need KERNEL_BZIMAGE, INIT_BIN and LIBNSM_MUSL from fragments included
# after eif/).

ROOTFS_LIB_SRCS := rootfs/cpio.c
LIBROOTFS := $(B)/lib/librootfs.a
$(LIBROOTFS): $(call host_objs,$(ROOTFS_LIB_SRCS))
	@mkdir -p $(@D)
	$(archive)
$(B)/bin/mkcpio: $(call host_objs,rootfs/mkcpio.c) $(LIBROOTFS) $(COMMON_HOST)
	@mkdir -p $(@D)
	$(host_link)
ALL_TARGETS += $(LIBROOTFS) $(B)/bin/mkcpio

$(B)/tests/test_cpio: $(call host_objs,tests/unit/test_cpio.c) $(LIBROOTFS) $(COMMON_HOST)
	@mkdir -p $(@D)
	$(host_link)
$(B)/tests/test_cpio: LDLIBS := -lcmocka
$(call host_objs,tests/unit/test_cpio.c): HOST_CFLAGS += -Irootfs
TEST_SUITES += $(B)/tests/test_cpio
