# rootfs/: ramdisk bytes — the deterministic newc cpio writer (mkcpio), the
# ELF dependency resolver (elfdeps), the hello demo app, and the `make eif`
# and `make verify-pcrs` targets (here, not in eif/build.mk, because they
# need KERNEL_BZIMAGE, INIT_BIN and LIBNSM_MUSL from fragments included
# after eif/).

ROOTFS_LIB_SRCS := rootfs/cpio.c rootfs/elf.c
LIBROOTFS := $(B)/lib/librootfs.a
$(LIBROOTFS): $(call host_objs,$(ROOTFS_LIB_SRCS))
	@mkdir -p $(@D)
	$(archive)
$(B)/bin/mkcpio: $(call host_objs,rootfs/mkcpio.c) $(LIBROOTFS) $(COMMON_HOST)
	@mkdir -p $(@D)
	$(host_link)
$(B)/bin/elfdeps: $(call host_objs,rootfs/elfdeps.c) $(LIBROOTFS) $(COMMON_HOST)
	@mkdir -p $(@D)
	$(host_link)
ALL_TARGETS += $(LIBROOTFS) $(B)/bin/mkcpio $(B)/bin/elfdeps

$(B)/tests/test_cpio: $(call host_objs,tests/unit/test_cpio.c) $(LIBROOTFS) $(COMMON_HOST)
	@mkdir -p $(@D)
	$(host_link)
$(B)/tests/test_cpio: LDLIBS := -lcmocka
$(call host_objs,tests/unit/test_cpio.c): HOST_CFLAGS += -Irootfs
TEST_SUITES += $(B)/tests/test_cpio
# mkcpio as a command: input vs output failures, hostile trees.
TEST_SUITES += tests/eif-mkcpio.sh
TEST_DEPS += $(B)/bin/mkcpio

# The demo app: static-pie musl, talks to the NSM through libnsm.
HELLO := $(B)/enclave/hello
$(HELLO): $(call musl_objs,rootfs/hello/hello.c) $(LIBNSM_MUSL) $(COMMON_MUSL)
	@mkdir -p $(@D)
	$(musl_link)
$(HELLO): LDLIBS := $(LIBNSM_MUSL_LIBS)
ALL_TARGETS += $(HELLO)
# tests/eif-mkeif.sh packages the demo.
TEST_DEPS += $(HELLO)

# `make eif APP=... [NAME= CMD= ENV= INIT_CONF=]` and `make verify-pcrs`.
# CMD and ENV are blank-separated lists (one argv element / KEY=VALUE each);
# for arguments containing blanks call eif/mkeif --cmd directly.  Without
# APP the hello demo is packaged.  KERNEL_BZIMAGE / INIT_BIN come from the
# kernel and init rooms; while a room has not landed, mkeif names what is
# "not yet available".
EIF_APP = $(or $(APP),$(HELLO))
MKEIF_ARGS = --app '$(EIF_APP)' $(if $(NAME),--name '$(NAME)') \
	$(foreach c,$(CMD),--cmd '$(c)') $(foreach e,$(ENV),--env '$(e)') \
	$(if $(INIT_CONF),--init-conf '$(INIT_CONF)') \
	$(if $(KERNEL_CMDLINE_FILE),--cmdline-file '$(KERNEL_CMDLINE_FILE)')
EIF_PREREQS = $(MKEIF_DEPS) $(if $(APP),,$(HELLO)) $(KERNEL_BZIMAGE) $(INIT_BIN)
.PHONY: eif verify-pcrs
eif: $(EIF_PREREQS)
	eif/mkeif $(MKEIF_ARGS)
verify-pcrs: $(EIF_PREREQS)
	@test -n '$(EXPECT)' || { echo 'make verify-pcrs: give EXPECT=NAME.pcrs.json' >&2; exit 2; }
	eif/mkeif $(MKEIF_ARGS) --expect '$(EXPECT)' \
		-o $(B)/verify/$(or $(NAME),$(notdir $(EIF_APP))).eif

# The ELF reader under libFuzzer; corpus: small real ELFs (static, dynamic,
# shared, 32-bit) and truncations.
FUZZ_TARGETS += elf_reader
FUZZ_SRCS_elf_reader := tests/fuzz/elf_reader.c rootfs/elf.c
$(call fuzz_objs,tests/fuzz/elf_reader.c): FUZZ_CFLAGS += -Irootfs

# QEMU's own measurement of the hello EIF (and of a signed one) must equal
# eiftool's: boots under the emu room's launcher.
TEST_SUITES += tests/eif-qemu-pcrs.sh
TEST_DEPS += $(KERNEL_BZIMAGE) $(INIT_BIN) $(HELLO) $(MKEIF_DEPS) $(CARVE_VSOCK) $(QEMU_STAMP)
