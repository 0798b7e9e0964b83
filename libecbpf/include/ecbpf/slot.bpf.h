/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The slot protocol, kernel side. Every ecbpf XDP program (the root and each
 * subprogram) includes this header once. It declares the maps shared by the
 * whole stack of one interface (the loader binds them to the pinned ones),
 * the parse context, the next-slot hand-off and the one exit path that counts,
 * samples and offers the packet to xdpcap.
 *
 * A subprogram reads top to bottom:
 *
 *	SEC("xdp") int xdp_example(struct xdp_md *ctx)
 *	{
 *		struct ecbpf_pkt *pkt = ecbpf_pkt_get();
 *
 *		if (!pkt)
 *			return ecbpf_verdict(ctx, XDP_ABORTED, ECBPF_R_INTERNAL, 0);
 *		if (decide_to_drop(ctx, pkt))
 *			return ecbpf_verdict(ctx, XDP_DROP, ECBPF_R_..., meta);
 *		return ecbpf_next(ctx);
 *	}
 *
 * A slot that rewrites the packet (XDP_TX replies) must check
 * ecbpf_monitoring() first: in monitor mode the packet continues unchanged.
 */
#ifndef ECBPF_SLOT_BPF_H
#define ECBPF_SLOT_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <ecbpf/shared.h>

/* Set by the loader through the skeleton before load; -1 is the root. */
const volatile __s32 ecbpf_slot = -1;
/*
 * The key of the one-entry maps, passed from .rodata: an inlined lookup
 * then loads it from there, where a key on the stack is stored and loaded
 * back first, on the way to every per-packet pointer.
 */
const volatile __u32 ecbpf_key0 = 0;
#define ECBPF_KEY0 ((void *)&ecbpf_key0)

/*
 * IDX & MASK, the mask applied last, in the register that indexes. The 5.10
 * and 6.1 verifiers forget a value's range after OR, XOR, a multiply or a
 * byte swap with a non-constant operand, and after a spill to the stack;
 * clang drops a mask it can prove redundant, or moves it before such an
 * operation. The empty asm hides the value from clang, so the AND stays; it
 * is not volatile, so clang may still merge two of the same value.
 * MASK must be a power of two minus one. One instruction on every kernel.
 */
#define ecbpf_bound(idx, mask)                                                                  \
	({                                                                                      \
		__typeof__((idx) + 0) __ecbpf_i = (idx);                                            \
		asm("" : "+r"(__ecbpf_i));                                             \
		__ecbpf_i & (mask);                                                             \
	})

/*
 * HI + LO, for a HI whose bits are clear wherever LO may have one (a byte
 * shifted up and a byte, a row and a column): the value of HI | LO, but the
 * 5.10 and 6.1 verifiers keep the range of an ADD, where an OR with a
 * non-constant operand loses it. The empty asm keeps clang from turning the
 * ADD back into an OR. No instruction of its own, unlike a mask.
 */
#define ecbpf_join(hi, lo)                                                                      \
	({                                                                                      \
		__typeof__((hi) + 0) __ecbpf_h = (hi);                                              \
		asm("" : "+r"(__ecbpf_h));                                             \
		__ecbpf_h + (lo);                                                               \
	})

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, ECBPF_MAX_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
} root_array SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ECBPF_STATS_ROWS);
	__type(key, __u32);
	__type(value, struct ecbpf_slot_stats);
} xdp_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ECBPF_REASON_MAX);
	__type(key, __u32);
	__type(value, struct ecbpf_counter);
} xdp_reasons SEC(".maps");

/* Cloudflare xdpcap compatible: one entry per action; the hooked program returns the action. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, ECBPF_XDPCAP_ACTIONS);
	__type(key, __u32);
	__type(value, __u32);
} xdpcap_hook SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ecbpf_cfg);
} ecbpf_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ecbpf_scratch);
} ecbpf_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ecbpf_sampler_state);
} ecbpf_sampler SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} ecbpf_samples SEC(".maps");

/*
 * A tail call whose key is an immediate. Written in asm so that the compiler
 * cannot merge call sites with different keys into one call with a variable
 * key: the verifier then sees a constant key at every call and the JIT emits
 * a direct jump. A variable key makes an indirect jump, which is a retpoline
 * on CPUs that need one (clang merged the xdpcap hook calls of the root's
 * verdicts into one call with a variable key).
 */
static __always_inline void ecbpf_tail_call_static(void *ctx, void *map, const __u32 key)
{
	asm volatile("r1 = %[ctx]\n\t"
		     "r2 = %[map] ll\n\t"
		     "r3 = %[key]\n\t"
		     "call 12\n\t"
		     :
		     : [ctx] "r"(ctx), [map] "i"(map), [key] "i"(key)
		     : "r0", "r1", "r2", "r3", "r4", "r5");
}

static __always_inline struct ecbpf_scratch *ecbpf_scratch_get(void)
{
	return bpf_map_lookup_elem(&ecbpf_scratch, ECBPF_KEY0);
}

/* The root's parse result for the current packet; NULL only if the map is missing. */
static __always_inline struct ecbpf_pkt *ecbpf_pkt_get(void)
{
	struct ecbpf_scratch *s = ecbpf_scratch_get();

	return s ? &s->pkt : (void *)0;
}

static __always_inline struct ecbpf_cfg *ecbpf_cfg_get(void)
{
	return bpf_map_lookup_elem(&ecbpf_cfg, ECBPF_KEY0);
}

static __always_inline __u32 ecbpf_action_idx(__u32 action)
{
	return action <= XDP_REDIRECT ? action : ECBPF_ACT_INVALID;
}

/* True when this slot is in monitor mode: verdicts are counted, not enforced. */
static __always_inline int ecbpf_monitoring(void)
{
	struct ecbpf_cfg *cfg;

	if (ecbpf_slot < 0)
		return 0;
	cfg = ecbpf_cfg_get();
	return cfg && (cfg->monitor_mask & (1U << (ecbpf_slot & 31)));
}

/*
 * What a sample carries as metadata, from a verdict's REASON and META. A slot
 * may define its own before including this header, so that turning META
 * into what samples show costs nothing on packets that are not sampled
 * (xdp_fw passes a hit-counter slot; its samples carry the rule number).
 */
#ifndef ECBPF_SAMPLE_META
#define ECBPF_SAMPLE_META(reason, meta) (meta)
#endif

static __always_inline __u32 ecbpf_next_countdown(struct ecbpf_sampler_state *s, __u32 rate)
{
	__u32 x = s->rng ? s->rng : 0x9e3779b9, spread;

	if (rate <= 1)
		return 1;
	/* xorshift32: spreads samples so periodic traffic is not aliased. */
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	s->rng = x;
	/* Uniform in [rate - spread, rate + spread]: the mean gap is exactly rate. */
	spread = (rate - 1) / 2;
	return rate - spread + x % (2 * spread + 1);
}

/*
 * Offer the packet to the sampler. A per-CPU countdown is checked before the
 * config is read, so not sampling costs a load, a compare and a store, with no
 * helper call. Sampling off parks the countdown at its maximum; user space
 * zeroes it on every rate change (ecbpf_set_sampling), so a new rate applies
 * from the next packet.
 */
static __always_inline void ecbpf_sample_offer(struct xdp_md *ctx, __u32 action, __u32 reason,
					       __u64 meta, __u8 flags, __u64 len)
{
	struct ecbpf_sampler_state *s = bpf_map_lookup_elem(&ecbpf_sampler, ECBPF_KEY0);
	__u32 rate, count;
	struct ecbpf_cfg *cfg;
	__u64 cap;
	long err;

	if (!s)
		return;
	count = s->countdown;
	if (count > 1) {
		s->countdown = count - 1;
		return;
	}
	cfg = ecbpf_cfg_get();
	if (!cfg)
		return;
	rate = cfg->sample_rate;
	if (!rate) {
		s->countdown = 0xffffffff;
		return;
	}
	s->countdown = ecbpf_next_countdown(s, rate);

	cap = cfg->snaplen;
	if (cap > len)
		cap = len;
	if (cap > ECBPF_SNAPLEN_MAX)
		cap = ECBPF_SNAPLEN_MAX;

	struct ecbpf_sample_hdr hdr = {
		.tstamp_ns = bpf_ktime_get_ns(),
		.meta = ECBPF_SAMPLE_META(reason, meta),
		.ifindex = ctx->ingress_ifindex,
		.frame_len = len,
		.cap_len = cap,
		.version = ECBPF_SAMPLE_VERSION,
		.slot = ecbpf_slot,
		.action = action,
		.reason = reason,
		.flags = flags,
	};
	err = bpf_perf_event_output(ctx, &ecbpf_samples, BPF_F_CURRENT_CPU | (cap << 32), &hdr,
				    sizeof(hdr));
	if (!err)
		s->samples_sent++;
	else if (err == -2 /* ENOENT: no reader on this CPU */)
		s->samples_noreader++;
	else
		s->samples_lost++;
}

static __always_inline void ecbpf_count(__u32 action, __u32 reason, __u64 len, int would)
{
	__u32 row = ecbpf_slot < 0 ? ECBPF_ROOT_ROW : (__u32)ecbpf_slot;
	__u32 idx = ecbpf_action_idx(action);
	struct ecbpf_slot_stats *st = bpf_map_lookup_elem(&xdp_stats, &row);
	struct ecbpf_counter *rc = bpf_map_lookup_elem(&xdp_reasons, &reason);

	if (st) {
		struct ecbpf_counter *c = would ? &st->would[idx] : &st->verdict[idx];

		c->packets++;
		c->bytes += len;
	}
	if (rc) {
		rc->packets++;
		rc->bytes += len;
	}
}

/*
 * The shared exit path for a final verdict: count it (packets and bytes, per
 * action, per reason), offer it to the sampler, pass it to the xdpcap hook,
 * and return it.
 */
static __always_inline int ecbpf_finish(struct xdp_md *ctx, __u32 action, __u32 reason,
					__u64 meta)
{
	__u64 len = ctx->data_end - ctx->data;

	ecbpf_count(action, reason, len, 0);
	ecbpf_sample_offer(ctx, action, reason, meta, 0, len);
	/* One call site per action, so every hook tail call has a constant key. */
	switch (action) {
	case XDP_ABORTED:
		ecbpf_tail_call_static(ctx, &xdpcap_hook, XDP_ABORTED);
		break;
	case XDP_DROP:
		ecbpf_tail_call_static(ctx, &xdpcap_hook, XDP_DROP);
		break;
	case XDP_PASS:
		ecbpf_tail_call_static(ctx, &xdpcap_hook, XDP_PASS);
		break;
	case XDP_TX:
		ecbpf_tail_call_static(ctx, &xdpcap_hook, XDP_TX);
		break;
	case XDP_REDIRECT:
		ecbpf_tail_call_static(ctx, &xdpcap_hook, XDP_REDIRECT);
		break;
	}
	return action;
}

/*
 * Hand the packet to the next occupied slot: enter the switch just after this
 * slot and fall through the later ones. ecbpf_slot is a load-time constant,
 * so the verifier removes the cases at or before this slot and the compare
 * chain, every tail call has a constant key and the JIT emits direct jumps;
 * an empty slot costs a tail-call miss. No later slot: XDP_PASS.
 */
_Static_assert(ECBPF_MAX_SLOTS == 8, "ecbpf_next() lists the slots one by one");

static __always_inline int ecbpf_next(struct xdp_md *ctx)
{
	switch (ecbpf_slot + 1) {
	case 0:
		ecbpf_tail_call_static(ctx, &root_array, 0);
		__attribute__((fallthrough));
	case 1:
		ecbpf_tail_call_static(ctx, &root_array, 1);
		__attribute__((fallthrough));
	case 2:
		ecbpf_tail_call_static(ctx, &root_array, 2);
		__attribute__((fallthrough));
	case 3:
		ecbpf_tail_call_static(ctx, &root_array, 3);
		__attribute__((fallthrough));
	case 4:
		ecbpf_tail_call_static(ctx, &root_array, 4);
		__attribute__((fallthrough));
	case 5:
		ecbpf_tail_call_static(ctx, &root_array, 5);
		__attribute__((fallthrough));
	case 6:
		ecbpf_tail_call_static(ctx, &root_array, 6);
		__attribute__((fallthrough));
	case 7:
		ecbpf_tail_call_static(ctx, &root_array, 7);
	}
	return ecbpf_finish(ctx, XDP_PASS, ECBPF_R_NONE, 0);
}

/*
 * A slot's verdict. In monitor mode DROP, TX and REDIRECT are counted (and
 * sampled) as "would" verdicts and the packet continues to the next slot.
 */
static __always_inline int ecbpf_verdict(struct xdp_md *ctx, __u32 action, __u32 reason,
					 __u64 meta)
{
	if ((action == XDP_DROP || action == XDP_TX || action == XDP_REDIRECT) &&
	    ecbpf_monitoring()) {
		__u64 len = ctx->data_end - ctx->data;

		ecbpf_count(action, reason, len, 1);
		ecbpf_sample_offer(ctx, action, reason, meta, ECBPF_SAMPLE_F_MONITOR, len);
		return ecbpf_next(ctx);
	}
	return ecbpf_finish(ctx, action, reason, meta);
}

char _license[] SEC("license") = "Dual BSD/GPL";

#endif /* ECBPF_SLOT_BPF_H */
