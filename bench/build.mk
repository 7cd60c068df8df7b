# bench/: the SHA-384 choice (more rooms add their own benchmarks to BENCHES).
$(B)/bench/sha384-host: $(call host_objs,bench/sha384.c) $(COMMON_HOST)
	@mkdir -p $(@D)
	$(host_link)
$(B)/bench/sha384-host: LDLIBS := -lcrypto
$(call host_objs,bench/sha384.c): CFLAGS_bench := -DBENCH_WITH_OPENSSL
$(B)/bench/sha384-musl: $(call musl_objs,bench/sha384.c) $(COMMON_MUSL)
	@mkdir -p $(@D)
	$(musl_link)
BENCHES += bench/sha384.sh
bench/sha384.sh: $(B)/bench/sha384-host $(B)/bench/sha384-musl

# A minimal /init (mount /dev, heartbeat, power off): the boot-path floor
# that bench/init-boot.sh and bench/emu-boot.sh print beside carve's init.
HB_FLOOR := $(B)/bench/hb-floor
$(HB_FLOOR): $(call musl_objs,bench/hb-floor.c)
	@mkdir -p $(@D)
	$(musl_link)
$(call musl_objs,bench/hb-floor.c): CFLAGS_bench := -Iinit
