#include "jsonr.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH (JSONW_MAX_DEPTH - 2)

struct jr {
	const char *p, *end;
	int depth;
};

static void ws(struct jr *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static int hex4(const char *p, unsigned *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
			     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
			     : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
						    : 16;
		if (d == 16)
			return -EINVAL;
		*v = *v << 4 | d;
	}
	return 0;
}

static size_t put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80)
		return o[0] = (char)cp, 1;
	if (cp < 0x800)
		return o[0] = (char)(0xc0 | cp >> 6), o[1] = (char)(0x80 | (cp & 0x3f)), 2;
	if (cp < 0x10000)
		return o[0] = (char)(0xe0 | cp >> 12), o[1] = (char)(0x80 | (cp >> 6 & 0x3f)),
		       o[2] = (char)(0x80 | (cp & 0x3f)), 3;
	return o[0] = (char)(0xf0 | cp >> 18), o[1] = (char)(0x80 | (cp >> 12 & 0x3f)),
	       o[2] = (char)(0x80 | (cp >> 6 & 0x3f)), o[3] = (char)(0x80 | (cp & 0x3f)), 4;
}

/*
 * Parses a string at j->p (which is '"').  With out non-NULL, writes the
 * unescaped bytes there; out MUST hold as many bytes as the raw text (an
 * escape never expands).  *outlen gets the length.
 */
static int string(struct jr *j, char *out, size_t *outlen)
{
	size_t n = 0;
	j->p++;
	while (j->p < j->end && *j->p != '"') {
		unsigned char c = (unsigned char)*j->p++;
		if (c < 0x20)
			return -EINVAL;
		if (c != '\\') {
			if (out)
				out[n] = (char)c;
			n++;
			continue;
		}
		if (j->p >= j->end)
			return -EINVAL;
		char e = *j->p++, lit = 0;
		switch (e) {
		case '"': case '\\': case '/': lit = e; break;
		case 'b': lit = '\b'; break;
		case 'f': lit = '\f'; break;
		case 'n': lit = '\n'; break;
		case 'r': lit = '\r'; break;
		case 't': lit = '\t'; break;
		case 'u': {
			unsigned cp, lo;
			if (j->end - j->p < 4 || hex4(j->p, &cp) < 0)
				return -EINVAL;
			j->p += 4;
			if (cp >= 0xd800 && cp < 0xdc00) {
				if (j->end - j->p < 6 || j->p[0] != '\\' || j->p[1] != 'u' ||
				    hex4(j->p + 2, &lo) < 0 || lo < 0xdc00 || lo > 0xdfff)
					return -EINVAL;
				j->p += 6;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			} else if (cp >= 0xdc00 && cp < 0xe000) {
				return -EINVAL;
			}
			char tmp[4];
			size_t k = put_utf8(tmp, cp);
			if (out)
				memcpy(out + n, tmp, k);
			n += k;
			continue;
		}
		default: return -EINVAL;
		}
		if (out)
			out[n] = lit;
		n++;
	}
	if (j->p >= j->end)
		return -EINVAL;
	j->p++;
	*outlen = n;
	return 0;
}

static int number(struct jr *j)
{
	const char *p = j->p;
	if (p < j->end && *p == '-')
		p++;
	if (p >= j->end || *p < '0' || *p > '9')
		return -EINVAL;
	if (*p == '0')
		p++;
	else
		while (p < j->end && *p >= '0' && *p <= '9')
			p++;
	if (p < j->end && *p == '.') {
		if (++p >= j->end || *p < '0' || *p > '9')
			return -EINVAL;
		while (p < j->end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < j->end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < j->end && (*p == '+' || *p == '-'))
			p++;
		if (p >= j->end || *p < '0' || *p > '9')
			return -EINVAL;
		while (p < j->end && *p >= '0' && *p <= '9')
			p++;
	}
	j->p = p;
	return 0;
}

static void emit_number(struct jsonw *w, const char *key, const char *s, size_t len)
{
	char buf[32], *end;
	if (len < sizeof(buf) && !memchr(s, '.', len) && !memchr(s, 'e', len) &&
	    !memchr(s, 'E', len)) {
		memcpy(buf, s, len);
		buf[len] = '\0';
		errno = 0;
		if (buf[0] == '-') {
			long long v = strtoll(buf, &end, 10);
			if (!errno && !*end)
				return jsonw_int(w, key, v);
		} else {
			unsigned long long v = strtoull(buf, &end, 10);
			if (!errno && !*end)
				return jsonw_uint(w, key, v);
		}
	}
	jsonw_string_len(w, key, s, len);
}

static int value(struct jr *j, struct jsonw *w, const char *key);

static int members(struct jr *j, struct jsonw *w, bool object)
{
	char close = object ? '}' : ']';
	j->p++;
	ws(j);
	if (j->p < j->end && *j->p == close) {
		j->p++;
		return 0;
	}
	for (;;) {
		char *k = NULL;
		int r;
		if (object) {
			size_t klen;
			if (j->p >= j->end || *j->p != '"')
				return -EINVAL;
			if (w && !(k = malloc((size_t)(j->end - j->p) + 1)))
				return -ENOMEM;
			if ((r = string(j, k, &klen)) < 0) {
				free(k);
				return r;
			}
			if (k)
				k[klen] = '\0';
			ws(j);
			if (j->p >= j->end || *j->p != ':') {
				free(k);
				return -EINVAL;
			}
			j->p++;
		}
		r = value(j, w, k);
		free(k);
		if (r < 0)
			return r;
		ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			ws(j);
			continue;
		}
		if (j->p < j->end && *j->p == close) {
			j->p++;
			return 0;
		}
		return -EINVAL;
	}
}

static int literal(struct jr *j, const char *lit)
{
	size_t n = strlen(lit);
	if ((size_t)(j->end - j->p) < n || memcmp(j->p, lit, n))
		return -EINVAL;
	j->p += n;
	return 0;
}

static int value(struct jr *j, struct jsonw *w, const char *key)
{
	ws(j);
	if (j->p >= j->end)
		return -EINVAL;
	const char *start = j->p;
	int r;
	switch (*j->p) {
	case '{':
	case '[': {
		bool obj = *j->p == '{';
		if (++j->depth > MAX_DEPTH)
			return -EINVAL;
		if (w)
			obj ? jsonw_object_open(w, key) : jsonw_array_open(w, key);
		r = members(j, w, obj);
		if (w && r == 0)
			obj ? jsonw_object_close(w) : jsonw_array_close(w);
		j->depth--;
		return r;
	}
	case '"': {
		size_t n;
		char *s = w ? malloc((size_t)(j->end - j->p) + 1) : NULL;
		if (w && !s)
			return -ENOMEM;
		r = string(j, s, &n);
		if (r == 0 && w)
			jsonw_string_len(w, key, s, n);
		free(s);
		return r;
	}
	case 't':
		r = literal(j, "true");
		if (r == 0 && w)
			jsonw_bool(w, key, true);
		return r;
	case 'f':
		r = literal(j, "false");
		if (r == 0 && w)
			jsonw_bool(w, key, false);
		return r;
	case 'n':
		r = literal(j, "null");
		if (r == 0 && w)
			jsonw_null(w, key);
		return r;
	default:
		r = number(j);
		if (r == 0 && w)
			emit_number(w, key, start, (size_t)(j->p - start));
		return r;
	}
}

static int whole(const char *s, size_t len, struct jsonw *w, const char *key)
{
	struct jr j = {s, s + len, 0};
	int r = value(&j, w, key);
	if (r < 0)
		return r;
	ws(&j);
	return j.p == j.end ? 0 : -EINVAL;
}

int jsonr_check(const char *s, size_t len)
{
	return whole(s, len, NULL, NULL);
}

int jsonr_emit(struct jsonw *w, const char *key, const char *s, size_t len)
{
	int r = jsonr_check(s, len);
	return r < 0 ? r : whole(s, len, w, key);
}

int jsonr_members(const char *s, size_t len,
		  int (*fn)(void *arg, const char *key, const char *v, size_t vlen), void *arg)
{
	int r = jsonr_check(s, len);
	if (r < 0)
		return r;
	struct jr j = {s, s + len, 0};
	ws(&j);
	if (*j.p != '{')
		return -EINVAL;
	j.p++;
	ws(&j);
	if (*j.p == '}')
		return 0;
	char *k = malloc(len + 1);
	if (!k)
		return -ENOMEM;
	for (;;) {
		size_t klen;
		string(&j, k, &klen); /* validated above */
		k[klen] = '\0';
		ws(&j);
		j.p++; /* ':' */
		ws(&j);
		const char *v = j.p;
		value(&j, NULL, NULL);
		if ((r = fn(arg, k, v, (size_t)(j.p - v))) != 0)
			break;
		ws(&j);
		if (*j.p++ == '}')
			break;
		ws(&j);
	}
	free(k);
	return r;
}

int jsonr_string(const char *v, size_t vlen, char *out, size_t cap)
{
	struct jr j = {v, v + vlen, 0};
	if (vlen == 0 || *v != '"' || cap == 0)
		return -EINVAL;
	char *tmp = malloc(vlen + 1);
	if (!tmp)
		return -ENOMEM;
	size_t n;
	int r = string(&j, tmp, &n);
	if (r == 0 && j.p != j.end)
		r = -EINVAL;
	if (r == 0) {
		if (n >= cap)
			n = cap - 1;
		memcpy(out, tmp, n);
		out[n] = '\0';
	}
	free(tmp);
	return r;
}

/* ------------------------------------------------------------ describe */

struct meta_walk {
	struct jsonw *w;
	int pass; /* 0: ImageName/ImageVersion, 1: BuildMetadata fields, 2: the rest */
};

static int build_field(void *arg, const char *key, const char *v, size_t vlen)
{
	return jsonr_emit(arg, key, v, vlen);
}

static int meta_member(void *arg, const char *key, const char *v, size_t vlen)
{
	struct meta_walk *m = arg;
	bool ident = !strcmp(key, "ImageName") || !strcmp(key, "ImageVersion");
	if (m->pass == 0)
		return ident ? jsonr_emit(m->w, key, v, vlen) : 0;
	if (m->pass == 1) {
		if (!strcmp(key, "BuildMetadata"))
			return *v == '{' ? jsonr_members(v, vlen, build_field, m->w) : -EINVAL;
		if (!strcmp(key, "DockerInfo"))
			return jsonr_emit(m->w, key, v, vlen);
		return 0;
	}
	/* nitro-cli flattens CustomMetadata's keys into Metadata. */
	if (!strcmp(key, "CustomMetadata") && *v == '{')
		return jsonr_members(v, vlen, build_field, m->w);
	return 0;
}

void jsonr_describe_metadata(struct jsonw *w, const char *md, size_t len)
{
	struct meta_walk m = {w, 0};
	jsonr_members(md, len, meta_member, &m);
	jsonw_object_open(w, "Metadata");
	m.pass = 1;
	jsonr_members(md, len, meta_member, &m);
	m.pass = 2;
	jsonr_members(md, len, meta_member, &m);
	jsonw_object_close(w);
}
