# nsm/: libnsm (AWS-compatible NSM API over /dev/nsm), the attestation-document
# parser/verifier, the software NSM used by tests, and the `nsm` tool.
#
# Interfaces: LIBNSM_MUSL / LIBNSM_HOST archives (link libcbor and BearSSL
# after them: LIBNSM_MUSL_LIBS / LIBNSM_HOST_LIBS), header nsm/nsm.h.

NSM_LIB_SRCS := nsm/cborio.c nsm/nsm_proto.c nsm/nsm_transport.c nsm/nsm.c \
	nsm/cose.c nsm/x509.c nsm/nsm_attest.c
LIBNSM_MUSL := $(B)/lib/musl/libnsm.a
LIBNSM_HOST := $(B)/lib/libnsm.a
LIBNSM_MUSL_LIBS := $(DEPS_MUSL)/lib/libcbor.a
LIBNSM_HOST_LIBS := $(DEPS_HOST)/lib/libcbor.a

$(LIBNSM_MUSL): $(call musl_objs,$(NSM_LIB_SRCS))
	@mkdir -p $(@D)
	$(archive)
$(LIBNSM_HOST): $(call host_objs,$(NSM_LIB_SRCS))
	@mkdir -p $(@D)
	$(archive)
ALL_TARGETS += $(LIBNSM_MUSL) $(LIBNSM_HOST)

# The software NSM (host only, for tests and host runs).
NSM_SOFT_SRCS := nsm/nsm_soft.c
LIBNSM_SOFT := $(B)/lib/libnsm-soft.a
$(LIBNSM_SOFT): $(call host_objs,$(NSM_SOFT_SRCS))
	@mkdir -p $(@D)
	$(archive)
NSM_SOFT_BIN := $(B)/bin/nsm-soft
$(NSM_SOFT_BIN): $(call host_objs,nsm/nsm_soft_main.c) $(LIBNSM_SOFT) $(LIBNSM_HOST) $(COMMON_HOST)
	@mkdir -p $(@D)
	$(host_link)
$(NSM_SOFT_BIN): LDLIBS := $(LIBNSM_HOST_LIBS)

# The tool: static musl for enclaves, and the host build.
NSM_BIN_MUSL := $(B)/enclave/nsm
NSM_BIN_HOST := $(B)/bin/nsm
$(NSM_BIN_MUSL): $(call musl_objs,nsm/nsm_main.c) $(LIBNSM_MUSL) $(COMMON_MUSL)
	@mkdir -p $(@D)
	$(musl_link)
$(NSM_BIN_MUSL): LDLIBS := $(LIBNSM_MUSL_LIBS)
$(NSM_BIN_HOST): $(call host_objs,nsm/nsm_main.c) $(LIBNSM_HOST) $(COMMON_HOST)
	@mkdir -p $(@D)
	$(host_link)
$(NSM_BIN_HOST): LDLIBS := $(LIBNSM_HOST_LIBS)
ALL_TARGETS += $(NSM_BIN_MUSL) $(NSM_BIN_HOST) $(NSM_SOFT_BIN)

# ------------------------------------------------------------------ tests
NSM_TEST_LIBS := $(LIBNSM_SOFT) $(LIBNSM_HOST) $(COMMON_HOST)
$(B)/tests/test_nsm_proto: $(call host_objs,tests/unit/test_nsm_proto.c) $(NSM_TEST_LIBS)
	@mkdir -p $(@D)
	$(host_link)
$(B)/tests/test_nsm_proto: LDLIBS := -lcmocka $(LIBNSM_HOST_LIBS)
TEST_SUITES += $(B)/tests/test_nsm_proto
$(B)/tests/test_nsm_api: $(call host_objs,tests/unit/test_nsm_api.c) $(NSM_TEST_LIBS)
	@mkdir -p $(@D)
	$(host_link)
$(B)/tests/test_nsm_api: LDLIBS := -lcmocka $(LIBNSM_HOST_LIBS) -lpthread
TEST_SUITES += $(B)/tests/test_nsm_api
$(B)/tests/test_nsm_attest: $(call host_objs,tests/unit/test_nsm_attest.c) $(NSM_TEST_LIBS)
	@mkdir -p $(@D)
	$(host_link)
$(B)/tests/test_nsm_attest: LDLIBS := -lcmocka $(LIBNSM_HOST_LIBS)
TEST_SUITES += $(B)/tests/test_nsm_attest
