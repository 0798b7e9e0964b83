// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* The root program under BPF_PROG_TEST_RUN: verdicts, reasons, counters, hand-off. */
#include <check.h>
#include <stdlib.h>
#include <bpf/libbpf.h>
#include <ecbpf/ecbpf.h>
#include "pktbuild.h"

static struct ecbpf_stack *stk;

static void setup(void)
{
	ck_assert_int_eq(ecbpf_stack_new(&stk), 0);
}

static void teardown(void)
{
	ecbpf_stack_free(stk);
}

static struct ecbpf_counter root_count(int action)
{
	struct ecbpf_slot_stats s;

	ck_assert_int_eq(ecbpf_percpu_sum(ecbpf_stack_map_fd(stk, "xdp_stats"), ECBPF_ROOT_ROW,
					  (uint64_t *)&s, sizeof(s) / 8), 0);
	return s.verdict[action];
}

static uint64_t reason_count(int reason)
{
	struct ecbpf_counter c;

	ck_assert_int_eq(ecbpf_percpu_sum(ecbpf_stack_map_fd(stk, "xdp_reasons"), reason,
					  (uint64_t *)&c, 2), 0);
	return c.packets;
}

START_TEST(root_passes_ipv4_udp_and_counts_bytes)
{
	struct pkt p;
	struct run r;

	pkt_init(&p);
	pkt_eth(&p, ETH_P_IP);
	pkt_ipv4(&p, "10.0.0.1", "10.0.0.2", IPPROTO_UDP);
	pkt_udp(&p, 1000, 53, 22);
	pkt_finish(&p);
	r = run_prog(ecbpf_stack_root_fd(stk), p.buf, p.len);
	ck_assert_int_eq(r.err, 0);
	ck_assert_uint_eq(r.action, XDP_PASS);
	ck_assert_uint_eq(root_count(ECBPF_ACT_PASS).packets, 1);
	ck_assert_uint_eq(root_count(ECBPF_ACT_PASS).bytes, p.len);
	ck_assert_uint_eq(reason_count(ECBPF_R_NONE), 1);
}
END_TEST

START_TEST(root_aborts_vlan_tag_cut_off)
{
	struct pkt p;
	struct run r;

	pkt_init(&p);
	pkt_eth(&p, ETH_P_8021Q);	/* 14 bytes: the tag is missing */
	r = run_prog(ecbpf_stack_root_fd(stk), p.buf, p.len);
	ck_assert_int_eq(r.err, 0);
	ck_assert_uint_eq(r.action, XDP_ABORTED);
	ck_assert_uint_eq(root_count(ECBPF_ACT_ABORTED).packets, 1);
	ck_assert_uint_eq(reason_count(ECBPF_R_VLAN_TRUNC), 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("bpf_root");
	TCase *tc = tcase_create("root");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, root_passes_ipv4_udp_and_counts_bytes);
	tcase_add_test(tc, root_aborts_vlan_tag_cut_off);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
