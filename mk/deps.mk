# mk/deps.mk — the dependency step (see deps.lock and mk/deps.sh).
#
# $(DEPS_STAMP) is an order-only prerequisite of every object: it installs the
# base packages (or prints the apt command without root) and builds libcbor
# and BearSSL from Debian sources into the cache, then into build/deps/.
DEPS_SCRIPT := mk/deps.sh

$(B)/deps/packages-%.stamp: deps.lock $(DEPS_SCRIPT)
	@mkdir -p $(@D)
	@BUILD=$(CURDIR)/$(B) $(DEPS_SCRIPT) packages $*
	@touch $@

# deps.sh installs $(DEPS_HOST) and $(DEPS_MUSL) itself, under a lock.
$(DEPS_STAMP): deps.lock $(DEPS_SCRIPT) $(B)/deps/packages-base.stamp
	@BUILD=$(CURDIR)/$(B) $(DEPS_SCRIPT) libs $(CURDIR)/$(B)/deps
	@touch $@

# The archives exist once the stamp's recipe ran (links name them directly).
$(DEPS_HOST)/lib/%.a $(DEPS_MUSL)/lib/%.a: | $(DEPS_STAMP) ;

HELP_LINES += "deps|install pinned packages and build libcbor/BearSSL from Debian sources"
.PHONY: deps
deps: $(DEPS_STAMP)
