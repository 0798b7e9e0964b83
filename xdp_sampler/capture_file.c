// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * pcapng (draft-ietf-opsawg-pcapng) and classic pcap writers, in host byte
 * order as both formats allow: readers detect the order from the magic.
 */
#include <errno.h>
#include <string.h>
#include "capture_file.h"

#define PCAPNG_SHB 0x0A0D0D0A
#define PCAPNG_IDB 0x00000001
#define PCAPNG_EPB 0x00000006
#define PCAPNG_BYTE_ORDER_MAGIC 0x1A2B3C4D
#define PCAPNG_OPT_END 0
#define PCAPNG_OPT_COMMENT 1
#define PCAPNG_SHB_USERAPPL 4
#define PCAPNG_IF_NAME 2
#define PCAPNG_IF_TSRESOL 9
#define PCAP_MAGIC_NSEC 0xA1B23C4D

static const uint8_t zeros[8];

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

static int put(struct capture_file *cf, const void *p, size_t n)
{
	return n && fwrite(p, 1, n, cf->f) != n ? -EIO : 0;
}

static int put32(struct capture_file *cf, uint32_t v)
{
	return put(cf, &v, 4);
}

static size_t opt_size(size_t len)
{
	return 4 + pad4(len);
}

/* One pcapng option: code, length, value padded to 32 bits. */
static int put_opt(struct capture_file *cf, uint16_t code, const void *val, size_t len)
{
	uint16_t h[2] = { code, (uint16_t)len };

	if (put(cf, h, 4) || put(cf, val, len) || put(cf, zeros, pad4(len) - len))
		return -EIO;
	return 0;
}

int capture_format_parse(const char *s, enum capture_format *out)
{
	if (!strcmp(s, "pcapng"))
		*out = CAPTURE_PCAPNG;
	else if (!strcmp(s, "pcap"))
		*out = CAPTURE_PCAP;
	else
		return -EINVAL;
	return 0;
}

static int pcapng_shb(struct capture_file *cf, const char *app)
{
	size_t alen = strlen(app);
	uint32_t total = 28 + opt_size(alen) + 4;
	uint16_t version[2] = { 1, 0 };
	int64_t section_len = -1;	/* unknown: we stream */

	if (put32(cf, PCAPNG_SHB) || put32(cf, total) || put32(cf, PCAPNG_BYTE_ORDER_MAGIC) ||
	    put(cf, version, 4) || put(cf, &section_len, 8) ||
	    put_opt(cf, PCAPNG_SHB_USERAPPL, app, alen) || put_opt(cf, PCAPNG_OPT_END, NULL, 0) ||
	    put32(cf, total))
		return -EIO;
	return 0;
}

int capture_open(struct capture_file *cf, FILE *f, enum capture_format format, uint32_t snaplen,
		 const char *app)
{
	memset(cf, 0, sizeof(*cf));
	cf->f = f;
	cf->format = format;
	cf->snaplen = snaplen;
	if (format == CAPTURE_PCAPNG)
		return pcapng_shb(cf, app);

	struct {
		uint32_t magic;
		uint16_t major, minor;
		int32_t thiszone;
		uint32_t sigfigs, snaplen, linktype;
	} hdr = { PCAP_MAGIC_NSEC, 2, 4, 0, 0, snaplen, CAPTURE_LINKTYPE_ETHERNET };
	_Static_assert(sizeof(hdr) == 24, "pcap file header");

	return put(cf, &hdr, sizeof(hdr));
}

int capture_iface(struct capture_file *cf, const char *name)
{
	size_t nlen = strnlen(name, IF_NAMESIZE - 1);
	uint8_t tsresol = 9;		/* 10^-9 s: nanoseconds */
	uint32_t total;
	uint16_t link[2] = { CAPTURE_LINKTYPE_ETHERNET, 0 };

	if (cf->format == CAPTURE_PCAP)
		return 0;
	for (int i = 0; i < cf->n_ifaces; i++)
		if (!strncmp(cf->ifnames[i], name, IF_NAMESIZE))
			return i;
	if (cf->n_ifaces == CAPTURE_MAX_IFACES)
		return -E2BIG;
	total = 16 + opt_size(nlen) + opt_size(1) + 4 + 4;
	if (put32(cf, PCAPNG_IDB) || put32(cf, total) || put(cf, link, 4) ||
	    put32(cf, cf->snaplen) || put_opt(cf, PCAPNG_IF_NAME, name, nlen) ||
	    put_opt(cf, PCAPNG_IF_TSRESOL, &tsresol, 1) || put_opt(cf, PCAPNG_OPT_END, NULL, 0) ||
	    put32(cf, total))
		return -EIO;
	memcpy(cf->ifnames[cf->n_ifaces], name, nlen);
	cf->ifnames[cf->n_ifaces][nlen] = '\0';
	return cf->n_ifaces++;
}

static int pcapng_epb(struct capture_file *cf, int iface, uint64_t ts, uint32_t frame_len,
		      const void *data, uint32_t cap_len, const char *comment)
{
	size_t clen = comment ? strlen(comment) : 0;
	uint32_t total, head[5];

	if (clen > 0xffff)
		clen = 0xffff;
	total = 28 + pad4(cap_len) + (clen ? opt_size(clen) : 0) + 4 + 4;
	head[0] = iface;
	head[1] = ts >> 32;
	head[2] = (uint32_t)ts;
	head[3] = cap_len;
	head[4] = frame_len;
	if (put32(cf, PCAPNG_EPB) || put32(cf, total) || put(cf, head, sizeof(head)) ||
	    put(cf, data, cap_len) || put(cf, zeros, pad4(cap_len) - cap_len) ||
	    (clen && put_opt(cf, PCAPNG_OPT_COMMENT, comment, clen)) ||
	    put_opt(cf, PCAPNG_OPT_END, NULL, 0) || put32(cf, total))
		return -EIO;
	return 0;
}

int capture_write(struct capture_file *cf, int iface, uint64_t tstamp_ns, uint32_t frame_len,
		  const void *data, uint32_t cap_len, const char *comment)
{
	int err;

	if (cap_len > cf->snaplen)
		cap_len = cf->snaplen;
	if (cap_len > frame_len)
		cap_len = frame_len;
	if (cf->format == CAPTURE_PCAPNG) {
		if (iface < 0 || iface >= cf->n_ifaces)
			return -EINVAL;
		err = pcapng_epb(cf, iface, tstamp_ns, frame_len, data, cap_len, comment);
	} else {
		uint32_t rec[4] = { tstamp_ns / 1000000000ULL, tstamp_ns % 1000000000ULL, cap_len,
				    frame_len };

		err = put(cf, rec, sizeof(rec)) || put(cf, data, cap_len) ? -EIO : 0;
	}
	if (!err)
		cf->packets++;
	return err;
}

int capture_flush(struct capture_file *cf)
{
	return fflush(cf->f) ? -EIO : 0;
}

int capture_close(struct capture_file *cf)
{
	int err = capture_flush(cf);

	if (cf->f != stdout && fclose(cf->f) && !err)
		err = -EIO;
	cf->f = NULL;
	return err;
}
