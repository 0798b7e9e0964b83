/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * xdp_fw layouts shared by the kernel program and user space.
 *
 * Every selector (frame length, TTL, source/destination prefix, protocol,
 * ports, TCP window and flags, ICMP type and code) maps the packet's value to
 * a bitmap with one bit per rule: bit r is set when rule r accepts that value
 * (or does not constrain the selector). The packet matches the lowest rule
 * whose bit survives the AND of all selector bitmaps.
 *
 * Each bitmap carries summary words, one per protocol class (bit i: word i
 * has a rule of that class), so the AND touches the summaries of the
 * packet's class first and then only the words that can still match. Rules
 * of other families and protocols, which would otherwise fill every word
 * with "does not care" bits, do not show in the packet's summary.
 */
#ifndef XDP_FW_SHARED_H
#define XDP_FW_SHARED_H

#include <linux/types.h>

#define FW_MAX_RULES 4096
#define FW_WORDS (FW_MAX_RULES / 64)

#define FW_SUMMARIES 8		/* FW_PROTO_MAX, rounded up */
#define FW_WORD1_MAX 65536	/* fw_word1 entries (xdp_fw.bpf.c): up to 65535 bitmaps */
/*
 * The fw_words path (xdp_fw.bpf.c) takes rule sets of more than 64 rules
 * with at most this many bitmaps: fw_words holds their rule words (at most
 * FW_FOLD_BITMAPS * FW_WORDS * 8 = 4 MiB, the largest array map value), and
 * .bss their summaries and the protocol and source folded at load time.
 */
#define FW_FOLD_BITMAPS 8192	/* a power of two: the program masks the index */

struct fw_bitmap {
	__u64 summary[FW_SUMMARIES];	/* [p] bit i: word[i] & (rules of protocol class p) != 0 */
	__u64 word[FW_WORDS];		/* bit r % 64 of word r / 64: rule r (0-based) */
};
_Static_assert(sizeof(struct fw_bitmap) == 8 * (FW_WORDS + FW_SUMMARIES), "fw_bitmap layout");
_Static_assert(FW_WORDS == 64, "the summary word covers every bitmap word");

/*
 * Selectors. The protocol class indexes fw_bitmaps directly; the other
 * value-indexed ones share the fw_classes array (u32 bitmap index per value,
 * at the selector's offset); the prefix ones walk fw_trie.
 */
enum fw_selector {
	FW_SEL_PROTO = 0,	/* family and L4 protocol: FW_PROTO_* */
	FW_SEL_LEN,		/* frame length (clamped to 65535) */
	FW_SEL_TTL,		/* TTL or hop limit */
	FW_SEL_SPORT,		/* TCP/UDP source port */
	FW_SEL_DPORT,		/* TCP/UDP destination port */
	FW_SEL_WINDOW,		/* TCP window */
	FW_SEL_FLAGS,		/* TCP flags byte (CWR..FIN) */
	FW_SEL_TYPE,		/* ICMP/ICMPv6 type */
	FW_SEL_CODE,		/* ICMP/ICMPv6 code */
	FW_SEL_SRC4,		/* IPv4 source prefix (trie) */
	FW_SEL_DST4,		/* IPv4 destination prefix (trie) */
	FW_SEL_SRC6,		/* IPv6 source prefix (trie) */
	FW_SEL_DST6,		/* IPv6 destination prefix (trie) */
	FW_SEL_MAX,
};

#define FW_SEL_FIRST_TRIE FW_SEL_SRC4
#define FW_TRIES 4

/*
 * The early verdict. Once one candidate word is left, if its lowest rule
 * constrains none of the selectors still to be folded, that rule is the
 * verdict: the later folds cannot clear its bit, and the lower rules are
 * gone. FW_LATE_* (per rule, computed by the compiler) says which selectors
 * past the source prefix a rule constrains: the first L4 field (destination
 * port, ICMP type), the second (source port, ICMP code), TCP flags and
 * window, destination prefix, TTL, length. The program reads fw_done[w][k]:
 * the rules of word w with nothing left to fold after stage k (FW_STAGE_*).
 * The check is the candidate word's lowest bit ANDed with that mask.
 */
#define FW_LATE_DST 0x01
#define FW_LATE_TTL 0x02
#define FW_LATE_LEN 0x04
#define FW_LATE_L4A 0x08
#define FW_LATE_L4B 0x10
#define FW_LATE_FLAGS 0x20
#define FW_LATE_WINDOW 0x40

#define FW_LATE_AFTER_DST (FW_LATE_TTL | FW_LATE_LEN)
#define FW_LATE_AFTER_L4 (FW_LATE_DST | FW_LATE_AFTER_DST)
#define FW_LATE_AFTER_L4A (FW_LATE_L4B | FW_LATE_FLAGS | FW_LATE_WINDOW | FW_LATE_AFTER_L4)
#define FW_LATE_AFTER_SRC (FW_LATE_L4A | FW_LATE_AFTER_L4A)

enum fw_stage {
	FW_STAGE_SRC = 0,	/* after the source prefix */
	FW_STAGE_L4A,		/* after the destination port or ICMP type */
	FW_STAGE_L4,		/* after all L4 fields */
	FW_STAGE_DST,		/* after the destination prefix */
	FW_STAGES,
};

/* FW_SEL_PROTO values. */
enum fw_proto {
	FW_PROTO_TCP4 = 0,
	FW_PROTO_UDP4,
	FW_PROTO_ICMP4,
	FW_PROTO_TCP6,
	FW_PROTO_UDP6,
	FW_PROTO_ICMP6,
	FW_PROTO_MAX,
};
_Static_assert(FW_PROTO_MAX <= FW_SUMMARIES, "one summary per protocol class");

/*
 * fw_src (xdp_fw.bpf.c), per bitmap, for the fw_words path: protocol class
 * p folded with the bitmap as a source prefix. word[p]: the one word the two
 * summaries leave (FW_WORDS: more than one), sum[p]: that word of the two
 * bitmaps ANDed (or the summaries ANDed), bit p of done: that word's lowest
 * rule is the verdict already (the early verdict above, after FW_STAGE_SRC).
 * One cache line per bitmap.
 */
struct fw_src_fold {
	__u64 sum[FW_PROTO_MAX];
	__u8 word[FW_PROTO_MAX];
	__u8 done;
} __attribute__((aligned(64)));
_Static_assert(sizeof(struct fw_src_fold) == 64, "fw_src_fold layout");

/* fw_bitmaps index of protocol class p's bitmap: FW_BM_PROTO + p. */
#define FW_BM_PROTO 0

/* Offsets of the value-indexed selectors in fw_classes. */
#define FW_CLS_LEN 0
#define FW_CLS_TTL (FW_CLS_LEN + 65536)
#define FW_CLS_SPORT (FW_CLS_TTL + 256)
#define FW_CLS_DPORT (FW_CLS_SPORT + 65536)
#define FW_CLS_WINDOW (FW_CLS_DPORT + 65536)
#define FW_CLS_FLAGS (FW_CLS_WINDOW + 65536)
#define FW_CLS_TYPE (FW_CLS_FLAGS + 256)
#define FW_CLS_CODE (FW_CLS_TYPE + 256)
#define FW_CLS_ENTRIES (FW_CLS_CODE + 256)

/*
 * fw_trie: multibit tries of 256-entry nodes. The first level takes address
 * bytes 0-1 at once (FW_TRIE_STRIDE consecutive nodes from the trie's root),
 * each further level one byte. An entry with FW_TRIE_CHILD set holds the next
 * node; otherwise it is the bitmap index of the longest prefix that covers
 * the address so far. The program reads the first level from fw_trie_top and
 * the nodes below it from fw_trie1 (renumbered from 0) when there are at most
 * FW_TRIE1_NODES of them, from the fw_trie map otherwise.
 */
#define FW_TRIE_CHILD 0x80000000u
#define FW_TRIE_STRIDE 256
#define FW_TRIE_LEVELS4 3	/* 16 + 8 + 8 bits */
#define FW_TRIE_LEVELS6 15	/* 16 + 14 * 8 bits */
#define FW_TRIE1_NODES 512	/* a power of two: the program masks the index */

/*
 * fw_info (one entry, written by user space only): the generation this
 * program instance serves. The kernel never reads it; it travels with the
 * program so that --stats finds the live rule set from the slot alone.
 */
struct fw_info {
	__u64 generation;	/* increases with every --attach/--update */
	__u64 loaded_at;	/* CLOCK_REALTIME seconds */
	__u32 nrules;
	__u32 text_len;		/* bytes of canonical rule text in fw_text */
};
_Static_assert(sizeof(struct fw_info) == 24, "fw_info layout");

/*
 * fw_hits: per CPU, one value of 64-bit counters, a power of two of them.
 * The counter of rule r (0-based) sits in the 64 slots of r's bitmap word,
 * at the de Bruijn hash of r's bit: the program gets that hash from the
 * candidate word with a multiply and a shift, so finding the counter needs
 * no table load after the match (the rule number, which does, is worked out
 * off that path). A bijection on every word's 64 slots.
 */
#define FW_DEBRUIJN 0x03f79d71b4cb0a89ULL

/* The de Bruijn hash of the lowest set bit of X (non-zero): 0..63, one per bit. */
static inline __u32 fw_bit_hash(__u64 x)
{
	return ((x & -x) * FW_DEBRUIJN) >> 58;
}

/* fw_hits slot of rule R (0-based). */
static inline __u32 fw_hit_slot(__u32 r)
{
	return (r & ~63u) | fw_bit_hash(1ULL << (r & 63));
}

/* fw_rule_base (per rule, user space only): hits carried over from earlier generations. */
struct fw_rule_base {
	__u64 hits;
	__u32 text_off;		/* canonical text of the rule in fw_text */
	__u32 text_len;
};
_Static_assert(sizeof(struct fw_rule_base) == 16, "fw_rule_base layout");

/* fw_text: the canonical rules, newline-separated, in chunks. */
#define FW_TEXT_CHUNK 4096
struct fw_text_chunk {
	char text[FW_TEXT_CHUNK];
};
_Static_assert(sizeof(struct fw_text_chunk) == FW_TEXT_CHUNK, "fw_text_chunk layout");

#endif /* XDP_FW_SHARED_H */
