#include "hex.h"

#include <errno.h>
#include <string.h>

char *hex_encode(char *out, const uint8_t *in, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0x0f];
	}
	out[2 * len] = '\0';
	return out;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

ssize_t hex_decode(uint8_t *out, size_t cap, const char *s)
{
	size_t len = strlen(s);
	if (len % 2 != 0)
		return -EINVAL;
	for (size_t i = 0; i < len; i++)
		if (hex_value(s[i]) < 0)
			return -EINVAL;
	if (len / 2 > cap)
		return -ENOSPC;
	for (size_t i = 0; i < len / 2; i++)
		out[i] = (uint8_t)(hex_value(s[2 * i]) << 4 | hex_value(s[2 * i + 1]));
	return (ssize_t)(len / 2);
}
