// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* Benchmark floors: a bare XDP_PASS and a bare XDP_DROP, and a redirect sender for live frames. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

const volatile __u32 redirect_ifindex;

SEC("xdp")
int bare_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("xdp")
int bare_drop(struct xdp_md *ctx)
{
	return XDP_DROP;
}

SEC("xdp")
int bare_redirect(struct xdp_md *ctx)
{
	return bpf_redirect(redirect_ifindex, 0);
}

char _license[] SEC("license") = "Dual BSD/GPL";
