// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * The root program under BPF_PROG_TEST_RUN, on a private stack: verdicts,
 * reason codes, packet and byte counters, the parse context handed to the
 * slots, the hand-off across empty and occupied slots, monitor mode, the
 * xdpcap hook and the sampler offer.
 */
#define _GNU_SOURCE
#include <check.h>
#include <sched.h>
#include <stdlib.h>
#include <bpf/libbpf.h>
#include <ecbpf/ecbpf.h>
#include "pktbuild.h"
#include "test_slot.skel.h"
#include "test_xdpcap_hook.skel.h"
#include "ck_run.h"

#define TEST_THROUGH 0xff	/* test_slot.bpf.c: hand the packet on */
#define ETH_P_8021AD_ 0x88A8

static struct ecbpf_stack *stk;
static struct test_slot *slots[ECBPF_MAX_SLOTS];
static struct test_xdpcap_hook *hook;

static void setup(void)
{
	ck_assert_int_eq(ecbpf_stack_new(&stk), 0);
}

static void teardown(void)
{
	for (int i = 0; i < ECBPF_MAX_SLOTS; i++) {
		test_slot__destroy(slots[i]);
		slots[i] = NULL;
	}
	test_xdpcap_hook__destroy(hook);
	hook = NULL;
	ecbpf_stack_free(stk);
}

/* Load test_slot for SLOT with ACTION (an XDP action or TEST_THROUGH) and put it in the slot. */
static void put_slot(int slot, uint32_t action)
{
	struct test_slot *skel = test_slot__open();
	__u32 key = slot;
	int fd;

	ck_assert_ptr_nonnull(skel);
	skel->rodata->ecbpf_slot = slot;
	skel->rodata->test_action = action;
	ck_assert_int_eq(ecbpf_slot_bind_fds(skel->obj, ecbpf_stack_shared_fds(stk)), 0);
	ck_assert_int_eq(test_slot__load(skel), 0);
	fd = bpf_program__fd(skel->progs.test_slot);
	ck_assert_int_eq(bpf_map_update_elem(ecbpf_stack_map_fd(stk, "root_array"), &key, &fd,
					     BPF_ANY), 0);
	slots[slot] = skel;
}

static void set_cfg(uint32_t monitor_mask, uint32_t sample_rate)
{
	struct ecbpf_cfg cfg = { .sample_rate = sample_rate, .snaplen = ECBPF_SNAPLEN_DEFAULT,
				 .monitor_mask = monitor_mask };
	__u32 key = 0;

	ck_assert_int_eq(bpf_map_update_elem(ecbpf_stack_map_fd(stk, "ecbpf_cfg"), &key, &cfg,
					     BPF_ANY), 0);
}

/* Stats row ROW (slot 0-7 or ECBPF_ROOT_ROW), summed over the CPUs. */
static struct ecbpf_slot_stats row(int r)
{
	struct ecbpf_slot_stats s;

	ck_assert_int_eq(ecbpf_percpu_sum(ecbpf_stack_map_fd(stk, "xdp_stats"), r,
					  (uint64_t *)&s, sizeof(s) / 8), 0);
	return s;
}

static struct ecbpf_counter root_count(int action)
{
	return row(ECBPF_ROOT_ROW).verdict[action];
}

static struct ecbpf_counter reason(int r)
{
	struct ecbpf_counter c;

	ck_assert_int_eq(ecbpf_percpu_sum(ecbpf_stack_map_fd(stk, "xdp_reasons"), r,
					  (uint64_t *)&c, 2), 0);
	return c;
}

/* Packets in every counter (verdict and would) of a row. */
static uint64_t row_total(int r)
{
	struct ecbpf_slot_stats s = row(r);
	uint64_t n = 0;

	for (int a = 0; a < ECBPF_ACT_MAX; a++)
		n += s.verdict[a].packets + s.would[a].packets;
	return n;
}

/* The scratch entry of CPU 0: the test thread is pinned there (see main). */
static struct ecbpf_scratch scratch_cpu0(void)
{
	int n = ecbpf_ncpus();
	struct ecbpf_scratch *all = calloc(n, sizeof(*all));
	struct ecbpf_scratch s;
	__u32 key = 0;

	ck_assert_ptr_nonnull(all);
	ck_assert_int_eq(bpf_map_lookup_elem(ecbpf_stack_map_fd(stk, "ecbpf_scratch"), &key, all),
			 0);
	s = all[0];
	free(all);
	return s;
}

static struct run run_root(const struct pkt *p)
{
	struct run r = run_prog(ecbpf_stack_root_fd(stk), p->buf, p->len);

	ck_assert_int_eq(r.err, 0);
	return r;
}

/* The root decided alone: ACTION with REASON, counted once in the root row, packets and bytes. */
static void assert_root_verdict(const struct pkt *p, uint32_t action, int why)
{
	struct run r = run_root(p);

	ck_assert_uint_eq(r.action, action);
	ck_assert_uint_eq(root_count(action).packets, 1);
	ck_assert_uint_eq(root_count(action).bytes, p->len);
	ck_assert_uint_eq(row_total(ECBPF_ROOT_ROW), 1);
	ck_assert_uint_eq(reason(why).packets, 1);
	ck_assert_uint_eq(reason(why).bytes, p->len);
}

static void udp4(struct pkt *p, uint16_t proto)
{
	pkt_init(p);
	pkt_eth(p, proto);
}

/* ---- IPv4 ----------------------------------------------------------- */

START_TEST(root_passes_ipv4_udp_and_counts_bytes)
{
	struct pkt p;

	pkt_init(&p);
	pkt_eth(&p, ETH_P_IP);
	pkt_ipv4(&p, "10.0.0.1", "10.0.0.2", IPPROTO_UDP);
	pkt_udp(&p, 1000, 53, 22);
	pkt_finish(&p);
	assert_root_verdict(&p, XDP_PASS, ECBPF_R_NONE);
}
END_TEST

START_TEST(root_passes_ipv4_tcp)
{
	struct pkt p;

	pkt_init(&p);
	pkt_eth(&p, ETH_P_IP);
	pkt_ipv4(&p, "10.0.0.1", "10.0.0.2", IPPROTO_TCP);
	pkt_tcp(&p, 40000, 443, 0x02, 0);
	pkt_finish(&p);
	assert_root_verdict(&p, XDP_PASS, ECBPF_R_NONE);
}
END_TEST

START_TEST(root_passes_ipv4_icmp)
{
	struct pkt p;

	pkt_init(&p);
	pkt_eth(&p, ETH_P_IP);
	pkt_ipv4(&p, "10.0.0.1", "10.0.0.2", IPPROTO_ICMP);
	pkt_icmp(&p, 8, 0, 56);
	pkt_finish(&p);
	assert_root_verdict(&p, XDP_PASS, ECBPF_R_NONE);
}
END_TEST

START_TEST(root_hands_ipv4_options_context_to_slots)
{
	static const uint8_t nop_opts[4] = { 1, 1, 1, 0 };
	struct ecbpf_pkt k;
	struct pkt p;

	put_slot(0, XDP_PASS);
	pkt_init(&p);
	pkt_eth(&p, ETH_P_IP);
	pkt_ipv4(&p, "10.0.0.1", "10.0.0.2", IPPROTO_UDP);
	pkt_ipv4_options(&p, nop_opts, sizeof(nop_opts));
	pkt_udp(&p, 1000, 53, 10);
	pkt_finish(&p);
	ck_assert_uint_eq(run_root(&p).action, XDP_PASS);
	ck_assert_uint_eq(row(0).verdict[ECBPF_ACT_PASS].packets, 1);
	k = scratch_cpu0().pkt;
	ck_assert_uint_eq(k.len, p.len);
	ck_assert_uint_eq(k.eth_proto, ETH_P_IP);
	ck_assert_uint_eq(k.l3_off, 14);
	ck_assert_uint_eq(k.l3_len, 24);
	ck_assert_uint_eq(k.l4_off, 38);
	ck_assert_uint_eq(k.l4_proto, IPPROTO_UDP);
	ck_assert_uint_eq(k.flags, ECBPF_PKT_F_IP_OPTS);
	ck_assert_uint_eq(k.vlan_depth, 0);
	ck_assert_uint_eq(k.ttl, 64);
}
END_TEST

START_TEST(root_hands_ipv4_later_fragment_with_short_payload_to_slots)
{
	struct ecbpf_pkt k;
	struct pkt p;

	put_slot(0, XDP_PASS);
	pkt_init(&p);
	pkt_eth(&p, ETH_P_IP);
	pkt_ipv4(&p, "10.0.0.1", "10.0.0.2", IPPROTO_UDP);
	memset(pkt_put(&p, 3), 0xab, 3);	/* 3 payload bytes: not a UDP header, and need not be */
	pkt_finish(&p);
	pkt_ipv4_frag(&p, 1480, 0, 0);
	ck_assert_uint_eq(run_root(&p).action, XDP_PASS);
	ck_assert_uint_eq(row(0).verdict[ECBPF_ACT_PASS].packets, 1);
	ck_assert_uint_eq(row_total(ECBPF_ROOT_ROW), 0);
	k = scratch_cpu0().pkt;
	ck_assert_uint_eq(k.flags, ECBPF_PKT_F_FRAG | ECBPF_PKT_F_FRAG_LATER);
	ck_assert_uint_eq(k.l4_off, 0);
	ck_assert_uint_eq(k.l4_proto, IPPROTO_UDP);
}
END_TEST

START_TEST(root_hands_ipv4_first_fragment_to_slots)
{
	struct ecbpf_pkt k;
	struct pkt p;

	put_slot(0, XDP_PASS);
	pkt_init(&p);
	pkt_eth(&p, ETH_P_IP);
	pkt_ipv4(&p, "10.0.0.1", "10.0.0.2", IPPROTO_UDP);
	pkt_udp(&p, 1000, 53, 32);
	pkt_finish(&p);
	pkt_ipv4_frag(&p, 0, 1, 0);
	ck_assert_uint_eq(run_root(&p).action, XDP_PASS);
	k = scratch_cpu0().pkt;
	ck_assert_uint_eq(k.flags, ECBPF_PKT_F_FRAG);
	ck_assert_uint_eq(k.l4_off, 34);
}
END_TEST

/*
 * Plain IPv4 UDP and TCP take the root's three-store fast path; behind a VLAN
 * tag the same packets take the general parse. Both must give the same context.
 */
static struct ecbpf_pkt context_of(uint16_t vlan, uint8_t proto)
{
	struct pkt p;

	pkt_init(&p);
	pkt_eth(&p, vlan ? ETH_P_8021Q : ETH_P_IP);
	if (vlan)
		pkt_vlan(&p, vlan, ETH_P_IP);
	pkt_ipv4(&p, "10.0.0.1", "10.0.0.2", proto);
	if (proto == IPPROTO_UDP)
		pkt_udp(&p, 1000, 53, 10);
	else
		pkt_tcp(&p, 1000, 80, 0x02, 10);
	pkt_finish(&p);
	ck_assert_uint_eq(run_root(&p).action, XDP_PASS);
	return scratch_cpu0().pkt;
}

START_TEST(root_fast_path_context_matches_general_parse)
{
	static const uint8_t protos[] = { IPPROTO_UDP, IPPROTO_TCP };

	put_slot(0, XDP_PASS);
	for (size_t i = 0; i < sizeof(protos); i++) {
		struct ecbpf_pkt fast = context_of(0, protos[i]);
		struct ecbpf_pkt general = context_of(7, protos[i]);

		ck_assert_uint_eq(fast.len, general.len - 4);
		ck_assert_uint_eq(fast.l3_off, 14);
		ck_assert_uint_eq(general.l3_off, 18);
		ck_assert_uint_eq(fast.l4_off, 34);
		ck_assert_uint_eq(general.l4_off, 38);
		ck_assert_uint_eq(fast.eth_proto, ETH_P_IP);
		ck_assert_uint_eq(general.eth_proto, ETH_P_IP);
		ck_assert_uint_eq(fast.frag_hdr_off, 0);
		ck_assert_uint_eq(fast.vlan_tci[0], 0);
		ck_assert_uint_eq(fast.vlan_tci[1], 0);
		ck_assert_uint_eq(fast.vlan_depth, 0);
		ck_assert_uint_eq(general.vlan_depth, 1);
		ck_assert_uint_eq(fast.l4_proto, protos[i]);
		ck_assert_uint_eq(general.l4_proto, protos[i]);
		ck_assert_uint_eq(fast.flags, general.flags);
		ck_assert_uint_eq(fast.flags, 0);
		ck_assert_uint_eq(fast.ttl, general.ttl);
		ck_assert_uint_eq(fast.ttl, 64);
		ck_assert_uint_eq(fast.l3_len, 20);
		ck_assert_uint_eq(general.l3_len, 20);
		ck_assert_uint_eq(fast.pad, 0);
	}
}
END_TEST

/* ---- IPv6 ----------------------------------------------------------- */

START_TEST(root_passes_ipv6_hop_by_hop_and_routing_to_slots)
{
	struct ecbpf_pkt k;
	struct pkt p;

	put_slot(0, XDP_PASS);
	pkt_init(&p);
	pkt_eth(&p, ETH_P_IPV6);
	pkt_ipv6(&p, "fd00::1", "fd00::2", IPPROTO_UDP);
	pkt_ip6_ext(&p, IPPROTO_HOPOPTS, IPPROTO_UDP, 0);	/* 8 bytes */
	pkt_ip6_ext(&p, IPPROTO_ROUTING, IPPROTO_UDP, 1);	/* 16 bytes */
	pkt_udp(&p, 1000, 53, 20);
	pkt_finish(&p);
	ck_assert_uint_eq(run_root(&p).action, XDP_PASS);
	ck_assert_uint_eq(row(0).verdict[ECBPF_ACT_PASS].packets, 1);
	ck_assert_uint_eq(row(0).verdict[ECBPF_ACT_PASS].bytes, p.len);
	ck_assert_uint_eq(row_total(ECBPF_ROOT_ROW), 0);
	ck_assert_uint_eq(reason(ECBPF_R_TEST).packets, 1);
	k = scratch_cpu0().pkt;
	ck_assert_uint_eq(k.eth_proto, ETH_P_IPV6);
	ck_assert_uint_eq(k.l3_off, 14);
	ck_assert_uint_eq(k.l3_len, 40 + 8 + 16);
	ck_assert_uint_eq(k.l4_off, 14 + 40 + 8 + 16);
	ck_assert_uint_eq(k.l4_proto, IPPROTO_UDP);
	ck_assert_uint_eq(k.flags, ECBPF_PKT_F_IP6_EXT);
	ck_assert_uint_eq(k.frag_hdr_off, 0);
	ck_assert_uint_eq(k.ttl, 64);
}
END_TEST

START_TEST(root_passes_ipv6_hop_by_hop_routing_without_slots)
{
	struct pkt p;

	pkt_init(&p);
	pkt_eth(&p, ETH_P_IPV6);
	pkt_ipv6(&p, "fd00::1", "fd00::2", IPPROTO_TCP);
	pkt_ip6_ext(&p, IPPROTO_HOPOPTS, IPPROTO_TCP, 0);
	pkt_ip6_ext(&p, IPPROTO_ROUTING, IPPROTO_TCP, 2);
	pkt_tcp(&p, 1000, 80, 0x10, 5);
	pkt_finish(&p);
	assert_root_verdict(&p, XDP_PASS, ECBPF_R_NONE);
}
END_TEST

START_TEST(root_passes_ipv6_first_fragment_to_slots)
{
	struct ecbpf_pkt k;
	struct pkt p;

	put_slot(0, XDP_PASS);
	pkt_init(&p);
	pkt_eth(&p, ETH_P_IPV6);
	pkt_ipv6(&p, "fd00::1", "fd00::2", IPPROTO_UDP);
	pkt_ip6_frag(&p, IPPROTO_UDP, 0, 1, 0x1234);
	pkt_udp(&p, 1000, 53, 40);
	pkt_finish(&p);
	ck_assert_uint_eq(run_root(&p).action, XDP_PASS);
	ck_assert_uint_eq(row(0).verdict[ECBPF_ACT_PASS].packets, 1);
	k = scratch_cpu0().pkt;
	ck_assert_uint_eq(k.flags, ECBPF_PKT_F_FRAG | ECBPF_PKT_F_IP6_EXT);
	ck_assert_uint_eq(k.frag_hdr_off, 54);
	ck_assert_uint_eq(k.l4_off, 62);
	ck_assert_uint_eq(k.l4_proto, IPPROTO_UDP);
	ck_assert_uint_eq(k.l3_len, 48);
}
END_TEST

START_TEST(root_passes_ipv6_later_fragment_with_short_payload_to_slots)
{
	struct ecbpf_pkt k;
	struct pkt p;

	put_slot(0, XDP_PASS);
	pkt_init(&p);
	pkt_eth(&p, ETH_P_IPV6);
	pkt_ipv6(&p, "fd00::1", "fd00::2", IPPROTO_UDP);
	pkt_ip6_ext(&p, IPPROTO_HOPOPTS, IPPROTO_UDP, 0);
	pkt_ip6_frag(&p, IPPROTO_UDP, 1448, 0, 0x1234);
	memset(pkt_put(&p, 2), 0xab, 2);	/* shorter than a UDP header: fine for a later fragment */
	pkt_finish(&p);
	ck_assert_uint_eq(run_root(&p).action, XDP_PASS);
	ck_assert_uint_eq(row(0).verdict[ECBPF_ACT_PASS].packets, 1);
	ck_assert_uint_eq(row_total(ECBPF_ROOT_ROW), 0);
	k = scratch_cpu0().pkt;
	ck_assert_uint_eq(k.flags, ECBPF_PKT_F_FRAG | ECBPF_PKT_F_FRAG_LATER | ECBPF_PKT_F_IP6_EXT);
	ck_assert_uint_eq(k.frag_hdr_off, 14 + 40 + 8);
	ck_assert_uint_eq(k.l4_off, 0);
	ck_assert_uint_eq(k.l4_proto, IPPROTO_UDP);
	ck_assert_uint_eq(k.l3_len, 40 + 8 + 8);
}
END_TEST

START_TEST(root_passes_ipv6_icmp_without_slots)
{
	struct pkt p;

	pkt_init(&p);
	pkt_eth(&p, ETH_P_IPV6);
	pkt_ipv6(&p, "fd00::1", "fd00::2", IPPROTO_ICMPV6);
	pkt_icmp(&p, 128, 0, 8);
	pkt_finish(&p);
	assert_root_verdict(&p, XDP_PASS, ECBPF_R_NONE);
}
END_TEST

/* ---- VLAN and non-IP ------------------------------------------------ */

START_TEST(root_hands_8021q_context_to_slots)
{
	struct ecbpf_pkt k;
	struct pkt p;

	put_slot(0, XDP_PASS);
	pkt_init(&p);
	pkt_eth(&p, ETH_P_8021Q);
	pkt_vlan(&p, 100, ETH_P_IP);
	pkt_ipv4(&p, "10.0.0.1", "10.0.0.2", IPPROTO_UDP);
	pkt_udp(&p, 1000, 53, 10);
	pkt_finish(&p);
	ck_assert_uint_eq(run_root(&p).action, XDP_PASS);
	ck_assert_uint_eq(row(0).verdict[ECBPF_ACT_PASS].packets, 1);
	ck_assert_uint_eq(row(0).verdict[ECBPF_ACT_PASS].bytes, p.len);
	k = scratch_cpu0().pkt;
	ck_assert_uint_eq(k.vlan_depth, 1);
	ck_assert_uint_eq(k.vlan_tci[0], 100);
	ck_assert_uint_eq(k.l3_off, 18);
	ck_assert_uint_eq(k.l4_off, 38);
	ck_assert_uint_eq(k.l4_proto, IPPROTO_UDP);
	ck_assert_uint_eq(k.eth_proto, ETH_P_IP);
	ck_assert_uint_eq(k.flags, 0);
}
END_TEST

START_TEST(root_hands_qinq_ipv6_context_to_slots)
{
	struct ecbpf_pkt k;
	struct pkt p;

	put_slot(0, XDP_PASS);
	pkt_init(&p);
	pkt_eth(&p, ETH_P_8021AD_);
	pkt_vlan(&p, 0x2c8, ETH_P_8021Q);
	pkt_vlan(&p, 0x064, ETH_P_IPV6);
	pkt_ipv6(&p, "fd00::1", "fd00::2", IPPROTO_TCP);
	pkt_tcp(&p, 1000, 80, 0x02, 0);
	pkt_finish(&p);
	ck_assert_uint_eq(run_root(&p).action, XDP_PASS);
	ck_assert_uint_eq(row(0).verdict[ECBPF_ACT_PASS].packets, 1);
	k = scratch_cpu0().pkt;
	ck_assert_uint_eq(k.vlan_depth, 2);
	ck_assert_uint_eq(k.vlan_tci[0], 0x2c8);
	ck_assert_uint_eq(k.vlan_tci[1], 0x064);
	ck_assert_uint_eq(k.l3_off, 22);
	ck_assert_uint_eq(k.l4_off, 62);
	ck_assert_uint_eq(k.l4_proto, IPPROTO_TCP);
	ck_assert_uint_eq(k.eth_proto, ETH_P_IPV6);
}
END_TEST

START_TEST(root_passes_qinq_without_slots)
{
	struct pkt p;

	pkt_init(&p);
	pkt_eth(&p, ETH_P_8021AD_);
	pkt_vlan(&p, 1, ETH_P_8021Q);
	pkt_vlan(&p, 2, ETH_P_IP);
	pkt_ipv4(&p, "10.0.0.1", "10.0.0.2", IPPROTO_ICMP);
	pkt_icmp(&p, 8, 0, 0);
	pkt_finish(&p);
	assert_root_verdict(&p, XDP_PASS, ECBPF_R_NONE);
}
END_TEST

START_TEST(root_aborts_three_vlan_tags)
{
	struct pkt p;

	pkt_init(&p);
	pkt_eth(&p, ETH_P_8021AD_);
	pkt_vlan(&p, 1, ETH_P_8021Q);
	pkt_vlan(&p, 2, ETH_P_8021Q);
	pkt_vlan(&p, 3, ETH_P_IP);
	pkt_ipv4(&p, "10.0.0.1", "10.0.0.2", IPPROTO_UDP);
	pkt_udp(&p, 1000, 53, 10);
	pkt_finish(&p);
	put_slot(0, XDP_PASS);
	assert_root_verdict(&p, XDP_ABORTED, ECBPF_R_VLAN_DEPTH);
	ck_assert_uint_eq(row_total(0), 0);
}
END_TEST

START_TEST(root_passes_arp_as_not_ip)
{
	/* Ethernet, IPv4, address lengths 6 and 4, request; addresses left zero. */
	static const uint8_t arp_request[8] = { 0, 1, 0x08, 0, 6, 4, 0, 1 };
	struct pkt p;

	pkt_init(&p);
	pkt_eth(&p, ETH_P_ARP);
	memcpy(pkt_put(&p, sizeof(arp_request)), arp_request, sizeof(arp_request));
	pkt_pad(&p, 60);
	put_slot(0, XDP_DROP);	/* non-IP never reaches the slots */
	assert_root_verdict(&p, XDP_PASS, ECBPF_R_NOT_IP);
	ck_assert_uint_eq(row_total(0), 0);
}
END_TEST

/* ---- truncated and malformed frames --------------------------------- */

struct bad_frame {
	const char *name;
	void (*build)(struct pkt *p);
	int reason;
};

static void eth_only_ipv4(struct pkt *p) { udp4(p, ETH_P_IP); }
static void eth_only_ipv6(struct pkt *p) { udp4(p, ETH_P_IPV6); }
static void eth_only_vlan(struct pkt *p) { udp4(p, ETH_P_8021Q); }
static void eth_only_qinq(struct pkt *p) { udp4(p, ETH_P_8021AD_); }

static void vlan_inner_tag_cut(struct pkt *p)
{
	udp4(p, ETH_P_8021AD_);
	pkt_vlan(p, 1, ETH_P_8021Q);
	pkt_put(p, 2);
}

static void ipv4_header_cut(struct pkt *p)
{
	udp4(p, ETH_P_IP);
	pkt_ipv4(p, "10.0.0.1", "10.0.0.2", IPPROTO_UDP);
	p->len -= 6;
}

static void ipv4_options_cut(struct pkt *p)
{
	static const uint8_t opts[8] = { 1, 1, 1, 1, 1, 1, 1, 0 };

	udp4(p, ETH_P_IP);
	pkt_ipv4(p, "10.0.0.1", "10.0.0.2", IPPROTO_UDP);
	pkt_ipv4_options(p, opts, sizeof(opts));
	p->len -= 4;	/* IHL says 28 bytes, 24 are there */
}

static void ipv4_ihl_4(struct pkt *p)
{
	struct iphdr *ip;

	udp4(p, ETH_P_IP);
	ip = pkt_ipv4(p, "10.0.0.1", "10.0.0.2", IPPROTO_UDP);
	pkt_udp(p, 1, 2, 8);
	pkt_finish(p);
	ip->ihl = 4;
}

static void ipv4_ihl_0(struct pkt *p)
{
	struct iphdr *ip;

	udp4(p, ETH_P_IP);
	ip = pkt_ipv4(p, "10.0.0.1", "10.0.0.2", IPPROTO_UDP);
	pkt_udp(p, 1, 2, 8);
	ip->ihl = 0;
}

static void ipv4_version_6(struct pkt *p)
{
	struct iphdr *ip;

	udp4(p, ETH_P_IP);
	ip = pkt_ipv4(p, "10.0.0.1", "10.0.0.2", IPPROTO_UDP);
	pkt_udp(p, 1, 2, 8);
	pkt_finish(p);
	ip->version = 6;
}

static void ipv6_header_cut(struct pkt *p)
{
	udp4(p, ETH_P_IPV6);
	pkt_ipv6(p, "fd00::1", "fd00::2", IPPROTO_UDP);
	p->len -= 1;
}

static void ipv6_version_4(struct pkt *p)
{
	struct ipv6hdr *ip6;

	udp4(p, ETH_P_IPV6);
	ip6 = pkt_ipv6(p, "fd00::1", "fd00::2", IPPROTO_UDP);
	pkt_udp(p, 1, 2, 8);
	pkt_finish(p);
	ip6->version = 4;
}

static void ipv6_ext_header_cut(struct pkt *p)
{
	udp4(p, ETH_P_IPV6);
	pkt_ipv6(p, "fd00::1", "fd00::2", IPPROTO_UDP);
	pkt_ip6_ext(p, IPPROTO_DSTOPTS, IPPROTO_UDP, 2);	/* says 24 bytes */
	p->len -= 10;
}

static void ipv6_ext_header_1_byte(struct pkt *p)
{
	udp4(p, ETH_P_IPV6);
	pkt_ipv6(p, "fd00::1", "fd00::2", IPPROTO_HOPOPTS);
	memset(pkt_put(p, 1), IPPROTO_UDP, 1);	/* only the next-header byte */
}

static void ipv6_frag_header_cut(struct pkt *p)
{
	udp4(p, ETH_P_IPV6);
	pkt_ipv6(p, "fd00::1", "fd00::2", IPPROTO_UDP);
	pkt_ip6_frag(p, IPPROTO_UDP, 0, 1, 7);
	p->len -= 2;
}

static void ipv6_too_many_ext_headers(struct pkt *p)
{
	udp4(p, ETH_P_IPV6);
	pkt_ipv6(p, "fd00::1", "fd00::2", IPPROTO_UDP);
	for (int i = 0; i < 9; i++)
		pkt_ip6_ext(p, IPPROTO_DSTOPTS, IPPROTO_UDP, 0);
	pkt_udp(p, 1, 2, 8);
	pkt_finish(p);
}

static void tcp_header_cut(struct pkt *p)
{
	udp4(p, ETH_P_IP);
	pkt_ipv4(p, "10.0.0.1", "10.0.0.2", IPPROTO_TCP);
	pkt_put(p, 19);
	pkt_finish(p);
}

static void tcp_options_cut(struct pkt *p)
{
	struct tcphdr *t;

	udp4(p, ETH_P_IP);
	pkt_ipv4(p, "10.0.0.1", "10.0.0.2", IPPROTO_TCP);
	t = pkt_tcp(p, 1, 2, 0x02, 4);
	t->doff = 8;	/* 32 bytes of header, 24 there */
	pkt_finish(p);
}

static void tcp_doff_below_5(struct pkt *p)
{
	struct tcphdr *t;

	udp4(p, ETH_P_IP);
	pkt_ipv4(p, "10.0.0.1", "10.0.0.2", IPPROTO_TCP);
	t = pkt_tcp(p, 1, 2, 0x02, 20);
	t->doff = 2;
	pkt_finish(p);
}

static void udp_header_cut(struct pkt *p)
{
	udp4(p, ETH_P_IP);
	pkt_ipv4(p, "10.0.0.1", "10.0.0.2", IPPROTO_UDP);
	pkt_put(p, 7);
	pkt_finish(p);
}

static void udp6_header_cut(struct pkt *p)
{
	udp4(p, ETH_P_IPV6);
	pkt_ipv6(p, "fd00::1", "fd00::2", IPPROTO_UDP);
	pkt_ip6_ext(p, IPPROTO_HOPOPTS, IPPROTO_UDP, 0);
	pkt_put(p, 4);
	pkt_finish(p);
}

static void icmp_header_cut(struct pkt *p)
{
	udp4(p, ETH_P_IP);
	pkt_ipv4(p, "10.0.0.1", "10.0.0.2", IPPROTO_ICMP);
	pkt_put(p, 3);
	pkt_finish(p);
}

static void icmp6_header_cut(struct pkt *p)
{
	udp4(p, ETH_P_IPV6);
	pkt_ipv6(p, "fd00::1", "fd00::2", IPPROTO_ICMPV6);
	pkt_put(p, 2);
	pkt_finish(p);
}

static void ipv6_first_fragment_udp_cut(struct pkt *p)
{
	udp4(p, ETH_P_IPV6);
	pkt_ipv6(p, "fd00::1", "fd00::2", IPPROTO_UDP);
	pkt_ip6_frag(p, IPPROTO_UDP, 0, 1, 9);
	pkt_put(p, 5);
	pkt_finish(p);
}

static const struct bad_frame bad_frames[] = {
	{ "14-byte frame, ethertype IPv4", eth_only_ipv4, ECBPF_R_IP4_TRUNC },
	{ "14-byte frame, ethertype IPv6", eth_only_ipv6, ECBPF_R_IP6_TRUNC },
	{ "14-byte frame, ethertype 802.1Q", eth_only_vlan, ECBPF_R_VLAN_TRUNC },
	{ "14-byte frame, ethertype 802.1ad", eth_only_qinq, ECBPF_R_VLAN_TRUNC },
	{ "QinQ inner tag cut", vlan_inner_tag_cut, ECBPF_R_VLAN_TRUNC },
	{ "IPv4 header cut", ipv4_header_cut, ECBPF_R_IP4_TRUNC },
	{ "IPv4 options cut", ipv4_options_cut, ECBPF_R_IP4_TRUNC },
	{ "IPv4 IHL 4", ipv4_ihl_4, ECBPF_R_IP4_IHL },
	{ "IPv4 IHL 0", ipv4_ihl_0, ECBPF_R_IP4_IHL },
	{ "IPv4 ethertype, version 6", ipv4_version_6, ECBPF_R_IP4_VERSION },
	{ "IPv6 header cut", ipv6_header_cut, ECBPF_R_IP6_TRUNC },
	{ "IPv6 ethertype, version 4", ipv6_version_4, ECBPF_R_IP6_VERSION },
	{ "IPv6 extension header cut", ipv6_ext_header_cut, ECBPF_R_IP6_EXT_TRUNC },
	{ "IPv6 extension header of 1 byte", ipv6_ext_header_1_byte, ECBPF_R_IP6_EXT_TRUNC },
	{ "IPv6 fragment header cut", ipv6_frag_header_cut, ECBPF_R_IP6_EXT_TRUNC },
	{ "IPv6 with 9 extension headers", ipv6_too_many_ext_headers, ECBPF_R_IP6_EXT_DEPTH },
	{ "TCP header cut", tcp_header_cut, ECBPF_R_L4_TRUNC },
	{ "TCP options cut", tcp_options_cut, ECBPF_R_L4_TRUNC },
	{ "TCP data offset 2", tcp_doff_below_5, ECBPF_R_L4_TRUNC },
	{ "UDP header cut", udp_header_cut, ECBPF_R_L4_TRUNC },
	{ "UDP header cut after IPv6 hop-by-hop", udp6_header_cut, ECBPF_R_L4_TRUNC },
	{ "ICMP header cut", icmp_header_cut, ECBPF_R_L4_TRUNC },
	{ "ICMPv6 header cut", icmp6_header_cut, ECBPF_R_L4_TRUNC },
	{ "IPv6 first fragment, UDP header cut", ipv6_first_fragment_udp_cut, ECBPF_R_L4_TRUNC },
};

#define N_BAD (int)(sizeof(bad_frames) / sizeof(bad_frames[0]))

/* Loop test: _i indexes bad_frames. A slot that drops shows that nothing reached the slots. */
START_TEST(root_aborts_malformed_frame_with_reason)
{
	const struct bad_frame *b = &bad_frames[_i];
	struct pkt p;
	struct run r;

	put_slot(0, XDP_DROP);
	b->build(&p);
	r = run_root(&p);
	ck_assert_msg(r.action == XDP_ABORTED, "%s: action %u, expected XDP_ABORTED", b->name,
		      r.action);
	ck_assert_msg(reason(b->reason).packets == 1, "%s: reason %s not counted (len %zu)",
		      b->name, ecbpf_reason_name(b->reason), p.len);
	ck_assert_msg(reason(b->reason).bytes == p.len, "%s: reason bytes", b->name);
	ck_assert_msg(root_count(ECBPF_ACT_ABORTED).packets == 1, "%s: root ABORTED packets",
		      b->name);
	ck_assert_msg(root_count(ECBPF_ACT_ABORTED).bytes == p.len, "%s: root ABORTED bytes",
		      b->name);
	ck_assert_msg(row_total(ECBPF_ROOT_ROW) == 1, "%s: other root counters", b->name);
	ck_assert_msg(row_total(0) == 0, "%s: reached slot 0", b->name);
}
END_TEST

/* ---- hand-off, monitor mode, xdpcap, sampler ------------------------ */

static void udp_frame(struct pkt *p)
{
	pkt_init(p);
	pkt_eth(p, ETH_P_IP);
	pkt_ipv4(p, "10.0.0.1", "10.0.0.2", IPPROTO_UDP);
	pkt_udp(p, 1000, 53, 18);
	pkt_finish(p);
}

START_TEST(handoff_skips_empty_slots_to_the_dropping_slot)
{
	struct pkt p;

	put_slot(0, TEST_THROUGH);
	put_slot(5, XDP_DROP);
	udp_frame(&p);
	ck_assert_uint_eq(run_root(&p).action, XDP_DROP);
	ck_assert_uint_eq(row(5).verdict[ECBPF_ACT_DROP].packets, 1);
	ck_assert_uint_eq(row(5).verdict[ECBPF_ACT_DROP].bytes, p.len);
	ck_assert_uint_eq(row_total(5), 1);
	ck_assert_uint_eq(row_total(0), 0);
	ck_assert_uint_eq(row_total(ECBPF_ROOT_ROW), 0);
	ck_assert_uint_eq(reason(ECBPF_R_TEST).packets, 1);
	ck_assert_uint_eq(reason(ECBPF_R_TEST).bytes, p.len);
	ck_assert_uint_eq(reason(ECBPF_R_NONE).packets, 0);
}
END_TEST

START_TEST(handoff_through_last_slot_passes_in_its_row)
{
	struct pkt p;

	put_slot(2, TEST_THROUGH);
	put_slot(7, TEST_THROUGH);
	udp_frame(&p);
	ck_assert_uint_eq(run_root(&p).action, XDP_PASS);
	ck_assert_uint_eq(row(7).verdict[ECBPF_ACT_PASS].packets, 1);
	ck_assert_uint_eq(row(7).verdict[ECBPF_ACT_PASS].bytes, p.len);
	ck_assert_uint_eq(row_total(7), 1);
	ck_assert_uint_eq(row_total(2), 0);
	ck_assert_uint_eq(row_total(ECBPF_ROOT_ROW), 0);
	ck_assert_uint_eq(reason(ECBPF_R_NONE).packets, 1);
}
END_TEST

START_TEST(handoff_first_verdict_wins)
{
	struct pkt p;

	put_slot(1, XDP_TX);
	put_slot(4, XDP_DROP);
	udp_frame(&p);
	ck_assert_uint_eq(run_root(&p).action, XDP_TX);
	ck_assert_uint_eq(row(1).verdict[ECBPF_ACT_TX].packets, 1);
	ck_assert_uint_eq(row_total(4), 0);
}
END_TEST

START_TEST(handoff_all_eight_slots_through)
{
	struct pkt p;

	for (int i = 0; i < ECBPF_MAX_SLOTS; i++)
		put_slot(i, TEST_THROUGH);
	udp_frame(&p);
	for (int n = 1; n <= 3; n++) {
		ck_assert_uint_eq(run_root(&p).action, XDP_PASS);
		ck_assert_uint_eq(row(7).verdict[ECBPF_ACT_PASS].packets, n);
	}
	for (int i = 0; i < 7; i++)
		ck_assert_uint_eq(row_total(i), 0);
}
END_TEST

START_TEST(monitor_mode_counts_would_drop_and_passes)
{
	struct pkt p;

	put_slot(5, XDP_DROP);
	set_cfg(1U << 5, 0);
	udp_frame(&p);
	ck_assert_uint_eq(run_root(&p).action, XDP_PASS);
	ck_assert_uint_eq(row(5).would[ECBPF_ACT_DROP].packets, 1);
	ck_assert_uint_eq(row(5).would[ECBPF_ACT_DROP].bytes, p.len);
	ck_assert_uint_eq(row(5).verdict[ECBPF_ACT_DROP].packets, 0);
	ck_assert_uint_eq(row(5).verdict[ECBPF_ACT_PASS].packets, 1);
	ck_assert_uint_eq(row_total(ECBPF_ROOT_ROW), 0);
}
END_TEST

START_TEST(monitor_mode_continues_to_the_next_slot)
{
	struct pkt p;

	put_slot(3, XDP_DROP);
	put_slot(6, XDP_DROP);
	set_cfg(1U << 3, 0);
	udp_frame(&p);
	ck_assert_uint_eq(run_root(&p).action, XDP_DROP);
	ck_assert_uint_eq(row(3).would[ECBPF_ACT_DROP].packets, 1);
	ck_assert_uint_eq(row(3).verdict[ECBPF_ACT_DROP].packets, 0);
	ck_assert_uint_eq(row(6).verdict[ECBPF_ACT_DROP].packets, 1);
	/* Back to enforcing: slot 3 drops. */
	set_cfg(0, 0);
	ck_assert_uint_eq(run_root(&p).action, XDP_DROP);
	ck_assert_uint_eq(row(3).verdict[ECBPF_ACT_DROP].packets, 1);
	ck_assert_uint_eq(row(6).verdict[ECBPF_ACT_DROP].packets, 1);
}
END_TEST

START_TEST(monitor_mode_leaves_pass_alone)
{
	struct pkt p;

	put_slot(2, XDP_PASS);
	put_slot(4, XDP_DROP);
	set_cfg(1U << 2, 0);
	udp_frame(&p);
	ck_assert_uint_eq(run_root(&p).action, XDP_PASS);
	ck_assert_uint_eq(row(2).verdict[ECBPF_ACT_PASS].packets, 1);
	ck_assert_uint_eq(row_total(4), 0);
}
END_TEST

static uint64_t hook_hits(void)
{
	uint64_t hits = 0;
	__u32 key = 0;

	ck_assert_int_eq(bpf_map_lookup_elem(bpf_map__fd(hook->maps.hook_hits), &key, &hits), 0);
	return hits;
}

static void put_hook(uint32_t at_action, uint32_t returns)
{
	__u32 key = at_action;
	int fd;

	hook = test_xdpcap_hook__open();
	ck_assert_ptr_nonnull(hook);
	hook->rodata->hook_action = returns;
	ck_assert_int_eq(test_xdpcap_hook__load(hook), 0);
	fd = bpf_program__fd(hook->progs.test_xdpcap_hook);
	ck_assert_int_eq(bpf_map_update_elem(ecbpf_stack_map_fd(stk, "xdpcap_hook"), &key, &fd,
					     BPF_ANY), 0);
}

START_TEST(xdpcap_hook_sees_pass_verdicts_after_counting)
{
	struct pkt p;

	put_hook(XDP_PASS, XDP_DROP);
	udp_frame(&p);
	/* The hook program's return value is the final action. */
	ck_assert_uint_eq(run_root(&p).action, XDP_DROP);
	ck_assert_uint_eq(hook_hits(), 1);
	/* Counted before the hook, as the verdict the stack reached. */
	ck_assert_uint_eq(root_count(ECBPF_ACT_PASS).packets, 1);
}
END_TEST

START_TEST(xdpcap_hook_only_for_its_action)
{
	struct pkt p;

	put_hook(XDP_DROP, XDP_DROP);
	udp_frame(&p);
	ck_assert_uint_eq(run_root(&p).action, XDP_PASS);
	ck_assert_uint_eq(hook_hits(), 0);
	put_slot(3, XDP_DROP);
	ck_assert_uint_eq(run_root(&p).action, XDP_DROP);
	ck_assert_uint_eq(hook_hits(), 1);
	ck_assert_uint_eq(row(3).verdict[ECBPF_ACT_DROP].packets, 1);
}
END_TEST

START_TEST(xdpcap_hook_sees_root_aborts)
{
	struct pkt p;

	put_hook(XDP_ABORTED, XDP_ABORTED);
	ipv4_header_cut(&p);
	ck_assert_uint_eq(run_root(&p).action, XDP_ABORTED);
	ck_assert_uint_eq(hook_hits(), 1);
}
END_TEST

START_TEST(sampler_off_at_rate_0)
{
	struct ecbpf_sampler_state s;
	struct pkt p;

	set_cfg(0, 0);
	put_slot(4, XDP_DROP);
	udp_frame(&p);
	for (int i = 0; i < 100; i++)
		ck_assert_uint_eq(run_root(&p).action, XDP_DROP);
	ck_assert_uint_eq(row(4).verdict[ECBPF_ACT_DROP].packets, 100);
	ck_assert_int_eq(ecbpf_percpu_sum(ecbpf_stack_map_fd(stk, "ecbpf_sampler"), 0,
					  (uint64_t *)&s, sizeof(s) / 8), 0);
	ck_assert_uint_eq(s.samples_sent, 0);
	ck_assert_uint_eq(s.samples_lost, 0);
	ck_assert_uint_eq(s.samples_noreader, 0);
}
END_TEST

START_TEST(sampler_offers_every_verdict_at_rate_1)
{
	struct ecbpf_sampler_state s;
	struct pkt p;

	set_cfg(0, 1);
	udp_frame(&p);
	for (int i = 0; i < 10; i++)
		ck_assert_uint_eq(run_root(&p).action, XDP_PASS);
	ck_assert_int_eq(ecbpf_percpu_sum(ecbpf_stack_map_fd(stk, "ecbpf_sampler"), 0,
					  (uint64_t *)&s, sizeof(s) / 8), 0);
	/* No reader has opened a perf buffer: every offer is counted as such. */
	ck_assert_uint_eq(s.samples_noreader, 10);
	ck_assert_uint_eq(s.samples_sent, 0);
}
END_TEST

START_TEST(sampler_samples_about_one_in_n)
{
	struct ecbpf_sampler_state s;
	struct pkt p;

	set_cfg(0, 50);
	udp_frame(&p);
	ck_assert_int_eq(run_prog_repeat(ecbpf_stack_root_fd(stk), p.buf, p.len, 5000).err, 0);
	ck_assert_int_eq(ecbpf_percpu_sum(ecbpf_stack_map_fd(stk, "ecbpf_sampler"), 0,
					  (uint64_t *)&s, sizeof(s) / 8), 0);
	/* The countdown is uniform in [rate - (rate-1)/2, rate + (rate-1)/2]: 5000 / 50 = 100 expected. */
	ck_assert_uint_ge(s.samples_noreader, 5000 / 76);
	ck_assert_uint_le(s.samples_noreader, 5000 / 25 + 1);
	ck_assert_uint_eq(root_count(ECBPF_ACT_PASS).packets, 5000);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("bpf_root");
	TCase *parse = tcase_create("parse");
	TCase *slots_tc = tcase_create("slots");
	cpu_set_t cpu0;

	/* BPF_PROG_TEST_RUN runs on the caller's CPU: scratch_cpu0() reads CPU 0's context. */
	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	if (sched_setaffinity(0, sizeof(cpu0), &cpu0)) {
		perror("sched_setaffinity");
		return EXIT_FAILURE;
	}

	tcase_add_checked_fixture(parse, setup, teardown);
	tcase_add_test(parse, root_passes_ipv4_udp_and_counts_bytes);
	tcase_add_test(parse, root_fast_path_context_matches_general_parse);
	tcase_add_test(parse, root_passes_ipv4_tcp);
	tcase_add_test(parse, root_passes_ipv4_icmp);
	tcase_add_test(parse, root_hands_ipv4_options_context_to_slots);
	tcase_add_test(parse, root_hands_ipv4_first_fragment_to_slots);
	tcase_add_test(parse, root_hands_ipv4_later_fragment_with_short_payload_to_slots);
	tcase_add_test(parse, root_passes_ipv6_hop_by_hop_and_routing_to_slots);
	tcase_add_test(parse, root_passes_ipv6_hop_by_hop_routing_without_slots);
	tcase_add_test(parse, root_passes_ipv6_first_fragment_to_slots);
	tcase_add_test(parse, root_passes_ipv6_later_fragment_with_short_payload_to_slots);
	tcase_add_test(parse, root_passes_ipv6_icmp_without_slots);
	tcase_add_test(parse, root_hands_8021q_context_to_slots);
	tcase_add_test(parse, root_hands_qinq_ipv6_context_to_slots);
	tcase_add_test(parse, root_passes_qinq_without_slots);
	tcase_add_test(parse, root_aborts_three_vlan_tags);
	tcase_add_test(parse, root_passes_arp_as_not_ip);
	tcase_add_loop_test(parse, root_aborts_malformed_frame_with_reason, 0, N_BAD);
	suite_add_tcase(s, parse);

	tcase_add_checked_fixture(slots_tc, setup, teardown);
	tcase_add_test(slots_tc, handoff_skips_empty_slots_to_the_dropping_slot);
	tcase_add_test(slots_tc, handoff_through_last_slot_passes_in_its_row);
	tcase_add_test(slots_tc, handoff_first_verdict_wins);
	tcase_add_test(slots_tc, handoff_all_eight_slots_through);
	tcase_add_test(slots_tc, monitor_mode_counts_would_drop_and_passes);
	tcase_add_test(slots_tc, monitor_mode_continues_to_the_next_slot);
	tcase_add_test(slots_tc, monitor_mode_leaves_pass_alone);
	tcase_add_test(slots_tc, xdpcap_hook_sees_pass_verdicts_after_counting);
	tcase_add_test(slots_tc, xdpcap_hook_only_for_its_action);
	tcase_add_test(slots_tc, xdpcap_hook_sees_root_aborts);
	tcase_add_test(slots_tc, sampler_off_at_rate_0);
	tcase_add_test(slots_tc, sampler_offers_every_verdict_at_rate_1);
	tcase_add_test(slots_tc, sampler_samples_about_one_in_n);
	suite_add_tcase(s, slots_tc);

	return ck_run(s);
}
