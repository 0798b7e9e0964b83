// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * bench_root: what the root dispatcher costs per packet.
 *
 *   bench_root [--runs N] [--repeat N]
 *	ns/packet by BPF_PROG_TEST_RUN on a 64-byte UDP frame: a bare XDP_PASS,
 *	and the root (counters on, sampler offer at 1 in 2500 with no reader)
 *	with 0, 1, 4 and 8 pass-through slots, as ratios to the bare program.
 *   bench_root --live SRV_NETNS CLI_NETNS [--runs N] [--repeat N]
 *	packets/s of live frames (BPF_F_TEST_XDP_LIVE_FRAMES) redirected into
 *	eth0 of CLI_NETNS, received on eth0 of SRV_NETNS by the root with four
 *	pass-through slots and a DROP slot, against a bare XDP_DROP.
 */
#include <getopt.h>
#include <net/if.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/libbpf.h>
#include <ecbpf/ecbpf.h>
#include "bench_lib.h"
#include "test_bare.skel.h"
#include "test_slot.skel.h"

#define TEST_THROUGH 0xff	/* test_slot.bpf.c: hand the packet on */

struct rig {
	struct ecbpf_stack *stk;
	struct test_slot *slot[ECBPF_MAX_SLOTS];
};

static void rig_free(struct rig *r)
{
	for (int i = 0; i < ECBPF_MAX_SLOTS; i++)
		test_slot__destroy(r->slot[i]);
	ecbpf_stack_free(r->stk);
}

/*
 * A private stack as the attach would leave it (sampling 1 in 2500, default
 * snap length), with test_slot THROUGH in slots 0..nthrough-1 and, if
 * drop_slot >= 0, a DROP test_slot there.
 */
static int rig_new(struct rig *r, int nthrough, int drop_slot)
{
	struct ecbpf_cfg cfg = { .sample_rate = ECBPF_SAMPLE_RATE_DEFAULT,
				 .snaplen = ECBPF_SNAPLEN_DEFAULT };
	__u32 key = 0;
	int err;

	memset(r, 0, sizeof(*r));
	err = ecbpf_stack_new(&r->stk);
	if (err)
		return err;
	if (bpf_map_update_elem(ecbpf_stack_map_fd(r->stk, "ecbpf_cfg"), &key, &cfg, BPF_ANY))
		return -errno;
	for (int i = 0; i < ECBPF_MAX_SLOTS; i++) {
		uint32_t action = i < nthrough ? TEST_THROUGH : i == drop_slot ? XDP_DROP : 0;
		struct test_slot *s;
		__u32 slot = i;
		int fd;

		if (i >= nthrough && i != drop_slot)
			continue;
		s = r->slot[i] = test_slot__open();
		if (!s)
			return -errno;
		s->rodata->ecbpf_slot = i;
		s->rodata->test_action = action;
		err = ecbpf_slot_bind_fds(s->obj, ecbpf_stack_shared_fds(r->stk));
		if (!err)
			err = test_slot__load(s);
		if (err)
			return err;
		fd = bpf_program__fd(s->progs.test_slot);
		if (bpf_map_update_elem(ecbpf_stack_map_fd(r->stk, "root_array"), &slot, &fd,
					BPF_ANY))
			return -errno;
	}
	return 0;
}

static uint64_t rig_count(const struct rig *r, int row, int action)
{
	struct ecbpf_slot_stats s;

	if (ecbpf_percpu_sum(ecbpf_stack_map_fd(r->stk, "xdp_stats"), row, (uint64_t *)&s,
			     sizeof(s) / 8))
		return 0;
	return s.verdict[action].packets;
}

static int bench_testrun(int runs, int repeat)
{
	static const int nslots[] = { 0, 1, 4, 8 };
	static const char *const names[] = {
		"bare XDP_PASS (floor)",
		"root, 0 slots (counters, sampler 1/2500)",
		"root, 1 pass-through slot",
		"root, 4 pass-through slots",
		"root, 8 pass-through slots",
	};
	static const char *const targets[] = { "", "<= 1.25x", "", "", "<= 1.60x" };
	struct bench_case c[5] = {};
	struct rig rig[4] = {};
	struct test_bare *bare;
	struct pkt p;
	int err;

	bench_udp64(&p);
	bare = test_bare__open_and_load();
	if (!bare) {
		fprintf(stderr, "bench_root: cannot load test_bare: %s\n", strerror(errno));
		return 1;
	}
	c[0].name = names[0];
	c[0].prog_fd = bpf_program__fd(bare->progs.bare_pass);
	for (int i = 0; i < 4; i++) {
		err = rig_new(&rig[i], nslots[i], -1);
		if (err) {
			fprintf(stderr, "bench_root: cannot build the stack: %s\n", strerror(-err));
			goto out;
		}
		c[i + 1].name = names[i + 1];
		c[i + 1].prog_fd = ecbpf_stack_root_fd(rig[i].stk);
	}
	/* Sanity: the stack passes the frame, and the last slot (or the root) counts it. */
	for (int i = 0; i < 4; i++) {
		struct run r = run_prog(c[i + 1].prog_fd, p.buf, p.len);
		int row = nslots[i] ? nslots[i] - 1 : ECBPF_ROOT_ROW;

		if (r.err || r.action != XDP_PASS || rig_count(&rig[i], row, ECBPF_ACT_PASS) != 1) {
			fprintf(stderr, "bench_root: %s does not pass the frame (err %d, action %u)\n",
				names[i + 1], r.err, r.action);
			err = -EINVAL;
			goto out;
		}
	}
	err = bench_run(c, 5, runs, bench_testrun_ns, p.buf, p.len, repeat);
	if (!err) {
		char title[160];

		snprintf(title, sizeof(title),
			 "root dispatcher, BPF_PROG_TEST_RUN, 64-byte UDP, repeat %d, median of %d",
			 repeat, runs);
		bench_print(title, "ns/packet", false, c, 5, targets);
	}
out:
	for (int i = 0; i < 4; i++)
		rig_free(&rig[i]);
	test_bare__destroy(bare);
	return err ? 1 : 0;
}

/* ---- live frames over the lab veth ---------------------------------- */

static int bench_live(const char *srv, const char *cli, int runs, int repeat)
{
	static const char *const targets[] = { "", ">= 0.90x" };
	struct bench_case c[2] = {};
	struct test_bare *bare = NULL;
	struct rig rig = {};
	uint64_t dropped;
	struct pkt p;
	int err = -EINVAL;

	bench_udp64(&p);
	if (bench_lab_open(srv, cli))
		return 1;
	bare = test_bare__open();
	if (!bare)
		return 1;
	bare->rodata->redirect_ifindex = bench_lab.cli_ifindex;
	err = test_bare__load(bare);
	if (!err)
		err = rig_new(&rig, 4, 4);
	if (err) {
		fprintf(stderr, "bench_root: cannot load: %s\n", strerror(-err));
		goto out;
	}
	c[0].name = "bare XDP_DROP on the receiver (floor)";
	c[0].prog_fd = bpf_program__fd(bare->progs.bare_redirect);
	c[0].aux_fd = bpf_program__fd(bare->progs.bare_drop);
	c[1].name = "root, 4 pass-through slots, DROP in slot 4";
	c[1].prog_fd = c[0].prog_fd;
	c[1].aux_fd = ecbpf_stack_root_fd(rig.stk);
	err = bench_run(c, 2, runs, bench_lab_pps, p.buf, p.len, repeat);
	if (!err) {
		char title[160];

		snprintf(title, sizeof(title),
			 "live frames (BPF_F_TEST_XDP_LIVE_FRAMES) over veth, 64-byte UDP, %d frames, median of %d",
			 repeat, runs);
		bench_print(title, "packets/s", true, c, 2, targets);
		dropped = rig_count(&rig, 4, ECBPF_ACT_DROP);
		printf("frames the root's slot 4 dropped: %llu of %llu sent (%.1f%%)\n",
		       (unsigned long long)dropped, (unsigned long long)runs * repeat,
		       100.0 * dropped / ((double)runs * repeat));
	}
out:
	bench_lab_close();
	rig_free(&rig);
	test_bare__destroy(bare);
	return err ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "live", no_argument, NULL, 'l' },
		{ "runs", required_argument, NULL, 'r' },
		{ "repeat", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	uint32_t runs = 7, repeat = 0;
	bool live = false;
	int c;

	ecbpf_cli_init(argv[0]);
	while ((c = getopt_long(argc, argv, "lr:n:h", opts, NULL)) != -1) {
		switch (c) {
		case 'l': live = true; break;
		case 'r':
			if (bench_opt_u32("--runs", optarg, 1, BENCH_MAX_RUNS, &runs))
				return 64;
			break;
		case 'n':
			if (bench_opt_u32("--repeat", optarg, 1, 100000000, &repeat))
				return 64;
			break;
		default:
			fprintf(c == 'h' ? stdout : stderr,
				"usage: bench_root [--runs N] [--repeat N]\n"
				"       bench_root --live SRV_NETNS CLI_NETNS [--runs N] [--repeat N]\n");
			return c == 'h' ? 0 : 64;
		}
	}
	if (live) {
		if (argc - optind != 2) {
			fprintf(stderr, "bench_root: --live needs SRV_NETNS CLI_NETNS\n");
			return 64;
		}
		return bench_live(argv[optind], argv[optind + 1], runs, repeat ? repeat : 2000000);
	}
	return bench_testrun(runs, repeat ? repeat : 1000000);
}
