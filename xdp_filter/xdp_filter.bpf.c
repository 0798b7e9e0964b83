// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * xdp_filter: the first line of DDoS defence. Decisions, in order, each with
 * its own reason code and counter:
 *
 *   1. IPv4 with options                          DROP     filter_ip_options
 *   2. IPv4/IPv6 length beyond the frame           ABORTED  filter_ip_length
 *   3. RFC 3514 evil bit                           DROP     filter_evil_bit
 *   4. source in filter_src_v4 / filter_src_v6     DROP     filter_source_drop
 *   5. fragments, when frags_drop is on:
 *      first fragment, payload >= 8 and % 8 == 0   TX       filter_ptb_sent (packet-too-big reply)
 *        ... reply budget spent                    DROP     filter_ptb_rate_limited
 *        ... reply cannot be built                 DROP     filter_ptb_error
 *      any other fragment                          DROP     filter_fragment_drop
 *   6. otherwise: the next slot.
 *
 * Headers are not parsed again: the root's parse context gives the offsets,
 * and every access is bounds-checked against data_end for the verifier.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_endian.h>
#include <ecbpf/slot.bpf.h>
#include "filter_shared.h"

#define NSEC_PER_SEC 1000000000ULL
#define IP4_MF 0x2000
#define IP4_EVIL 0x8000
#define IP4_OFFSET 0x1fff
#define IP6_FRAG_OFFSET 0xfff8
#define IP6_FRAG_MORE 0x0001
#define IP4_MIN_MTU 68		/* RFC 791 */
#define IP6_MIN_MTU 1280	/* RFC 8200 */
#define PTB_QUOTE4 8		/* payload bytes quoted after the IPv4 header (RFC 792) */
#define PTB6_QUOTE_MAX 128	/* IPv6 header + extension chain + 8 bytes quoted, at most */
#define PTB4_GROW (sizeof(struct iphdr) + sizeof(struct ptb_icmp4))
#define PTB6_GROW (sizeof(struct ipv6hdr) + sizeof(struct ptb_icmp6))
#define TTL_REPLY 64
#define ICMP_DEST_UNREACH 3
#define ICMP_FRAG_NEEDED 4
#define ICMPV6_PKT_TOOBIG 2

/* ICMP "fragmentation needed" and ICMPv6 "packet too big" headers (linux/icmp.h needs libc). */
struct ptb_icmp4 {
	__u8 type;
	__u8 code;
	__sum16 checksum;
	__be16 unused;
	__be16 mtu;
};

struct ptb_icmp6 {
	__u8 type;
	__u8 code;
	__sum16 checksum;
	__be32 mtu;
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, FILTER_DROP_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct filter_key_v4);
	__type(value, struct filter_drop_entry);
} filter_src_v4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, FILTER_DROP_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct filter_key_v6);
	__type(value, struct filter_drop_entry);
} filter_src_v6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct filter_config);
} filter_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct filter_stats);
} filter_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct filter_src_hint);
} filter_src_hint SEC(".maps");

/* One budget per interface, shared by all CPUs: not per CPU on purpose. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct filter_ptb_rate);
} filter_ptb_rate_v2 SEC(".maps");

static __always_inline __u32 filter_count(__u32 idx, __u32 reason)
{
	struct filter_stats *st = bpf_map_lookup_elem(&filter_stats, ECBPF_KEY0);

	if (st && idx < FILTER_C_MAX)
		st->count[idx]++;
	return reason;
}

/* May a drop prefix match a source in BUCKET? A clear bit saves the trie lookup. */
static __always_inline int hint_set(const __u64 *bits, __u32 bucket)
{
	return (bits[ecbpf_bound(bucket >> 6, FILTER_HINT_BUCKETS / 64 - 1)] >> (bucket & 63)) & 1;
}

static __always_inline struct filter_config *filter_cfg_get(void)
{
	return bpf_map_lookup_elem(&filter_cfg, ECBPF_KEY0);
}

static __always_inline __u32 reason_action(__u32 reason)
{
	switch (reason) {
	case ECBPF_R_FILTER_PTB_SENT:
		return XDP_TX;
	case ECBPF_R_FILTER_IP_LEN:
	case ECBPF_R_INTERNAL:
		return XDP_ABORTED;
	}
	return XDP_DROP;
}

/*
 * The packet-too-big budget: a one-second window shared by all CPUs, under
 * the entry's spin lock (5.10 has no atomic compare-and-exchange; the lock
 * works on every kernel and is taken only for a first fragment, never on
 * the common path). Exact: no CPU gets a reply past the budget.
 */
static __always_inline int ptb_budget(__u32 max_pps)
{
	struct filter_ptb_rate *r = bpf_map_lookup_elem(&filter_ptb_rate_v2, ECBPF_KEY0);
	__u64 now;
	int ok;

	if (!r || !max_pps)
		return 0;
	now = bpf_ktime_get_ns();
	bpf_spin_lock(&r->lock);
	if (now - r->window_start >= NSEC_PER_SEC) {
		r->window_start = now;
		r->sent = 0;
	}
	ok = r->sent < max_pps;
	if (ok)
		r->sent++;
	bpf_spin_unlock(&r->lock);
	return ok;
}

static __always_inline __u32 csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

/* Sum of N 16-bit words (network order is fine: the one's complement sum is byte-order blind). */
static __always_inline __u32 csum_words(const __u16 *p, const int n)
{
	__u32 sum = 0;

#pragma unroll
	for (int i = 0; i < n; i++)
		sum += p[i];
	return sum;
}

/*
 * Make room for a reply header of GROW bytes in front of the frame's L3 header:
 * grow the head and move the Ethernet header and VLAN tags (L3 bytes, a
 * constant) to the new front with the MAC addresses swapped. The old L3
 * header then sits at L3 + GROW. Returns 0, or the counter to bump.
 */
static __always_inline int ptb_make_room(struct xdp_md *ctx, const __u32 l3, const __u32 grow)
{
	struct ethhdr *eth, *old;
	void *data, *end;

	if (bpf_xdp_adjust_head(ctx, -(int)grow))
		return FILTER_C_PTB_MEM_ERR;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	if (data + grow + l3 > end)
		return FILTER_C_PTB_ERR;
	/* grow > l3, so the old and new link headers do not overlap. */
	eth = data;
	old = data + grow;
	__builtin_memcpy(eth->h_dest, old->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, old->h_dest, ETH_ALEN);
	__builtin_memcpy((void *)eth + 2 * ETH_ALEN, (void *)old + 2 * ETH_ALEN,
			 l3 - 2 * ETH_ALEN);
	return 0;
}

static __always_inline int ptb_trim(struct xdp_md *ctx, __u32 len)
{
	int delta = (int)len - (int)(ctx->data_end - ctx->data);

	if (delta < 0 && bpf_xdp_adjust_tail(ctx, delta))
		return FILTER_C_PTB_MEM_ERR;
	return 0;
}

/*
 * Turn an IPv4 first fragment (no options, L3 at the constant L3) into an
 * ICMP "fragmentation needed" reply: new IPv4 + ICMP header, then the
 * original IPv4 header and its first 8 payload bytes (RFC 792). After this
 * the parse context no longer describes the frame; it is final, so nothing
 * reads the context again.
 */
static __always_inline __u32 ptb_send4(struct xdp_md *ctx, const __u32 l3, __u16 mtu)
{
	const __u32 reply = PTB4_GROW + sizeof(struct iphdr) + PTB_QUOTE4;
	struct iphdr *ip, *inner;
	struct ptb_icmp4 *icmp;
	void *data, *end;
	int err;

	err = ptb_make_room(ctx, l3, PTB4_GROW);
	if (!err)
		err = ptb_trim(ctx, l3 + reply);
	if (err)
		return filter_count(err, ECBPF_R_FILTER_PTB_ERR);
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	if (data + l3 + reply > end)
		return filter_count(FILTER_C_PTB_ERR, ECBPF_R_FILTER_PTB_ERR);
	ip = data + l3;
	icmp = (void *)(ip + 1);
	inner = (void *)(icmp + 1);

	ip->version = 4;
	ip->ihl = 5;
	ip->tos = 0xc0;		/* internetwork control, as the kernel's own ICMP errors */
	ip->tot_len = bpf_htons(reply);
	ip->id = 0;
	ip->frag_off = 0;
	ip->ttl = TTL_REPLY;
	ip->protocol = IPPROTO_ICMP;
	ip->check = 0;
	ip->saddr = inner->daddr;
	ip->daddr = inner->saddr;
	ip->check = csum_fold(csum_words((__u16 *)ip, sizeof(*ip) / 2));

	icmp->type = ICMP_DEST_UNREACH;
	icmp->code = ICMP_FRAG_NEEDED;
	icmp->checksum = 0;
	icmp->unused = 0;
	icmp->mtu = bpf_htons(mtu);
	icmp->checksum = csum_fold(csum_words((__u16 *)icmp, (reply - sizeof(*ip)) / 2));
	return filter_count(FILTER_C_PTB_SENT, ECBPF_R_FILTER_PTB_SENT);
}

/*
 * Turn an IPv6 first fragment into an ICMPv6 Packet Too Big: new IPv6 +
 * ICMPv6 header, then the original IPv6 header, its extension headers and
 * the first 8 bytes of the upper-layer header (QUOTE bytes in all), which is
 * what the sender's stack needs to find the socket. The parse context is
 * stale afterwards; the frame is final.
 */
static __always_inline __u32 ptb_send6(struct xdp_md *ctx, const __u32 l3, __u32 quote, __u32 mtu)
{
	struct ipv6hdr *ip6, *inner;
	struct ptb_icmp6 *icmp6;
	void *data, *end;
	__u16 *q;
	__u32 sum;
	int err;

	err = ptb_make_room(ctx, l3, PTB6_GROW);
	if (!err)
		err = ptb_trim(ctx, l3 + PTB6_GROW + quote);
	if (err)
		return filter_count(err, ECBPF_R_FILTER_PTB_ERR);
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	if (data + l3 + PTB6_GROW + sizeof(*inner) > end)
		return filter_count(FILTER_C_PTB_ERR, ECBPF_R_FILTER_PTB_ERR);
	ip6 = data + l3;
	icmp6 = (void *)(ip6 + 1);
	inner = (void *)(icmp6 + 1);

	ip6->version = 6;
	ip6->priority = 0;
	ip6->flow_lbl[0] = ip6->flow_lbl[1] = ip6->flow_lbl[2] = 0;
	ip6->payload_len = bpf_htons(sizeof(*icmp6) + quote);
	ip6->nexthdr = IPPROTO_ICMPV6;
	ip6->hop_limit = TTL_REPLY;
	ip6->saddr = inner->daddr;
	ip6->daddr = inner->saddr;

	icmp6->type = ICMPV6_PKT_TOOBIG;
	icmp6->code = 0;
	icmp6->checksum = 0;
	icmp6->mtu = bpf_htonl(mtu);

	/* Pseudo-header (addresses, upper-layer length, next header), then the message. */
	sum = csum_words((__u16 *)&ip6->saddr, 16);
	sum += bpf_htons(sizeof(*icmp6) + quote) + bpf_htons(IPPROTO_ICMPV6);
	sum += csum_words((__u16 *)icmp6, sizeof(*icmp6) / 2);
	q = (__u16 *)inner;
	for (__u32 i = 0; i < PTB6_QUOTE_MAX / 2; i++) {
		if (i >= quote / 2 || (void *)(q + i + 1) > end)
			break;
		sum += q[i];
	}
	icmp6->checksum = csum_fold(sum);
	return filter_count(FILTER_C_PTB_SENT, ECBPF_R_FILTER_PTB_SENT);
}

/* The root puts L3 right after Ethernet and up to two VLAN tags: one constant per depth. */
static __always_inline __u32 ptb_reply4(struct xdp_md *ctx, struct ecbpf_pkt *pkt, __u16 mtu)
{
	if (ecbpf_monitoring())		/* monitor mode: count the reply, never rewrite */
		return filter_count(FILTER_C_PTB_SENT, ECBPF_R_FILTER_PTB_SENT);
	switch (pkt->vlan_depth) {
	case 0:
		return ptb_send4(ctx, ETH_HLEN, mtu);
	case 1:
		return ptb_send4(ctx, ETH_HLEN + 4, mtu);
	case 2:
		return ptb_send4(ctx, ETH_HLEN + 8, mtu);
	}
	return filter_count(FILTER_C_PTB_ERR, ECBPF_R_FILTER_PTB_ERR);
}

static __always_inline __u32 ptb_reply6(struct xdp_md *ctx, struct ecbpf_pkt *pkt, __u32 quote,
					__u32 mtu)
{
	if (ecbpf_monitoring())
		return filter_count(FILTER_C_PTB_SENT, ECBPF_R_FILTER_PTB_SENT);
	switch (pkt->vlan_depth) {
	case 0:
		return ptb_send6(ctx, ETH_HLEN, quote, mtu);
	case 1:
		return ptb_send6(ctx, ETH_HLEN + 4, quote, mtu);
	case 2:
		return ptb_send6(ctx, ETH_HLEN + 8, quote, mtu);
	}
	return filter_count(FILTER_C_PTB_ERR, ECBPF_R_FILTER_PTB_ERR);
}

static __always_inline __u32 filter_ipv4(struct xdp_md *ctx, struct ecbpf_pkt *pkt,
					 struct filter_src_hint *hint, __u64 *meta)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct iphdr *ip = data + (pkt->l3_off & 0x3f);
	struct filter_config *cfg;
	__u16 frag, tot_len, payload;
	__u32 reason;

	if ((void *)(ip + 1) > end)
		return filter_count(FILTER_C_IP_HEADER_ERR, ECBPF_R_INTERNAL);

	/* 1. Options: rarely legitimate on the Internet, often in attacks. */
	if (ip->ihl != 5)
		return filter_count(FILTER_C_IP_OPTIONS_DROP, ECBPF_R_FILTER_IP_OPTIONS);

	/* 2. Total length: the IP packet must fit in the frame (Ethernet padding may follow). */
	tot_len = bpf_ntohs(ip->tot_len);
	if (tot_len < sizeof(*ip) || (void *)ip + tot_len > end)
		return filter_count(FILTER_C_IP_LENGTH_ERR, ECBPF_R_FILTER_IP_LEN);

	/* 3. The evil bit (RFC 3514): the reserved flag is never set by honest stacks. */
	frag = bpf_ntohs(ip->frag_off);
	if (frag & IP4_EVIL)
		return filter_count(FILTER_C_EVIL_BIT_DROP, ECBPF_R_FILTER_EVIL_BIT);

	/* 4. Source drop list; the hint spares most sources the trie lookup. */
	if (hint_set(hint->v4, filter_bucket_v4((__u8 *)&ip->saddr))) {
		struct filter_key_v4 key = { .prefixlen = 32 };

		__builtin_memcpy(key.addr, &ip->saddr, sizeof(key.addr));
		if (bpf_map_lookup_elem(&filter_src_v4, &key))
			return filter_count(FILTER_C_IP_DROP, ECBPF_R_FILTER_SRC_DROP);
	}

	/* 5. Fragments. The configuration is read only here: other packets need none. */
	if (!(frag & (IP4_MF | IP4_OFFSET)))
		return 0;
	cfg = filter_cfg_get();
	if (!cfg || !cfg->frags_drop)
		return 0;
	payload = tot_len - sizeof(*ip);
	/* A multicast or broadcast source cannot be answered: it would be a reflection. */
	if ((frag & IP4_OFFSET) || !(frag & IP4_MF) || payload < 8 || payload % 8 ||
	    (((__u8 *)&ip->saddr)[0] & 0xf0) == 0xe0 || ip->saddr == 0xffffffff)
		return filter_count(FILTER_C_IP_FRAG_DROP, ECBPF_R_FILTER_FRAG_DROP);
	if (!ptb_budget(cfg->ptb_max_pps)) {
		filter_count(FILTER_C_IP_FRAG_DROP, 0);
		return filter_count(FILTER_C_PTB_RATE_LIMITED, ECBPF_R_FILTER_PTB_LIMIT);
	}
	/* This fragment arrived whole: its IP length (not the padded frame) is a safe MTU. */
	*meta = tot_len < IP4_MIN_MTU ? IP4_MIN_MTU : tot_len;
	reason = ptb_reply4(ctx, pkt, *meta);
	if (reason != ECBPF_R_FILTER_PTB_SENT)
		filter_count(FILTER_C_IP_FRAG_DROP, 0);
	return reason;
}

static __always_inline __u32 filter_ipv6(struct xdp_md *ctx, struct ecbpf_pkt *pkt,
					 struct filter_src_hint *hint, __u64 *meta)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ipv6hdr *ip6 = data + (pkt->l3_off & 0x3f);
	__u32 ip_len, frag_end, payload, quote, reason;
	struct filter_config *cfg;
	__u16 *fh, frag;

	if ((void *)(ip6 + 1) > end)
		return filter_count(FILTER_C_IP6_HEADER_ERR, ECBPF_R_INTERNAL);

	/* 2. Payload length: the IPv6 packet must fit in the frame. */
	ip_len = sizeof(*ip6) + bpf_ntohs(ip6->payload_len);
	if ((void *)ip6 + ip_len > end)
		return filter_count(FILTER_C_IP6_LENGTH_ERR, ECBPF_R_FILTER_IP_LEN);

	/* 4. Source drop list. */
	if (hint_set(hint->v6, filter_bucket_v6(ip6->saddr.in6_u.u6_addr8))) {
		struct filter_key_v6 key = { .prefixlen = 128 };

		__builtin_memcpy(key.addr, &ip6->saddr, sizeof(key.addr));
		if (bpf_map_lookup_elem(&filter_src_v6, &key))
			return filter_count(FILTER_C_IP6_DROP, ECBPF_R_FILTER_SRC_DROP);
	}

	/* 5. Fragments: the root found a Fragment extension header. */
	if (!(pkt->flags & ECBPF_PKT_F_FRAG))
		return 0;
	cfg = filter_cfg_get();
	if (!cfg || !cfg->frags_drop)
		return 0;
	if (pkt->frag_hdr_off < pkt->l3_off + sizeof(*ip6))
		return filter_count(FILTER_C_IP6_HEADER_ERR, ECBPF_R_INTERNAL);
	fh = data + (pkt->frag_hdr_off & 0x3fff);
	if ((void *)(fh + 4) > end)
		return filter_count(FILTER_C_IP6_HEADER_ERR, ECBPF_R_INTERNAL);
	frag = bpf_ntohs(fh[1]);
	frag_end = (void *)(fh + 4) - (void *)ip6;
	payload = ip_len > frag_end ? ip_len - frag_end : 0;
	if ((frag & IP6_FRAG_OFFSET) || !(frag & IP6_FRAG_MORE) || payload < 8 || payload % 8 ||
	    ip6->saddr.in6_u.u6_addr8[0] == 0xff)
		return filter_count(FILTER_C_IP6_FRAG_DROP, ECBPF_R_FILTER_FRAG_DROP);
	if (!ptb_budget(cfg->ptb_max_pps)) {
		filter_count(FILTER_C_IP6_FRAG_DROP, 0);
		return filter_count(FILTER_C_PTB_RATE_LIMITED, ECBPF_R_FILTER_PTB_LIMIT);
	}
	/* Quote the header chain and 8 bytes of the upper-layer header. */
	quote = pkt->l4_off > pkt->l3_off ? pkt->l4_off - pkt->l3_off + 8 : 0;
	if (!quote || quote > PTB6_QUOTE_MAX || quote > ip_len) {
		reason = filter_count(FILTER_C_PTB_ERR, ECBPF_R_FILTER_PTB_ERR);
	} else {
		/* IPv6 links carry at least 1280 bytes (RFC 8200); a smaller MTU is ignored. */
		*meta = ip_len < IP6_MIN_MTU ? IP6_MIN_MTU : ip_len;
		reason = ptb_reply6(ctx, pkt, quote, *meta);
	}
	if (reason != ECBPF_R_FILTER_PTB_SENT)
		filter_count(FILTER_C_IP6_FRAG_DROP, 0);
	return reason;
}

SEC("xdp")
int xdp_filter_prog(struct xdp_md *ctx)
{
	struct ecbpf_pkt *pkt = ecbpf_pkt_get();
	struct filter_src_hint *hint;
	__u64 meta = 0;
	__u32 key = 0, reason = 0;

	hint = bpf_map_lookup_elem(&filter_src_hint, &key);
	if (!pkt || !hint)
		return ecbpf_verdict(ctx, XDP_ABORTED, ECBPF_R_INTERNAL, 0);
	if (pkt->l3_off < ETH_HLEN || pkt->l3_off > pkt->len)
		reason = filter_count(FILTER_C_ETH_FRAME_ERR, ECBPF_R_INTERNAL);
	else if (pkt->eth_proto == ETH_P_IP)
		reason = filter_ipv4(ctx, pkt, hint, &meta);
	else if (pkt->eth_proto == ETH_P_IPV6)
		reason = filter_ipv6(ctx, pkt, hint, &meta);
	if (!reason)
		return ecbpf_next(ctx);
	return ecbpf_verdict(ctx, reason_action(reason), reason, meta);
}
