// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* Frames of a pcap or pcapng file, through libpcap. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pcap/pcap.h>
#include "fw_capture.h"

struct fw_capture {
	pcap_t *p;
	const char *path;
};

/* libpcap's message, prefixed with the file name unless it already starts with it. */
static void capture_err(const char *path, const char *msg, char *err, size_t errlen)
{
	if (!strncmp(msg, path, strlen(path)))
		snprintf(err, errlen, "%s", msg);
	else
		snprintf(err, errlen, "%s: %s", path, msg);
}

struct fw_capture *fw_capture_open(const char *path, char *err, size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE];
	struct fw_capture *cap;
	pcap_t *p = pcap_open_offline(path, perr);

	if (!p) {
		capture_err(path, perr, err, errlen);
		return NULL;
	}
	if (pcap_datalink(p) != DLT_EN10MB) {
		snprintf(err, errlen, "%s: link type %s, expected Ethernet", path,
			 pcap_datalink_val_to_name(pcap_datalink(p)));
		pcap_close(p);
		return NULL;
	}
	cap = calloc(1, sizeof(*cap));
	if (!cap) {
		snprintf(err, errlen, "%s: out of memory", path);
		pcap_close(p);
		return NULL;
	}
	cap->p = p;
	cap->path = path;
	return cap;
}

int fw_capture_next(struct fw_capture *cap, const uint8_t **data, uint32_t *caplen,
		    char *err, size_t errlen)
{
	struct pcap_pkthdr *h;
	const u_char *frame;
	int rc = pcap_next_ex(cap->p, &h, &frame);

	if (rc == 1) {
		*data = frame;
		*caplen = h->caplen;
		return 1;
	}
	if (rc == PCAP_ERROR_BREAK)
		return 0;
	capture_err(cap->path, pcap_geterr(cap->p), err, errlen);
	return -1;
}

void fw_capture_close(struct fw_capture *cap)
{
	if (cap) {
		pcap_close(cap->p);
		free(cap);
	}
}
