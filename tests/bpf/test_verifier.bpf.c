// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * A program the verifier must refuse, for the load-failure report: it sums
 * a map value (a few hundred instructions of log), then reads it at an
 * offset taken from the packet's interface index without a bounds check.
 * verifier_case 0: any 32-bit offset ("unbounded memory access"); 1: an
 * offset below 65536 ("invalid access to map value", then a remark on the
 * register's maximum).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define VALUE_SIZE 64

const volatile __u32 verifier_case;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u8[VALUE_SIZE]);
} verifier_values SEC(".maps");

SEC("xdp")
int verifier_bad(struct xdp_md *ctx)
{
	__u32 key = 0, at = ctx->ingress_ifindex, sum = 0;
	volatile __u8 *v = bpf_map_lookup_elem(&verifier_values, &key);

	if (!v)
		return XDP_PASS;
#pragma unroll
	for (int i = 0; i < VALUE_SIZE; i++)
		sum += v[i] ^ i;
	if (verifier_case == 1)
		at &= 0xffff;
	/* No check of AT against VALUE_SIZE. */
	return (sum + v[at]) & 3;
}

char _license[] SEC("license") = "Dual BSD/GPL";
