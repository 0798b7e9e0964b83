/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Layouts shared by the kernel programs and user space. Both sides include
 * this file. A change to any struct here renames the map that holds it
 * (xdp_stats -> xdp_stats_v2, ...) so that an old pin is never misread.
 */
#ifndef ECBPF_SHARED_H
#define ECBPF_SHARED_H

#include <linux/types.h>

#define ECBPF_MAX_SLOTS 8		/* slots in the root array */
#define ECBPF_ROOT_ROW ECBPF_MAX_SLOTS	/* stats row of the root's own verdicts */
#define ECBPF_STATS_ROWS (ECBPF_MAX_SLOTS + 1)
#define ECBPF_XDPCAP_ACTIONS 5		/* xdpcap hook: one entry per XDP action */

#define ECBPF_SNAPLEN_DEFAULT 256
#define ECBPF_SNAPLEN_MAX 1522
#define ECBPF_SAMPLE_RATE_DEFAULT 2500	/* 1 in N, as in the reference */

/* Default slots (DESIGN.md). Slot 1 stays reserved for the sampler. */
#define ECBPF_SLOT_SAMPLER 1
#define ECBPF_SLOT_FILTER 2
#define ECBPF_SLOT_FW 5
#define ECBPF_SLOT_PRINTK 6
#define ECBPF_SLOT_BYPASS 7

/* Index into the per-action counters; XDP actions above XDP_REDIRECT count as INVALID. */
enum ecbpf_action_idx {
	ECBPF_ACT_ABORTED = 0,
	ECBPF_ACT_DROP = 1,
	ECBPF_ACT_PASS = 2,
	ECBPF_ACT_TX = 3,
	ECBPF_ACT_REDIRECT = 4,
	ECBPF_ACT_INVALID = 5,
	ECBPF_ACT_MAX = 6,
};

struct ecbpf_counter {
	__u64 packets;
	__u64 bytes;
};

/* One row of xdp_stats (per CPU): final verdicts, and "would" verdicts of a slot in monitor mode. */
struct ecbpf_slot_stats {
	struct ecbpf_counter verdict[ECBPF_ACT_MAX];
	struct ecbpf_counter would[ECBPF_ACT_MAX];
};
_Static_assert(sizeof(struct ecbpf_slot_stats) == 192, "ecbpf_slot_stats layout");

/*
 * Reason codes. Every verdict carries one; xdp_reasons counts them. Ranges:
 * 0-15 root and protocol, 16-31 filter, 32-39 fw, 40-47 bypass, 56-63 tests.
 * The names live in libecbpf (ecbpf_reason_name).
 */
enum ecbpf_reason {
	ECBPF_R_NONE = 0,		/* no slot decided: end of chain */
	ECBPF_R_NOT_IP = 1,		/* root: non-IP ethertype, passed to the kernel */
	ECBPF_R_ETH_TRUNC = 2,		/* root: frame shorter than an Ethernet header */
	ECBPF_R_VLAN_TRUNC = 3,		/* root: truncated 802.1Q/802.1ad tag */
	ECBPF_R_VLAN_DEPTH = 4,		/* root: more than two VLAN tags */
	ECBPF_R_IP4_TRUNC = 5,		/* root: IPv4 header (with options) beyond the frame */
	ECBPF_R_IP4_VERSION = 6,	/* root: ethertype IPv4, version field not 4 */
	ECBPF_R_IP4_IHL = 7,		/* root: IPv4 IHL < 5 */
	ECBPF_R_IP6_TRUNC = 8,		/* root: IPv6 fixed header beyond the frame */
	ECBPF_R_IP6_VERSION = 9,	/* root: ethertype IPv6, version field not 6 */
	ECBPF_R_IP6_EXT_TRUNC = 10,	/* root: IPv6 extension header beyond the frame */
	ECBPF_R_IP6_EXT_DEPTH = 11,	/* root: more extension headers than the walk allows */
	ECBPF_R_L4_TRUNC = 12,		/* root: TCP/UDP/ICMP header beyond the frame */
	ECBPF_R_INTERNAL = 13,		/* a slot found no parse context (cannot happen) */
	ECBPF_R_SLOT_PASS = 14,		/* a slot passed the packet to the kernel, skipping later slots */

	ECBPF_R_FILTER_IP_OPTIONS = 16,	/* filter: IPv4 with options */
	ECBPF_R_FILTER_IP_LEN = 17,	/* filter: IPv4 total length beyond the frame */
	ECBPF_R_FILTER_EVIL_BIT = 18,	/* filter: RFC 3514 evil bit */
	ECBPF_R_FILTER_SRC_DROP = 19,	/* filter: source in a drop prefix */
	ECBPF_R_FILTER_FRAG_DROP = 20,	/* filter: fragment dropped */
	ECBPF_R_FILTER_PTB_SENT = 21,	/* filter: first fragment answered with packet-too-big */
	ECBPF_R_FILTER_PTB_ERR = 22,	/* filter: first fragment dropped, reply could not be built */
	ECBPF_R_FILTER_PTB_LIMIT = 23,	/* filter: first fragment dropped, ptb_max_pps spent */

	ECBPF_R_FW_RULE = 32,		/* fw: rule matched; metadata = lowest rule number */

	ECBPF_R_BYPASS_TX = 40,		/* bypass: forwarded on the fast path */

	ECBPF_R_TEST = 56,		/* test and benchmark programs */

	ECBPF_REASON_MAX = 64,
};

/* Flags of struct ecbpf_pkt. */
#define ECBPF_PKT_F_FRAG (1 << 0)	/* IPv4 MF/offset or IPv6 Fragment header */
#define ECBPF_PKT_F_FRAG_LATER (1 << 1)	/* fragment offset != 0: no L4 header */
#define ECBPF_PKT_F_IP_OPTS (1 << 2)	/* IPv4 header longer than 20 bytes */
#define ECBPF_PKT_F_IP6_EXT (1 << 3)	/* IPv6 with extension headers */

/*
 * Parse-once result, written by the root for every IP packet before the
 * first slot runs. Offsets are from the start of the frame; 0 means absent.
 */
struct ecbpf_pkt {
	__u32 len;		/* frame length */
	__u16 l3_off;		/* IPv4/IPv6 header */
	__u16 l4_off;		/* L4 header; 0 for later fragments */
	__u16 eth_proto;	/* ETH_P_IP or ETH_P_IPV6, host order */
	__u16 frag_hdr_off;	/* IPv6 Fragment extension header; 0 if none */
	__u16 vlan_tci[2];	/* outer, inner tag (host order) */
	__u8 vlan_depth;	/* 0, 1 or 2 */
	__u8 l4_proto;		/* IPPROTO_* at the end of the header chain */
	__u8 flags;		/* ECBPF_PKT_F_* */
	__u8 ttl;		/* TTL or hop limit */
	__u16 l3_len;		/* length of the IPv4 header with options / IPv6 header with extensions */
	__u16 pad;
};
_Static_assert(sizeof(struct ecbpf_pkt) == 24, "ecbpf_pkt layout");

/* Header offsets of the common frame, untagged IPv4 without options: the root's fast parse. */
#define ECBPF_FAST_L3_OFF 14
#define ECBPF_FAST_L4_OFF 34

/*
 * ecbpf_scratch (per CPU, one entry): the parse context of the packet being
 * processed. Only the root writes it; user space never does, so a counter
 * reset cannot disturb a packet in flight.
 */
struct ecbpf_scratch {
	struct ecbpf_pkt pkt;
};
_Static_assert(sizeof(struct ecbpf_scratch) == 24, "ecbpf_scratch layout");

/*
 * ecbpf_sampler (per CPU, one entry): the sampler's countdown and counters.
 * User space zeroes the countdown when it changes the rate, so the next
 * packet reads the new rate.
 */
struct ecbpf_sampler_state {
	__u32 countdown;	/* packets until the next sample on this CPU */
	__u32 rng;		/* xorshift state that jitters the countdown */
	__u64 samples_sent;	/* samples written to the buffer */
	__u64 samples_lost;	/* buffer full: the reader is too slow */
	__u64 samples_noreader;	/* no reader has opened this CPU's buffer */
};
_Static_assert(sizeof(struct ecbpf_sampler_state) == 32, "ecbpf_sampler_state layout");

/* ecbpf_cfg (array, one entry): run-time settings of one interface's stack. */
struct ecbpf_cfg {
	__u32 sample_rate;	/* 1 in N verdicts sampled; 0 = off */
	__u32 snaplen;		/* bytes of frame per sample, <= ECBPF_SNAPLEN_MAX */
	__u32 monitor_mask;	/* bit N: slot N counts DROP/TX/REDIRECT as "would" and continues */
	__u32 owner_ifindex;	/* ifindex the pins belong to */
	__u64 owner_netns;	/* inode of the network namespace the pins belong to */
	__u64 attach_time;	/* CLOCK_REALTIME seconds of the last root attach */
};
_Static_assert(sizeof(struct ecbpf_cfg) == 32, "ecbpf_cfg layout");

#define ECBPF_SAMPLE_VERSION 1
#define ECBPF_SAMPLE_F_MONITOR (1 << 0)	/* a "would" verdict of a slot in monitor mode */

/*
 * Header of one sample record in the ecbpf_samples perf buffer; cap_len bytes
 * of the frame follow it. The same layout (little-endian) is the body of a
 * published ZeroMQ message.
 */
struct ecbpf_sample_hdr {
	__u64 tstamp_ns;	/* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u64 meta;		/* verdict metadata (fw: rule number, ...) */
	__u32 ifindex;
	__u32 frame_len;
	__u16 cap_len;
	__u8 version;		/* ECBPF_SAMPLE_VERSION */
	__s8 slot;		/* -1 for the root */
	__u8 action;		/* XDP action */
	__u8 reason;		/* enum ecbpf_reason */
	__u8 flags;		/* ECBPF_SAMPLE_F_* */
	__u8 pad;
};
_Static_assert(sizeof(struct ecbpf_sample_hdr) == 32, "ecbpf_sample_hdr layout");

#endif /* ECBPF_SHARED_H */
