# tests/: the harness (tests/run.sh), unit suites for shared code, and the
# generic fuzz-target rules every room's FUZZ_TARGETS use.

UNIT_LIBS := -lcmocka

$(B)/tests/test_common: $(call host_objs,tests/unit/test_common.c) $(COMMON_HOST)
	@mkdir -p $(@D)
	$(host_link)
$(B)/tests/test_common: LDLIBS := $(UNIT_LIBS)
TEST_SUITES += $(B)/tests/test_common

# The dependency step itself: non-root without packages prints the command.
TEST_SUITES += tests/deps-nonroot.sh

# Enclave binaries are static; runs after `all` built them.
TEST_SUITES += tests/enclave-static.sh
