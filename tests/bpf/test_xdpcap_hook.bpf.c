// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * An xdpcap hook for the root tests: counts the packets handed to it, and
 * returns hook_action, which becomes the packet's final action (as with
 * Cloudflare's xdpcap, whose hook programs return the action they were given).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

const volatile __u32 hook_action = XDP_PASS;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} hook_hits SEC(".maps");

SEC("xdp")
int test_xdpcap_hook(struct xdp_md *ctx)
{
	__u32 key = 0;
	__u64 *hits = bpf_map_lookup_elem(&hook_hits, &key);

	if (hits)
		__sync_fetch_and_add(hits, 1);
	return hook_action;
}

char _license[] SEC("license") = "Dual BSD/GPL";
