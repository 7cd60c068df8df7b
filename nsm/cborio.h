/*
 * cborio.h — bounded CBOR writing and zero-copy pull reading, both on top of
 * libcbor (its buffer encoders and its streaming decoder).  Used by libnsm,
 * the software NSM and the attestation parser; reusable by any room that
 * needs to read or write small CBOR structures without allocating.
 *
 * Writer: appends to a caller buffer; the first item that does not fit sets
 * `overflow` and every later call is a no-op, so a sequence of writes needs
 * one check at the end.  Integers and lengths use the shortest encoding.
 *
 * Reader: one item header per call.  Byte and text strings are returned as
 * views into the input (no copy), so the input MUST outlive the items.
 * Indefinite-length maps and arrays are reported with `indefinite` set and
 * end with a CBORP_BREAK item; indefinite-length (chunked) strings are
 * rejected (no NSM or attestation producer emits them).  Nesting is bounded
 * by CBORP_MAX_DEPTH in cborp_skip.
 */
#ifndef CARVE_NSM_CBORIO_H
#define CARVE_NSM_CBORIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cborw {
	uint8_t *buf;
	size_t cap;
	size_t len;
	bool overflow;
};

void cborw_init(struct cborw *w, uint8_t *buf, size_t cap);
void cborw_uint(struct cborw *w, uint64_t v);
/* Encodes -1 - n (CBOR major type 1 with argument n). */
void cborw_negint(struct cborw *w, uint64_t n);
/* Only the header of a byte string of len bytes (the caller writes or
 * hashes the contents itself). */
void cborw_bytes_head(struct cborw *w, size_t len);
/* data MAY be NULL when len is 0. */
void cborw_bytes(struct cborw *w, const void *data, size_t len);
void cborw_text(struct cborw *w, const char *s);
void cborw_text_len(struct cborw *w, const char *s, size_t len);
void cborw_array(struct cborw *w, size_t n);
void cborw_map(struct cborw *w, size_t n);
void cborw_indef_map(struct cborw *w);
void cborw_break(struct cborw *w);
void cborw_tag(struct cborw *w, uint64_t tag);
void cborw_bool(struct cborw *w, bool v);
void cborw_null(struct cborw *w);
/* A byte string holding `data` when non-NULL, else null. */
void cborw_bytes_or_null(struct cborw *w, const void *data, size_t len);

enum cborp_kind {
	CBORP_UINT,
	CBORP_NEGINT, /* value -1 - u */
	CBORP_BYTES,
	CBORP_TEXT,
	CBORP_ARRAY,
	CBORP_MAP,
	CBORP_TAG,
	CBORP_BOOL,
	CBORP_NULL,
	CBORP_UNDEFINED,
	CBORP_FLOAT,
	CBORP_BREAK,
};

struct cborp_item {
	enum cborp_kind kind;
	bool indefinite;       /* ARRAY/MAP without a count */
	uint64_t u;            /* UINT/NEGINT/TAG value, ARRAY/MAP count, BOOL */
	unsigned width;        /* bytes of the integer argument: 0 (inline), 1, 2, 4, 8 */
	const uint8_t *ptr;    /* BYTES/TEXT: view into the input */
	size_t len;            /* BYTES/TEXT length */
};

struct cborp {
	const uint8_t *p;
	const uint8_t *end;
};

#define CBORP_MAX_DEPTH 16

void cborp_init(struct cborp *r, const uint8_t *buf, size_t len);
/* Reads one item header.  0, or -EBADMSG on malformed/truncated input and
 * on indefinite-length strings. */
int cborp_next(struct cborp *r, struct cborp_item *it);
/* Skips the rest of the item whose header is `it` (its children, if any). */
int cborp_skip_rest(struct cborp *r, const struct cborp_item *it);
/* Reads and skips one whole item.  0 or -EBADMSG. */
int cborp_skip(struct cborp *r);
/* Bytes left to read. */
static inline size_t cborp_left(const struct cborp *r)
{
	return (size_t)(r->end - r->p);
}
/* Whether a text item equals the NUL-terminated s. */
bool cborp_text_is(const struct cborp_item *it, const char *s);

/*
 * Iterating a map or array whose header is `it`, definite or indefinite:
 *     uint64_t left = it.u;
 *     while ((r = cborp_more(rd, &it, &left)) > 0) { ...read one entry... }
 *     if (r < 0) fail;
 * Returns 1 while an entry follows, 0 at the end (consuming the break of an
 * indefinite container), -EBADMSG on malformed input.
 */
int cborp_more(struct cborp *r, const struct cborp_item *container, uint64_t *left);

#endif
