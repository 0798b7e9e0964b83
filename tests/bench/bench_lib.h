/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Benchmark helpers (header-only), shared by every component's bench:
 * median-of-N BPF_PROG_TEST_RUN timing, interleaved so that noise from other
 * users of the machine hits every variant alike, live-frame packets/s, the
 * 64-byte UDP test frame and the results table. Numbers only mean something
 * as ratios to a floor program measured in the same run.
 */
#ifndef ECBPF_BENCH_LIB_H
#define ECBPF_BENCH_LIB_H

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <bpf/libbpf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include "pktbuild.h"

#define BENCH_MAX_RUNS 31

struct bench_case {
	const char *name;
	int prog_fd;			/* the program under test (the sender, for live frames) */
	int aux_fd;			/* free for the bench: e.g. the receiver of live frames */
	double runs[BENCH_MAX_RUNS];	/* ns/packet (test_run) or packets/s (live) */
	int n;
	double median;
};

/* A 64-byte Ethernet frame carrying IPv4 UDP (14 + 20 + 8 + 22 bytes). */
static inline void bench_udp64(struct pkt *p)
{
	pkt_init(p);
	pkt_eth(p, ETH_P_IP);
	pkt_ipv4(p, "198.51.100.1", "198.51.100.2", IPPROTO_UDP);
	pkt_udp(p, 40000, 9, 64 - 42);
	pkt_finish(p);
}

/*
 * Parse option OPT's value ARG into OUT within [MIN, MAX]; on bad input say
 * so in one line and return non-zero (the caller exits 64).
 */
static inline int bench_opt_u32(const char *opt, const char *arg, uint32_t min, uint32_t max,
				uint32_t *out)
{
	if (!ecbpf_parse_u32(arg, min, max, out))
		return 0;
	fprintf(stderr, "%s: %s: '%s' is not a whole number from %u to %u\n",
		program_invocation_short_name, opt, arg, min, max);
	return 1;
}

static inline double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static inline double bench_median(const double *v, int n)
{
	double s[BENCH_MAX_RUNS];

	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), bench_cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/*
 * ns per packet of one test_run of REPEAT packets; < 0 on error. The wall time
 * of the call, not the kernel's own figure: that one is whole nanoseconds,
 * a fifth of a 5 ns floor on a fast host. The call's fixed cost (a few
 * microseconds) is under 0.01 ns a packet at 10^6 packets, and the median
 * of the runs leaves out a run the scheduler interrupted.
 */
static inline double bench_testrun_ns(const struct bench_case *c, const void *data, size_t len,
				      int repeat)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = data, .data_size_in = len, .repeat = repeat);
	int prog_fd = c->prog_fd;
	double t0 = bench_now();

	if (bpf_prog_test_run_opts(prog_fd, &o))
		return -errno;
	return (bench_now() - t0) * 1e9 / repeat;
}

/*
 * packets/s of REPEAT live frames (BPF_F_TEST_XDP_LIVE_FRAMES): the program's
 * XDP_TX/XDP_REDIRECT verdicts really transmit, so the wall time includes the
 * receiving side when it runs in the same softirq. < 0 on error.
 */
static inline double bench_live_pps(const struct bench_case *c, const void *data, size_t len,
				    int repeat)
{
	int prog_fd = c->prog_fd;
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = data, .data_size_in = len, .repeat = repeat,
		    .flags = BPF_F_TEST_XDP_LIVE_FRAMES);
	double t0;

	t0 = bench_now();
	if (bpf_prog_test_run_opts(prog_fd, &o))
		return -errno;
	return repeat / (bench_now() - t0);
}

/*
 * The lab pair for live frames: the client namespace sends (a redirect into
 * its eth0), the server namespace's eth0 receives with the case's program.
 */
struct bench_lab {
	int srv_ns, cli_ns;		/* namespace fds */
	int srv_ifindex, cli_ifindex;	/* eth0 on each side */
};

static struct bench_lab bench_lab = { -1, -1, 0, 0 };

static inline int bench_lab_enter(int ns_fd)
{
	if (setns(ns_fd, CLONE_NEWNET)) {
		fprintf(stderr, "bench: setns: %s\n", strerror(errno));
		return -errno;
	}
	return 0;
}

static inline int bench_lab_ns(const char *name)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fprintf(stderr, "bench: %s: %s\n", path, strerror(errno));
	return fd;
}

/*
 * Open the server and client namespaces and find eth0 in each. 0 or -1.
 * The bench stays on the CPU it starts on: the receiver runs in the softirq
 * of the CPU that sends, so every case and round then sees the same CPU.
 */
static inline int bench_lab_open(const char *srv, const char *cli)
{
	int cpu = sched_getcpu();

	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			fprintf(stderr, "bench: cannot stay on CPU %d: %s\n", cpu, strerror(errno));
	}
	bench_lab.srv_ns = bench_lab_ns(srv);
	bench_lab.cli_ns = bench_lab_ns(cli);
	if (bench_lab.srv_ns < 0 || bench_lab.cli_ns < 0 || bench_lab_enter(bench_lab.srv_ns))
		return -1;
	bench_lab.srv_ifindex = if_nametoindex("eth0");
	if (bench_lab_enter(bench_lab.cli_ns))
		return -1;
	bench_lab.cli_ifindex = if_nametoindex("eth0");
	if (!bench_lab.srv_ifindex || !bench_lab.cli_ifindex) {
		fprintf(stderr, "bench: no eth0 in %s or %s\n", srv, cli);
		return -1;
	}
	return 0;
}

/* A bench_run() measure: the case's receiver (aux_fd) on the server's eth0, frames from the client. */
static inline double bench_lab_pps(const struct bench_case *c, const void *data, size_t len,
				   int repeat)
{
	int err;

	if ((err = bench_lab_enter(bench_lab.srv_ns)))
		return err;
	err = bpf_xdp_attach(bench_lab.srv_ifindex, c->aux_fd, XDP_FLAGS_DRV_MODE, NULL);
	if (err) {
		fprintf(stderr, "bench: cannot attach %s on the receiver: %s\n", c->name,
			strerror(-err));
		return err;
	}
	if ((err = bench_lab_enter(bench_lab.cli_ns)))
		return err;
	return bench_live_pps(c, data, len, repeat);
}

/* Take the receiver off the server's eth0. */
static inline void bench_lab_close(void)
{
	if (bench_lab.srv_ns >= 0 && !bench_lab_enter(bench_lab.srv_ns))
		bpf_xdp_detach(bench_lab.srv_ifindex, XDP_FLAGS_DRV_MODE, NULL);
}

/*
 * Run every case RUNS times, round-robin, with MEASURE(case, data, len,
 * repeat), and set each case's median. Returns 0 or the first error.
 */
static inline int bench_run(struct bench_case *c, int ncases, int runs,
			    double (*measure)(const struct bench_case *, const void *, size_t, int),
			    const void *data,
			    size_t len, int repeat)
{
	if (runs > BENCH_MAX_RUNS)
		runs = BENCH_MAX_RUNS;
	for (int r = 0; r < runs; r++) {
		for (int i = 0; i < ncases; i++) {
			double v = measure(&c[i], data, len, repeat);

			if (v < 0) {
				fprintf(stderr, "bench: %s: test_run failed: %s\n", c[i].name,
					strerror((int)-v));
				return (int)v;
			}
			c[i].runs[c[i].n++] = v;
		}
	}
	for (int i = 0; i < ncases; i++)
		c[i].median = bench_median(c[i].runs, c[i].n);
	return 0;
}

/* Best run of a case: the lowest ns/packet, or with HIGHER_IS_BETTER the highest rate. */
static inline double bench_best(const struct bench_case *c, bool higher_is_better)
{
	double best = c->runs[0];

	for (int r = 1; r < c->n; r++)
		if (higher_is_better ? c->runs[r] > best : c->runs[r] < best)
			best = c->runs[r];
	return best;
}

/*
 * The median of a case's per-round ratios to case 0 (the floor). A round
 * measures every case back to back, so each ratio compares runs made moments
 * apart: on a shared machine whose speed drifts between runs, this is
 * steadier than a ratio of medians taken over different moments.
 */
static inline double bench_pair_ratio(const struct bench_case *a, const struct bench_case *b)
{
	double r[BENCH_MAX_RUNS];
	int n = a->n < b->n ? a->n : b->n;

	for (int k = 0; k < n; k++)
		r[k] = b->runs[k] > 0 ? a->runs[k] / b->runs[k] : 0;
	return n ? bench_median(r, n) : 0;
}

static inline double bench_ratio(const struct bench_case *c, int i)
{
	return bench_pair_ratio(&c[i], &c[0]);
}

/*
 * Print one table: each case's median and spread, its ratio to case 0 (the
 * floor: the median of per-round ratios, bench_ratio()) and the ratio of the
 * best runs, and an optional target text per case ("<= 1.25x").
 */
static inline void bench_print(const char *title, const char *unit, bool higher_is_better,
			       const struct bench_case *c, int ncases, const char *const *target)
{
	double floor_best = bench_best(&c[0], higher_is_better);

	printf("\n%s\n", title);
	printf("%-44s | %12s | %23s | %7s | %10s | %s\n", "program", unit, "best .. worst",
	       "ratio", "best ratio", "target");
	for (int i = 0; i < ncases; i++) {
		double best = bench_best(&c[i], higher_is_better);
		double worst = bench_best(&c[i], !higher_is_better);

		printf("%-44s | %12.1f | %10.1f .. %10.1f | %6.2fx | %9.2fx | %s\n", c[i].name,
		       c[i].median, best, worst, bench_ratio(c, i), best / floor_best,
		       target && target[i] ? target[i] : "");
	}
	fflush(stdout);
}

#endif /* ECBPF_BENCH_LIB_H */
