// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * xdp_printk: the minimal ecbpf subprogram, and the one to copy. It logs a
 * one-line summary of each packet with bpf_printk (read it with
 * `xdp_root_loader --trace`) and hands the packet to the next slot.
 */
#include <linux/bpf.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <ecbpf/slot.bpf.h>

SEC("xdp")
int xdp_printk(struct xdp_md *ctx)
{
	struct ecbpf_pkt *pkt = ecbpf_pkt_get();

	if (!pkt)
		return ecbpf_verdict(ctx, XDP_ABORTED, ECBPF_R_INTERNAL, 0);
	/*
	 * More than three values need bpf_trace_vprintk (5.16); before it, the
	 * line is split in two, without field widths (5.10 refuses them). libbpf
	 * resolves the test at load time from the kernel's BTF, and the verifier
	 * never sees the branch not taken.
	 */
	if (bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_trace_vprintk)) {
		bpf_printk("ecbpf slot %d: len %u proto 0x%04x vlans %u l4 %u flags 0x%x",
			   ecbpf_slot, pkt->len, pkt->eth_proto, pkt->vlan_depth, pkt->l4_proto,
			   pkt->flags);
	} else {
		bpf_printk("ecbpf slot %d: len %u proto 0x%x", ecbpf_slot, pkt->len,
			   pkt->eth_proto);
		bpf_printk("ecbpf   ... vlans %u l4 %u flags 0x%x", pkt->vlan_depth, pkt->l4_proto,
			   pkt->flags);
	}
	return ecbpf_next(ctx);
}
