// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * bench_sampler: what sampling costs and how much it delivers.
 *
 *   bench_sampler [--runs N] [--repeat N] [--frames N] [--dir DIR] [--pages N]
 *
 * 1. ns/packet by BPF_PROG_TEST_RUN on a 64-byte UDP frame: a bare XDP_PASS
 *    (floor), and the root with sampling off, at 1 in 2500 with a reader and
 *    at 1 in 2500 without one. Target: 1/2500 <= 1.05x sampling off.
 * 2. Live frames (BPF_F_TEST_XDP_LIVE_FRAMES) through the root and a DROP slot
 *    at rate 1, the samples read from the perf buffer by a second thread and
 *    written to a pcapng file in DIR, as xdp_sampler does: samples/s that
 *    reach the file with zero loss (the sender keeps the samples in flight
 *    below half the buffer), and, unpaced, what reaches it and what is lost.
 */
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <ecbpf/ecbpf.h>
#include "bench_lib.h"
#include "capture_file.h"
#include "sample_reader.h"
#include "test_bare.skel.h"
#include "test_slot.skel.h"

static uint32_t perf_pages = 4096;	/* per CPU: 16 MiB, as xdp_sampler --buffer-pages 4096 */
#define LIVE_BATCH 16384		/* frames per test_run call: each call has a fixed setup cost */

struct rig {
	struct ecbpf_stack *stk;
	struct test_slot *drop;
	struct sample_reader *rd;
	struct capture_file cf;
	atomic_ullong written;
	atomic_bool stop;
	bool write_file;
};

static void on_sample(void *ctx, int cpu, void *data, uint32_t size)
{
	struct rig *r = ctx;
	struct ecbpf_sample_hdr h;

	memcpy(&h, data, sizeof(h));	/* perf records are only 4-byte aligned */
	if (r->write_file)
		capture_write(&r->cf, 0, h.tstamp_ns, h.frame_len, (uint8_t *)data + sizeof(h),
			      h.cap_len, "slot=3 action=XDP_DROP reason=test meta=32343");
	atomic_fetch_add(&r->written, 1);
}

static int set_sampling(struct rig *r, uint32_t rate)
{
	struct ecbpf_cfg cfg = { .sample_rate = rate, .snaplen = ECBPF_SNAPLEN_DEFAULT };
	__u32 key = 0;

	if (bpf_map_update_elem(ecbpf_stack_map_fd(r->stk, "ecbpf_cfg"), &key, &cfg, BPF_ANY))
		return -errno;
	/* As ecbpf_set_sampling: a zero countdown makes the next packet read the rate. */
	return ecbpf_percpu_zero(ecbpf_stack_map_fd(r->stk, "ecbpf_sampler"), 0,
				 sizeof(struct ecbpf_sampler_state));
}

static struct ecbpf_sampler_state sampler_counters(const struct rig *r)
{
	struct ecbpf_sampler_state s = {};

	ecbpf_percpu_sum(ecbpf_stack_map_fd(r->stk, "ecbpf_sampler"), 0, (uint64_t *)&s,
			 sizeof(s) / 8);
	return s;
}

/*
 * A private stack; with DROP, a DROP test slot in slot 3; with WAKEUP > 0, a
 * reader of PAGES pages per CPU woken every WAKEUP samples.
 */
static int rig_new(struct rig *r, uint32_t rate, bool drop, uint32_t wakeup, size_t pages)
{
	int err, fd;
	__u32 slot = 3;

	memset(r, 0, sizeof(*r));
	err = ecbpf_stack_new(&r->stk);
	if (!err)
		err = set_sampling(r, rate);
	if (err)
		return err;
	if (drop) {
		r->drop = test_slot__open();
		if (!r->drop)
			return -errno;
		r->drop->rodata->ecbpf_slot = 3;
		r->drop->rodata->test_action = XDP_DROP;
		err = ecbpf_slot_bind_fds(r->drop->obj, ecbpf_stack_shared_fds(r->stk));
		if (!err)
			err = test_slot__load(r->drop);
		if (err)
			return err;
		fd = bpf_program__fd(r->drop->progs.test_slot);
		if (bpf_map_update_elem(ecbpf_stack_map_fd(r->stk, "root_array"), &slot, &fd,
					BPF_ANY))
			return -errno;
	}
	if (wakeup) {
		r->rd = sample_reader_new(ecbpf_stack_map_fd(r->stk, "ecbpf_samples"), pages, wakeup,
					  on_sample, NULL, r);
		if (!r->rd)
			return -errno;
	}
	return 0;
}

static void rig_free(struct rig *r)
{
	sample_reader_free(r->rd);
	test_slot__destroy(r->drop);
	ecbpf_stack_free(r->stk);
}

/* ---- 1. cost per packet ------------------------------------------------- */

static struct rig *reader_rig[2];

/* Time one run (the kernel's figure), then empty the buffer so the next run never finds it full. */
static double measure_and_drain(const struct bench_case *c, const void *data, size_t len,
				int repeat)
{
	double ns = bench_testrun_ns(c, data, len, repeat);

	for (int i = 0; i < 2; i++)
		if (reader_rig[i])
			sample_reader_consume(reader_rig[i]->rd);
	return ns;
}

static double mean(const struct bench_case *c)
{
	double sum = 0;

	for (int i = 0; i < c->n; i++)
		sum += c->runs[i];
	return c->n ? sum / c->n : 0;
}

static int bench_cost(int runs, int repeat)
{
	static const char *const names[] = {
		"bare XDP_PASS (floor)",
		"root, sampling off",
		"root, 1/2500, reader woken every 32",
		"root, 1/2500, no reader",
		"root, 1/2500, reader woken every sample",
	};
	static const uint32_t wakeup[] = { 0, SAMPLE_WAKEUP_DEFAULT, 0, 1 };
	struct bench_case c[5] = {};
	struct rig rig[4];
	struct test_bare *bare;
	struct pkt p;
	int err = 0;

	bench_udp64(&p);
	bare = test_bare__open_and_load();
	if (!bare)
		return -errno;
	c[0].name = names[0];
	c[0].prog_fd = bpf_program__fd(bare->progs.bare_pass);
	memset(rig, 0, sizeof(rig));
	for (int i = 0; i < 4 && !err; i++) {
		err = rig_new(&rig[i], i ? ECBPF_SAMPLE_RATE_DEFAULT : 0, false, wakeup[i], 64);
		c[i + 1].name = names[i + 1];
		c[i + 1].prog_fd = ecbpf_stack_root_fd(rig[i].stk);
	}
	if (err) {
		fprintf(stderr, "bench_sampler: cannot build the stacks: %s\n", strerror(-err));
		goto out;
	}
	reader_rig[0] = &rig[1];
	reader_rig[1] = &rig[3];
	err = bench_run(c, 5, runs, measure_and_drain, p.buf, p.len, repeat);
	reader_rig[0] = reader_rig[1] = NULL;
	if (!err) {
		char title[160];
		double off = c[1].median, off_best = bench_best(&c[1], false);
		struct ecbpf_sampler_state s = sampler_counters(&rig[1]);

		snprintf(title, sizeof(title),
			 "sampler cost, BPF_PROG_TEST_RUN, 64-byte UDP, repeat %d, median of %d",
			 repeat, runs);
		bench_print(title, "ns/packet", false, c, 5, NULL);
		/* The kernel reports whole ns per packet: means of many runs resolve finer. */
		printf("sampling 1/2500 (xdp_sampler reading) vs off: %.3fx by medians, %.3fx by means, %.3fx by best runs; target <= 1.05x\n",
		       c[2].median / off, mean(&c[2]) / mean(&c[1]),
		       bench_best(&c[2], false) / off_best);
		printf("  no reader: %.3fx; reader woken every sample (libbpf's default): %.3fx (by means)\n",
		       mean(&c[3]) / mean(&c[1]), mean(&c[4]) / mean(&c[1]));
		printf("samples sent %llu (1 in %.0f packets), lost %llu\n",
		       (unsigned long long)s.samples_sent,
		       s.samples_sent ? (double)runs * repeat / s.samples_sent : 0.0,
		       (unsigned long long)s.samples_lost);
	}
out:
	for (int i = 0; i < 4; i++)
		rig_free(&rig[i]);
	test_bare__destroy(bare);
	return err;
}

/* ---- 2. samples/s into a pcapng file ----------------------------------- */

static void *reader_main(void *arg)
{
	struct rig *r = arg;

	/* As xdp_sampler: woken every 32 samples, and never waiting more than 100 ms. */
	while (!atomic_load(&r->stop))
		if (sample_reader_poll(r->rd, 100) == 0)
			sample_reader_consume(r->rd);
	sample_reader_consume(r->rd);
	return NULL;
}

static int live_batch(int prog_fd, const struct pkt *p, int n)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = p->buf, .data_size_in = p->len, .repeat = n,
		    .flags = BPF_F_TEST_XDP_LIVE_FRAMES);

	return bpf_prog_test_run_opts(prog_fd, &o) ? -errno : 0;
}

/*
 * FRAMES live frames at rate 1. PACED: keep the samples in flight (sent, not
 * yet written) under half of one CPU's buffer, so none is lost.
 */
static int bench_file(const char *dir, int frames, bool paced)
{
	/* A 64-byte frame becomes a perf record of 8 + 32 + 64 bytes (+ padding). */
	const unsigned long long half = perf_pages * 4096ULL / 2 / 112;
	const int batch = half > 2 * LIVE_BATCH ? LIVE_BATCH : half > 128 ? (int)half / 2 : 64;
	const unsigned long long max_inflight = half > (unsigned long long)batch ? half - batch : 0;
	unsigned long long sent = 0;
	char path[512];
	struct rig r;
	struct pkt p;
	pthread_t th;
	double t0, t1;
	int err;
	FILE *f;

	bench_udp64(&p);
	err = rig_new(&r, 1, true, SAMPLE_WAKEUP_DEFAULT, perf_pages);
	if (err)
		goto out;
	snprintf(path, sizeof(path), "%s/bench_sampler.%d.pcapng", dir, getpid());
	f = fopen(path, "wb");
	if (!f) {
		err = -errno;
		goto out;
	}
	r.write_file = true;
	err = capture_open(&r.cf, f, CAPTURE_PCAPNG, ECBPF_SNAPLEN_DEFAULT, "bench_sampler");
	if (!err && capture_iface(&r.cf, "lo") < 0)
		err = -EIO;
	if (err || pthread_create(&th, NULL, reader_main, &r)) {
		fclose(f);
		err = err ? err : -EAGAIN;
		goto out;
	}
	t0 = bench_now();
	while (sent < (unsigned long long)frames && !err) {
		/* In flight: neither written nor lost yet. */
		if (paced && sent - atomic_load(&r.written) - sampler_counters(&r).samples_lost >
				     max_inflight) {
			usleep(50);
			continue;
		}
		err = live_batch(ecbpf_stack_root_fd(r.stk), &p, batch);
		sent += batch;
	}
	while (atomic_load(&r.written) < sampler_counters(&r).samples_sent)
		usleep(100);	/* everything the kernel queued reaches the file */
	t1 = bench_now();
	atomic_store(&r.stop, true);
	pthread_join(th, NULL);
	if (capture_close(&r.cf) && !err)
		err = -EIO;
	if (!err) {
		struct ecbpf_sampler_state s = sampler_counters(&r);
		unsigned long long lost = s.samples_lost;

		printf("%-44s | %10.0f samples/s | %llu frames, %llu written, %llu lost (%.1f%%)\n",
		       paced ? "rate 1 -> pcapng, paced (zero loss)" : "rate 1 -> pcapng, unpaced",
		       atomic_load(&r.written) / (t1 - t0), sent,
		       (unsigned long long)atomic_load(&r.written), lost,
		       sent ? 100.0 * lost / sent : 0.0);
		if (paced && lost)
			fprintf(stderr, "bench_sampler: the paced run lost samples\n");
	}
	unlink(path);
out:
	rig_free(&r);
	if (err)
		fprintf(stderr, "bench_sampler: live frames: %s\n", strerror(-err));
	return err;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "runs", required_argument, NULL, 'r' },
		{ "repeat", required_argument, NULL, 'n' },
		{ "frames", required_argument, NULL, 'f' },
		{ "dir", required_argument, NULL, 'd' },
		{ "pages", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	uint32_t runs = 31, repeat = 1000000, frames = 2000000;
	const char *dir = "/tmp";
	int c, err, bad = 0;

	ecbpf_cli_init(argv[0]);
	while ((c = getopt_long(argc, argv, "r:n:f:d:p:h", opts, NULL)) != -1) {
		switch (c) {
		case 'r': bad = bench_opt_u32("--runs", optarg, 1, BENCH_MAX_RUNS, &runs); break;
		case 'n': bad = bench_opt_u32("--repeat", optarg, 1000, 100000000, &repeat); break;
		case 'f': bad = bench_opt_u32("--frames", optarg, LIVE_BATCH, 1000000000, &frames); break;
		case 'd': dir = optarg; break;
		case 'p': bad = bench_opt_u32("--pages", optarg, 1, 1 << 16, &perf_pages); break;
		default:
			fprintf(c == 'h' ? stdout : stderr,
				"Usage: bench_sampler [--runs N] [--repeat N] [--frames N] [--dir DIR] [--pages N]\n");
			return c == 'h' ? 0 : 64;
		}
		if (bad)
			return 64;	/* bench_opt_u32() said why */
	}
	err = bench_cost(runs, repeat);
	if (!err) {
		printf("\nsamples into a pcapng file in %s, live frames through root + DROP slot, 64-byte UDP, snap length %d, %u buffer pages per CPU\n",
		       dir, ECBPF_SNAPLEN_DEFAULT, perf_pages);
		err = bench_file(dir, frames, true);
	}
	if (!err)
		err = bench_file(dir, frames, false);
	return err ? 1 : 0;
}
