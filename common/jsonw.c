#include "jsonw.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

void jsonw_init(struct jsonw *w, FILE *out, bool pretty)
{
	w->out = out;
	w->pretty = pretty;
	w->depth = 0;
	w->has_items[0] = false;
}

static void newline_indent(struct jsonw *w)
{
	if (!w->pretty)
		return;
	fputc('\n', w->out);
	for (int i = 0; i < w->depth; i++)
		fputs("  ", w->out);
}

/* Length of the well-formed UTF-8 sequence at p (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), or 0. */
static size_t utf8_len(const unsigned char *p, size_t left)
{
	size_t n;
	unsigned char lo = 0x80, hi = 0xbf; /* range of the second byte */
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		if (p[0] == 0xe0)
			lo = 0xa0;
		else if (p[0] == 0xed)
			hi = 0x9f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		if (p[0] == 0xf0)
			lo = 0x90;
		else if (p[0] == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (n > left || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

static void write_escaped(FILE *out, const char *s, size_t len)
{
	fputc('"', out);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\t': fputs("\\t", out); break;
		case '\b': fputs("\\b", out); break;
		case '\f': fputs("\\f", out); break;
		default:
			if (c < 0x20 || c == 0x7f) {
				fprintf(out, "\\u%04x", c);
			} else if (c < 0x80) {
				fputc(c, out);
			} else {
				size_t n = utf8_len((const unsigned char *)s + i, len - i);
				if (n == 0) {
					fputs("\\ufffd", out);
				} else {
					fwrite(s + i, 1, n, out);
					i += n - 1;
				}
			}
		}
	}
	fputc('"', out);
}

/* Separator, indentation and key before a value. */
static void begin_value(struct jsonw *w, const char *key)
{
	if (w->depth > 0) {
		if (w->has_items[w->depth])
			fputc(',', w->out);
		newline_indent(w);
	}
	w->has_items[w->depth] = true;
	if (key) {
		write_escaped(w->out, key, strlen(key));
		fputs(w->pretty ? ": " : ":", w->out);
	}
}

static void open_container(struct jsonw *w, const char *key, char c)
{
	begin_value(w, key);
	fputc(c, w->out);
	if (w->depth < JSONW_MAX_DEPTH) {
		w->depth++;
		w->has_items[w->depth] = false;
	}
}

static void close_container(struct jsonw *w, char c)
{
	bool had_items = w->has_items[w->depth];
	if (w->depth > 0)
		w->depth--;
	if (had_items)
		newline_indent(w);
	fputc(c, w->out);
}

void jsonw_object_open(struct jsonw *w, const char *key) { open_container(w, key, '{'); }
void jsonw_object_close(struct jsonw *w) { close_container(w, '}'); }
void jsonw_array_open(struct jsonw *w, const char *key) { open_container(w, key, '['); }
void jsonw_array_close(struct jsonw *w) { close_container(w, ']'); }

void jsonw_string(struct jsonw *w, const char *key, const char *value)
{
	jsonw_string_len(w, key, value, strlen(value));
}

void jsonw_string_len(struct jsonw *w, const char *key, const char *value, size_t len)
{
	begin_value(w, key);
	write_escaped(w->out, value, len);
}

void jsonw_hex(struct jsonw *w, const char *key, const uint8_t *bytes, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	begin_value(w, key);
	fputc('"', w->out);
	for (size_t i = 0; i < len; i++) {
		fputc(digits[bytes[i] >> 4], w->out);
		fputc(digits[bytes[i] & 15], w->out);
	}
	fputc('"', w->out);
}

void jsonw_uint(struct jsonw *w, const char *key, uint64_t value)
{
	begin_value(w, key);
	fprintf(w->out, "%" PRIu64, value);
}

void jsonw_int(struct jsonw *w, const char *key, int64_t value)
{
	begin_value(w, key);
	fprintf(w->out, "%" PRId64, value);
}

void jsonw_bool(struct jsonw *w, const char *key, bool value)
{
	begin_value(w, key);
	fputs(value ? "true" : "false", w->out);
}

void jsonw_null(struct jsonw *w, const char *key)
{
	begin_value(w, key);
	fputs("null", w->out);
}

int jsonw_finish(struct jsonw *w)
{
	fputc('\n', w->out);
	errno = 0;
	if (fflush(w->out) != 0)
		return errno ? -errno : -EIO;
	/* An earlier write failed while the buffer was being emptied: its
	 * errno is long gone, the error flag is not. */
	return ferror(w->out) ? -EIO : 0;
}
