/* vsock_proto.c — virtio-vsock headers and host line parsing (see vsock_proto.h). */
#include "vsock_proto.h"

#include <errno.h>
#include <strings.h>

#include "byteorder.h"

void vsock_hdr_decode(const uint8_t b[VSOCK_HDR_SIZE], struct vsock_hdr *h)
{
	h->src_cid = load_le64(b);
	h->dst_cid = load_le64(b + 8);
	h->src_port = load_le32(b + 16);
	h->dst_port = load_le32(b + 20);
	h->len = load_le32(b + 24);
	h->type = load_le16(b + 28);
	h->op = load_le16(b + 30);
	h->flags = load_le32(b + 32);
	h->buf_alloc = load_le32(b + 36);
	h->fwd_cnt = load_le32(b + 40);
}

void vsock_hdr_encode(uint8_t b[VSOCK_HDR_SIZE], const struct vsock_hdr *h)
{
	store_le64(b, h->src_cid);
	store_le64(b + 8, h->dst_cid);
	store_le32(b + 16, h->src_port);
	store_le32(b + 20, h->dst_port);
	store_le32(b + 24, h->len);
	store_le16(b + 28, h->type);
	store_le16(b + 30, h->op);
	store_le32(b + 32, h->flags);
	store_le32(b + 36, h->buf_alloc);
	store_le32(b + 40, h->fwd_cnt);
}

uint32_t vsock_credit(uint32_t peer_buf_alloc, uint32_t tx_cnt, uint32_t peer_fwd_cnt)
{
	uint32_t in_flight = tx_cnt - peer_fwd_cnt;
	return in_flight >= peer_buf_alloc ? 0 : peer_buf_alloc - in_flight;
}

static int blank(char c)
{
	return c == ' ' || c == '\t';
}

int vsock_parse_connect(const char *line, size_t len, uint32_t *port)
{
	static const char kw[] = "CONNECT";
	size_t i = 0;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len < sizeof(kw) || strncasecmp(line, kw, sizeof(kw) - 1) != 0 || !blank(line[sizeof(kw) - 1]))
		return -EINVAL;
	i = sizeof(kw);
	while (i < len && blank(line[i]))
		i++;
	uint64_t v = 0;
	size_t digits = 0;
	for (; i < len && line[i] >= '0' && line[i] <= '9'; i++, digits++) {
		v = v * 10 + (uint64_t)(line[i] - '0');
		if (v > UINT32_MAX)
			return -EINVAL;
	}
	while (i < len && blank(line[i]))
		i++;
	if (digits == 0 || i != len)
		return -EINVAL;
	*port = (uint32_t)v;
	return 0;
}
