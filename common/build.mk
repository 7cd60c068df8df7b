# common/: code shared by every room (one header per concern).
COMMON_SRCS := common/hex.c common/errors.c common/atomicfile.c common/sha384.c common/jsonw.c common/preadfull.c
# CRC-32 builds on zlib, which enclave (musl) builds do not have.
COMMON_HOST_SRCS := $(COMMON_SRCS) common/crc32.c
COMMON_HOST := $(B)/lib/libcarve-common.a
COMMON_MUSL := $(B)/lib/musl/libcarve-common.a

# Host tools hash with the SHA-384 `make bench` measured fastest (bench/README.md).
SHA384_IMPL ?= openssl
# The define changes sha384_context's layout, so every host object gets it.
ifeq ($(SHA384_IMPL),openssl)
HOST_CFLAGS += -DCARVE_SHA384_OPENSSL
FUZZ_CFLAGS += -DCARVE_SHA384_OPENSSL
COMMON_HOST_LIBS := -lcrypto $(DEPS_HOST)/lib/libbearssl.a
else
COMMON_HOST_LIBS := $(DEPS_HOST)/lib/libbearssl.a
endif
COMMON_MUSL_LIBS := $(DEPS_MUSL)/lib/libbearssl.a

$(COMMON_HOST): $(call host_objs,$(COMMON_HOST_SRCS))
	@mkdir -p $(@D)
	$(archive)
$(COMMON_MUSL): $(call musl_objs,$(COMMON_SRCS))
	@mkdir -p $(@D)
	$(archive)
ALL_TARGETS += $(COMMON_HOST) $(COMMON_MUSL)
