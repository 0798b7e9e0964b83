/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Packet builder and BPF_PROG_TEST_RUN wrapper for the BPF tests. Header-only.
 *
 *	struct pkt p;
 *	pkt_init(&p);
 *	pkt_eth(&p, ETH_P_8021Q);  pkt_vlan(&p, 100, ETH_P_IP);
 *	pkt_ipv4(&p, "10.0.0.1", "10.0.0.2", IPPROTO_UDP);
 *	pkt_udp(&p, 1234, 53, 18);        // 18 bytes of payload
 *	pkt_finish(&p);                   // lengths and checksums
 *	struct run r = run_prog(prog_fd, p.buf, p.len);
 */
#ifndef ECBPF_PKTBUILD_H
#define ECBPF_PKTBUILD_H

#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <bpf/bpf.h>

#define PKT_MAX 2048

struct pkt {
	/*
	 * Two bytes before the frame put the IP header (after 14, 18 or 22 bytes
	 * of Ethernet and VLAN tags) on a 4-byte boundary, so writing it through
	 * struct pointers is aligned (UBSan checks).
	 */
	uint8_t align_pad[2];
	uint8_t buf[PKT_MAX];
	size_t len;
	int l3_off, l4_off;	/* -1 if absent */
	int ip6_nexthdr_off;	/* where the next "next header" byte goes */
	int is_v6;
	int l4_proto;
};

static inline void pkt_init(struct pkt *p)
{
	_Static_assert(offsetof(struct pkt, buf) % 8 == 2, "IP headers must land 4-byte aligned");
	memset(p, 0, sizeof(*p));
	p->l3_off = p->l4_off = -1;
	p->ip6_nexthdr_off = -1;
}

static inline void *pkt_put(struct pkt *p, size_t n)
{
	void *at = p->buf + p->len;

	memset(at, 0, n);
	p->len += n;
	return at;
}

static inline void pkt_eth(struct pkt *p, uint16_t proto)
{
	struct ethhdr *e = pkt_put(p, sizeof(*e));
	static const uint8_t dst[6] = { 0x02, 0, 0, 0, 0, 0x01 }, src[6] = { 0x02, 0, 0, 0, 0, 0x02 };

	memcpy(e->h_dest, dst, 6);
	memcpy(e->h_source, src, 6);
	e->h_proto = htons(proto);
}

static inline void pkt_vlan(struct pkt *p, uint16_t tci, uint16_t inner_proto)
{
	uint16_t *t = pkt_put(p, 4);

	t[0] = htons(tci);
	t[1] = htons(inner_proto);
}

static inline struct iphdr *pkt_ipv4(struct pkt *p, const char *src, const char *dst, uint8_t proto)
{
	struct iphdr *ip;

	p->l3_off = p->len;
	ip = pkt_put(p, sizeof(*ip));
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = proto;
	inet_pton(AF_INET, src, &ip->saddr);
	inet_pton(AF_INET, dst, &ip->daddr);
	p->l4_proto = proto;
	return ip;
}

/* IPv4 options (already padded to a multiple of 4 bytes by the caller). */
static inline void pkt_ipv4_options(struct pkt *p, const uint8_t *opts, size_t n)
{
	struct iphdr *ip = (struct iphdr *)(p->buf + p->l3_off);

	memcpy(pkt_put(p, n), opts, n);
	ip->ihl = 5 + n / 4;
}

static inline struct ipv6hdr *pkt_ipv6(struct pkt *p, const char *src, const char *dst,
				       uint8_t nexthdr)
{
	struct ipv6hdr *ip6;

	p->l3_off = p->len;
	p->is_v6 = 1;
	ip6 = pkt_put(p, sizeof(*ip6));
	ip6->version = 6;
	ip6->hop_limit = 64;
	ip6->nexthdr = nexthdr;
	inet_pton(AF_INET6, src, &ip6->saddr);
	inet_pton(AF_INET6, dst, &ip6->daddr);
	p->ip6_nexthdr_off = p->l3_off + 6;
	p->l4_proto = nexthdr;
	return ip6;
}

/* An IPv6 extension header (hop-by-hop, routing, destination options) of LEN8 8-byte units + 8. */
static inline void pkt_ip6_ext(struct pkt *p, uint8_t type, uint8_t nexthdr, uint8_t len8)
{
	uint8_t *h;

	p->buf[p->ip6_nexthdr_off] = type;
	h = pkt_put(p, (len8 + 1) * 8);
	h[0] = nexthdr;
	h[1] = len8;
	if (type == IPPROTO_ROUTING) {
		h[2] = 4;	/* segment routing type, segments left 0 */
		h[3] = 0;
	}
	p->ip6_nexthdr_off = h - p->buf;
	p->l4_proto = nexthdr;
}

/* IPv6 Fragment header: OFFSET in bytes (multiple of 8), MORE fragments flag. */
static inline void pkt_ip6_frag(struct pkt *p, uint8_t nexthdr, uint16_t offset, int more,
				uint32_t id)
{
	uint8_t *h;
	uint16_t fo = htons((offset & 0xfff8) | (more ? 1 : 0));

	p->buf[p->ip6_nexthdr_off] = IPPROTO_FRAGMENT;
	h = pkt_put(p, 8);
	h[0] = nexthdr;
	memcpy(h + 2, &fo, 2);
	id = htonl(id);
	memcpy(h + 4, &id, 4);
	p->ip6_nexthdr_off = h - p->buf;
	p->l4_proto = nexthdr;
}

/* Set IPv4 fragment fields: OFFSET in bytes, MF flag, and the reserved (evil) bit. */
static inline void pkt_ipv4_frag(struct pkt *p, uint16_t offset, int more, int evil)
{
	struct iphdr *ip = (struct iphdr *)(p->buf + p->l3_off);

	ip->frag_off = htons((offset / 8) | (more ? 0x2000 : 0) | (evil ? 0x8000 : 0));
}

static inline struct udphdr *pkt_udp(struct pkt *p, uint16_t sport, uint16_t dport,
				     size_t payload)
{
	struct udphdr *u;

	p->l4_off = p->len;
	u = pkt_put(p, sizeof(*u));
	u->source = htons(sport);
	u->dest = htons(dport);
	for (size_t i = 0; i < payload; i++)
		*(uint8_t *)pkt_put(p, 1) = (uint8_t)i;
	return u;
}

static inline struct tcphdr *pkt_tcp(struct pkt *p, uint16_t sport, uint16_t dport,
				     uint8_t flags, size_t payload)
{
	struct tcphdr *t;

	p->l4_off = p->len;
	t = pkt_put(p, sizeof(*t));
	t->source = htons(sport);
	t->dest = htons(dport);
	t->doff = 5;
	((uint8_t *)t)[13] = flags;
	t->window = htons(65535);
	for (size_t i = 0; i < payload; i++)
		*(uint8_t *)pkt_put(p, 1) = (uint8_t)i;
	return t;
}

/* ICMP or ICMPv6 (by the IP version) with a 4-byte rest-of-header and PAYLOAD bytes. */
static inline uint8_t *pkt_icmp(struct pkt *p, uint8_t type, uint8_t code, size_t payload)
{
	uint8_t *h;

	p->l4_off = p->len;
	h = pkt_put(p, 8 + payload);
	h[0] = type;
	h[1] = code;
	for (size_t i = 0; i < payload; i++)
		h[8 + i] = (uint8_t)i;
	return h;
}

static inline uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *b = data;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (b[i] << 8) | b[i + 1];
	if (len & 1)
		sum += b[len - 1] << 8;
	return sum;
}

static inline uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons(~sum & 0xffff);
}

/* Internet checksum of LEN bytes (result in network order); 0 means valid when verifying. */
static inline uint16_t inet_csum(const void *data, size_t len)
{
	return csum_fold(csum_add(0, data, len));
}

/*
 * L4 checksum with the IPv4/IPv6 pseudo-header, over the frame from L4 to the
 * end. Reads by byte offset, so FRAME may have any alignment (output packets).
 */
static inline uint16_t l4_csum(const uint8_t *frame, size_t len, int l3_off, int l4_off,
			       int is_v6, uint8_t proto)
{
	uint32_t sum = 0;
	size_t l4_len = len - l4_off;
	uint8_t pseudo[8];

	if (is_v6) {
		uint32_t l = htonl(l4_len);

		sum = csum_add(sum, frame + l3_off + 8, 32);	/* source and destination */
		memcpy(pseudo, &l, 4);
		pseudo[4] = pseudo[5] = pseudo[6] = 0;
		pseudo[7] = proto;
		sum = csum_add(sum, pseudo, 8);
	} else {
		if (proto == IPPROTO_ICMP)
			return csum_fold(csum_add(0, frame + l4_off, l4_len));
		sum = csum_add(sum, frame + l3_off + 12, 8);	/* source and destination */
		pseudo[0] = 0;
		pseudo[1] = proto;
		pseudo[2] = l4_len >> 8;
		pseudo[3] = l4_len & 0xff;
		sum = csum_add(sum, pseudo, 4);
	}
	return csum_fold(csum_add(sum, frame + l4_off, l4_len));
}

/* Fill in IP lengths and all checksums, from the offsets recorded while building. */
static inline void pkt_finish(struct pkt *p)
{
	if (p->l3_off < 0)
		return;
	if (p->is_v6) {
		struct ipv6hdr *ip6 = (void *)(p->buf + p->l3_off);

		ip6->payload_len = htons(p->len - p->l3_off - sizeof(*ip6));
	} else {
		struct iphdr *ip = (void *)(p->buf + p->l3_off);

		ip->tot_len = htons(p->len - p->l3_off);
		ip->check = 0;
		ip->check = inet_csum(ip, ip->ihl * 4);
	}
	if (p->l4_off < 0)
		return;
	if (p->l4_proto == IPPROTO_UDP) {
		struct udphdr *u = (void *)(p->buf + p->l4_off);

		u->len = htons(p->len - p->l4_off);
		u->check = 0;
		u->check = l4_csum(p->buf, p->len, p->l3_off, p->l4_off, p->is_v6, IPPROTO_UDP);
	} else if (p->l4_proto == IPPROTO_TCP) {
		struct tcphdr *t = (void *)(p->buf + p->l4_off);

		t->check = 0;
		t->check = l4_csum(p->buf, p->len, p->l3_off, p->l4_off, p->is_v6, IPPROTO_TCP);
	} else if (p->l4_proto == IPPROTO_ICMP || p->l4_proto == IPPROTO_ICMPV6) {
		uint8_t *h = p->buf + p->l4_off;

		h[2] = h[3] = 0;
		uint16_t c = l4_csum(p->buf, p->len, p->l3_off, p->l4_off, p->is_v6, p->l4_proto);

		memcpy(h + 2, &c, 2);
	}
}

/* Pad the frame with zero bytes to at least LEN (Ethernet minimum is 60 without FCS). */
static inline void pkt_pad(struct pkt *p, size_t len)
{
	if (p->len < len)
		pkt_put(p, len - p->len);
}

struct run {
	int err;		/* bpf_prog_test_run_opts() result (0 or -errno) */
	uint32_t action;	/* XDP action returned */
	uint8_t out[PKT_MAX];	/* packet after the program */
	uint32_t out_len;
	uint32_t duration;	/* ns per run, as reported by the kernel */
};

/* Run PROG_FD once (or REPEAT times) on DATA; the output packet lands in r.out. */
static inline struct run run_prog_repeat(int prog_fd, const void *data, size_t len, int repeat)
{
	struct run r = {};
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = data, .data_size_in = len,
		    .data_out = r.out, .data_size_out = sizeof(r.out), .repeat = repeat);

	r.err = bpf_prog_test_run_opts(prog_fd, &o) ? -errno : 0;
	r.action = o.retval;
	r.out_len = o.data_size_out;
	r.duration = o.duration;
	return r;
}

static inline struct run run_prog(int prog_fd, const void *data, size_t len)
{
	return run_prog_repeat(prog_fd, data, len, 1);
}

#endif /* ECBPF_PKTBUILD_H */
