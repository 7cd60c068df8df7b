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
NSM_CLI_SRCS := nsm/nsm_main.c nsm/nsm_cli.c nsm/nsm_cli_verify.c
$(NSM_BIN_MUSL): $(call musl_objs,$(NSM_CLI_SRCS)) $(LIBNSM_MUSL) $(COMMON_MUSL)
	@mkdir -p $(@D)
	$(musl_link)
$(NSM_BIN_MUSL): LDLIBS := $(LIBNSM_MUSL_LIBS)
$(NSM_BIN_HOST): $(call host_objs,$(NSM_CLI_SRCS)) $(LIBNSM_HOST) $(COMMON_HOST)
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

# ---------------------------------------------------------------- packaging
# libnsm.so: position-independent objects, libcbor and BearSSL linked in and
# hidden; only AWS's API and attdoc_* are exported (nsm/libnsm.map).
# soname libnsm.so.0 as AWS's.  The installed libnsm.a bundles libcbor and
# BearSSL too, so `pkg-config --static --libs libnsm` needs nothing else.
NSM_PICO := $(B)/obj/pic
$(NSM_PICO)/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -fPIC -MMD -MP -c $< -o $@
LIBNSM_SO := $(B)/lib/libnsm.so.$(CARVE_VERSION)
$(LIBNSM_SO): $(patsubst %.c,$(NSM_PICO)/%.o,$(NSM_LIB_SRCS)) nsm/libnsm.map
	@mkdir -p $(@D)
	$(HOST_CC) -shared -Wl,-soname,libnsm.so.0 -Wl,--version-script=nsm/libnsm.map -Wl,--exclude-libs,ALL \
		-Wl,--gc-sections -Wl,--build-id=none -Wl,-z,noexecstack -o $@ $(filter %.o,$^) \
		$(DEPS_HOST)/lib/libcbor.a $(DEPS_HOST)/lib/libbearssl.a
LIBNSM_BUNDLE := $(B)/lib/libnsm-bundle.a
$(LIBNSM_BUNDLE): $(LIBNSM_HOST) $(DEPS_HOST)/lib/libcbor.a $(DEPS_HOST)/lib/libbearssl.a
	rm -f $@
	printf 'CREATE %s\nADDLIB %s\nADDLIB %s\nADDLIB %s\nSAVE\nEND\n' $@ $^ | ar -M
	ar sD $@
$(B)/nsm/libnsm.pc: nsm/libnsm.pc.in
	@mkdir -p $(@D)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(CARVE_VERSION)|' $< >$@.tmp && mv $@.tmp $@
# PREFIX lands in the .pc file: rebuild it when PREFIX changes.
.PHONY: nsm-pc-force
$(B)/nsm/libnsm.pc: $(if $(filter $(PREFIX),$(shell sed -n 's/^prefix=//p' $(B)/nsm/libnsm.pc 2>/dev/null)),,nsm-pc-force)
ALL_TARGETS += $(LIBNSM_SO) $(LIBNSM_BUNDLE)

NSM_LIBDIR = $(DESTDIR)$(PREFIX)/lib
.PHONY: install-nsm
install-nsm: $(LIBNSM_BUNDLE) $(LIBNSM_SO) $(NSM_BIN_HOST) $(B)/nsm/libnsm.pc nsm/nsm.h nsm/nsm_attest.h
	install -d $(DESTDIR)$(PREFIX)/include $(NSM_LIBDIR)/pkgconfig $(DESTDIR)$(PREFIX)/bin
	install -m 644 nsm/nsm.h nsm/nsm_attest.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 $(LIBNSM_BUNDLE) $(NSM_LIBDIR)/libnsm.a
	install -m 755 $(LIBNSM_SO) $(NSM_LIBDIR)/libnsm.so.$(CARVE_VERSION)
	ln -sf libnsm.so.$(CARVE_VERSION) $(NSM_LIBDIR)/libnsm.so.0
	ln -sf libnsm.so.0 $(NSM_LIBDIR)/libnsm.so
	install -m 644 $(B)/nsm/libnsm.pc $(NSM_LIBDIR)/pkgconfig/libnsm.pc
	install -m 755 $(NSM_BIN_HOST) $(DESTDIR)$(PREFIX)/bin/nsm
INSTALL_TARGETS += install-nsm
HELP_LINES += "install-nsm|install libnsm (headers, .a, .so, libnsm.pc) and the nsm tool (PREFIX= DESTDIR=)"
TEST_SUITES += tests/nsm-cli.sh
TEST_DEPS += $(NSM_BIN_HOST) $(NSM_SOFT_BIN) $(LIBNSM_SO) $(LIBNSM_BUNDLE)

# ------------------------------------------------------------------ fuzzing
FUZZ_TARGETS += nsm_response nsm_attest
FUZZ_SRCS_nsm_response := tests/fuzz/nsm_response.c nsm/cborio.c nsm/nsm_proto.c nsm/nsm_soft.c nsm/cose.c
FUZZ_LIBS_nsm_response := $(DEPS_HOST)/lib/libcbor.a
FUZZ_SRCS_nsm_attest := tests/fuzz/nsm_attest.c nsm/cborio.c nsm/cose.c nsm/x509.c nsm/nsm_attest.c
FUZZ_LIBS_nsm_attest := $(DEPS_HOST)/lib/libcbor.a

# ---------------------------------------------------------------- benchmark
$(B)/bench/nsm-verify: $(call host_objs,bench/nsm-verify.c) $(LIBNSM_SOFT) $(LIBNSM_HOST) $(COMMON_HOST)
	@mkdir -p $(@D)
	$(host_link)
$(B)/bench/nsm-verify: LDLIBS := $(LIBNSM_HOST_LIBS) -lcrypto
BENCHES += $(B)/bench/nsm-verify
