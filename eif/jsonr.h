/*
 * jsonr.h — a bounded JSON reader for the EIF metadata section, which is
 * untrusted: validate one RFC 8259 value, re-emit it through jsonw, walk an
 * object's members.  Nesting deeper than JSONW_MAX_DEPTH - 2 is rejected
 * (the value is printed two levels down).  Numbers that do not fit a 64-bit
 * integer are re-emitted as strings holding their original text.
 * Returns 0, -EINVAL for malformed JSON, -ENOMEM.
 */
#ifndef CARVE_EIF_JSONR_H
#define CARVE_EIF_JSONR_H

#include <stddef.h>

#include "jsonw.h"

int jsonr_check(const char *s, size_t len);
/* Validates, then writes the value under key (NULL for array/top level). */
int jsonr_emit(struct jsonw *w, const char *key, const char *s, size_t len);
/*
 * s MUST be an object.  Calls fn for each member in order with the
 * unescaped NUL-terminated key and the raw text of its value; a non-zero
 * return from fn stops the walk and is returned.
 */
int jsonr_members(const char *s, size_t len,
		  int (*fn)(void *arg, const char *key, const char *v, size_t vlen), void *arg);
/*
 * If v..v+vlen is a JSON string, unescapes it into out (NUL-terminated,
 * truncated to cap-1 bytes) and returns 0; else -EINVAL.
 */
int jsonr_string(const char *v, size_t vlen, char *out, size_t cap);
/*
 * The metadata section md (a JSON object: jsonr_check passed, first
 * non-blank byte '{') as `eiftool describe` prints it, in nitro-cli's
 * layout: ImageName and ImageVersion as members of the open object, then
 * "Metadata" with BuildMetadata's fields, DockerInfo and CustomMetadata's
 * members flattened in.
 */
void jsonr_describe_metadata(struct jsonw *w, const char *md, size_t len);

#endif
