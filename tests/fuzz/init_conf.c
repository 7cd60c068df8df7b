/* libFuzzer harness: init's /init.conf parser (init/config.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../init/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Exactly size + 1 bytes, as the contract says: ASan flags any
	 * access beyond the spare byte. */
	char *buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	struct init_conf c;
	struct cfg_error e = {0, NULL};
	cfg_defaults(&c);
	if (cfg_parse_conf(buf, size, &c, &e) == 0) {
		/* Whatever parsed must satisfy the documented invariants. */
		if ((c.workdir && c.workdir[0] != '/') || c.ngroups > CFG_MAX_GROUPS ||
		    c.heartbeat_budget_ms == 0)
			abort();
		for (int i = 0; i < CFG_NLIMITS; i++)
			if (c.rlimits[i].set && c.rlimits[i].soft > c.rlimits[i].hard)
				abort();
		if (c.hostname && (strlen(c.hostname) == 0 || strlen(c.hostname) > 64))
			abort();
	} else if (!e.reason || e.line == 0 || e.line > size + 1) {
		abort();
	}
	free(buf);
	return 0;
}
