// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * xdp_fw: the rule-language firewall slot.
 *
 * Each selector maps a packet field to a bitmap of the rules that accept it
 * (fw_shared.h). The program ANDs the summary words of those bitmaps as it
 * looks them up (leaving as soon as nothing is left), then only the candidate
 * words, and stops at the first word with a bit left: its lowest bit is the
 * lowest matching rule. With up to 64 rules, or once one candidate word is
 * left, it ANDs the rule words directly. Three paths, chosen at load time:
 * fw_match1() (up to 64 rules), and fw_matchg() built for up to
 * FW_FOLD_BITMAPS bitmaps (the rule words in one map value) or for more
 * (each bitmap looked up in a map). No helper is called on the way (array
 * lookups are inlined by the verifier).
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
#include "fw_shared.h"

/*
 * A drop passes the rule's fw_hits slot as its metadata (xdp_fw()); samples
 * show the rule number, worked out only for a sample.
 */
static __always_inline __u64 fw_sample_meta(__u32 reason, __u64 meta);
#define ECBPF_SAMPLE_META(reason, meta) fw_sample_meta(reason, meta)
#include <ecbpf/slot.bpf.h>

/* Set by the loader for each generation; the verifier prunes what they switch off. */
const volatile __u32 fw_active;			/* bit FW_SEL_x: selector in use */
const volatile __u32 fw_trie_depth[FW_TRIES];
const volatile __u32 fw_nwords;			/* bitmap words in use */
const volatile __u32 fw_word1_n;		/* bitmaps in fw_word1, 0: not in use */
const volatile __u32 fw_trie1_on;		/* the trie nodes below level 0 are in fw_trie1 */
const volatile __u32 fw_words_on;		/* the fw_words path (fw_matchg()) */
const volatile __u32 fw_words_mask;		/* fw_words: bitmaps held, less one (a power of two) */
/* fw_shared.h, the early verdict; rows FW_WORDS and up stay zero (see fw_done_at()) */
const volatile __u64 fw_done[2 * FW_WORDS][FW_STAGES];
const volatile __u32 fw_hits_mask;		/* fw_hits: counters, less one (a power of two) */
const volatile __u32 fw_reference_user_maps;	/* never set: see xdp_fw() */

/*
 * The fixed-size tables are global arrays (.bss, one map value filled by the
 * loader): the program reads them with a plain load, where a map lookup
 * costs a key round trip through the stack and a bounds check. fw_classes:
 * the bitmap index of each value of the value-indexed selectors;
 * fw_trie_top: the first level of each trie (address bytes 0-1), a copy of
 * the trie's root nodes in fw_trie.
 */
__u32 fw_classes[FW_CLS_ENTRIES];
__u32 fw_trie_top[FW_TRIES][FW_TRIE_STRIDE * 256];
/*
 * With up to 64 rules (one bitmap word), and fewer than FW_WORD1_MAX bitmaps, the
 * rule word of every bitmap: the folds read it with a plain load and never
 * touch fw_bitmaps.
 */
__u64 fw_word1[FW_WORD1_MAX];
/*
 * When there are at most FW_TRIE1_NODES of them (fw_trie1_on), the trie
 * nodes below the first level, numbered from 0: a walk is then plain loads
 * and no helper call, so nothing has to be kept across a call either.
 */
__u32 fw_trie1[FW_TRIE1_NODES * FW_TRIE_STRIDE];
/*
 * The fw_words path (fw_matchg()), with at most FW_FOLD_BITMAPS bitmaps.
 * fw_sum: the summary of protocol class p of each bitmap. fw_src: the
 * protocol class and the source prefix folded at load time, per source
 * bitmap and class (struct fw_src_fold, one cache line per bitmap): the
 * candidate word's index (FW_WORDS: more than one word is left) and that
 * word ANDed, or the summaries ANDed, and whether that word's lowest rule
 * is the verdict already. So the first two folds of a packet are one load,
 * and the common switch to one word needs no lowest-bit search on the way.
 */
__u64 fw_sum[FW_PROTO_MAX][FW_FOLD_BITMAPS];
struct fw_src_fold fw_src[FW_FOLD_BITMAPS];

#define FW_LATE_SELS ((1u << FW_SEL_DST4) | (1u << FW_SEL_DST6) | (1u << FW_SEL_TTL) | \
		      (1u << FW_SEL_LEN))

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);			/* sized by the loader */
	__type(key, __u32);
	__type(value, struct fw_bitmap);
} fw_bitmaps SEC(".maps");

/*
 * The fw_words path: the rule words of every bitmap in one map value, bitmap
 * b's word i at b * FW_WORDS + i. One lookup per packet; then every
 * fold is a plain load, with no helper call on the way for clang to keep
 * values across. Sized by the loader (no BTF type, so the size can change).
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u64));	/* sized by the loader */
} fw_words SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FW_TRIE_STRIDE);	/* sized by the loader */
	__type(key, __u32);
	__type(value, __u32);
} fw_trie SEC(".maps");

/*
 * The hits of every rule, per CPU, in one value (rule r at fw_hit_slot(r),
 * fw_shared.h): its lookup does not wait for the match, and the counter's
 * address waits for no table load. Sized by the loader (no BTF type), at
 * most 32 KiB.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u64));	/* sized by the loader */
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

/*
 * Whether selector SEL is in use, from ACT: fw_active read once per packet,
 * so each test is one instruction on a register the verifier knows.
 */
#define ACTIVE(sel) (act & (1u << (sel)))

/*
 * The match functions pass every map lookup the one key slot on the stack
 * that xdp_fw() owns (KEY, K): clang does not share the slots of inlined
 * locals well, and the 16-level IPv6 walks would not fit in 512 bytes
 * otherwise.
 */

/* Not a bitmap index: a trie lookup failed (cannot happen with the loader's tables). */
#define FW_NO_BITMAP 0xffffffffu

/*
 * Walk one trie (fw_shared.h) over an address held in registers: W0 holds bytes
 * 0-7 as loaded from the packet (byte 0 lowest on this little-endian
 * target), W1 bytes 8-15. The loop is unrolled, so every shift is constant.
 */
static __always_inline __u32 fw_addr_byte(__u64 w0, __u64 w1, __u32 j)
{
	return ((j < 8 ? w0 : w1) >> (8 * (j & 7))) & 0xff;
}

/* The first two address bytes: the index into a trie's first level. */
static __always_inline __u32 fw_top_index(__u64 w0, __u64 w1)
{
	return ecbpf_join(fw_addr_byte(w0, w1, 0) << 8, fw_addr_byte(w0, w1, 1));
}

/* A 16-bit field in network order, as a table index every verifier can bound. */
static __always_inline __u32 fw_be16(const __u8 *p)
{
	return ecbpf_join((__u32)p[0] << 8, (__u32)p[1]);
}

/*
 * The bitmap index of the longest prefix that covers the address, walking
 * fw_trie1. The mask is the bound the verifier needs; the loader keeps every
 * node inside it. The child bit shifts out of the 32-bit index.
 */
static __always_inline __u32 fw_prefix1(int t, __u64 w0, __u64 w1, int max_levels)
{
	__u32 v;

	v = fw_trie_top[t][fw_top_index(w0, w1)];
#pragma unroll
	for (__u32 j = 1; j < (__u32)max_levels; j++) {
		if (j >= fw_trie_depth[t] || !(v & FW_TRIE_CHILD))
			break;
		v = fw_trie1[ecbpf_bound(v * FW_TRIE_STRIDE + fw_addr_byte(w0, w1, j + 1),
					 FW_TRIE1_NODES * FW_TRIE_STRIDE - 1)];
	}
	return v;
}

/* The same, on fw_trie1 when it is in use, otherwise on the fw_trie map. */
static __always_inline __u32 fw_prefix(__u32 *k, int t, __u64 w0, __u64 w1, int max_levels)
{
	__u32 *e, v;

	if (fw_trie1_on)
		return fw_prefix1(t, w0, w1, max_levels);
	v = fw_trie_top[t][fw_top_index(w0, w1)];
#pragma unroll
	for (__u32 j = 1; j < (__u32)max_levels; j++) {
		if (j >= fw_trie_depth[t] || !(v & FW_TRIE_CHILD))
			break;
		*k = (v & ~FW_TRIE_CHILD) * FW_TRIE_STRIDE + fw_addr_byte(w0, w1, j + 1);
		e = bpf_map_lookup_elem(&fw_trie, k);
		if (!e)
			return FW_NO_BITMAP;
		v = *e;
	}
	return v;
}

/*
 * The bitmap of the packet's source (DST 0) or destination (DST 1) prefix,
 * walked on fw_trie1 only with TRIE1 (fw_match1()), or FW_NO_BITMAP when the
 * IP header is cut short, which the root's checks rule out. Unaligned loads
 * are fine on the targets XDP runs on; the JIT keeps them single loads.
 */
static __always_inline __u32 fw_addr_bitmap(__u32 *key, __u8 *l3, void *end, int is6, int dst,
					    const int trie1)
{
	int t = (is6 ? FW_SEL_SRC6 : FW_SEL_SRC4) + dst - FW_SEL_FIRST_TRIE;
	__u64 w0, w1 = 0;
	int levels = 16;

	if (is6) {
		if ((void *)(l3 + 40) > end)
			return FW_NO_BITMAP;
		w0 = *(__u64 *)(l3 + (dst ? 24 : 8));
		w1 = *(__u64 *)(l3 + (dst ? 32 : 16));
	} else {
		if ((void *)(l3 + 20) > end)
			return FW_NO_BITMAP;
		w0 = *(__u32 *)(l3 + (dst ? 16 : 12));
		levels = FW_TRIE_LEVELS4;
	}
	return trie1 ? fw_prefix1(t, w0, w1, levels) : fw_prefix(key, t, w0, w1, levels);
}

/*
 * Index of the lowest set bit of a non-zero word, by de Bruijn
 * multiplication: isolate the bit, multiply, and look the top six bits up.
 * A short dependency chain (no branch, one multiply, one load), where a
 * population count takes a dozen dependent steps.
 */
static const __u8 fw_debruijn_pos[64] = {
	0, 1, 48, 2, 57, 49, 28, 3, 61, 58, 50, 42, 38, 29, 17, 4,
	62, 55, 59, 36, 53, 51, 43, 22, 45, 39, 33, 30, 24, 18, 12, 5,
	63, 47, 56, 27, 60, 41, 37, 16, 54, 35, 52, 21, 44, 32, 23, 11,
	46, 26, 40, 15, 34, 20, 31, 10, 25, 14, 19, 9, 13, 8, 7, 6,
};

static __always_inline __u32 fw_ctz(__u64 x)
{
	return fw_debruijn_pos[fw_bit_hash(x)];
}

/*
 * The match functions return the fw_hits slot of the lowest matching rule
 * (fw_shared.h): its word and the hash of its bit, with no table load, so
 * the hit counter's address does not wait for one. FW_HIT_RULE() turns it
 * into the rule number, for samples only (fw_sample_meta()).
 */
#define FW_HIT(w, x) ((w) * 64 + fw_bit_hash(x))
#define FW_HIT_RULE(hit) (((hit) & ~63u) | fw_debruijn_pos[(hit) & 63])

/* The metadata of an fw_rule drop is the rule number, from 1. */
static __always_inline __u64 fw_sample_meta(__u32 reason, __u64 meta)
{
	return reason == ECBPF_R_FW_RULE ? FW_HIT_RULE((__u32)meta) + 1 : meta;
}

/*
 * One bitmap slot per selector that can apply to a packet's class: the
 * protocol class, the prefixes, the L4 values (ports, TCP flags and window,
 * or ICMP type and code), TTL and length. A slot no lookup fills holds the
 * protocol bitmap, so ANDing every slot is always right.
 */
enum fw_slot {
	FW_SLOT_PROTO = 0,
	FW_SLOT_L4A,		/* destination port, ICMP type */
	FW_SLOT_L4B,		/* source port, ICMP code */
	FW_SLOT_FLAGS,
	FW_SLOT_WINDOW,
	FW_SLOT_SRC,
	FW_SLOT_DST,
	FW_SLOT_TTL,
	FW_SLOT_LEN,
	FW_SLOTS,
};

/* fw_match1() results other than a rule number. */
#define FW_M_NEXT (-1)		/* no rule matches */
#define FW_M_L4_TRUNC (-2)
#define FW_M_INTERNAL (-3)

/* AND the fw_word1 word of bitmap IDX into SUM; 0 when no rule is left. */
static __always_inline int fw_fold1(__u64 *sum, __u32 idx)
{
	/*
	 * The mask is the bound the verifier needs, in one instruction: the
	 * loader keeps nbitmaps below FW_WORD1_MAX, so an index it never
	 * wrote (FW_NO_BITMAP included) reads a zero word and no rule.
	 */
	*sum &= fw_word1[idx & (FW_WORD1_MAX - 1)];
	return *sum != 0;
}

/*
 * With up to 64 rules, is the lowest candidate in SUM done after stage K
 * (fw_shared.h)? Its bit isolated, ANDed with a load-time word: no lookup.
 */
#define FW_DONE1(sum, k) (((sum) & -(sum)) & fw_done[0][k])

/*
 * The lowest rule that matches, with up to 64 rules and fw_word1 in use:
 * the same folds as fw_matchg() in the same order, on rule words only, in a
 * straight line with nothing kept for a word stage and no helper call (the
 * tries are in fw_trie1). The fw_hits slot of the rule (FW_HIT()), or FW_M_*.
 */
static __always_inline int fw_match1(const struct ecbpf_pkt *pkt, __u8 *l3, __u8 *l4, void *end,
				     __u32 proto, int is6, __u32 act)
{
	__u64 sum = fw_word1[FW_BM_PROTO + proto];

	if (!sum)
		return FW_M_NEXT;
	/* FW_NO_BITMAP reads a zero word (fw_fold1()): no rule. */
	if ((is6 ? ACTIVE(FW_SEL_SRC6) : ACTIVE(FW_SEL_SRC4)) &&
	    !fw_fold1(&sum, fw_addr_bitmap((void *)0, l3, end, is6, 0, 1)))
		return FW_M_NEXT;
	if (FW_DONE1(sum, FW_STAGE_SRC))
		return FW_HIT(0, sum);
	if (proto != FW_PROTO_ICMP4 && proto != FW_PROTO_ICMP6) {
		int tcp = proto == FW_PROTO_TCP4 || proto == FW_PROTO_TCP6;

		if ((void *)(l4 + 8) > end || (tcp && (void *)(l4 + 20) > end))
			return FW_M_L4_TRUNC;
		if (ACTIVE(FW_SEL_DPORT) &&
		    !fw_fold1(&sum, fw_classes[FW_CLS_DPORT + fw_be16(l4 + 2)]))
			return FW_M_NEXT;
		if (FW_DONE1(sum, FW_STAGE_L4A))
			return FW_HIT(0, sum);
		if (ACTIVE(FW_SEL_SPORT) &&
		    !fw_fold1(&sum, fw_classes[FW_CLS_SPORT + fw_be16(l4)]))
			return FW_M_NEXT;
		if (tcp && ACTIVE(FW_SEL_FLAGS) && !fw_fold1(&sum, fw_classes[FW_CLS_FLAGS + l4[13]]))
			return FW_M_NEXT;
		if (tcp && ACTIVE(FW_SEL_WINDOW) &&
		    !fw_fold1(&sum, fw_classes[FW_CLS_WINDOW + fw_be16(l4 + 14)]))
			return FW_M_NEXT;
	} else {
		if ((void *)(l4 + 2) > end)
			return FW_M_L4_TRUNC;
		if (ACTIVE(FW_SEL_TYPE) && !fw_fold1(&sum, fw_classes[FW_CLS_TYPE + l4[0]]))
			return FW_M_NEXT;
		if (FW_DONE1(sum, FW_STAGE_L4A))
			return FW_HIT(0, sum);
		if (ACTIVE(FW_SEL_CODE) && !fw_fold1(&sum, fw_classes[FW_CLS_CODE + l4[1]]))
			return FW_M_NEXT;
	}
	if (FW_DONE1(sum, FW_STAGE_L4))
		return FW_HIT(0, sum);
	if ((is6 ? ACTIVE(FW_SEL_DST6) : ACTIVE(FW_SEL_DST4)) &&
	    !fw_fold1(&sum, fw_addr_bitmap((void *)0, l3, end, is6, 1, 1)))
		return FW_M_NEXT;
	if (FW_DONE1(sum, FW_STAGE_DST))
		return FW_HIT(0, sum);
	if (ACTIVE(FW_SEL_TTL) && !fw_fold1(&sum, fw_classes[FW_CLS_TTL + pkt->ttl]))
		return FW_M_NEXT;
	if (ACTIVE(FW_SEL_LEN) &&
	    !fw_fold1(&sum, fw_classes[FW_CLS_LEN + (pkt->len > 65535 ? 65535 : pkt->len)]))
		return FW_M_NEXT;
	return FW_HIT(0, sum);
}

/*
 * The general path (more than 64 rules, or tries too big for fw_trie1), in
 * two builds chosen at load time by MAPPED, a constant in each copy:
 *   0: fw_words_on, at most FW_FOLD_BITMAPS bitmaps. Their rule words are in
 *      one fw_words value (GW, looked up once), bitmap b's word i at
 *      b * FW_WORDS + i, and their summaries in fw_sum: every fold
 *      is a plain load. The protocol comes folded with the source (fw_src).
 *   1: every bitmap looked up in the fw_bitmaps map.
 * The state: the bitmap of each slot (BI on fw_words, BM, looked up once,
 * on the map), W the one candidate word or FW_WORDS while the summaries
 * leave more than one, and SUM the word or the summaries ANDed so far.
 */
struct fw_fold_state {
	__u32 bi[FW_SLOTS];
	struct fw_bitmap *bm[FW_SLOTS];
	__u32 w;
	__u64 sum;
};

/* Word I of the bitmap in slot S; the masks are the bounds the verifier needs. */
static __always_inline __u64 fw_word(const __u64 *gw, const struct fw_fold_state *st, int s,
				     __u32 i, const int mapped)
{
	if (mapped)
		return st->bm[s]->word[i & (FW_WORDS - 1)];
	return gw[ecbpf_join((st->bi[s] & fw_words_mask) * FW_WORDS, ecbpf_bound(i, FW_WORDS - 1))];
}

/*
 * Put bitmap B in slot SLOT and AND it in: its candidate word, or its
 * summary of class P while there is more than one. 0 when no rule is left:
 * the packet moves on at once.
 */
static __always_inline int fw_fold(const __u64 *gw, __u32 *key, struct fw_fold_state *st, int slot,
				   __u32 b, __u32 p, const int mapped)
{
	struct fw_bitmap *bm;

	if (mapped) {
		*key = b;
		bm = bpf_map_lookup_elem(&fw_bitmaps, key);
		if (!bm)
			return 0;
		st->bm[slot] = bm;
		st->sum &= st->w < FW_WORDS ? bm->word[st->w & (FW_WORDS - 1)] :
					      bm->summary[p & (FW_SUMMARIES - 1)];
	} else {
		st->bi[slot] = b;
		st->sum &= st->w < FW_WORDS ? fw_word(gw, st, slot, st->w, 0) :
					      fw_sum[p][b & (FW_FOLD_BITMAPS - 1)];
	}
	return st->sum != 0;
}

/*
 * If the summaries leave one candidate word, switch to it: AND that word of
 * every slot so far, and fold the rest on it. 0 when no rule is left.
 */
static __always_inline int fw_to_word(const __u64 *gw, struct fw_fold_state *st, const int mapped)
{
	__u64 sum = ~0ULL;
	__u32 w;

	if (st->w < FW_WORDS || (st->sum & (st->sum - 1)))
		return 1;
	w = fw_ctz(st->sum) & (FW_WORDS - 1);
#pragma unroll
	for (int s = 0; s < FW_SLOTS; s++)
		sum &= fw_word(gw, st, s, w, mapped);
	st->w = w;
	st->sum = sum;
	return sum != 0;
}

/*
 * With one candidate word left, is its lowest rule done after stage K
 * (fw_shared.h)? Its bit isolated, ANDed with the word's mask: one load, and
 * the rule number is only worked out once it is the verdict. W is a word
 * (0-63) or FW_WORDS, "more than one word yet", whose row of fw_done is
 * zero: the mask is the only check, and the bound every verifier needs.
 */
static __always_inline int fw_done_at(const struct fw_fold_state *st, int k)
{
	return ((st->sum & -st->sum) & fw_done[ecbpf_bound(st->w, 2 * FW_WORDS - 1)][k]) != 0;
}

/*
 * The lowest rule that matches, in general: summaries, then candidate words,
 * in the order of fw_match1(). Results as fw_match1() (a fw_hits slot).
 */
static __always_inline int fw_matchg(const struct ecbpf_pkt *pkt, __u8 *l3, __u8 *l4, void *end,
				     __u32 proto, int is6, __u32 act, __u32 *key, const int mapped)
{
	int src = is6 ? ACTIVE(FW_SEL_SRC6) : ACTIVE(FW_SEL_SRC4);
	struct fw_fold_state st;
	__u32 b = FW_NO_BITMAP;
	__u64 *gw = NULL;

	if (!mapped) {
		gw = bpf_map_lookup_elem(&fw_words, ECBPF_KEY0);
		if (!gw)
			return FW_M_INTERNAL;
	}
	st.w = fw_nwords == 1 ? 0 : FW_WORDS;
	st.sum = ~0ULL;
	/* On fw_words with a source prefix in use, the protocol comes folded with it. */
	if ((mapped || !src) && !fw_fold(gw, key, &st, FW_SLOT_PROTO, FW_BM_PROTO + proto, proto,
					 mapped))
		return FW_M_NEXT;
	/* A slot no lookup fills holds the protocol bitmap: ANDing every slot is right. */
#pragma unroll
	for (int s = 0; s < FW_SLOTS; s++) {
		if (mapped)
			st.bm[s] = st.bm[FW_SLOT_PROTO];
		else
			st.bi[s] = FW_BM_PROTO + proto;
	}

	/*
	 * The destination comes after the L4 fields: on the protected host
	 * most traffic goes to the prefixes the rules name.
	 */
	if (src)
		b = fw_addr_bitmap(key, l3, end, is6, 0, 0);
	if (src && !mapped) {
		/* Protocol and source in one load, and their candidate word. */
		if (b >= FW_FOLD_BITMAPS)
			return FW_M_NEXT;
		b = ecbpf_bound(b, FW_FOLD_BITMAPS - 1);
		st.bi[FW_SLOT_SRC] = b;
		st.sum = fw_src[b].sum[proto];
		st.w = fw_src[b].word[proto];
		if (!st.sum)
			return FW_M_NEXT;
		if (fw_src[b].done & (1u << proto))
			goto word;
	} else if (src) {
		/* The source often leaves one candidate word already. */
		if (!fw_fold(gw, key, &st, FW_SLOT_SRC, b, proto, mapped) ||
		    !fw_to_word(gw, &st, mapped))
			return FW_M_NEXT;
		if (fw_done_at(&st, FW_STAGE_SRC))
			goto word;
	}

	if (proto != FW_PROTO_ICMP4 && proto != FW_PROTO_ICMP6) {
		int tcp = proto == FW_PROTO_TCP4 || proto == FW_PROTO_TCP6;

		if ((void *)(l4 + 8) > end || (tcp && (void *)(l4 + 20) > end))
			return FW_M_L4_TRUNC;
		if (ACTIVE(FW_SEL_DPORT) &&
		    !fw_fold(gw, key, &st, FW_SLOT_L4A, fw_classes[FW_CLS_DPORT + fw_be16(l4 + 2)],
			     proto, mapped))
			return FW_M_NEXT;
		if (fw_done_at(&st, FW_STAGE_L4A))
			goto word;
		if (ACTIVE(FW_SEL_SPORT) &&
		    !fw_fold(gw, key, &st, FW_SLOT_L4B, fw_classes[FW_CLS_SPORT + fw_be16(l4)],
			     proto, mapped))
			return FW_M_NEXT;
		if (tcp && ACTIVE(FW_SEL_FLAGS) &&
		    !fw_fold(gw, key, &st, FW_SLOT_FLAGS, fw_classes[FW_CLS_FLAGS + l4[13]], proto,
			     mapped))
			return FW_M_NEXT;
		if (tcp && ACTIVE(FW_SEL_WINDOW) &&
		    !fw_fold(gw, key, &st, FW_SLOT_WINDOW,
			     fw_classes[FW_CLS_WINDOW + fw_be16(l4 + 14)], proto, mapped))
			return FW_M_NEXT;
	} else {
		if ((void *)(l4 + 2) > end)
			return FW_M_L4_TRUNC;
		if (ACTIVE(FW_SEL_TYPE) &&
		    !fw_fold(gw, key, &st, FW_SLOT_L4A, fw_classes[FW_CLS_TYPE + l4[0]], proto, mapped))
			return FW_M_NEXT;
		if (fw_done_at(&st, FW_STAGE_L4A))
			goto word;
		if (ACTIVE(FW_SEL_CODE) &&
		    !fw_fold(gw, key, &st, FW_SLOT_L4B, fw_classes[FW_CLS_CODE + l4[1]], proto, mapped))
			return FW_M_NEXT;
	}

	/*
	 * When the source and the L4 fields leave one candidate word, switch
	 * to it. A packet no rule matches then stops at the first selector
	 * that rules out the last candidates, and there is no word loop.
	 */
	if (!fw_to_word(gw, &st, mapped))
		return FW_M_NEXT;
	/*
	 * One candidate word: if its lowest rule constrains none of the
	 * selectors still to come, that rule is the verdict (fw_shared.h).
	 */
	if ((act & FW_LATE_SELS) && fw_done_at(&st, FW_STAGE_L4))
		goto word;

	if (is6 ? ACTIVE(FW_SEL_DST6) : ACTIVE(FW_SEL_DST4)) {
		b = fw_addr_bitmap(key, l3, end, is6, 1, 0);
		if (b == FW_NO_BITMAP || !fw_fold(gw, key, &st, FW_SLOT_DST, b, proto, mapped))
			return FW_M_NEXT;
	}
	/* Again, for the rules that constrain the destination but no later selector. */
	if ((ACTIVE(FW_SEL_DST4) || ACTIVE(FW_SEL_DST6)) && (ACTIVE(FW_SEL_TTL) || ACTIVE(FW_SEL_LEN)) &&
	    fw_done_at(&st, FW_STAGE_DST))
		goto word;
	if (ACTIVE(FW_SEL_TTL) &&
	    !fw_fold(gw, key, &st, FW_SLOT_TTL, fw_classes[FW_CLS_TTL + pkt->ttl], proto, mapped))
		return FW_M_NEXT;
	if (ACTIVE(FW_SEL_LEN) &&
	    !fw_fold(gw, key, &st, FW_SLOT_LEN,
		     fw_classes[FW_CLS_LEN + (pkt->len > 65535 ? 65535 : pkt->len)], proto, mapped))
		return FW_M_NEXT;

	if (st.w >= FW_WORDS) {
		/* Then only the candidate words, lowest first. */
#pragma nounroll
		for (int it = 0; it < FW_WORDS && st.sum; it++) {
			__u32 i = fw_ctz(st.sum) & (FW_WORDS - 1);
			__u64 x = ~0ULL;

#pragma unroll
			for (int s = 0; s < FW_SLOTS; s++)
				x &= fw_word(gw, &st, s, i, mapped);
			if (x)
				return FW_HIT(i, x);
			st.sum &= st.sum - 1;
		}
		return FW_M_NEXT;
	}
word:
	/* SUM is the candidate word itself: its lowest bit is the rule. */
	return FW_HIT(st.w & (FW_WORDS - 1), st.sum);
}

/*
 * The lowest rule that matches (its fw_hits slot), by the path the loader chose, in a copy
 * compiled for the packet's protocol class: the protocol and the family are
 * constants in each, so the verifier and the JIT see straight-line code.
 * FW_M_NEXT as well for what the firewall does not judge: an L4 protocol
 * without selectors, or ICMP in the wrong family.
 */
static __always_inline int fw_match(const struct ecbpf_pkt *pkt, __u8 *l3, __u8 *l4, void *end,
				    __u32 act, __u32 *key)
{
#define FW_MATCH_AS(p, is6)                                                   \
	(fw_word1_n ? fw_match1(pkt, l3, l4, end, p, is6, act) :               \
	 fw_words_on ? fw_matchg(pkt, l3, l4, end, p, is6, act, key, 0) :      \
		      fw_matchg(pkt, l3, l4, end, p, is6, act, key, 1))
	int is6 = pkt->eth_proto == ETH_P_IPV6;

	switch (pkt->l4_proto) {
	case IPPROTO_TCP:
		return is6 ? FW_MATCH_AS(FW_PROTO_TCP6, 1) : FW_MATCH_AS(FW_PROTO_TCP4, 0);
	case IPPROTO_UDP:
		return is6 ? FW_MATCH_AS(FW_PROTO_UDP6, 1) : FW_MATCH_AS(FW_PROTO_UDP4, 0);
	case IPPROTO_ICMP:
		return is6 ? FW_M_NEXT : FW_MATCH_AS(FW_PROTO_ICMP4, 0);
	case IPPROTO_ICMPV6:
		return is6 ? FW_MATCH_AS(FW_PROTO_ICMP6, 1) : FW_M_NEXT;
	}
	return FW_M_NEXT;
#undef FW_MATCH_AS
}

SEC("xdp")
int xdp_fw(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ecbpf_pkt *pkt = ecbpf_pkt_get();
	int hit, reason = ECBPF_R_INTERNAL;
	__u8 *l3, *l4;
	__u32 key;
	__u64 *hits;

	if (!pkt)
		goto abort;
	/* Fragments are the filter's job; without an L4 header there is nothing to judge. */
	if ((pkt->flags & ECBPF_PKT_F_FRAG) || !pkt->l4_off)
		goto next;

	/*
	 * The headers of the common frame (untagged IPv4 without options) at
	 * constant offsets, taken by a branch: the match's first loads then do
	 * not wait for the offsets to come from the per-CPU map, since the
	 * branch is predicted. The empty asm keeps clang from folding the two
	 * ways into the one that waits.
	 */
	l3 = data + ECBPF_FAST_L3_OFF;
	l4 = data + ECBPF_FAST_L4_OFF;
	if (pkt->l3_off != ECBPF_FAST_L3_OFF || pkt->l4_off != ECBPF_FAST_L4_OFF) {
		l3 = data + (pkt->l3_off & 0xff);
		l4 = data + (pkt->l4_off & 0xfff);
		asm volatile("" : "+r"(l3), "+r"(l4));
	}
	hit = fw_match(pkt, l3, l4, end, fw_active, &key);
	if (hit == FW_M_NEXT)
		goto next;
	if (hit < 0) {
		if (hit == FW_M_L4_TRUNC)
			reason = ECBPF_R_L4_TRUNC;
		goto abort;
	}
	hits = bpf_map_lookup_elem(&fw_hits, ECBPF_KEY0);
	if (hits)
		hits[hit & fw_hits_mask] += 1;
	return ecbpf_verdict(ctx, XDP_DROP, ECBPF_R_FW_RULE, hit);
abort:
	/* Cannot happen after the root's checks; kept for the verifier and for safety. */
	if (fw_reference_user_maps) {
		/*
		 * Never runs (the constant is 0 and the verifier drops this),
		 * but the references tie the user-space maps to the program,
		 * so --stats finds them from the slot and they live as long as
		 * this generation. Here, off the packet path.
		 */
		key = 0;
		if (bpf_map_lookup_elem(&fw_info, &key) || bpf_map_lookup_elem(&fw_rule_base, &key) ||
		    bpf_map_lookup_elem(&fw_text, &key))
			return XDP_ABORTED;
	}
	return ecbpf_verdict(ctx, XDP_ABORTED, reason, 0);
next:
	/* One exit for the hand-off: each inlined copy of the exit path costs stack. */
	return ecbpf_next(ctx);
}
