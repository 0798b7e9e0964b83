// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * bench_filter: what xdp_filter costs per packet on traffic it lets through.
 *
 *   bench_filter [--runs N] [--repeat N]
 *	ns/packet by BPF_PROG_TEST_RUN on a 64-byte IPv4 UDP frame (and a
 *	72-byte IPv6 one) that matches no decision: a bare XDP_PASS, the root
 *	alone, root + filter with empty drop tries, and root + filter with
 *	10,000 prefixes in each trie (the frame's hint bucket clear, and
 *	marked so the trie is walked), as ratios to the bare program.
 */
#include <getopt.h>
#include <bpf/libbpf.h>
#include <ecbpf/ecbpf.h>
#include "bench_lib.h"
#include "filter_shared.h"
#include "filter_lib.h"
#include "test_bare.skel.h"
#include "xdp_filter.skel.h"

#define BENCH_PREFIXES 10000

struct rig {
	struct ecbpf_stack *stk;
	struct xdp_filter *filter;	/* NULL: the root alone */
};

static void rig_free(struct rig *r)
{
	xdp_filter__destroy(r->filter);
	ecbpf_stack_free(r->stk);
}

static uint32_t xorshift(uint32_t *s)
{
	uint32_t x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

static void mask(uint8_t *addr, uint32_t len, uint32_t bits)
{
	for (uint32_t b = len; b < bits; b++)
		addr[b / 8] &= ~(0x80 >> (b % 8));
}

/* True if the prefix ADDR/LEN contains SRC (the benchmark frame must not match). */
static int covers(const uint8_t *addr, uint32_t len, const uint8_t *src)
{
	for (uint32_t b = 0; b < len; b++) {
		uint8_t m = 0x80 >> (b % 8);

		if ((addr[b / 8] & m) != (src[b / 8] & m))
			return 0;
	}
	return 1;
}

/*
 * N prefixes spread over the whole address space, with the lengths of real
 * block lists (IPv4 /16-/32, IPv6 /32-/128 in 2000::/3), none covering the
 * frame's source. With MARK_OWN_BUCKET the frame's hint bucket is marked, so
 * every lookup walks the trie and misses (the worst case); without it no
 * prefix shares the frame's bucket (the common case: the hint saves the walk).
 */
static void hint_add(struct filter_src_hint *h, int family, const uint8_t *addr, uint32_t len)
{
	struct filter_prefix p = { .family = family, .len = len };

	memcpy(p.addr, addr, family == AF_INET ? 4 : 16);
	filter_hint_mark(h, &p);
}

static int fill_tries(struct xdp_filter *f, int n, const uint8_t *src4, const uint8_t *src6,
		      int mark_own_bucket)
{
	struct filter_drop_entry val = { .tag = "bench", .load_time = 1 };
	struct filter_src_hint *hint = calloc(1, sizeof(*hint));
	uint32_t seed = 0x2545f491;
	int v4 = 0, v6 = 0, err = 0;
	__u32 zero = 0;

	if (!hint)
		return -ENOMEM;

	while (v4 < n) {
		struct filter_key_v4 k = { .prefixlen = 16 + xorshift(&seed) % 17 };
		uint32_t a = xorshift(&seed);

		memcpy(k.addr, &a, 4);
		mask(k.addr, k.prefixlen, 32);
		if (covers(k.addr, k.prefixlen, src4) ||
		    (!mark_own_bucket && filter_bucket_v4(k.addr) == filter_bucket_v4(src4)))
			continue;
		if (bpf_map_update_elem(bpf_map__fd(f->maps.filter_src_v4), &k, &val, BPF_NOEXIST))
			continue;	/* duplicate */
		hint_add(hint, AF_INET, k.addr, k.prefixlen);
		v4++;
	}
	while (v6 < n) {
		struct filter_key_v6 k = { .prefixlen = 32 + xorshift(&seed) % 97 };

		for (int i = 0; i < 16; i += 4) {
			uint32_t a = xorshift(&seed);

			memcpy(k.addr + i, &a, 4);
		}
		k.addr[0] = 0x20 | (k.addr[0] & 0x1f);	/* 2000::/3, global unicast */
		mask(k.addr, k.prefixlen, 128);
		if (covers(k.addr, k.prefixlen, src6) ||
		    (!mark_own_bucket && filter_bucket_v6(k.addr) == filter_bucket_v6(src6)))
			continue;
		if (bpf_map_update_elem(bpf_map__fd(f->maps.filter_src_v6), &k, &val, BPF_NOEXIST))
			continue;
		hint_add(hint, AF_INET6, k.addr, k.prefixlen);
		v6++;
	}
	/*
	 * Worst case: a prefix next to the frame's source (same /16, same IPv6
	 * /32), so the hint sends it to the trie and the walk goes deep.
	 */
	if (mark_own_bucket) {
		struct filter_key_v4 k4 = { .prefixlen = 24 };
		struct filter_key_v6 k6 = { .prefixlen = 64 };

		memcpy(k4.addr, src4, 4);
		k4.addr[2] ^= 0x80;
		mask(k4.addr, 24, 32);
		memcpy(k6.addr, src6, 16);
		k6.addr[6] ^= 0x80;
		mask(k6.addr, 64, 128);
		if (bpf_map_update_elem(bpf_map__fd(f->maps.filter_src_v4), &k4, &val, BPF_ANY) ||
		    bpf_map_update_elem(bpf_map__fd(f->maps.filter_src_v6), &k6, &val, BPF_ANY))
			err = -errno;
		hint_add(hint, AF_INET, k4.addr, 24);
		hint_add(hint, AF_INET6, k6.addr, 64);
	}
	if (!err && bpf_map_update_elem(bpf_map__fd(f->maps.filter_src_hint), &zero, hint, BPF_ANY))
		err = -errno;
	free(hint);
	return err;
}

/* A private stack as an attach leaves it (sampling 1 in 2500), with the filter in slot 2 or not. */
static int rig_new(struct rig *r, int with_filter, int prefixes, int mark_own_bucket,
		   const uint8_t *src4, const uint8_t *src6)
{
	struct ecbpf_cfg cfg = { .sample_rate = ECBPF_SAMPLE_RATE_DEFAULT,
				 .snaplen = ECBPF_SNAPLEN_DEFAULT };
	struct filter_config fcfg = { .magic = FILTER_CFG_MAGIC, .frags_drop = 1,
				      .ptb_max_pps = FILTER_PTB_PPS_DEFAULT };
	__u32 key = 0, slot = ECBPF_SLOT_FILTER;
	int err, fd;

	memset(r, 0, sizeof(*r));
	err = ecbpf_stack_new(&r->stk);
	if (err)
		return err;
	if (bpf_map_update_elem(ecbpf_stack_map_fd(r->stk, "ecbpf_cfg"), &key, &cfg, BPF_ANY))
		return -errno;
	if (!with_filter)
		return 0;
	r->filter = xdp_filter__open();
	if (!r->filter)
		return -errno;
	r->filter->rodata->ecbpf_slot = ECBPF_SLOT_FILTER;
	err = ecbpf_slot_bind_fds(r->filter->obj, ecbpf_stack_shared_fds(r->stk));
	if (!err)
		err = xdp_filter__load(r->filter);
	if (err)
		return err;
	if (prefixes) {
		err = fill_tries(r->filter, prefixes, src4, src6, mark_own_bucket);
		if (err)
			return err;
	}
	if (bpf_map_update_elem(bpf_map__fd(r->filter->maps.filter_cfg), &key, &fcfg, BPF_ANY))
		return -errno;
	fd = bpf_program__fd(r->filter->progs.xdp_filter_prog);
	if (bpf_map_update_elem(ecbpf_stack_map_fd(r->stk, "root_array"), &slot, &fd, BPF_ANY))
		return -errno;
	return 0;
}

static uint64_t filter_passed(const struct rig *r)
{
	struct ecbpf_slot_stats s;

	if (ecbpf_percpu_sum(ecbpf_stack_map_fd(r->stk, "xdp_stats"), ECBPF_SLOT_FILTER,
			     (uint64_t *)&s, sizeof(s) / 8))
		return 0;
	return s.verdict[ECBPF_ACT_PASS].packets;
}

static void udp6_frame(struct pkt *p)
{
	pkt_init(p);
	pkt_eth(p, ETH_P_IPV6);
	pkt_ipv6(p, "2001:db8:100::1", "2001:db8:100::2", IPPROTO_UDP);
	pkt_udp(p, 40000, 9, 72 - 62);
	pkt_finish(p);
}

static int bench_frame(const char *what, const struct pkt *p, struct rig *rig, int nrig,
		       struct test_bare *bare, int runs, int repeat)
{
	static const char *const names[] = {
		"bare XDP_PASS (floor)",
		"root alone (0 slots)",
		"root + filter, empty drop tries",
		"root + filter, 10k prefixes/trie, hint miss",
		"root + filter, 10k prefixes/trie, trie walk",
	};
	static const char *const targets[] = { "", "", "<= 1.50x", "", "" };
	struct bench_case c[5] = {};
	char title[200];
	int err;

	c[0].name = names[0];
	c[0].prog_fd = bpf_program__fd(bare->progs.bare_pass);
	for (int i = 0; i < nrig; i++) {
		uint64_t before = filter_passed(&rig[i]);
		struct run r;

		c[i + 1].name = names[i + 1];
		c[i + 1].prog_fd = ecbpf_stack_root_fd(rig[i].stk);
		/* Sanity: the frame passes, and through the filter when it is there. */
		r = run_prog(c[i + 1].prog_fd, p->buf, p->len);
		if (r.err || r.action != XDP_PASS ||
		    (rig[i].filter && filter_passed(&rig[i]) != before + 1)) {
			fprintf(stderr, "bench_filter: %s does not pass the %s frame\n",
				names[i + 1], what);
			return -EINVAL;
		}
	}
	err = bench_run(c, nrig + 1, runs, bench_testrun_ns, p->buf, p->len, repeat);
	if (err)
		return err;
	snprintf(title, sizeof(title),
		 "xdp_filter, BPF_PROG_TEST_RUN, %zu-byte %s UDP matching no decision, repeat %d, median of %d",
		 p->len, what, repeat, runs);
	bench_print(title, "ns/packet", false, c, nrig + 1, targets);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "runs", required_argument, NULL, 'r' },
		{ "repeat", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	uint32_t runs = 11, repeat = 1000000;
	struct test_bare *bare;
	struct rig rig[4] = {};
	struct pkt p4, p6;
	const struct iphdr *ip;
	const struct ipv6hdr *ip6;
	int c, err = 0;

	while ((c = getopt_long(argc, argv, "r:n:h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (bench_opt_u32("--runs", optarg, 1, BENCH_MAX_RUNS, &runs))
				goto usage;
			break;
		case 'n':
			if (bench_opt_u32("--repeat", optarg, 1, 100000000, &repeat))
				goto usage;
			break;
		case 'h':
			printf("Usage: bench_filter [--runs 1-%d] [--repeat N]\n", BENCH_MAX_RUNS);
			return 0;
		default:
			goto usage;
		}
	}
	bench_udp64(&p4);
	udp6_frame(&p6);
	ip = (const void *)(p4.buf + p4.l3_off);
	ip6 = (const void *)(p6.buf + p6.l3_off);
	bare = test_bare__open_and_load();
	if (!bare) {
		fprintf(stderr, "bench_filter: cannot load test_bare: %s\n", strerror(errno));
		return 1;
	}
	for (int i = 0; i < 4 && !err; i++)
		err = rig_new(&rig[i], i > 0, i >= 2 ? BENCH_PREFIXES : 0, i == 3,
			      (const uint8_t *)&ip->saddr, ip6->saddr.s6_addr);
	if (err) {
		fprintf(stderr, "bench_filter: cannot build the stacks: %s\n", strerror(-err));
		goto out;
	}
	err = bench_frame("IPv4", &p4, rig, 4, bare, runs, repeat);
	if (!err)
		err = bench_frame("IPv6", &p6, rig, 4, bare, runs, repeat);
out:
	for (int i = 0; i < 4; i++)
		rig_free(&rig[i]);
	test_bare__destroy(bare);
	return err ? 1 : 0;
usage:
	fprintf(stderr, "bench_filter: usage: bench_filter [--runs 1-%d] [--repeat N]\n",
		BENCH_MAX_RUNS);
	return 64;
}
