// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* Encode and decode the published sample message (layout version 1). */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <ecbpf/ecbpf.h>
#include "sample_msg.h"

/* Offsets of the version 1 header. */
enum {
	OFF_MAGIC = 0, OFF_VERSION = 4, OFF_HDR_LEN = 5, OFF_TSTAMP = 8, OFF_META = 16,
	OFF_IFINDEX = 24, OFF_FRAME_LEN = 28, OFF_CAP_LEN = 32, OFF_SLOT = 34, OFF_ACTION = 35,
	OFF_REASON = 36, OFF_FLAGS = 37, OFF_IFNAME = 40,
};
_Static_assert(OFF_IFNAME + IF_NAMESIZE == SAMPLE_MSG_HDR_LEN, "sample message layout");

static void put16(uint8_t *p, uint16_t v) { v = htole16(v); memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { v = htole32(v); memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { v = htole64(v); memcpy(p, &v, 8); }
static uint16_t get16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return le16toh(v); }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return le32toh(v); }
static uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return le64toh(v); }

int sample_msg_encode(const struct sample_msg *s, const void *frame, uint8_t *buf, size_t len)
{
	size_t total = SAMPLE_MSG_HDR_LEN + s->cap_len;

	if (total > len)
		return -ENOSPC;
	memset(buf, 0, SAMPLE_MSG_HDR_LEN);
	memcpy(buf + OFF_MAGIC, SAMPLE_MSG_MAGIC, 4);
	buf[OFF_VERSION] = SAMPLE_MSG_VERSION;
	buf[OFF_HDR_LEN] = SAMPLE_MSG_HDR_LEN;
	put64(buf + OFF_TSTAMP, s->tstamp_ns);
	put64(buf + OFF_META, s->meta);
	put32(buf + OFF_IFINDEX, s->ifindex);
	put32(buf + OFF_FRAME_LEN, s->frame_len);
	put16(buf + OFF_CAP_LEN, s->cap_len);
	buf[OFF_SLOT] = (uint8_t)s->slot;
	buf[OFF_ACTION] = s->action;
	buf[OFF_REASON] = s->reason;
	buf[OFF_FLAGS] = s->flags;
	memcpy(buf + OFF_IFNAME, s->ifname, strnlen(s->ifname, IF_NAMESIZE - 1));
	memcpy(buf + SAMPLE_MSG_HDR_LEN, frame, s->cap_len);
	return total;
}

int sample_msg_decode(const uint8_t *buf, size_t len, struct sample_msg *s)
{
	size_t hdr_len;

	memset(s, 0, sizeof(*s));
	if (len < OFF_HDR_LEN + 1 || memcmp(buf + OFF_MAGIC, SAMPLE_MSG_MAGIC, 4))
		return -EBADMSG;
	if (buf[OFF_VERSION] != SAMPLE_MSG_VERSION)
		return -EPROTONOSUPPORT;
	hdr_len = buf[OFF_HDR_LEN];
	if (hdr_len < SAMPLE_MSG_HDR_LEN || len < hdr_len)
		return -EBADMSG;
	s->tstamp_ns = get64(buf + OFF_TSTAMP);
	s->meta = get64(buf + OFF_META);
	s->ifindex = get32(buf + OFF_IFINDEX);
	s->frame_len = get32(buf + OFF_FRAME_LEN);
	s->cap_len = get16(buf + OFF_CAP_LEN);
	s->slot = (int8_t)buf[OFF_SLOT];
	s->action = buf[OFF_ACTION];
	s->reason = buf[OFF_REASON];
	s->flags = buf[OFF_FLAGS];
	memcpy(s->ifname, buf + OFF_IFNAME, IF_NAMESIZE - 1);
	if (len - hdr_len != s->cap_len || s->cap_len > s->frame_len)
		return -EBADMSG;
	s->frame = buf + hdr_len;
	return 0;
}

int sample_msg_comment(const struct sample_msg *s, char *buf, size_t len)
{
	char slot[8];
	int n;

	if (s->slot < 0)
		snprintf(slot, sizeof(slot), "root");
	else
		snprintf(slot, sizeof(slot), "%d", s->slot);
	n = snprintf(buf, len, "slot=%s action=%s reason=%s meta=%llu%s", slot,
		     ecbpf_action_name(s->action <= ECBPF_ACT_REDIRECT ? s->action : ECBPF_ACT_INVALID),
		     ecbpf_reason_name(s->reason), (unsigned long long)s->meta,
		     s->flags & ECBPF_SAMPLE_F_MONITOR ? " monitor=1" : "");
	return n < 0 || (size_t)n >= len ? -ENOSPC : n;
}
