#include "pem.h"

#include <bearssl_pem.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct sink {
	uint8_t *buf;
	size_t len, cap;
	bool on;
};

static void append(void *ctx, const void *data, size_t len)
{
	struct sink *s = ctx;
	if (!s->on)
		return;
	/* DER is shorter than its base64, so cap (= the PEM length) always fits. */
	if (len > s->cap - s->len)
		len = s->cap - s->len;
	memcpy(s->buf + s->len, data, len);
	s->len += len;
}

int pem_decode_first(const char *pem, size_t len, const char *const *labels, uint8_t **der,
		     size_t *der_len)
{
	br_pem_decoder_context pc;
	struct sink s = {.buf = malloc(len + 1), .cap = len + 1};
	if (!s.buf)
		return -ENOMEM;
	br_pem_decoder_init(&pc);
	int match = -1;
	size_t off = 0;
	/* A final newline lets the decoder see an END line without one. */
	for (int pass = 0; pass < 2; pass++) {
		const char *p = pass == 0 ? pem : "\n";
		size_t n = pass == 0 ? len : 1;
		off = 0;
		while (off < n) {
			off += br_pem_decoder_push(&pc, p + off, n - off);
			switch (br_pem_decoder_event(&pc)) {
			case BR_PEM_BEGIN_OBJ:
				s.on = false;
				for (int i = 0; match < 0 && labels[i]; i++)
					if (!strcmp(br_pem_decoder_name(&pc), labels[i])) {
						s.on = true;
						match = i;
					}
				br_pem_decoder_setdest(&pc, append, &s);
				break;
			case BR_PEM_END_OBJ:
				if (s.on) {
					*der = s.buf;
					*der_len = s.len;
					return match;
				}
				break;
			case BR_PEM_ERROR:
				free(s.buf);
				return -EINVAL;
			default:
				break;
			}
		}
	}
	free(s.buf);
	return match >= 0 ? -EINVAL : -ENOENT;
}
