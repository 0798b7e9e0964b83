/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Frames of a pcap or pcapng file. A separate unit because <pcap.h> and
 * <linux/bpf.h> both define struct bpf_insn.
 */
#ifndef XDP_FW_CAPTURE_H
#define XDP_FW_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

struct fw_capture;

/* Open an Ethernet capture; NULL with a message in ERR on failure. */
struct fw_capture *fw_capture_open(const char *path, char *err, size_t errlen);
/* Next frame: 1 and the captured bytes, 0 at the end, -1 on a read error (message in ERR). */
int fw_capture_next(struct fw_capture *cap, const uint8_t **data, uint32_t *caplen,
		    char *err, size_t errlen);
void fw_capture_close(struct fw_capture *cap);

#endif /* XDP_FW_CAPTURE_H */
