# tests/: the harness (tests/run.sh), unit suites for shared code, and the
# generic fuzz-target rules every room's FUZZ_TARGETS use.

UNIT_LIBS := -lcmocka

$(B)/tests/test_common: $(call host_objs,tests/unit/test_common.c) $(COMMON_HOST)
	@mkdir -p $(@D)
	$(host_link)
$(B)/tests/test_common: LDLIBS := $(UNIT_LIBS)
TEST_SUITES += $(B)/tests/test_common

# CRC-32 (common/crc32.c) against zlib's.
$(B)/tests/test_crc32: $(call host_objs,tests/unit/test_crc32.c) $(COMMON_HOST)
	@mkdir -p $(@D)
	$(host_link)
$(B)/tests/test_crc32: LDLIBS := $(UNIT_LIBS) -lz
TEST_SUITES += $(B)/tests/test_crc32

# The dependency step itself: non-root without packages prints the command.
TEST_SUITES += tests/deps-nonroot.sh
# ...and as root with apt stubbed: stale lists, failed fetches, concurrent runs.
TEST_SUITES += tests/deps-step.sh

# Enclave binaries are static; runs after `all` built them.
TEST_SUITES += tests/enclave-static.sh
