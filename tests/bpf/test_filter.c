// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * xdp_filter under BPF_PROG_TEST_RUN, behind a private root (slot 2): one
 * test per decision for IPv4 and IPv6, checking the verdict, the reason
 * code, the filter counter and, for packet-too-big, the exact reply bytes
 * (expected frames are built with pktbuild.h, whose checksum code is
 * independent of the kernel program's).
 */
#include <check.h>
#include <stdlib.h>
#include <time.h>
#include <bpf/libbpf.h>
#include <ecbpf/ecbpf.h>
#include "pktbuild.h"
#include "filter_shared.h"
#include "filter_lib.h"
#include "xdp_filter.skel.h"
#include "ck_run.h"

#define SLOT ECBPF_SLOT_FILTER
#define CLIENT4 "192.0.2.10"
#define SERVER4 "198.51.100.1"
#define CLIENT6 "2001:db8:1::10"
#define SERVER6 "2001:db8:2::1"

static struct ecbpf_stack *stk;
static struct xdp_filter *skel;

static void set_cfg(uint32_t frags_drop, uint32_t pps)
{
	struct filter_config cfg = {
		.magic = FILTER_CFG_MAGIC, .frags_drop = frags_drop, .ptb_max_pps = pps,
	};
	__u32 key = 0;

	ck_assert_int_eq(bpf_map_update_elem(bpf_map__fd(skel->maps.filter_cfg), &key, &cfg, 0), 0);
}

static void setup(void)
{
	__u32 key = SLOT;
	int fd;

	ck_assert_int_eq(ecbpf_stack_new(&stk), 0);
	skel = xdp_filter__open();
	ck_assert_ptr_nonnull(skel);
	skel->rodata->ecbpf_slot = SLOT;
	ck_assert_int_eq(ecbpf_slot_bind_fds(skel->obj, ecbpf_stack_shared_fds(stk)), 0);
	ck_assert_int_eq(xdp_filter__load(skel), 0);
	fd = bpf_program__fd(skel->progs.xdp_filter_prog);
	ck_assert_int_eq(bpf_map_update_elem(ecbpf_stack_map_fd(stk, "root_array"), &key, &fd, 0),
			 0);
	set_cfg(0, FILTER_PTB_PPS_DEFAULT);
}

static void teardown(void)
{
	xdp_filter__destroy(skel);
	ecbpf_stack_free(stk);
}

static struct run run(const struct pkt *p)
{
	struct run r = run_prog(ecbpf_stack_root_fd(stk), p->buf, p->len);

	ck_assert_int_eq(r.err, 0);
	return r;
}

static uint64_t counter(int idx)
{
	struct filter_stats s;

	ck_assert_int_eq(ecbpf_percpu_sum(bpf_map__fd(skel->maps.filter_stats), 0, (uint64_t *)s.count,
					  FILTER_C_MAX), 0);
	return s.count[idx];
}

/* Sum of all filter counters: a decision must bump exactly the counters it names. */
static uint64_t counters_total(void)
{
	uint64_t t = 0;

	for (int i = 0; i < FILTER_C_MAX; i++)
		t += counter(i);
	return t;
}

static uint64_t reason_count(int reason)
{
	struct ecbpf_counter c;

	ck_assert_int_eq(ecbpf_percpu_sum(ecbpf_stack_map_fd(stk, "xdp_reasons"), reason,
					  (uint64_t *)&c, 2), 0);
	return c.packets;
}

static struct ecbpf_slot_stats slot_stats(void)
{
	struct ecbpf_slot_stats s;

	ck_assert_int_eq(ecbpf_percpu_sum(ecbpf_stack_map_fd(stk, "xdp_stats"), SLOT,
					  (uint64_t *)&s, sizeof(s) / 8), 0);
	return s;
}

/* Add a drop prefix the way the loader does: the trie entry, then its hint bits. */
static void drop_prefix(const char *cidr)
{
	static struct filter_src_hint hint;
	struct filter_drop_entry v = { .tag = "test", .load_time = 1 };
	uint8_t key[sizeof(struct filter_key_v6)];
	struct filter_prefix p;
	bool masked;
	__u32 zero = 0;
	int hfd = bpf_map__fd(skel->maps.filter_src_hint);

	ck_assert_int_eq(filter_parse_cidr(cidr, &p, &masked), 0);
	memcpy(key, &p.len, 4);
	memcpy(key + 4, p.addr, p.family == AF_INET ? 4 : 16);
	ck_assert_int_eq(bpf_map_update_elem(p.family == AF_INET ?
					     bpf_map__fd(skel->maps.filter_src_v4) :
					     bpf_map__fd(skel->maps.filter_src_v6), key, &v, 0), 0);
	ck_assert_int_eq(bpf_map_lookup_elem(hfd, &zero, &hint), 0);
	filter_hint_mark(&hint, &p);
	ck_assert_int_eq(bpf_map_update_elem(hfd, &zero, &hint, 0), 0);
}

static void udp4(struct pkt *p, const char *src)
{
	pkt_init(p);
	pkt_eth(p, ETH_P_IP);
	pkt_ipv4(p, src, SERVER4, IPPROTO_UDP);
	pkt_udp(p, 4000, 53, 32);
	pkt_finish(p);
}

static void udp6(struct pkt *p, const char *src)
{
	pkt_init(p);
	pkt_eth(p, ETH_P_IPV6);
	pkt_ipv6(p, src, SERVER6, IPPROTO_UDP);
	pkt_udp(p, 4000, 53, 32);
	pkt_finish(p);
}

/* An ICMP echo fragment: OFFSET bytes in, MORE flag, PAYLOAD bytes after the IP header. */
static void frag4(struct pkt *p, int vlan, uint16_t offset, int more, size_t payload)
{
	pkt_init(p);
	if (vlan) {
		pkt_eth(p, ETH_P_8021Q);
		pkt_vlan(p, 100, ETH_P_IP);
	} else {
		pkt_eth(p, ETH_P_IP);
	}
	pkt_ipv4(p, CLIENT4, SERVER4, IPPROTO_ICMP);
	pkt_ipv4_frag(p, offset, more, 0);
	if (offset) {
		for (size_t i = 0; i < payload; i++)
			*(uint8_t *)pkt_put(p, 1) = (uint8_t)i;
	} else {
		pkt_icmp(p, 8, 0, payload - 8);
	}
	pkt_finish(p);
}

static void frag6(struct pkt *p, int vlan, uint16_t offset, int more, size_t payload)
{
	pkt_init(p);
	if (vlan) {
		pkt_eth(p, ETH_P_8021Q);
		pkt_vlan(p, 100, ETH_P_IPV6);
	} else {
		pkt_eth(p, ETH_P_IPV6);
	}
	pkt_ipv6(p, CLIENT6, SERVER6, IPPROTO_FRAGMENT);
	pkt_ip6_frag(p, IPPROTO_ICMPV6, offset, more, 0x1234);
	if (offset) {
		p->l4_proto = 0;	/* no L4 header in a later fragment */
		for (size_t i = 0; i < payload; i++)
			*(uint8_t *)pkt_put(p, 1) = (uint8_t)i;
	} else {
		pkt_icmp(p, 128, 0, payload - 8);
	}
	pkt_finish(p);
}

#define NO_COUNTER -1	/* expect(): no filter counter may move */
#define ANY_COUNTERS -2	/* expect(): the caller checks the counters */

/* Verdict, reason (counted once) and the one filter counter that moved. */
static void expect(struct run *r, uint32_t action, int reason, int ctr)
{
	ck_assert_uint_eq(r->action, action);
	ck_assert_uint_eq(reason_count(reason), 1);
	if (ctr >= 0) {
		ck_assert_uint_eq(counter(ctr), 1);
		ck_assert_uint_eq(counters_total(), 1);
	} else if (ctr == NO_COUNTER) {
		ck_assert_uint_eq(counters_total(), 0);
	}
}

START_TEST(filter_passes_plain_udp)
{
	struct pkt p;
	struct run r;

	udp4(&p, CLIENT4);
	r = run(&p);
	expect(&r, XDP_PASS, ECBPF_R_NONE, NO_COUNTER);
	ck_assert_uint_eq(slot_stats().verdict[ECBPF_ACT_PASS].packets, 1);
	udp6(&p, CLIENT6);
	r = run(&p);
	ck_assert_uint_eq(r.action, XDP_PASS);
	ck_assert_uint_eq(reason_count(ECBPF_R_NONE), 2);
	ck_assert_uint_eq(counters_total(), 0);
}
END_TEST

START_TEST(filter_drops_ipv4_with_options)
{
	static const uint8_t nop_eol[4] = { 1, 1, 1, 0 };
	struct pkt p;
	struct run r;

	pkt_init(&p);
	pkt_eth(&p, ETH_P_IP);
	pkt_ipv4(&p, CLIENT4, SERVER4, IPPROTO_UDP);
	pkt_ipv4_options(&p, nop_eol, sizeof(nop_eol));
	pkt_udp(&p, 4000, 53, 8);
	pkt_finish(&p);
	r = run(&p);
	expect(&r, XDP_DROP, ECBPF_R_FILTER_IP_OPTIONS, FILTER_C_IP_OPTIONS_DROP);
	ck_assert_uint_eq(slot_stats().verdict[ECBPF_ACT_DROP].packets, 1);
}
END_TEST

START_TEST(filter_aborts_ipv4_length_beyond_frame)
{
	struct pkt p;
	struct iphdr *ip;
	struct run r;

	udp4(&p, CLIENT4);
	ip = (void *)(p.buf + p.l3_off);
	ip->tot_len = htons(p.len - p.l3_off + 1);
	ip->check = 0;
	ip->check = inet_csum(ip, 20);
	r = run(&p);
	expect(&r, XDP_ABORTED, ECBPF_R_FILTER_IP_LEN, FILTER_C_IP_LENGTH_ERR);
	ck_assert_uint_eq(slot_stats().verdict[ECBPF_ACT_ABORTED].packets, 1);

	/* A total length shorter than the header is as bad. */
	ip->tot_len = htons(19);
	r = run(&p);
	ck_assert_uint_eq(r.action, XDP_ABORTED);
	ck_assert_uint_eq(counter(FILTER_C_IP_LENGTH_ERR), 2);
}
END_TEST

START_TEST(filter_aborts_ipv6_length_beyond_frame)
{
	struct pkt p;
	struct ipv6hdr *ip6;
	struct run r;

	udp6(&p, CLIENT6);
	ip6 = (void *)(p.buf + p.l3_off);
	ip6->payload_len = htons(ntohs(ip6->payload_len) + 8);
	r = run(&p);
	expect(&r, XDP_ABORTED, ECBPF_R_FILTER_IP_LEN, FILTER_C_IP6_LENGTH_ERR);
}
END_TEST

START_TEST(filter_passes_ethernet_padding)
{
	struct pkt p;
	struct run r;

	pkt_init(&p);
	pkt_eth(&p, ETH_P_IP);
	pkt_ipv4(&p, CLIENT4, SERVER4, IPPROTO_UDP);
	pkt_udp(&p, 4000, 53, 2);
	pkt_finish(&p);
	pkt_pad(&p, 60);	/* 30-byte IP packet in a 60-byte frame */
	r = run(&p);
	expect(&r, XDP_PASS, ECBPF_R_NONE, NO_COUNTER);
}
END_TEST

START_TEST(filter_drops_evil_bit)
{
	struct pkt p;
	struct run r;

	pkt_init(&p);
	pkt_eth(&p, ETH_P_IP);
	pkt_ipv4(&p, CLIENT4, SERVER4, IPPROTO_UDP);
	pkt_ipv4_frag(&p, 0, 0, 1);
	pkt_udp(&p, 4000, 53, 8);
	pkt_finish(&p);
	r = run(&p);
	expect(&r, XDP_DROP, ECBPF_R_FILTER_EVIL_BIT, FILTER_C_EVIL_BIT_DROP);
}
END_TEST

START_TEST(filter_drops_ipv4_source_in_prefix)
{
	struct pkt p;
	struct run r;

	drop_prefix("192.0.2.0/24");
	udp4(&p, "192.0.3.10");		/* outside the prefix */
	r = run(&p);
	ck_assert_uint_eq(r.action, XDP_PASS);
	ck_assert_uint_eq(counters_total(), 0);
	udp4(&p, CLIENT4);
	r = run(&p);
	expect(&r, XDP_DROP, ECBPF_R_FILTER_SRC_DROP, FILTER_C_IP_DROP);
}
END_TEST

START_TEST(filter_drops_ipv6_source_in_prefix)
{
	struct pkt p;
	struct run r;

	drop_prefix("2001:db8:1::/48");
	udp6(&p, "2001:db8:3::10");
	r = run(&p);
	ck_assert_uint_eq(r.action, XDP_PASS);
	ck_assert_uint_eq(counters_total(), 0);
	udp6(&p, CLIENT6);
	r = run(&p);
	expect(&r, XDP_DROP, ECBPF_R_FILTER_SRC_DROP, FILTER_C_IP6_DROP);
}
END_TEST

/* Prefixes shorter than a hint bucket (/16, and /32 for IPv6) must still match everywhere. */
START_TEST(filter_drops_sources_in_short_prefixes)
{
	struct pkt p;
	struct run r;

	drop_prefix("10.0.0.0/9");
	drop_prefix("2001:db8::/29");
	drop_prefix("3000::/8");
	udp4(&p, "10.127.255.1");
	r = run(&p);
	ck_assert_uint_eq(r.action, XDP_DROP);
	udp4(&p, "10.128.0.1");
	r = run(&p);
	ck_assert_uint_eq(r.action, XDP_PASS);
	udp6(&p, "2001:dbf:1::1");
	r = run(&p);
	ck_assert_uint_eq(r.action, XDP_DROP);
	udp6(&p, "2001:dc0::1");
	r = run(&p);
	ck_assert_uint_eq(r.action, XDP_PASS);
	udp6(&p, "30ff:1234::1");
	r = run(&p);
	ck_assert_uint_eq(r.action, XDP_DROP);
	ck_assert_uint_eq(counter(FILTER_C_IP_DROP), 1);
	ck_assert_uint_eq(counter(FILTER_C_IP6_DROP), 2);
	ck_assert_uint_eq(reason_count(ECBPF_R_FILTER_SRC_DROP), 3);
}
END_TEST

START_TEST(filter_passes_fragments_when_frags_drop_off)
{
	struct pkt p;
	struct run r;

	frag4(&p, 0, 0, 1, 32);
	r = run(&p);
	ck_assert_uint_eq(r.action, XDP_PASS);
	frag6(&p, 0, 64, 0, 16);
	r = run(&p);
	ck_assert_uint_eq(r.action, XDP_PASS);
	ck_assert_uint_eq(reason_count(ECBPF_R_NONE), 2);
	ck_assert_uint_eq(counters_total(), 0);
}
END_TEST

START_TEST(filter_drops_later_ipv4_fragment)
{
	struct pkt p;
	struct run r;

	set_cfg(1, FILTER_PTB_PPS_DEFAULT);
	frag4(&p, 0, 1480, 0, 40);
	r = run(&p);
	expect(&r, XDP_DROP, ECBPF_R_FILTER_FRAG_DROP, FILTER_C_IP_FRAG_DROP);
}
END_TEST

START_TEST(filter_drops_later_ipv6_fragment)
{
	struct pkt p;
	struct run r;

	set_cfg(1, FILTER_PTB_PPS_DEFAULT);
	frag6(&p, 0, 1232, 0, 40);
	r = run(&p);
	expect(&r, XDP_DROP, ECBPF_R_FILTER_FRAG_DROP, FILTER_C_IP6_FRAG_DROP);
}
END_TEST

START_TEST(filter_drops_first_fragment_with_odd_payload)
{
	struct pkt p;
	struct run r;

	set_cfg(1, FILTER_PTB_PPS_DEFAULT);
	frag4(&p, 0, 0, 1, 36);		/* not a multiple of 8: not a real fragment */
	r = run(&p);
	expect(&r, XDP_DROP, ECBPF_R_FILTER_FRAG_DROP, FILTER_C_IP_FRAG_DROP);
	frag6(&p, 0, 0, 1, 12);
	r = run(&p);
	ck_assert_uint_eq(r.action, XDP_DROP);
	ck_assert_uint_eq(counter(FILTER_C_IP6_FRAG_DROP), 1);
	ck_assert_uint_eq(counter(FILTER_C_PTB_SENT), 0);
}
END_TEST

/* The reply the filter must send for the IPv4 first fragment P (L3 at L3). */
static void expected_ptb4(const struct pkt *in, struct pkt *want, int vlan)
{
	const struct iphdr *oip = (const void *)(in->buf + in->l3_off);
	uint8_t *icmp;
	uint16_t mtu = htons(ntohs(oip->tot_len));
	struct iphdr *ip;

	pkt_init(want);
	if (vlan) {
		pkt_eth(want, ETH_P_8021Q);
		pkt_vlan(want, 100, ETH_P_IP);
	} else {
		pkt_eth(want, ETH_P_IP);
	}
	memcpy(want->buf, in->buf + 6, 6);	/* swapped MACs */
	memcpy(want->buf + 6, in->buf, 6);
	ip = pkt_ipv4(want, SERVER4, CLIENT4, IPPROTO_ICMP);
	ip->tos = 0xc0;
	icmp = pkt_icmp(want, 3, 4, 28);
	memcpy(icmp + 6, &mtu, 2);
	memcpy(icmp + 8, oip, 28);		/* original header + 8 bytes */
	pkt_finish(want);
}

static void check_ptb4(int vlan)
{
	struct pkt p, want;
	struct run r;
	const struct iphdr *ip;

	set_cfg(1, FILTER_PTB_PPS_DEFAULT);
	frag4(&p, vlan, 0, 1, 1480);
	r = run(&p);
	expect(&r, XDP_TX, ECBPF_R_FILTER_PTB_SENT, FILTER_C_PTB_SENT);
	ck_assert_uint_eq(slot_stats().verdict[ECBPF_ACT_TX].packets, 1);
	expected_ptb4(&p, &want, vlan);
	ck_assert_uint_eq(r.out_len, want.len);
	ck_assert_mem_eq(r.out, want.buf, want.len);
	/* Checksums verified on their own, not only by comparison. */
	ip = (const void *)(r.out + want.l3_off);
	ck_assert_uint_eq(inet_csum(ip, 20), 0);
	ck_assert_uint_eq(inet_csum(r.out + want.l4_off, r.out_len - want.l4_off), 0);
	ck_assert_uint_eq(r.out[want.l4_off + 6] << 8 | r.out[want.l4_off + 7], 1500);
}

START_TEST(filter_never_answers_a_multicast_or_broadcast_source)
{
	struct pkt p;
	struct iphdr *ip;
	struct ipv6hdr *ip6;
	struct run r;

	set_cfg(1, FILTER_PTB_PPS_DEFAULT);
	frag4(&p, 0, 0, 1, 64);
	ip = (void *)(p.buf + p.l3_off);
	inet_pton(AF_INET, "224.0.0.1", &ip->saddr);
	ip->check = 0;
	ip->check = inet_csum(ip, 20);
	r = run(&p);
	expect(&r, XDP_DROP, ECBPF_R_FILTER_FRAG_DROP, FILTER_C_IP_FRAG_DROP);
	ip->saddr = 0xffffffff;
	r = run(&p);
	ck_assert_uint_eq(r.action, XDP_DROP);
	frag6(&p, 0, 0, 1, 64);
	ip6 = (void *)(p.buf + p.l3_off);
	inet_pton(AF_INET6, "ff02::1", &ip6->saddr);
	r = run(&p);
	ck_assert_uint_eq(r.action, XDP_DROP);
	ck_assert_uint_eq(counter(FILTER_C_IP6_FRAG_DROP), 1);
	ck_assert_uint_eq(counter(FILTER_C_PTB_SENT), 0);
}
END_TEST

START_TEST(filter_answers_ipv4_first_fragment_with_frag_needed)
{
	check_ptb4(0);
}
END_TEST

START_TEST(filter_answers_vlan_ipv4_first_fragment_with_frag_needed)
{
	check_ptb4(1);
}
END_TEST

static void expected_ptb6(const struct pkt *in, struct pkt *want, int vlan, uint32_t mtu)
{
	size_t quote = in->l4_off - in->l3_off + 8;
	uint8_t *icmp;

	pkt_init(want);
	if (vlan) {
		pkt_eth(want, ETH_P_8021Q);
		pkt_vlan(want, 100, ETH_P_IPV6);
	} else {
		pkt_eth(want, ETH_P_IPV6);
	}
	memcpy(want->buf, in->buf + 6, 6);
	memcpy(want->buf + 6, in->buf, 6);
	pkt_ipv6(want, SERVER6, CLIENT6, IPPROTO_ICMPV6);
	icmp = pkt_icmp(want, 2, 0, quote);
	mtu = htonl(mtu);
	memcpy(icmp + 4, &mtu, 4);
	memcpy(icmp + 8, in->buf + in->l3_off, quote);
	pkt_finish(want);
}

static void check_ptb6(int vlan, size_t payload, uint32_t mtu)
{
	struct pkt p, want;
	struct run r;

	set_cfg(1, FILTER_PTB_PPS_DEFAULT);
	frag6(&p, vlan, 0, 1, payload);
	r = run(&p);
	expect(&r, XDP_TX, ECBPF_R_FILTER_PTB_SENT, FILTER_C_PTB_SENT);
	expected_ptb6(&p, &want, vlan, mtu);
	ck_assert_uint_eq(r.out_len, want.len);
	ck_assert_mem_eq(r.out, want.buf, want.len);
	ck_assert_uint_eq(l4_csum(r.out, r.out_len, want.l3_off, want.l4_off, 1, IPPROTO_ICMPV6),
			  0);
}

START_TEST(filter_answers_ipv6_first_fragment_with_packet_too_big)
{
	check_ptb6(0, 1440, 1488);	/* 40 + 8 + 1440 */
}
END_TEST

START_TEST(filter_answers_small_ipv6_first_fragment_with_minimum_mtu)
{
	check_ptb6(1, 32, 1280);
}
END_TEST

/* First fragment behind a hop-by-hop header: the quote carries the whole chain. */
static void frag6_hbh(struct pkt *p, uint8_t hbh_len8)
{
	pkt_init(p);
	pkt_eth(p, ETH_P_IPV6);
	pkt_ipv6(p, CLIENT6, SERVER6, IPPROTO_HOPOPTS);
	pkt_ip6_ext(p, IPPROTO_HOPOPTS, IPPROTO_FRAGMENT, hbh_len8);
	pkt_ip6_frag(p, IPPROTO_ICMPV6, 0, 1, 0x77);
	pkt_icmp(p, 128, 0, 56);
	pkt_finish(p);
}

START_TEST(filter_quotes_ipv6_extension_headers_in_packet_too_big)
{
	struct pkt p, want;
	struct run r;

	set_cfg(1, FILTER_PTB_PPS_DEFAULT);
	frag6_hbh(&p, 0);
	r = run(&p);
	expect(&r, XDP_TX, ECBPF_R_FILTER_PTB_SENT, FILTER_C_PTB_SENT);
	expected_ptb6(&p, &want, 0, 1280);
	ck_assert_uint_eq(r.out_len, want.len);
	ck_assert_uint_eq(want.len, 14 + 48 + 40 + 8 + 8 + 8);
	ck_assert_mem_eq(r.out, want.buf, want.len);
	ck_assert_uint_eq(l4_csum(r.out, r.out_len, want.l3_off, want.l4_off, 1, IPPROTO_ICMPV6),
			  0);
}
END_TEST

START_TEST(filter_drops_ipv6_first_fragment_it_cannot_quote)
{
	struct pkt p;
	struct run r;

	set_cfg(1, FILTER_PTB_PPS_DEFAULT);
	frag6_hbh(&p, 10);	/* 88-byte hop-by-hop header: a 144-byte quote, over 128 */
	r = run(&p);
	ck_assert_uint_eq(r.action, XDP_DROP);
	ck_assert_uint_eq(reason_count(ECBPF_R_FILTER_PTB_ERR), 1);
	ck_assert_uint_eq(counter(FILTER_C_PTB_ERR), 1);
	ck_assert_uint_eq(counter(FILTER_C_IP6_FRAG_DROP), 1);
	ck_assert_uint_eq(counter(FILTER_C_PTB_SENT), 0);
	ck_assert_uint_eq(counters_total(), 2);
}
END_TEST

START_TEST(filter_passes_ipv6_extension_headers)
{
	struct pkt p;
	struct run r;

	pkt_init(&p);
	pkt_eth(&p, ETH_P_IPV6);
	pkt_ipv6(&p, CLIENT6, SERVER6, IPPROTO_HOPOPTS);
	pkt_ip6_ext(&p, IPPROTO_HOPOPTS, IPPROTO_DSTOPTS, 0);
	pkt_ip6_ext(&p, IPPROTO_DSTOPTS, IPPROTO_UDP, 1);
	pkt_udp(&p, 4000, 53, 16);
	pkt_finish(&p);
	set_cfg(1, FILTER_PTB_PPS_DEFAULT);
	r = run(&p);
	expect(&r, XDP_PASS, ECBPF_R_NONE, NO_COUNTER);
}
END_TEST

START_TEST(filter_rate_limits_packet_too_big)
{
	struct pkt p;
	struct run r;
	int tx = 0, drop = 0;

	set_cfg(1, 5);
	frag4(&p, 0, 0, 1, 64);
	for (int i = 0; i < 8; i++) {
		r = run(&p);
		tx += r.action == XDP_TX;
		drop += r.action == XDP_DROP;
	}
	ck_assert_int_eq(tx, 5);
	ck_assert_int_eq(drop, 3);
	ck_assert_uint_eq(counter(FILTER_C_PTB_SENT), 5);
	ck_assert_uint_eq(counter(FILTER_C_PTB_RATE_LIMITED), 3);
	ck_assert_uint_eq(counter(FILTER_C_IP_FRAG_DROP), 3);
	ck_assert_uint_eq(reason_count(ECBPF_R_FILTER_PTB_LIMIT), 3);
}
END_TEST

START_TEST(filter_sends_no_packet_too_big_when_budget_is_zero)
{
	struct pkt p;
	struct run r;

	set_cfg(1, 0);
	frag6(&p, 0, 0, 1, 64);
	r = run(&p);
	expect(&r, XDP_DROP, ECBPF_R_FILTER_PTB_LIMIT, ANY_COUNTERS);
	ck_assert_uint_eq(counter(FILTER_C_PTB_RATE_LIMITED), 1);
	ck_assert_uint_eq(counter(FILTER_C_IP6_FRAG_DROP), 1);
	ck_assert_uint_eq(counter(FILTER_C_PTB_SENT), 0);
}
END_TEST

START_TEST(filter_in_monitor_mode_never_rewrites)
{
	struct ecbpf_cfg cfg;
	struct pkt p;
	struct run r;
	__u32 key = 0;
	int fd = ecbpf_stack_map_fd(stk, "ecbpf_cfg");

	ck_assert_int_eq(bpf_map_lookup_elem(fd, &key, &cfg), 0);
	cfg.monitor_mask = 1U << SLOT;
	ck_assert_int_eq(bpf_map_update_elem(fd, &key, &cfg, 0), 0);
	set_cfg(1, FILTER_PTB_PPS_DEFAULT);
	frag4(&p, 0, 0, 1, 64);
	r = run(&p);
	ck_assert_uint_eq(r.action, XDP_PASS);
	ck_assert_uint_eq(r.out_len, p.len);
	ck_assert_mem_eq(r.out, p.buf, p.len);
	ck_assert_uint_eq(slot_stats().would[ECBPF_ACT_TX].packets, 1);
	ck_assert_uint_eq(counter(FILTER_C_PTB_SENT), 1);
}
END_TEST

/* Every truncation ends in the root (ABORTED) or in decision 2; nothing reaches later decisions. */
static void check_truncations(struct pkt *p)
{
	for (size_t len = ETH_HLEN; len < p->len; len++) {
		struct run r = run_prog(ecbpf_stack_root_fd(stk), p->buf, len);

		ck_assert_int_eq(r.err, 0);
		ck_assert_msg(r.action == XDP_ABORTED, "length %zu: action %u", len, r.action);
		ck_assert_uint_eq(r.out_len, len);
	}
	ck_assert_uint_eq(counter(FILTER_C_PTB_SENT), 0);
	ck_assert_uint_eq(counter(FILTER_C_IP_FRAG_DROP) + counter(FILTER_C_IP6_FRAG_DROP), 0);
	ck_assert_uint_eq(counter(FILTER_C_IP_DROP) + counter(FILTER_C_IP6_DROP), 0);
}

START_TEST(filter_aborts_truncated_packets_at_every_boundary)
{
	struct pkt p;

	set_cfg(1, FILTER_PTB_PPS_DEFAULT);
	drop_prefix("0.0.0.0/0");
	drop_prefix("::/0");
	frag4(&p, 1, 0, 1, 32);
	check_truncations(&p);
	ck_assert_uint_gt(counter(FILTER_C_IP_LENGTH_ERR), 0);
	frag6(&p, 1, 0, 1, 32);
	check_truncations(&p);
	ck_assert_uint_gt(counter(FILTER_C_IP6_LENGTH_ERR), 0);
	/* Truncated headers are the root's: the filter never saw them. */
	ck_assert_uint_gt(reason_count(ECBPF_R_IP4_TRUNC), 0);
	ck_assert_uint_gt(reason_count(ECBPF_R_IP6_EXT_TRUNC), 0);
	ck_assert_uint_gt(reason_count(ECBPF_R_L4_TRUNC), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("bpf_filter");
	TCase *tc = tcase_create("filter");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, filter_passes_plain_udp);
	tcase_add_test(tc, filter_drops_ipv4_with_options);
	tcase_add_test(tc, filter_aborts_ipv4_length_beyond_frame);
	tcase_add_test(tc, filter_aborts_ipv6_length_beyond_frame);
	tcase_add_test(tc, filter_passes_ethernet_padding);
	tcase_add_test(tc, filter_drops_evil_bit);
	tcase_add_test(tc, filter_drops_ipv4_source_in_prefix);
	tcase_add_test(tc, filter_drops_ipv6_source_in_prefix);
	tcase_add_test(tc, filter_drops_sources_in_short_prefixes);
	tcase_add_test(tc, filter_passes_fragments_when_frags_drop_off);
	tcase_add_test(tc, filter_drops_later_ipv4_fragment);
	tcase_add_test(tc, filter_drops_later_ipv6_fragment);
	tcase_add_test(tc, filter_drops_first_fragment_with_odd_payload);
	tcase_add_test(tc, filter_never_answers_a_multicast_or_broadcast_source);
	tcase_add_test(tc, filter_answers_ipv4_first_fragment_with_frag_needed);
	tcase_add_test(tc, filter_answers_vlan_ipv4_first_fragment_with_frag_needed);
	tcase_add_test(tc, filter_answers_ipv6_first_fragment_with_packet_too_big);
	tcase_add_test(tc, filter_answers_small_ipv6_first_fragment_with_minimum_mtu);
	tcase_add_test(tc, filter_quotes_ipv6_extension_headers_in_packet_too_big);
	tcase_add_test(tc, filter_drops_ipv6_first_fragment_it_cannot_quote);
	tcase_add_test(tc, filter_passes_ipv6_extension_headers);
	tcase_add_test(tc, filter_rate_limits_packet_too_big);
	tcase_add_test(tc, filter_sends_no_packet_too_big_when_budget_is_zero);
	tcase_add_test(tc, filter_in_monitor_mode_never_rewrites);
	tcase_add_test(tc, filter_aborts_truncated_packets_at_every_boundary);
	suite_add_tcase(s, tc);
	return ck_run(s);
}
