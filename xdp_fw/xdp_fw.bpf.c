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
 * fw_match1() (up to 64 rules), fw_matchw() (up to FW_FOLD_BITMAPS bitmaps,
 * the rule words in one map value) and fw_matchn() (each bitmap looked up in
 * a map). No helper is called on the way (array lookups are inlined by the
 * verifier).
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
const volatile __u32 fw_trie_depth[FW_TRIES];
const volatile __u32 fw_nwords;			/* bitmap words in use */
const volatile __u32 fw_word1_n;		/* bitmaps in fw_word1, 0: not in use */
const volatile __u32 fw_trie1_on;		/* the trie nodes below level 0 are in fw_trie1 */
const volatile __u32 fw_words_on;		/* the fw_words path (fw_matchw()) */
const volatile __u32 fw_words_mask;		/* fw_words: bitmaps held, less one (a power of two) */
const volatile __u32 fw_words_shift;		/* fw_words: log2 of the words per bitmap */
const volatile __u64 fw_done[FW_WORDS][FW_STAGES];	/* fw_shared.h, the early verdict */
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
 * The fw_words path (fw_matchw()), with at most FW_FOLD_BITMAPS bitmaps.
 * fw_sum: the summary of protocol class p of each bitmap. fw_src_sum and
 * fw_src_word: the protocol class and the source prefix folded at load time,
 * per class and source bitmap: the candidate word's index (FW_WORDS: more
 * than one word is left) and that word ANDed, or the summaries ANDed. So
 * the first two folds of a packet are one load, and the common switch to one
 * word needs no lowest-bit search on the way.
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
 * b's word i at (b << fw_words_shift) | i. One lookup per packet; then every
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

/*
 * Whether selector SEL is in use, from ACT: fw_active read once per packet,
 * so each test is one instruction on a register the verifier knows.
 */
#define ACTIVE(sel) (act & (1u << (sel)))

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

/*
 * The bitmap index of the longest prefix that covers the address, walking
 * fw_trie1. The mask is the bound the verifier needs; the loader keeps every
 * node inside it. The child bit shifts out of the 32-bit index.
 */
static __always_inline __u32 fw_prefix1(int t, __u64 w0, __u64 w1, int max_levels)
{
	__u32 v;

	v = fw_trie_top[t][fw_addr_byte(w0, w1, 0) << 8 | fw_addr_byte(w0, w1, 1)];
#pragma unroll
	for (__u32 j = 1; j < (__u32)max_levels; j++) {
		if (j >= fw_trie_depth[t] || !(v & FW_TRIE_CHILD))
			break;
		v = fw_trie1[(v * FW_TRIE_STRIDE + fw_addr_byte(w0, w1, j + 1)) &
			     (FW_TRIE1_NODES * FW_TRIE_STRIDE - 1)];
	}
	return v;
}

/* The same, on fw_trie1 when it is in use, otherwise on the fw_trie map. */
static __always_inline __u32 fw_prefix(__u32 *k, int t, __u64 w0, __u64 w1, int max_levels)
{
	__u32 *e, v;

	if (fw_trie1_on)
		return fw_prefix1(t, w0, w1, max_levels);
	v = fw_trie_top[t][fw_addr_byte(w0, w1, 0) << 8 | fw_addr_byte(w0, w1, 1)];
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
	return fw_debruijn_pos[((x & -x) * 0x03f79d71b4cb0a89ULL) >> 58];
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

#define FW_WORD_OFF __builtin_offsetof(struct fw_bitmap, word)

/*
 * Put bitmap IDX in its slot and AND its word at offset OFF into SUM: the
 * summary of the packet's class, or the one candidate word (always so with
 * up to 64 rules). 0 when no rule can match any more: the packet moves on at
 * once.
 */
static __always_inline int fw_fold(__u32 *k, struct fw_bitmap **slot, __u64 *sum, __u32 idx,
				   __u32 off)
{
	struct fw_bitmap *b;

	b = fw_bitmap_get(k, idx);
	if (!b)
		return 0;
	*slot = b;
	*sum &= *(__u64 *)((void *)b + off);
	return *sum != 0;
}

/*
 * With one candidate word left (OFF at a word), is its lowest rule done after
 * stage K (fw_shared.h)? Its bit isolated, ANDed with the word's mask: one
 * load, and the rule number is only worked out once it is the verdict.
 */
static __always_inline int fw_done_w(__u32 off, __u64 sum, int k)
{
	return ((sum & -sum) & fw_done[((off - FW_WORD_OFF) / 8) & (FW_WORDS - 1)][k]) != 0;
}

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
 * the same folds as fw_matchn() in the same order, on rule words only, in a
 * straight line with nothing kept for a word stage and no helper call (the
 * tries are in fw_trie1). A rule number, or FW_M_*.
 */
static __always_inline int fw_match1(const struct ecbpf_pkt *pkt, __u8 *l3, __u8 *l4, void *end,
				     __u32 proto, int is6, __u32 act)
{
	__u64 sum = fw_word1[FW_BM_PROTO + proto];

	if (!sum)
		return FW_M_NEXT;
	if (is6 && ACTIVE(FW_SEL_SRC6)) {
		if ((void *)(l3 + 40) > end)
			return FW_M_INTERNAL;
		if (!fw_fold1(&sum, fw_prefix1(FW_SEL_SRC6 - FW_SEL_FIRST_TRIE, *(__u64 *)(l3 + 8),
					      *(__u64 *)(l3 + 16), 16)))
			return FW_M_NEXT;
	} else if (!is6 && ACTIVE(FW_SEL_SRC4)) {
		if ((void *)(l3 + 20) > end)
			return FW_M_INTERNAL;
		if (!fw_fold1(&sum, fw_prefix1(FW_SEL_SRC4 - FW_SEL_FIRST_TRIE, *(__u32 *)(l3 + 12),
					      0, FW_TRIE_LEVELS4)))
			return FW_M_NEXT;
	}
	if (FW_DONE1(sum, FW_STAGE_SRC))
		return fw_ctz(sum);
	if (proto != FW_PROTO_ICMP4 && proto != FW_PROTO_ICMP6) {
		int tcp = proto == FW_PROTO_TCP4 || proto == FW_PROTO_TCP6;

		if ((void *)(l4 + 8) > end || (tcp && (void *)(l4 + 20) > end))
			return FW_M_L4_TRUNC;
		if (ACTIVE(FW_SEL_DPORT) &&
		    !fw_fold1(&sum, fw_classes[FW_CLS_DPORT + (l4[2] << 8 | l4[3])]))
			return FW_M_NEXT;
		if (FW_DONE1(sum, FW_STAGE_L4A))
			return fw_ctz(sum);
		if (ACTIVE(FW_SEL_SPORT) &&
		    !fw_fold1(&sum, fw_classes[FW_CLS_SPORT + (l4[0] << 8 | l4[1])]))
			return FW_M_NEXT;
		if (tcp && ACTIVE(FW_SEL_FLAGS) && !fw_fold1(&sum, fw_classes[FW_CLS_FLAGS + l4[13]]))
			return FW_M_NEXT;
		if (tcp && ACTIVE(FW_SEL_WINDOW) &&
		    !fw_fold1(&sum, fw_classes[FW_CLS_WINDOW + (l4[14] << 8 | l4[15])]))
			return FW_M_NEXT;
	} else {
		if ((void *)(l4 + 2) > end)
			return FW_M_L4_TRUNC;
		if (ACTIVE(FW_SEL_TYPE) && !fw_fold1(&sum, fw_classes[FW_CLS_TYPE + l4[0]]))
			return FW_M_NEXT;
		if (FW_DONE1(sum, FW_STAGE_L4A))
			return fw_ctz(sum);
		if (ACTIVE(FW_SEL_CODE) && !fw_fold1(&sum, fw_classes[FW_CLS_CODE + l4[1]]))
			return FW_M_NEXT;
	}
	if (FW_DONE1(sum, FW_STAGE_L4))
		return fw_ctz(sum);
	if (is6 && ACTIVE(FW_SEL_DST6)) {
		if ((void *)(l3 + 40) > end)
			return FW_M_INTERNAL;
		if (!fw_fold1(&sum, fw_prefix1(FW_SEL_DST6 - FW_SEL_FIRST_TRIE, *(__u64 *)(l3 + 24),
					      *(__u64 *)(l3 + 32), 16)))
			return FW_M_NEXT;
	} else if (!is6 && ACTIVE(FW_SEL_DST4)) {
		if ((void *)(l3 + 20) > end)
			return FW_M_INTERNAL;
		if (!fw_fold1(&sum, fw_prefix1(FW_SEL_DST4 - FW_SEL_FIRST_TRIE, *(__u32 *)(l3 + 16),
					      0, FW_TRIE_LEVELS4)))
			return FW_M_NEXT;
	}
	if (FW_DONE1(sum, FW_STAGE_DST))
		return fw_ctz(sum);
	if (ACTIVE(FW_SEL_TTL) && !fw_fold1(&sum, fw_classes[FW_CLS_TTL + pkt->ttl]))
		return FW_M_NEXT;
	if (ACTIVE(FW_SEL_LEN) &&
	    !fw_fold1(&sum, fw_classes[FW_CLS_LEN + (pkt->len > 65535 ? 65535 : pkt->len)]))
		return FW_M_NEXT;
	return fw_ctz(sum);
}

/*
 * The lowest rule that matches, in general: summaries, then candidate words,
 * each bitmap looked up in fw_bitmaps (more than FW_FOLD_BITMAPS of them).
 * Results as fw_match1().
 */
static __always_inline int fw_matchn(const struct ecbpf_pkt *pkt, __u8 *l3, __u8 *l4, void *end,
				     __u32 proto, int is6, __u32 act, __u32 *key)
{
	struct fw_bitmap *bm[FW_SLOTS];
	__u32 off;
	__u64 sum;

	/*
	 * Fold as we go: each selector's word is ANDed in right after its
	 * lookup, and the packet moves on as soon as no rule is left, so a
	 * packet no rule matches usually stops after a few lookups. With up
	 * to 64 rules that word is the rules themselves, otherwise the summary
	 * of the packet's class. Selectors no rule constrains are left out at
	 * load time.
	 */
	off = fw_nwords == 1 ? FW_WORD_OFF : proto * sizeof(__u64);
	sum = ~0ULL;
	if (!fw_fold(key, &bm[FW_SLOT_PROTO], &sum, FW_BM_PROTO + proto, off))
		return FW_M_NEXT;
#pragma unroll
	for (int s = 1; s < FW_SLOTS; s++)
		bm[s] = bm[FW_SLOT_PROTO];

	/*
	 * Unaligned loads are fine on the targets XDP runs on; the JIT keeps
	 * them single loads. The destination comes after the L4 fields: on the
	 * protected host most traffic goes to the prefixes the rules name.
	 */
	if (is6 && ACTIVE(FW_SEL_SRC6)) {
		if ((void *)(l3 + 40) > end)
			return FW_M_INTERNAL;
		if (!fw_fold(key, &bm[FW_SLOT_SRC], &sum,
			     fw_prefix(key, FW_SEL_SRC6 - FW_SEL_FIRST_TRIE, *(__u64 *)(l3 + 8),
				       *(__u64 *)(l3 + 16), 16), off))
			return FW_M_NEXT;
	} else if (!is6 && ACTIVE(FW_SEL_SRC4)) {
		if ((void *)(l3 + 20) > end)
			return FW_M_INTERNAL;
		if (!fw_fold(key, &bm[FW_SLOT_SRC], &sum,
			     fw_prefix(key, FW_SEL_SRC4 - FW_SEL_FIRST_TRIE, *(__u32 *)(l3 + 12), 0,
				       FW_TRIE_LEVELS4), off))
			return FW_M_NEXT;
	}

	/*
	 * The source often leaves one candidate word already: switch to it
	 * (see below) with the only two slots filled so far.
	 */
	if ((ACTIVE(FW_SEL_SRC4) || ACTIVE(FW_SEL_SRC6)) && off < FW_WORD_OFF && !(sum & (sum - 1))) {
		__u32 i = fw_ctz(sum) & (FW_WORDS - 1);

		sum = bm[FW_SLOT_PROTO]->word[i] & bm[FW_SLOT_SRC]->word[i];
		if (!sum)
			return FW_M_NEXT;
		off = FW_WORD_OFF + i * sizeof(__u64);
		if (fw_done_w(off, sum, FW_STAGE_SRC))
			goto word;
	}

	if (proto != FW_PROTO_ICMP4 && proto != FW_PROTO_ICMP6) {
		int tcp = proto == FW_PROTO_TCP4 || proto == FW_PROTO_TCP6;

		if ((void *)(l4 + 8) > end || (tcp && (void *)(l4 + 20) > end))
			return FW_M_L4_TRUNC;
		if (ACTIVE(FW_SEL_DPORT) &&
		    !fw_fold(key, &bm[FW_SLOT_L4A], &sum,
			     fw_classes[FW_CLS_DPORT + (l4[2] << 8 | l4[3])], off))
			return FW_M_NEXT;
		if (off >= FW_WORD_OFF && fw_done_w(off, sum, FW_STAGE_L4A))
			goto word;
		if (ACTIVE(FW_SEL_SPORT) &&
		    !fw_fold(key, &bm[FW_SLOT_L4B], &sum,
			     fw_classes[FW_CLS_SPORT + (l4[0] << 8 | l4[1])], off))
			return FW_M_NEXT;
		if (tcp && ACTIVE(FW_SEL_FLAGS) &&
		    !fw_fold(key, &bm[FW_SLOT_FLAGS], &sum, fw_classes[FW_CLS_FLAGS + l4[13]], off))
			return FW_M_NEXT;
		if (tcp && ACTIVE(FW_SEL_WINDOW) &&
		    !fw_fold(key, &bm[FW_SLOT_WINDOW], &sum,
			     fw_classes[FW_CLS_WINDOW + (l4[14] << 8 | l4[15])], off))
			return FW_M_NEXT;
	} else {
		if ((void *)(l4 + 2) > end)
			return FW_M_L4_TRUNC;
		if (ACTIVE(FW_SEL_TYPE) &&
		    !fw_fold(key, &bm[FW_SLOT_L4A], &sum, fw_classes[FW_CLS_TYPE + l4[0]], off))
			return FW_M_NEXT;
		if (off >= FW_WORD_OFF && fw_done_w(off, sum, FW_STAGE_L4A))
			goto word;
		if (ACTIVE(FW_SEL_CODE) &&
		    !fw_fold(key, &bm[FW_SLOT_L4B], &sum, fw_classes[FW_CLS_CODE + l4[1]], off))
			return FW_M_NEXT;
	}

	/*
	 * When the source and the L4 fields leave one candidate word, switch
	 * to it: AND that word of every slot so far, and fold the rest on it.
	 * A packet no rule matches then stops at the first selector that rules
	 * out the last candidates, and there is no word loop.
	 */
	if (off < FW_WORD_OFF && !(sum & (sum - 1))) {
		__u32 i = fw_ctz(sum) & (FW_WORDS - 1);

		sum = ~0ULL;
#pragma unroll
		for (int s = 0; s < FW_SLOTS; s++)
			sum &= bm[s]->word[i];
		if (!sum)
			return FW_M_NEXT;
		off = FW_WORD_OFF + i * sizeof(__u64);
	}

	/*
	 * One candidate word: if its lowest rule constrains none of the
	 * selectors still to come, that rule is the verdict (fw_shared.h).
	 */
	if ((act & FW_LATE_SELS) && off >= FW_WORD_OFF && fw_done_w(off, sum, FW_STAGE_L4))
		goto word;

	if (is6 && ACTIVE(FW_SEL_DST6)) {
		if ((void *)(l3 + 40) > end)
			return FW_M_INTERNAL;
		if (!fw_fold(key, &bm[FW_SLOT_DST], &sum,
			     fw_prefix(key, FW_SEL_DST6 - FW_SEL_FIRST_TRIE, *(__u64 *)(l3 + 24),
				       *(__u64 *)(l3 + 32), 16), off))
			return FW_M_NEXT;
	} else if (!is6 && ACTIVE(FW_SEL_DST4)) {
		if ((void *)(l3 + 20) > end)
			return FW_M_INTERNAL;
		if (!fw_fold(key, &bm[FW_SLOT_DST], &sum,
			     fw_prefix(key, FW_SEL_DST4 - FW_SEL_FIRST_TRIE, *(__u32 *)(l3 + 16), 0,
				       FW_TRIE_LEVELS4), off))
			return FW_M_NEXT;
	}
	/* Again, for the rules that constrain the destination but no later selector. */
	if ((ACTIVE(FW_SEL_DST4) || ACTIVE(FW_SEL_DST6)) && (ACTIVE(FW_SEL_TTL) || ACTIVE(FW_SEL_LEN)) &&
	    off >= FW_WORD_OFF && fw_done_w(off, sum, FW_STAGE_DST))
		goto word;
	if (ACTIVE(FW_SEL_TTL) &&
	    !fw_fold(key, &bm[FW_SLOT_TTL], &sum, fw_classes[FW_CLS_TTL + pkt->ttl], off))
		return FW_M_NEXT;
	if (ACTIVE(FW_SEL_LEN) &&
	    !fw_fold(key, &bm[FW_SLOT_LEN], &sum,
		     fw_classes[FW_CLS_LEN + (pkt->len > 65535 ? 65535 : pkt->len)], off))
		return FW_M_NEXT;

	if (off < FW_WORD_OFF) {
		/* Then only the candidate words, lowest first. */
#pragma nounroll
		for (int it = 0; it < FW_WORDS && sum; it++) {
			__u32 i = fw_ctz(sum) & (FW_WORDS - 1);
			__u64 w = ~0ULL;

#pragma unroll
			for (int s = 0; s < FW_SLOTS; s++)
				w &= bm[s]->word[i];
			if (w)
				return i * 64 + fw_ctz(w);
			sum &= sum - 1;
		}
		return FW_M_NEXT;
	}
word:
	/* SUM is the candidate word itself: its lowest bit is the rule. */
	return (off - FW_WORD_OFF) * 8 + fw_ctz(sum);
}

/* Word I of bitmap B in fw_words (GW); the masks are the bounds the verifier needs. */
static __always_inline __u64 fw_wword(const __u64 *gw, __u32 b, __u32 i)
{
	return gw[((b & fw_words_mask) << fw_words_shift) | (i & ((1u << fw_words_shift) - 1))];
}

/*
 * Note bitmap B in its slot and AND its word W into SUM, or its class-P
 * summary while more than one word is left (W == FW_WORDS). 0 when no rule
 * is left.
 */
static __always_inline int fw_wfold(const __u64 *gw, __u32 *slot, __u64 *sum, __u32 b, __u32 p,
				    __u32 w)
{
	*slot = b;
	*sum &= w < FW_WORDS ? fw_wword(gw, b, w) : fw_sum[p][b & (FW_FOLD_BITMAPS - 1)];
	return *sum != 0;
}

/* With one candidate word W left, is its lowest rule done after stage K? */
static __always_inline int fw_done_at(__u32 w, __u64 sum, int k)
{
	return ((sum & -sum) & fw_done[w & (FW_WORDS - 1)][k]) != 0;
}

/*
 * The lowest rule that matches, with more than 64 rules and at most
 * FW_FOLD_BITMAPS bitmaps: the folds of fw_matchn() on fw_words, with the
 * protocol and the source folded at load time. W is the candidate word, or
 * FW_WORDS while the summaries still leave more than one. Results as
 * fw_match1().
 */
static __always_inline int fw_matchw(const struct ecbpf_pkt *pkt, __u8 *l3, __u8 *l4, void *end,
				     __u32 proto, int is6, __u32 act, __u32 *key)
{
	__u32 bi[FW_SLOTS], w, b = FW_NO_BITMAP;
	__u64 sum = ~0ULL, *gw;

	*key = 0;
	gw = bpf_map_lookup_elem(&fw_words, key);
	if (!gw)
		return FW_M_INTERNAL;
	w = fw_nwords == 1 ? 0 : FW_WORDS;
#pragma unroll
	for (int s = 0; s < FW_SLOTS; s++)
		bi[s] = FW_BM_PROTO + proto;
	/* With a source prefix in use, the protocol comes folded with it. */
	if (!(is6 && ACTIVE(FW_SEL_SRC6)) && !(!is6 && ACTIVE(FW_SEL_SRC4)) &&
	    !fw_wfold(gw, &bi[FW_SLOT_PROTO], &sum, FW_BM_PROTO + proto, proto, w))
		return FW_M_NEXT;

	if (is6 && ACTIVE(FW_SEL_SRC6)) {
		if ((void *)(l3 + 40) > end)
			return FW_M_INTERNAL;
		b = fw_prefix(key, FW_SEL_SRC6 - FW_SEL_FIRST_TRIE, *(__u64 *)(l3 + 8),
			      *(__u64 *)(l3 + 16), 16);
	} else if (!is6 && ACTIVE(FW_SEL_SRC4)) {
		if ((void *)(l3 + 20) > end)
			return FW_M_INTERNAL;
		b = fw_prefix(key, FW_SEL_SRC4 - FW_SEL_FIRST_TRIE, *(__u32 *)(l3 + 12), 0,
			      FW_TRIE_LEVELS4);
	}
	if ((is6 && ACTIVE(FW_SEL_SRC6)) || (!is6 && ACTIVE(FW_SEL_SRC4))) {
		/* Protocol and source in one load, and their candidate word. */
		if (b >= FW_FOLD_BITMAPS)
			return FW_M_NEXT;
		bi[FW_SLOT_SRC] = b;
		sum = fw_src[b].sum[proto];
		w = fw_src[b].word[proto];
		if (!sum)
			return FW_M_NEXT;
		if (w < FW_WORDS && fw_done_at(w, sum, FW_STAGE_SRC))
			goto word;
	}

	if (proto != FW_PROTO_ICMP4 && proto != FW_PROTO_ICMP6) {
		int tcp = proto == FW_PROTO_TCP4 || proto == FW_PROTO_TCP6;

		if ((void *)(l4 + 8) > end || (tcp && (void *)(l4 + 20) > end))
			return FW_M_L4_TRUNC;
		if (ACTIVE(FW_SEL_DPORT) &&
		    !fw_wfold(gw, &bi[FW_SLOT_L4A], &sum,
			      fw_classes[FW_CLS_DPORT + (l4[2] << 8 | l4[3])], proto, w))
			return FW_M_NEXT;
		if (w < FW_WORDS && fw_done_at(w, sum, FW_STAGE_L4A))
			goto word;
		if (ACTIVE(FW_SEL_SPORT) &&
		    !fw_wfold(gw, &bi[FW_SLOT_L4B], &sum,
			      fw_classes[FW_CLS_SPORT + (l4[0] << 8 | l4[1])], proto, w))
			return FW_M_NEXT;
		if (tcp && ACTIVE(FW_SEL_FLAGS) &&
		    !fw_wfold(gw, &bi[FW_SLOT_FLAGS], &sum, fw_classes[FW_CLS_FLAGS + l4[13]],
			      proto, w))
			return FW_M_NEXT;
		if (tcp && ACTIVE(FW_SEL_WINDOW) &&
		    !fw_wfold(gw, &bi[FW_SLOT_WINDOW], &sum,
			      fw_classes[FW_CLS_WINDOW + (l4[14] << 8 | l4[15])], proto, w))
			return FW_M_NEXT;
	} else {
		if ((void *)(l4 + 2) > end)
			return FW_M_L4_TRUNC;
		if (ACTIVE(FW_SEL_TYPE) &&
		    !fw_wfold(gw, &bi[FW_SLOT_L4A], &sum, fw_classes[FW_CLS_TYPE + l4[0]], proto, w))
			return FW_M_NEXT;
		if (w < FW_WORDS && fw_done_at(w, sum, FW_STAGE_L4A))
			goto word;
		if (ACTIVE(FW_SEL_CODE) &&
		    !fw_wfold(gw, &bi[FW_SLOT_L4B], &sum, fw_classes[FW_CLS_CODE + l4[1]], proto, w))
			return FW_M_NEXT;
	}

	/* One candidate word left: AND that word of every slot so far, as fw_matchn(). */
	if (w >= FW_WORDS && !(sum & (sum - 1))) {
		w = fw_ctz(sum) & (FW_WORDS - 1);
		sum = ~0ULL;
#pragma unroll
		for (int s = 0; s < FW_SLOTS; s++)
			sum &= fw_wword(gw, bi[s], w);
		if (!sum)
			return FW_M_NEXT;
	}
	if ((act & FW_LATE_SELS) && w < FW_WORDS && fw_done_at(w, sum, FW_STAGE_L4))
		goto word;

	if (is6 && ACTIVE(FW_SEL_DST6)) {
		if ((void *)(l3 + 40) > end)
			return FW_M_INTERNAL;
		if (!fw_wfold(gw, &bi[FW_SLOT_DST], &sum,
			      fw_prefix(key, FW_SEL_DST6 - FW_SEL_FIRST_TRIE, *(__u64 *)(l3 + 24),
					*(__u64 *)(l3 + 32), 16), proto, w))
			return FW_M_NEXT;
	} else if (!is6 && ACTIVE(FW_SEL_DST4)) {
		if ((void *)(l3 + 20) > end)
			return FW_M_INTERNAL;
		if (!fw_wfold(gw, &bi[FW_SLOT_DST], &sum,
			      fw_prefix(key, FW_SEL_DST4 - FW_SEL_FIRST_TRIE, *(__u32 *)(l3 + 16), 0,
					FW_TRIE_LEVELS4), proto, w))
			return FW_M_NEXT;
	}
	if ((ACTIVE(FW_SEL_DST4) || ACTIVE(FW_SEL_DST6)) && (ACTIVE(FW_SEL_TTL) || ACTIVE(FW_SEL_LEN)) &&
	    w < FW_WORDS && fw_done_at(w, sum, FW_STAGE_DST))
		goto word;
	if (ACTIVE(FW_SEL_TTL) &&
	    !fw_wfold(gw, &bi[FW_SLOT_TTL], &sum, fw_classes[FW_CLS_TTL + pkt->ttl], proto, w))
		return FW_M_NEXT;
	if (ACTIVE(FW_SEL_LEN) &&
	    !fw_wfold(gw, &bi[FW_SLOT_LEN], &sum,
		      fw_classes[FW_CLS_LEN + (pkt->len > 65535 ? 65535 : pkt->len)], proto, w))
		return FW_M_NEXT;

	if (w >= FW_WORDS) {
		/* Then only the candidate words, lowest first. */
#pragma nounroll
		for (int it = 0; it < FW_WORDS && sum; it++) {
			__u32 i = fw_ctz(sum) & (FW_WORDS - 1);
			__u64 x = ~0ULL;

#pragma unroll
			for (int s = 0; s < FW_SLOTS; s++)
				x &= fw_wword(gw, bi[s], i);
			if (x)
				return i * 64 + fw_ctz(x);
			sum &= sum - 1;
		}
		return FW_M_NEXT;
	}
word:
	/* SUM is the candidate word itself: its lowest bit is the rule. */
	return (w & (FW_WORDS - 1)) * 64 + fw_ctz(sum);
}

/*
 * The lowest rule that matches, by the path the loader chose, in a copy
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
	 fw_words_on ? fw_matchw(pkt, l3, l4, end, p, is6, act, key) :         \
		      fw_matchn(pkt, l3, l4, end, p, is6, act, key))
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
	int rule, reason = ECBPF_R_INTERNAL;
	__u32 key;
	__u64 *hits;

	if (!pkt)
		goto abort;
	/* Fragments are the filter's job; without an L4 header there is nothing to judge. */
	if ((pkt->flags & ECBPF_PKT_F_FRAG) || !pkt->l4_off)
		goto next;

	rule = fw_match(pkt, data + (pkt->l3_off & 0xff), data + (pkt->l4_off & 0xfff), end,
			fw_active, &key);
	if (rule == FW_M_NEXT)
		goto next;
	if (rule < 0) {
		if (rule == FW_M_L4_TRUNC)
			reason = ECBPF_R_L4_TRUNC;
		goto abort;
	}
	key = rule;
	hits = bpf_map_lookup_elem(&fw_hits, &key);
	if (hits)
		*hits += 1;
	return ecbpf_verdict(ctx, XDP_DROP, ECBPF_R_FW_RULE, rule + 1);
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
