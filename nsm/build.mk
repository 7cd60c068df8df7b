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
