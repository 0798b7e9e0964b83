/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The published sample: one ZeroMQ message per sample, layout version 1.
 * Every field is little-endian; the frame bytes follow the header at offset
 * hdr_len. A later version may append header fields (hdr_len grows) without
 * changing the version; the version changes only when a field moves. See
 * README.md ("Message layout") for the table a non-C decoder follows.
 */
#ifndef ECBPF_SAMPLE_MSG_H
#define ECBPF_SAMPLE_MSG_H

#include <stddef.h>
#include <stdint.h>
#include <net/if.h>

#define SAMPLE_MSG_MAGIC "ECBS"		/* also the ZeroMQ subscription prefix */
#define SAMPLE_MSG_VERSION 1
#define SAMPLE_MSG_HDR_LEN 56
#define SAMPLE_MSG_MAX (SAMPLE_MSG_HDR_LEN + 1522)

/* Decoded form of a message header (host order). */
struct sample_msg {
	uint64_t tstamp_ns;		/* wall clock: ns since the Unix epoch */
	uint64_t meta;			/* verdict metadata */
	uint32_t ifindex;
	uint32_t frame_len;		/* length of the frame on the wire */
	uint16_t cap_len;		/* bytes of the frame in the message */
	int8_t slot;			/* -1: the root */
	uint8_t action;			/* XDP action */
	uint8_t reason;			/* enum ecbpf_reason */
	uint8_t flags;			/* ECBPF_SAMPLE_F_* */
	char ifname[IF_NAMESIZE];
	const uint8_t *frame;		/* decode: points into the message */
};

/* Encode S and its cap_len frame bytes into BUF; returns the message length or -ENOSPC. */
int sample_msg_encode(const struct sample_msg *s, const void *frame, uint8_t *buf, size_t len);
/* Decode a message; -EBADMSG (bad magic, short), -EPROTONOSUPPORT (other version). */
int sample_msg_decode(const uint8_t *buf, size_t len, struct sample_msg *s);
/* "slot=5 action=XDP_DROP reason=fw_rule meta=3" (+ " monitor=1"); the pcapng comment. */
int sample_msg_comment(const struct sample_msg *s, char *buf, size_t len);

#endif
