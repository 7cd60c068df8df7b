/*
 * jsonw.h — a small streaming JSON writer for `--json` output.
 *
 * Pretty output matches serde_json's to_string_pretty (two-space indent,
 * "key": value), which is what nitro-cli prints, so carve's JSON can be
 * diffed against nitro-cli's.  Strings are escaped per RFC 8259; a byte that
 * does not start well-formed UTF-8 becomes U+FFFD, so the output is always
 * valid JSON; callers hex-encode binary.
 *
 * `key` is NULL for array elements and the top-level value, non-NULL inside
 * objects.  Nesting deeper than JSONW_MAX_DEPTH is a programming error and
 * is ignored (the output is then not valid JSON).
 */
#ifndef CARVE_JSONW_H
#define CARVE_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSONW_MAX_DEPTH 16

struct jsonw {
	FILE *out;
	bool pretty;
	int depth;
	bool has_items[JSONW_MAX_DEPTH + 1];
};

void jsonw_init(struct jsonw *w, FILE *out, bool pretty);
void jsonw_object_open(struct jsonw *w, const char *key);
void jsonw_object_close(struct jsonw *w);
void jsonw_array_open(struct jsonw *w, const char *key);
void jsonw_array_close(struct jsonw *w);
void jsonw_string(struct jsonw *w, const char *key, const char *value);
void jsonw_string_len(struct jsonw *w, const char *key, const char *value, size_t len);
/* Lower-case hex string of the bytes. */
void jsonw_hex(struct jsonw *w, const char *key, const uint8_t *bytes, size_t len);
void jsonw_uint(struct jsonw *w, const char *key, uint64_t value);
void jsonw_int(struct jsonw *w, const char *key, int64_t value);
void jsonw_bool(struct jsonw *w, const char *key, bool value);
void jsonw_null(struct jsonw *w, const char *key);
/*
 * Ends the document with a newline and flushes the stream.  0, or -errno if
 * any part of the document could not be written (-EIO when the stream no
 * longer knows why): a tool whose output is its JSON MUST check this.
 */
int jsonw_finish(struct jsonw *w);

#endif
