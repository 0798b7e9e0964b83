/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* SHA-1 (FIPS 180-4) of a frame, for the test lines of rule files. Not for security. */
#ifndef XDP_FW_SHA1_H
#define XDP_FW_SHA1_H

#include <stddef.h>
#include <stdint.h>

void fw_sha1(const void *data, size_t len, uint8_t out[20]);
/* 40 lowercase hex digits and a NUL. */
void fw_sha1_hex(const uint8_t sha1[20], char out[41]);

#endif /* XDP_FW_SHA1_H */
