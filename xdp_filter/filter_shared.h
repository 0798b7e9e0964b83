/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * xdp_filter: layouts shared by the kernel program and the loader. A change
 * to any struct here renames the map that holds it (filter_src_v4 ->
 * filter_src_v4_v2, ...) so that an old pin is never misread.
 */
#ifndef XDP_FILTER_SHARED_H
#define XDP_FILTER_SHARED_H

#include <linux/types.h>
#include <linux/bpf.h>		/* struct bpf_spin_lock */

#define FILTER_COMPONENT "filter"	/* pin sub-directory: <pin dir>/<ifname>/filter/ */
#define FILTER_PROG_NAME "xdp_filter_prog"

#define FILTER_TAG_LEN 64		/* tag bytes, NUL included: 63 characters */
#define FILTER_DROP_MAX 262144		/* prefixes per trie */
#define FILTER_PTB_PPS_DEFAULT 200
#define FILTER_CFG_MAGIC 0x46494c31	/* "FIL1": the entry was written by a loader */

/* LPM trie keys: prefix length in bits, then the address in network order. */
struct filter_key_v4 {
	__u32 prefixlen;
	__u8 addr[4];
};
_Static_assert(sizeof(struct filter_key_v4) == 8, "filter_key_v4 layout");

struct filter_key_v6 {
	__u32 prefixlen;
	__u8 addr[16];
};
_Static_assert(sizeof(struct filter_key_v6) == 20, "filter_key_v6 layout");

/* Value of a drop prefix: the operator's tag and when it was loaded. */
struct filter_drop_entry {
	char tag[FILTER_TAG_LEN];	/* NUL-terminated, may be empty */
	__u64 load_time;		/* CLOCK_REALTIME seconds */
};
_Static_assert(sizeof(struct filter_drop_entry) == 72, "filter_drop_entry layout");

/* filter_cfg (array, one entry), written only by the loader under the interface lock. */
struct filter_config {
	__u32 magic;		/* FILTER_CFG_MAGIC once initialised */
	__u32 frags_drop;	/* 1: drop fragments (and answer first fragments) */
	__u32 ptb_max_pps;	/* packet-too-big replies per second; 0 = none */
	__u32 pad;
};
_Static_assert(sizeof(struct filter_config) == 16, "filter_config layout");

/*
 * filter_src_hint (array, one entry): one bit per 16-bit source bucket, set
 * when some drop prefix can match a source in that bucket. A clear bit skips
 * the trie lookup (a helper call and a walk of the trie): traffic from
 * buckets without prefixes pays one load. Buckets: IPv4 the /16 (first two
 * bytes); IPv6 the first 16-bit group XOR the second. Rebuilt by the loader
 * from the tries after every change.
 */
#define FILTER_HINT_BUCKETS 65536
struct filter_src_hint {
	__u64 v4[FILTER_HINT_BUCKETS / 64];
	__u64 v6[FILTER_HINT_BUCKETS / 64];
};
_Static_assert(sizeof(struct filter_src_hint) == 16384, "filter_src_hint layout");

static inline __u32 filter_bucket_v4(const __u8 *addr)
{
	return (__u32)addr[0] << 8 | addr[1];
}

static inline __u32 filter_bucket_v6(const __u8 *addr)
{
	return ((__u32)addr[0] << 8 | addr[1]) ^ ((__u32)addr[2] << 8 | addr[3]);
}

/*
 * filter_ptb_rate_v2 (plain array, one entry: one budget for all CPUs of the
 * interface). A one-second window that opens with the first reply after the
 * previous window ended; the program updates it under LOCK. (The first
 * layout, filter_ptb_rate, had no lock: an old pin of it is removed.)
 */
struct filter_ptb_rate {
	struct bpf_spin_lock lock;
	__u32 pad;
	__u64 window_start;	/* bpf_ktime_get_ns() when the window opened */
	__u64 sent;		/* replies granted in this window */
};
_Static_assert(sizeof(struct filter_ptb_rate) == 24, "filter_ptb_rate layout");

/*
 * Counters (filter_stats, per CPU, one entry). The first nine carry the
 * reference names; FILTER_COUNTER_NAMES lists them in this order.
 */
enum filter_counter {
	FILTER_C_ETH_FRAME_ERR,		/* parse context points beyond the frame */
	FILTER_C_IP_HEADER_ERR,		/* IPv4 header not whole where the context says */
	FILTER_C_IP6_HEADER_ERR,	/* IPv6 header or fragment header not whole */
	FILTER_C_IP_DROP,		/* IPv4 source in filter_src_v4 */
	FILTER_C_IP6_DROP,		/* IPv6 source in filter_src_v6 */
	FILTER_C_IP_FRAG_DROP,		/* IPv4 fragments dropped */
	FILTER_C_PTB_SENT,		/* packet-too-big replies sent (or, in monitor mode, due) */
	FILTER_C_PTB_ERR,		/* first fragment that cannot be quoted in a reply */
	FILTER_C_PTB_MEM_ERR,		/* no room to grow or shrink the frame for a reply */
	FILTER_C_IP_OPTIONS_DROP,	/* IPv4 with options */
	FILTER_C_IP_LENGTH_ERR,		/* IPv4 total length beyond the frame or below the header */
	FILTER_C_IP6_LENGTH_ERR,	/* IPv6 payload length beyond the frame */
	FILTER_C_EVIL_BIT_DROP,		/* RFC 3514 evil bit */
	FILTER_C_IP6_FRAG_DROP,		/* IPv6 fragments dropped */
	FILTER_C_PTB_RATE_LIMITED,	/* first fragment dropped without reply: budget spent */
	FILTER_C_MAX,
};

#define FILTER_COUNTER_NAMES                                                                \
	"eth_frame_err", "ip_header_err", "ip6_header_err", "ip_drop_count", "ip6_drop_count", \
	"ip_frag_drop_count", "ptb_sent_count", "ptb_err_count", "ptb_mem_err_count",       \
	"ip_options_drop_count", "ip_length_err_count", "ip6_length_err_count",             \
	"evil_bit_drop_count", "ip6_frag_drop_count", "ptb_rate_limited_count"

struct filter_stats {
	__u64 count[FILTER_C_MAX];
};
_Static_assert(sizeof(struct filter_stats) == FILTER_C_MAX * 8, "filter_stats layout");

#endif /* XDP_FILTER_SHARED_H */
