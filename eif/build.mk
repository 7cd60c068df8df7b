# eif/: the EIF format (eif.h: write, read/validate, measure, sign, extract),
# eiftool, and eif/mkeif, the packaging script behind `make eif`.
#
# Interfaces (HACKING.md, interface 4):
#   EIFTOOL     build/bin/eiftool
#   MKEIF_DEPS  everything a recipe or test that runs eif/mkeif must list as
#               prerequisites (the script and the host tools it calls).
# `make eif` / `make verify-pcrs` live in rootfs/build.mk: they need
# KERNEL_BZIMAGE, INIT_BIN and LIBNSM_MUSL, which fragments included after
# this one define.

EIF_LIB_SRCS := eif/format.c eif/measure.c eif/write.c eif/jsonr.c eif/pem.c eif/sign.c
LIBEIF := $(B)/lib/libeif.a
EIFTOOL := $(B)/bin/eiftool
# libcbor's encoder, zlib (common/crc32.c falls back to it), a thread for
# PCR2 (BearSSL comes with COMMON_HOST_LIBS).
EIF_LDLIBS := $(DEPS_HOST)/lib/libcbor.a -lz -lpthread
MKEIF_DEPS := $(EIFTOOL) $(B)/bin/mkcpio $(B)/bin/elfdeps eif/mkeif
CFLAGS_eif := -DCARVE_VERSION='"$(CARVE_VERSION)"'

$(LIBEIF): $(call host_objs,$(EIF_LIB_SRCS))
	@mkdir -p $(@D)
	$(archive)
$(EIFTOOL): $(call host_objs,eif/eiftool.c eif/eiftool_build.c) $(LIBEIF) $(COMMON_HOST)
	@mkdir -p $(@D)
	$(host_link)
$(EIFTOOL): LDLIBS := $(EIF_LDLIBS)
ALL_TARGETS += $(LIBEIF) $(EIFTOOL)

# Unit tests: format, CBOR/COSE vectors, JSON reader, measurement pipeline.
$(B)/tests/test_eif: $(call host_objs,tests/unit/test_eif.c) $(LIBEIF) $(COMMON_HOST)
	@mkdir -p $(@D)
	$(host_link)
$(B)/tests/test_eif: LDLIBS := -lcmocka $(EIF_LDLIBS)
$(call host_objs,tests/unit/test_eif.c): HOST_CFLAGS += -Ieif
TEST_SUITES += $(B)/tests/test_eif

# Script tests (TAP): golden bytes and PCRs with an independent shell
# recomputation, hostile corpus, sign/extract, mkeif, reproducibility.
# eif-repro.sh clones the committed tree twice and builds it (about a minute).
EIF_TEST_SCRIPTS := tests/eif-golden.sh tests/eif-hostile.sh tests/eif-sign.sh \
	tests/eif-elfdeps.sh tests/eif-mkeif.sh tests/eif-repro.sh
TEST_SUITES += $(EIF_TEST_SCRIPTS)
TEST_DEPS += $(MKEIF_DEPS)

# The reader under libFuzzer (header + section walk + measure + signature +
# metadata); its corpus holds the hostile files and valid EIFs.
FUZZ_TARGETS += eif_reader
FUZZ_SRCS_eif_reader := tests/fuzz/eif_reader.c $(EIF_LIB_SRCS)
FUZZ_LIBS_eif_reader := $(DEPS_HOST)/lib/libcbor.a
$(B)/fuzz/eif_reader: LDLIBS := -lz -lpthread
$(call fuzz_objs,tests/fuzz/eif_reader.c): FUZZ_CFLAGS += -Ieif

# describe/build of a 1 GiB EIF against openssl dgst -sha384.
BENCHES += bench/eif-measure.sh
bench/eif-measure.sh: $(EIFTOOL)

HELP_LINES += "eif|APP=PATH [NAME= CMD= ENV= INIT_CONF=]: build build/NAME.eif (default: the hello demo)"
HELP_LINES += "verify-pcrs|EXPECT=pcrs.json [APP=...]: rebuild and compare PCRs, naming the input that differs"
