// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * xdp_fw: the rule-language firewall slot.
 *
 * Each selector maps a packet field to a bitmap of the rules that accept it
 * (fw_shared.h). The program ANDs the summary words of those bitmaps, then
 * only the candidate words, and stops at the first word with a bit left: its
 * lowest bit is the lowest matching rule. No helper is called on the way
 * (array lookups are inlined by the verifier).
 *
 * One loaded instance serves one rule set (a "generation"): its maps and its
 * .rodata constants are built for it, and an update swaps the whole instance
 * into the slot at once.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <bpf/bpf_helpers.h>
#include <ecbpf/slot.bpf.h>
#include "fw_shared.h"

/* Set by the loader for each generation; the verifier prunes what they switch off. */
const volatile __u32 fw_active;			/* bit FW_SEL_x: selector in use */
const volatile __u32 fw_trie_root[FW_TRIES];
const volatile __u32 fw_trie_depth[FW_TRIES];
const volatile __u32 fw_reference_user_maps;	/* never set: see xdp_fw() */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FW_CLS_ENTRIES);
	__type(key, __u32);
	__type(value, __u32);
} fw_classes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);			/* sized by the loader */
	__type(key, __u32);
	__type(value, struct fw_bitmap);
} fw_bitmaps SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FW_TRIE_STRIDE);	/* sized by the loader */
	__type(key, __u32);
	__type(value, __u32);
} fw_trie SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);			/* one per rule */
	__type(key, __u32);
	__type(value, __u64);
} fw_hits SEC(".maps");

/* User-space only: the generation's identity, hit bases and canonical text. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fw_info);
} fw_info SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);			/* one per rule */
	__type(key, __u32);
	__type(value, struct fw_rule_base);
} fw_rule_base SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);			/* sized by the loader */
	__type(key, __u32);
	__type(value, struct fw_text_chunk);
} fw_text SEC(".maps");

#define ACTIVE(sel) (fw_active & (1u << (sel)))

/*
 * Every lookup goes through the one key slot K on the stack: clang does not
 * share the slots of inlined locals well, and the 16-level IPv6 walks would
 * not fit in 512 bytes otherwise.
 */
static __always_inline struct fw_bitmap *fw_bitmap_get(__u32 *k, __u32 idx)
{
	*k = idx;
	return bpf_map_lookup_elem(&fw_bitmaps, k);
}

static __always_inline struct fw_bitmap *fw_class(__u32 *k, __u32 key)
{
	__u32 *idx;

	*k = key;
	idx = bpf_map_lookup_elem(&fw_classes, k);
	return idx ? fw_bitmap_get(k, *idx) : 0;
}

/*
 * Walk one trie (fw_shared.h) over an address held in registers: W0 holds bytes
 * 0-7 as loaded from the packet (byte 0 lowest on this little-endian
 * target), W1 bytes 8-15. The loop is unrolled, so every shift is constant.
 */
static __always_inline __u32 fw_addr_byte(__u64 w0, __u64 w1, __u32 j)
{
	return ((j < 8 ? w0 : w1) >> (8 * (j & 7))) & 0xff;
}

static __always_inline struct fw_bitmap *fw_prefix(__u32 *k, int t, __u64 w0, __u64 w1,
						   int max_levels)
{
	__u32 *e, v;

	*k = fw_trie_root[t] * FW_TRIE_STRIDE + (fw_addr_byte(w0, w1, 0) << 8 | fw_addr_byte(w0, w1, 1));
	e = bpf_map_lookup_elem(&fw_trie, k);
	if (!e)
		return 0;
	v = *e;
#pragma unroll
	for (__u32 j = 1; j < (__u32)max_levels; j++) {
		if (j >= fw_trie_depth[t] || !(v & FW_TRIE_CHILD))
			break;
		*k = (v & ~FW_TRIE_CHILD) * FW_TRIE_STRIDE + fw_addr_byte(w0, w1, j + 1);
		e = bpf_map_lookup_elem(&fw_trie, k);
		if (!e)
			return 0;
		v = *e;
	}
	return fw_bitmap_get(k, v);
}

/*
 * Index of the lowest set bit of a non-zero word: the population count of
 * the bits below it. Branch-free, so the verifier does not fork on it.
 */
static __always_inline __u32 fw_ctz(__u64 x)
{
	x = (x & -x) - 1;
	x = x - ((x >> 1) & 0x5555555555555555ULL);
	x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return (x * 0x0101010101010101ULL) >> 56;
}

SEC("xdp")
int xdp_fw(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct fw_bitmap *bp, *bl, *bt, *bs, *bd, *b1, *b2, *b3, *b4;
	struct ecbpf_pkt *pkt = ecbpf_pkt_get();
	__u8 *l3, *l4;
	int is6, proto, rule = -1, reason;
	__u32 key;
	__u64 sum, *hits;

	if (fw_reference_user_maps) {
		/*
		 * Never runs (the constant is 0 and the verifier drops this),
		 * but the references tie the user-space maps to the program,
		 * so --stats finds them from the slot and they live as long as
		 * this generation.
		 */
		key = 0;
		if (bpf_map_lookup_elem(&fw_info, &key) || bpf_map_lookup_elem(&fw_rule_base, &key) ||
		    bpf_map_lookup_elem(&fw_text, &key))
			return XDP_ABORTED;
	}
	if (!pkt)
		{
		reason = ECBPF_R_INTERNAL;
		goto abort;
	}
	/* Fragments are the filter's job; without an L4 header there is nothing to judge. */
	if ((pkt->flags & ECBPF_PKT_F_FRAG) || !pkt->l4_off)
		goto next;

	is6 = pkt->eth_proto == ETH_P_IPV6;
	switch (pkt->l4_proto) {
	case IPPROTO_TCP:
		proto = is6 ? FW_PROTO_TCP6 : FW_PROTO_TCP4;
		break;
	case IPPROTO_UDP:
		proto = is6 ? FW_PROTO_UDP6 : FW_PROTO_UDP4;
		break;
	case IPPROTO_ICMP:
		if (is6)
			goto next;
		proto = FW_PROTO_ICMP4;
		break;
	case IPPROTO_ICMPV6:
		if (!is6)
			goto next;
		proto = FW_PROTO_ICMP6;
		break;
	default:
		goto next;
	}

	l3 = data + (pkt->l3_off & 0xff);
	l4 = data + (pkt->l4_off & 0xfff);
	bp = fw_bitmap_get(&key, FW_BM_PROTO + proto);
	if (!bp)
		goto next;
	bl = bt = bs = bd = b1 = b2 = b3 = b4 = bp;	/* a selector that does not apply: AND with itself */

	if (ACTIVE(FW_SEL_LEN))
		bl = fw_class(&key, FW_CLS_LEN + (pkt->len > 65535 ? 65535 : pkt->len));
	if (ACTIVE(FW_SEL_TTL))
		bt = fw_class(&key, FW_CLS_TTL + pkt->ttl);
	/* Unaligned loads are fine on the targets XDP runs on; the JIT keeps them single loads. */
	if (is6 && (ACTIVE(FW_SEL_SRC6) || ACTIVE(FW_SEL_DST6))) {
		if ((void *)(l3 + 40) > end) {
			reason = ECBPF_R_INTERNAL;
			goto abort;
		}
		if (ACTIVE(FW_SEL_SRC6))
			bs = fw_prefix(&key, FW_SEL_SRC6 - FW_SEL_FIRST_TRIE, *(__u64 *)(l3 + 8),
				       *(__u64 *)(l3 + 16), 16);
		if (ACTIVE(FW_SEL_DST6))
			bd = fw_prefix(&key, FW_SEL_DST6 - FW_SEL_FIRST_TRIE, *(__u64 *)(l3 + 24),
				       *(__u64 *)(l3 + 32), 16);
	} else if (!is6 && (ACTIVE(FW_SEL_SRC4) || ACTIVE(FW_SEL_DST4))) {
		if ((void *)(l3 + 20) > end) {
			reason = ECBPF_R_INTERNAL;
			goto abort;
		}
		if (ACTIVE(FW_SEL_SRC4))
			bs = fw_prefix(&key, FW_SEL_SRC4 - FW_SEL_FIRST_TRIE, *(__u32 *)(l3 + 12), 0, FW_TRIE_LEVELS4);
		if (ACTIVE(FW_SEL_DST4))
			bd = fw_prefix(&key, FW_SEL_DST4 - FW_SEL_FIRST_TRIE, *(__u32 *)(l3 + 16), 0, FW_TRIE_LEVELS4);
	}

	if (proto == FW_PROTO_TCP4 || proto == FW_PROTO_TCP6 || proto == FW_PROTO_UDP4 ||
	    proto == FW_PROTO_UDP6) {
		int tcp = proto == FW_PROTO_TCP4 || proto == FW_PROTO_TCP6;

		if ((void *)(l4 + 8) > end || (tcp && (void *)(l4 + 20) > end)) {
			reason = ECBPF_R_L4_TRUNC;
			goto abort;
		}
		if (ACTIVE(FW_SEL_SPORT))
			b1 = fw_class(&key, FW_CLS_SPORT + (l4[0] << 8 | l4[1]));
		if (ACTIVE(FW_SEL_DPORT))
			b2 = fw_class(&key, FW_CLS_DPORT + (l4[2] << 8 | l4[3]));
		if (tcp && ACTIVE(FW_SEL_WINDOW))
			b3 = fw_class(&key, FW_CLS_WINDOW + (l4[14] << 8 | l4[15]));
		if (tcp && ACTIVE(FW_SEL_FLAGS))
			b4 = fw_class(&key, FW_CLS_FLAGS + l4[13]);
	} else {
		if ((void *)(l4 + 2) > end) {
			reason = ECBPF_R_L4_TRUNC;
			goto abort;
		}
		if (ACTIVE(FW_SEL_TYPE))
			b1 = fw_class(&key, FW_CLS_TYPE + l4[0]);
		if (ACTIVE(FW_SEL_CODE))
			b2 = fw_class(&key, FW_CLS_CODE + l4[1]);
	}
	if (!bl || !bt || !bs || !bd || !b1 || !b2 || !b3 || !b4)
		goto next;

	/* Selectors no rule constrains are left out at load time. */
	sum = bp->summary[proto];
	if (ACTIVE(FW_SEL_LEN))
		sum &= bl->summary[proto];
	if (ACTIVE(FW_SEL_TTL))
		sum &= bt->summary[proto];
	if (ACTIVE(FW_SEL_SRC4) || ACTIVE(FW_SEL_SRC6))
		sum &= bs->summary[proto];
	if (ACTIVE(FW_SEL_DST4) || ACTIVE(FW_SEL_DST6))
		sum &= bd->summary[proto];
	if (ACTIVE(FW_SEL_SPORT) || ACTIVE(FW_SEL_TYPE))
		sum &= b1->summary[proto];
	if (ACTIVE(FW_SEL_DPORT) || ACTIVE(FW_SEL_CODE))
		sum &= b2->summary[proto];
	if (ACTIVE(FW_SEL_WINDOW))
		sum &= b3->summary[proto];
	if (ACTIVE(FW_SEL_FLAGS))
		sum &= b4->summary[proto];
#pragma nounroll
	for (int it = 0; it < FW_WORDS && sum; it++) {
		__u32 i = fw_ctz(sum) & (FW_WORDS - 1);
		__u64 w = bp->word[i];

		if (ACTIVE(FW_SEL_LEN))
			w &= bl->word[i];
		if (ACTIVE(FW_SEL_TTL))
			w &= bt->word[i];
		if (ACTIVE(FW_SEL_SRC4) || ACTIVE(FW_SEL_SRC6))
			w &= bs->word[i];
		if (ACTIVE(FW_SEL_DST4) || ACTIVE(FW_SEL_DST6))
			w &= bd->word[i];
		if (ACTIVE(FW_SEL_SPORT) || ACTIVE(FW_SEL_TYPE))
			w &= b1->word[i];
		if (ACTIVE(FW_SEL_DPORT) || ACTIVE(FW_SEL_CODE))
			w &= b2->word[i];
		if (ACTIVE(FW_SEL_WINDOW))
			w &= b3->word[i];
		if (ACTIVE(FW_SEL_FLAGS))
			w &= b4->word[i];
		if (w) {
			rule = i * 64 + fw_ctz(w);
			break;
		}
		sum &= sum - 1;
	}
	if (rule < 0)
		goto next;

	key = rule;
	hits = bpf_map_lookup_elem(&fw_hits, &key);
	if (hits)
		*hits += 1;
	return ecbpf_verdict(ctx, XDP_DROP, ECBPF_R_FW_RULE, rule + 1);
abort:
	/* Cannot happen after the root's checks; kept for the verifier and for safety. */
	return ecbpf_verdict(ctx, XDP_ABORTED, reason, 0);
next:
	/* One exit for the hand-off: each inlined copy of the exit path costs stack. */
	return ecbpf_next(ctx);
}
