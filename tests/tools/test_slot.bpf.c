// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * test_slot: a slot program for tests and benchmarks. test_action set at load
 * time: an XDP action given as a verdict (reason "test", metadata 0x7e57), or
 * TEST_THROUGH to hand the packet on.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <ecbpf/slot.bpf.h>

#define TEST_THROUGH 0xff
#define TEST_META 0x7e57

const volatile __u32 test_action = TEST_THROUGH;

SEC("xdp")
int test_slot(struct xdp_md *ctx)
{
	if (test_action == TEST_THROUGH)
		return ecbpf_next(ctx);
	return ecbpf_verdict(ctx, test_action, ECBPF_R_TEST, TEST_META);
}
