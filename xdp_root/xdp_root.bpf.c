// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * xdp_root: the only program attached to the NIC. It parses each frame once
 * (VLAN tags, IPv4 with options, IPv6 extension headers, L4 offsets), stores
 * the result for the slots, and tail-calls slot 0..7. Truncated or malformed
 * headers end here with XDP_ABORTED and a reason; non-IP frames pass.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <ecbpf/slot.bpf.h>

#define ROOT_MAX_VLAN 2
#define ROOT_MAX_IP6_EXT 8	/* extension headers walked before giving up */
#define ETH_P_8021AD_ 0x88A8
#define ETH_P_8021Q_ 0x8100
#define ICMP_MIN_LEN 4		/* type, code, checksum */

struct vlan_tag {
	__be16 tci;
	__be16 proto;
};

struct ip6_ext {
	__u8 nexthdr;
	__u8 hdrlen;
};

struct ip6_frag {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off;	/* offset << 3 | M */
	__be32 id;
};

#define PARSE_OK 0

static __always_inline int too_short(void *p, __u64 len, void *end)
{
	return p + len > end;
}

static __always_inline int parse_vlan(struct ecbpf_pkt *pkt, void **cur, void *end, __u16 *proto)
{
#pragma unroll
	for (int i = 0; i < ROOT_MAX_VLAN + 1; i++) {
		struct vlan_tag *tag = *cur;

		if (*proto != ETH_P_8021Q_ && *proto != ETH_P_8021AD_)
			return PARSE_OK;
		if (i == ROOT_MAX_VLAN)
			return ECBPF_R_VLAN_DEPTH;
		if (too_short(tag, sizeof(*tag), end))
			return ECBPF_R_VLAN_TRUNC;
		pkt->vlan_tci[i] = bpf_ntohs(tag->tci);
		pkt->vlan_depth = i + 1;
		*proto = bpf_ntohs(tag->proto);
		*cur = tag + 1;
	}
	return PARSE_OK;
}

static __always_inline int parse_ipv4(struct ecbpf_pkt *pkt, void *data, void *cur, void *end)
{
	struct iphdr *ip = cur;
	__u32 hlen;
	__u16 frag;

	if (too_short(ip, sizeof(*ip), end))
		return ECBPF_R_IP4_TRUNC;
	if (ip->version != 4)
		return ECBPF_R_IP4_VERSION;
	if (ip->ihl < 5)
		return ECBPF_R_IP4_IHL;
	hlen = ip->ihl * 4;
	if (too_short(ip, hlen, end))
		return ECBPF_R_IP4_TRUNC;

	pkt->l3_len = hlen;
	pkt->l4_proto = ip->protocol;
	pkt->ttl = ip->ttl;
	if (hlen > sizeof(*ip))
		pkt->flags |= ECBPF_PKT_F_IP_OPTS;
	frag = bpf_ntohs(ip->frag_off);
	if (frag & 0x3fff) {	/* MF or a fragment offset */
		pkt->flags |= ECBPF_PKT_F_FRAG;
		if (frag & 0x1fff) {
			pkt->flags |= ECBPF_PKT_F_FRAG_LATER;
			return PARSE_OK;
		}
	}
	pkt->l4_off = cur + hlen - data;
	return PARSE_OK;
}

static __always_inline int is_ip6_ext(__u8 nexthdr)
{
	switch (nexthdr) {
	case IPPROTO_HOPOPTS:
	case IPPROTO_ROUTING:
	case IPPROTO_FRAGMENT:
	case IPPROTO_DSTOPTS:
	case IPPROTO_AH:
	case 135:	/* Mobility */
	case 139:	/* HIP */
	case 140:	/* Shim6 */
		return 1;
	}
	return 0;
}

static __always_inline int parse_ipv6(struct ecbpf_pkt *pkt, void *data, void *cur, void *end)
{
	struct ipv6hdr *ip6 = cur;
	__u8 nexthdr;

	if (too_short(ip6, sizeof(*ip6), end))
		return ECBPF_R_IP6_TRUNC;
	if (ip6->version != 6)
		return ECBPF_R_IP6_VERSION;
	pkt->ttl = ip6->hop_limit;
	nexthdr = ip6->nexthdr;
	cur = ip6 + 1;

#pragma unroll
	for (int i = 0; i < ROOT_MAX_IP6_EXT + 1; i++) {
		if (!is_ip6_ext(nexthdr))
			break;
		if (i == ROOT_MAX_IP6_EXT)
			return ECBPF_R_IP6_EXT_DEPTH;
		pkt->flags |= ECBPF_PKT_F_IP6_EXT;
		if (nexthdr == IPPROTO_FRAGMENT) {
			struct ip6_frag *fh = cur;

			if (too_short(fh, sizeof(*fh), end))
				return ECBPF_R_IP6_EXT_TRUNC;
			pkt->flags |= ECBPF_PKT_F_FRAG;
			pkt->frag_hdr_off = (void *)fh - data;
			nexthdr = fh->nexthdr;
			cur = fh + 1;
			if (bpf_ntohs(fh->frag_off) & 0xfff8) {
				pkt->flags |= ECBPF_PKT_F_FRAG_LATER;
				pkt->l4_proto = nexthdr;
				pkt->l3_len = cur - (void *)ip6;
				return PARSE_OK;
			}
		} else {
			struct ip6_ext *ext = cur;
			__u32 len;

			if (too_short(ext, sizeof(*ext), end))
				return ECBPF_R_IP6_EXT_TRUNC;
			/* AH counts its length in 4-byte units, the others in 8-byte units. */
			len = nexthdr == IPPROTO_AH ? (ext->hdrlen + 2) * 4 : (ext->hdrlen + 1) * 8;
			if (too_short(ext, len, end))
				return ECBPF_R_IP6_EXT_TRUNC;
			nexthdr = ext->nexthdr;
			cur = (void *)ext + len;
		}
	}
	pkt->l4_proto = nexthdr;
	pkt->l3_len = cur - (void *)ip6;
	pkt->l4_off = cur - data;
	return PARSE_OK;
}

/* The L4 header a later slot will read must be whole. */
static __always_inline int check_l4(struct ecbpf_pkt *pkt, void *data, void *end)
{
	void *l4 = data + (pkt->l4_off & 0xfff);

	switch (pkt->l4_proto) {
	case IPPROTO_TCP: {
		struct tcphdr *th = l4;

		if (too_short(th, sizeof(*th), end) || th->doff < 5 ||
		    too_short(th, th->doff * 4, end))
			return ECBPF_R_L4_TRUNC;
		break;
	}
	case IPPROTO_UDP:
		if (too_short(l4, sizeof(struct udphdr), end))
			return ECBPF_R_L4_TRUNC;
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if (too_short(l4, ICMP_MIN_LEN, end))
			return ECBPF_R_L4_TRUNC;
		break;
	}
	return PARSE_OK;
}

/*
 * The common case, untagged IPv4 without options or fragmentation carrying a
 * whole UDP header or an option-less TCP header, written with three stores.
 * Returns 1 if it handled the frame; anything else takes the general parse.
 */
static __always_inline int parse_fast(void *data, void *end, struct ecbpf_pkt *pkt)
{
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	__u64 *out = (__u64 *)pkt;
	__u32 l4_end;
	__u8 proto;

	if ((void *)(ip + 1) + sizeof(struct udphdr) > end)
		return 0;
	if (eth->h_proto != bpf_htons(ETH_P_IP) || *(__u8 *)ip != 0x45 ||
	    (ip->frag_off & bpf_htons(0x3fff)))
		return 0;
	proto = ip->protocol;
	if (proto == IPPROTO_UDP)
		l4_end = 42;
	else if (proto == IPPROTO_TCP)
		l4_end = 54;
	else
		return 0;
	if (data + l4_end > end)
		return 0;
	if (proto == IPPROTO_TCP && ((struct tcphdr *)(ip + 1))->doff != 5)
		return 0;
	/* struct ecbpf_pkt as three little-endian words; see shared.h. */
	out[0] = (__u64)(end - data) | ((__u64)ECBPF_FAST_L3_OFF << 32) |
		 ((__u64)ECBPF_FAST_L4_OFF << 48);
	out[1] = ETH_P_IP;
	out[2] = ((__u64)proto << 8) | ((__u64)ip->ttl << 24) | (20ULL << 32);
	return 1;
}

static __always_inline int parse(struct xdp_md *ctx, struct ecbpf_pkt *pkt)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	void *cur = eth + 1;
	__u16 proto;
	int ret;

	if (parse_fast(data, end, pkt))
		return PARSE_OK;
	__builtin_memset(pkt, 0, sizeof(*pkt));
	pkt->len = end - data;
	if (too_short(eth, sizeof(*eth), end))
		return ECBPF_R_ETH_TRUNC;
	proto = bpf_ntohs(eth->h_proto);
	ret = parse_vlan(pkt, &cur, end, &proto);
	if (ret)
		return ret;
	pkt->eth_proto = proto;
	if (cur - data > 0xff)
		return ECBPF_R_VLAN_TRUNC;
	pkt->l3_off = cur - data;

	if (proto == ETH_P_IP)
		ret = parse_ipv4(pkt, data, cur, end);
	else if (proto == ETH_P_IPV6)
		ret = parse_ipv6(pkt, data, cur, end);
	else
		return ECBPF_R_NOT_IP;
	if (ret || !pkt->l4_off)
		return ret;
	return check_l4(pkt, data, end);
}

SEC("xdp")
int xdp_root(struct xdp_md *ctx)
{
	struct ecbpf_scratch *s = ecbpf_scratch_get();
	int reason;

	if (!s)
		return ecbpf_finish(ctx, XDP_ABORTED, ECBPF_R_INTERNAL, 0);
	reason = parse(ctx, &s->pkt);
	if (reason == ECBPF_R_NOT_IP)
		return ecbpf_finish(ctx, XDP_PASS, ECBPF_R_NOT_IP, s->pkt.eth_proto);
	if (reason)
		return ecbpf_finish(ctx, XDP_ABORTED, reason, 0);
	return ecbpf_next(ctx);
}
