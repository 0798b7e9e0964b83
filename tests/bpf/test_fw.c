// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* xdp_fw behind the root under BPF_PROG_TEST_RUN: verdicts, reasons, counters, monitor mode. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <bpf/libbpf.h>
#include <ecbpf/ecbpf.h>
#include "fw_load.h"
#include "xdp_fw.skel.h"
#include "pktbuild.h"

static struct ecbpf_stack *stk;
static struct xdp_fw *skel;
static struct fw_ruleset rs;
static struct fw_compiled comp;

static void setup(void)
{
	ck_assert_int_eq(ecbpf_stack_new(&stk), 0);
}

static void teardown(void)
{
	fw_gen_destroy(skel);
	skel = NULL;
	fw_compiled_free(&comp);
	fw_ruleset_free(&rs);
	ecbpf_stack_free(stk);
}

/* Compile TEXT, load it as slot 5 of the private stack. */
static void load_rules(const char *text)
{
	char err[512];
	uint32_t key = ECBPF_SLOT_FW;
	int fd;

	ck_assert_msg(!fw_parse_buffer("t", text, strlen(text), &rs, err, sizeof(err)), "%s", err);
	ck_assert_int_eq(fw_compile(&rs, &comp), 0);
	ck_assert_int_eq(fw_gen_load(&skel, &rs, &comp, ECBPF_SLOT_FW, ecbpf_stack_shared_fds(stk),
				     NULL, 1), 0);
	fd = fw_gen_prog_fd(skel);
	ck_assert_int_eq(bpf_map_update_elem(ecbpf_stack_map_fd(stk, "root_array"), &key, &fd, 0), 0);
}

static struct run run(struct pkt *p)
{
	struct run r = run_prog(ecbpf_stack_root_fd(stk), p->buf, p->len);

	ck_assert_int_eq(r.err, 0);
	return r;
}

static struct ecbpf_slot_stats slot_stats(int row)
{
	struct ecbpf_slot_stats s;

	ck_assert_int_eq(ecbpf_percpu_sum(ecbpf_stack_map_fd(stk, "xdp_stats"), row,
					  (uint64_t *)&s, sizeof(s) / 8), 0);
	return s;
}

static uint64_t reason_count(int reason)
{
	struct ecbpf_counter c;

	ck_assert_int_eq(ecbpf_percpu_sum(ecbpf_stack_map_fd(stk, "xdp_reasons"), reason,
					  (uint64_t *)&c, 2), 0);
	return c.packets;
}

static uint64_t hits(int rule)
{
	uint64_t h[FW_MAX_RULES];

	ck_assert_int_eq(fw_hits_read(bpf_map__fd(skel->maps.fw_hits), rs.n, h), 0);
	return h[rule - 1];
}

static void udp4(struct pkt *p, const char *src, uint16_t sport, uint16_t dport)
{
	pkt_init(p);
	pkt_eth(p, ETH_P_IP);
	pkt_ipv4(p, src, "198.51.100.1", IPPROTO_UDP);
	pkt_udp(p, sport, dport, 16);
	pkt_finish(p);
}

START_TEST(fw_drops_matching_udp_with_reason_rule_and_hits)
{
	struct pkt p;

	load_rules("ip from any to any udp dport 80\n"
		   "ip from { 10.0.0.0/8 } to any udp dport 53 name \"dns\"\n");
	udp4(&p, "10.1.2.3", 1000, 53);
	ck_assert_uint_eq(run(&p).action, XDP_DROP);
	ck_assert_uint_eq(slot_stats(ECBPF_SLOT_FW).verdict[ECBPF_ACT_DROP].packets, 1);
	ck_assert_uint_eq(slot_stats(ECBPF_SLOT_FW).verdict[ECBPF_ACT_DROP].bytes, p.len);
	ck_assert_uint_eq(reason_count(ECBPF_R_FW_RULE), 1);
	ck_assert_uint_eq(hits(2), 1);
	ck_assert_uint_eq(hits(1), 0);
}
END_TEST

START_TEST(fw_passes_non_matching_packet_to_end_of_chain)
{
	struct pkt p;

	load_rules("ip from { 10.0.0.0/8 } to any udp dport 53\n");
	udp4(&p, "11.1.2.3", 1000, 53);
	ck_assert_uint_eq(run(&p).action, XDP_PASS);
	/* the fw hand-off ends the chain: its slot counts the pass */
	ck_assert_uint_eq(slot_stats(ECBPF_SLOT_FW).verdict[ECBPF_ACT_PASS].packets, 1);
	ck_assert_uint_eq(reason_count(ECBPF_R_NONE), 1);
	ck_assert_uint_eq(reason_count(ECBPF_R_FW_RULE), 0);
	ck_assert_uint_eq(hits(1), 0);
}
END_TEST

START_TEST(fw_counts_lowest_matching_rule_only)
{
	struct pkt p;

	load_rules("ip from any to any udp dport 1\n"
		   "ip from { 10.1.0.0/16 } to any udp\n"
		   "ip from any to any udp\n");
	udp4(&p, "10.1.2.3", 7, 9);
	ck_assert_uint_eq(run(&p).action, XDP_DROP);
	ck_assert_uint_eq(hits(2), 1);
	ck_assert_uint_eq(hits(3), 0);
	udp4(&p, "10.2.2.3", 7, 9);
	ck_assert_uint_eq(run(&p).action, XDP_DROP);
	ck_assert_uint_eq(hits(3), 1);
}
END_TEST

START_TEST(fw_monitor_mode_counts_would_drop_and_passes)
{
	struct ecbpf_cfg cfg;
	uint32_t key = 0;
	int fd;
	struct pkt p;

	load_rules("ip from any to any udp\n");
	fd = ecbpf_stack_map_fd(stk, "ecbpf_cfg");
	ck_assert_int_eq(bpf_map_lookup_elem(fd, &key, &cfg), 0);
	cfg.monitor_mask |= 1u << ECBPF_SLOT_FW;
	ck_assert_int_eq(bpf_map_update_elem(fd, &key, &cfg, 0), 0);
	udp4(&p, "10.1.2.3", 7, 9);
	ck_assert_uint_eq(run(&p).action, XDP_PASS);
	ck_assert_uint_eq(slot_stats(ECBPF_SLOT_FW).would[ECBPF_ACT_DROP].packets, 1);
	ck_assert_uint_eq(slot_stats(ECBPF_SLOT_FW).verdict[ECBPF_ACT_DROP].packets, 0);
	ck_assert_uint_eq(hits(1), 1);
}
END_TEST

START_TEST(fw_lets_fragments_and_unknown_l4_go_on)
{
	struct pkt p;

	load_rules("ip from any to any udp\nip6 from any to any udp\nip from any to any tcp\n");
	pkt_init(&p);
	pkt_eth(&p, ETH_P_IP);
	pkt_ipv4(&p, "10.1.2.3", "198.51.100.1", IPPROTO_UDP);
	pkt_ipv4_frag(&p, 0, 1, 0);
	pkt_udp(&p, 1, 2, 16);
	pkt_finish(&p);
	ck_assert_uint_eq(run(&p).action, XDP_PASS);

	pkt_init(&p);
	pkt_eth(&p, ETH_P_IPV6);
	pkt_ipv6(&p, "2001:db8::1", "2001:db8::2", IPPROTO_FRAGMENT);
	pkt_ip6_frag(&p, IPPROTO_UDP, 0, 1, 1);
	pkt_udp(&p, 1, 2, 16);
	pkt_finish(&p);
	ck_assert_uint_eq(run(&p).action, XDP_PASS);

	pkt_init(&p);
	pkt_eth(&p, ETH_P_IP);
	pkt_ipv4(&p, "10.1.2.3", "198.51.100.1", 47);
	pkt_pad(&p, 64);
	pkt_finish(&p);
	ck_assert_uint_eq(run(&p).action, XDP_PASS);
	ck_assert_uint_eq(reason_count(ECBPF_R_FW_RULE), 0);
}
END_TEST

START_TEST(fw_judges_vlan_and_ipv6_extension_headers)
{
	struct pkt p;

	load_rules("ip6 from { 2001:db8::/32 } to { 2001:db8::2 } tcp dport 22 flags syn\n"
		   "ip from { 10.0.0.0/8 } to any udp dport 53\n");
	pkt_init(&p);
	pkt_eth(&p, ETH_P_8021Q);
	pkt_vlan(&p, 7, ETH_P_IP);
	pkt_ipv4(&p, "10.1.2.3", "198.51.100.1", IPPROTO_UDP);
	pkt_udp(&p, 1, 53, 4);
	pkt_finish(&p);
	ck_assert_uint_eq(run(&p).action, XDP_DROP);

	pkt_init(&p);
	pkt_eth(&p, ETH_P_IPV6);
	pkt_ipv6(&p, "2001:db8::1", "2001:db8::2", IPPROTO_HOPOPTS);
	pkt_ip6_ext(&p, IPPROTO_HOPOPTS, IPPROTO_TCP, 0);
	pkt_tcp(&p, 4000, 22, 0x02, 0);
	pkt_finish(&p);
	ck_assert_uint_eq(run(&p).action, XDP_DROP);
	ck_assert_uint_eq(hits(1), 1);
	ck_assert_uint_eq(hits(2), 1);
}
END_TEST

START_TEST(fw_root_aborts_truncated_udp_before_fw)
{
	struct pkt p;

	load_rules("ip from any to any udp\n");
	pkt_init(&p);
	pkt_eth(&p, ETH_P_IP);
	pkt_ipv4(&p, "10.1.2.3", "198.51.100.1", IPPROTO_UDP);
	pkt_pad(&p, 14 + 20 + 4);	/* 4 bytes of a UDP header */
	pkt_finish(&p);
	ck_assert_uint_eq(run(&p).action, XDP_ABORTED);
	ck_assert_uint_eq(reason_count(ECBPF_R_L4_TRUNC), 1);
	ck_assert_uint_eq(hits(1), 0);
}
END_TEST

/* 4,096 rules: the last one matches, through every bitmap word. */
START_TEST(fw_matches_rule_4096)
{
	size_t cap = 4200 * 64, len = 0;
	char *text = malloc(cap);
	struct pkt p;

	for (int i = 0; i < 4095; i++)
		len += snprintf(text + len, cap - len, "ip6 from { 2001:db8:%x::%x } to any udp dport 53\n",
				i, i);
	len += snprintf(text + len, cap - len, "ip from any to any udp dport 53\n");
	load_rules(text);
	free(text);
	udp4(&p, "203.0.113.1", 1, 53);
	ck_assert_uint_eq(run(&p).action, XDP_DROP);
	ck_assert_uint_eq(hits(4096), 1);

	pkt_init(&p);
	pkt_eth(&p, ETH_P_IPV6);
	pkt_ipv6(&p, "2001:db8:ffe::ffe", "2001:db8::2", IPPROTO_UDP);
	pkt_udp(&p, 1, 53, 4);
	pkt_finish(&p);
	ck_assert_uint_eq(run(&p).action, XDP_DROP);
	ck_assert_uint_eq(hits(4095), 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("bpf_fw");
	TCase *tc = tcase_create("fw");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, fw_drops_matching_udp_with_reason_rule_and_hits);
	tcase_add_test(tc, fw_passes_non_matching_packet_to_end_of_chain);
	tcase_add_test(tc, fw_counts_lowest_matching_rule_only);
	tcase_add_test(tc, fw_monitor_mode_counts_would_drop_and_passes);
	tcase_add_test(tc, fw_lets_fragments_and_unknown_l4_go_on);
	tcase_add_test(tc, fw_judges_vlan_and_ipv6_extension_headers);
	tcase_add_test(tc, fw_root_aborts_truncated_udp_before_fw);
	tcase_add_test(tc, fw_matches_rule_4096);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
