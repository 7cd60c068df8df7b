/* libFuzzer harness: init's /cmd and /env parsers (init/config.h).  The
 * first byte picks the parser; the rest is the file. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../init/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	int env = data[0] & 1;
	data++;
	size--;
	char *buf = malloc(size + 1);
	size_t lines = cfg_count_lines((const char *)data, size);
	char **vec = malloc((lines + 1) * sizeof(char *));
	if (!buf || !vec)
		goto out;
	memcpy(buf, data, size);
	struct cfg_error e = {0, NULL};
	long n = env ? cfg_parse_env(buf, size, vec, &e) : cfg_parse_cmd(buf, size, vec, &e);
	if (n < 0) {
		if (!e.reason || e.line == 0 || e.line > lines + 1)
			abort();
		goto out;
	}
	/* Every line became exactly one element, in order, NULL-terminated;
	 * their lengths plus separators add up to the input. */
	if ((size_t)n != lines || vec[n] != NULL)
		abort();
	size_t total = 0;
	for (long i = 0; i < n; i++) {
		size_t l = strlen(vec[i]);
		if (vec[i] != buf + total || memcmp(vec[i], data + total, l) != 0)
			abort();
		if (env && (!strchr(vec[i], '=') || vec[i][0] == '='))
			abort();
		total += l + 1;
	}
	if (total != size && total != size + 1)
		abort();
out:
	free(buf);
	free(vec);
	return 0;
}
