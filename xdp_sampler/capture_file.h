/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * A pcapng or classic pcap writer for samples. pcapng carries one interface
 * description block per interface and a comment on every packet (slot,
 * action, reason, metadata) that tshark and Wireshark show as frame.comment.
 * Classic pcap has neither: it is for tools that only read pcap. Timestamps
 * have nanosecond resolution in both.
 */
#ifndef ECBPF_CAPTURE_FILE_H
#define ECBPF_CAPTURE_FILE_H

#include <stdint.h>
#include <stdio.h>
#include <net/if.h>

enum capture_format { CAPTURE_PCAPNG, CAPTURE_PCAP };

#define CAPTURE_MAX_IFACES 64
#define CAPTURE_LINKTYPE_ETHERNET 1

struct capture_file {
	FILE *f;
	enum capture_format format;
	uint32_t snaplen;
	int n_ifaces;
	char ifnames[CAPTURE_MAX_IFACES][IF_NAMESIZE];
	uint64_t packets;
};

/* Parse "pcapng" or "pcap"; -EINVAL otherwise. */
int capture_format_parse(const char *s, enum capture_format *out);
/* Start a capture on F (a file or stdout): writes the file header. APP names the writer (pcapng). */
int capture_open(struct capture_file *cf, FILE *f, enum capture_format format, uint32_t snaplen,
		 const char *app);
/* Interface id of NAME, adding its description block on first use (pcapng); 0 for pcap. */
int capture_iface(struct capture_file *cf, const char *name);
/* Write one packet; COMMENT may be NULL (pcap ignores it). -EIO on a write error. */
int capture_write(struct capture_file *cf, int iface, uint64_t tstamp_ns, uint32_t frame_len,
		  const void *data, uint32_t cap_len, const char *comment);
int capture_flush(struct capture_file *cf);
/* Flush and close the stream (unless it is stdout, which is only flushed). */
int capture_close(struct capture_file *cf);

#endif
