// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * bench_fw: what the rule-language firewall costs.
 *
 *   bench_fw [--breakdown] [--runs N] [--repeat N]
 *	ns/packet by BPF_PROG_TEST_RUN on a 64-byte UDP frame through the root
 *	and xdp_fw with 8, 64, 1,024 and 4,096 rules, for a frame no rule
 *	matches and for one only the last rule matches, as ratios to a bare
 *	XDP_PASS measured in the same run. Also the time to parse and compile
 *	and to load 4,096 rules. Then what each kind of selector adds, on a
 *	frame no rule matches and on one a rule matches (--breakdown: only
 *	these two tables).
 *   bench_fw --live SRV_NETNS CLI_NETNS [--runs N] [--repeat N]
 *	packets/s of live frames redirected into eth0 of CLI_NETNS and dropped
 *	on eth0 of SRV_NETNS: by a bare XDP_DROP, by the root + fw (4,096 rules,
 *	the last one matches), and by the nftables rule fw_live.sh installs
 *	(behind a bare XDP_PASS).
 */
#include <getopt.h>
#include <net/if.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/libbpf.h>
#include <ecbpf/ecbpf.h>
#include "bench_lib.h"
#include "fw_load.h"
#include "test_bare.skel.h"
#include "xdp_fw.skel.h"

static const int sizes[] = { 8, 64, 1024, 4096 };
#define NSIZES 4

/*
 * N rules of mixed shapes (IPv4/IPv6 source and destination prefixes, TCP
 * flags, port ranges, TTL) that the bench frame does not match; the last
 * rule matches UDP from 198.51.100.0/24 to port 9 (the bench frame).
 */
static char *rules_text(int n)
{
	size_t cap = (size_t)n * 128 + 256, len = 0;
	char *t = malloc(cap);

	if (!t)
		return NULL;
	for (int i = 0; i < n - 1; i++) {
		int a = i / 256, b = i % 256;

		switch (i % 4) {
		case 0:
			len += snprintf(t + len, cap - len,
					"ip from { 10.%d.%d.0/24 } to any udp dport { %d } name \"r%d\"\n",
					a, b, 1000 + i, i);
			break;
		case 1:
			len += snprintf(t + len, cap - len,
					"ip from any to { 192.0.%d.%d } tcp dport { 80, 443 } flags { syn } mask { syn, ack }\n",
					a, b);
			break;
		case 2:
			len += snprintf(t + len, cap - len,
					"ip6 from { 2001:db8:%x::/48 } to any udp sport { %d-%d }\n", i,
					i, i + 10);
			break;
		default:
			len += snprintf(t + len, cap - len,
					"ip from { 172.16.%d.%d/30 } to any ttl 64 udp dport any\n", a, b);
		}
	}
	len += snprintf(t + len, cap - len,
			"ip from { 198.51.100.0/24 } to any udp dport 9 name \"bench\"\n");
	return t;
}

struct fw_rig {
	struct ecbpf_stack *stk;
	struct xdp_fw *fw;
	struct fw_ruleset rs;
	struct fw_compiled c;
	double compile_ms, load_ms;
};

static void fw_rig_free(struct fw_rig *r)
{
	fw_gen_destroy(r->fw);
	fw_compiled_free(&r->c);
	fw_ruleset_free(&r->rs);
	ecbpf_stack_free(r->stk);
}

/*
 * A private stack as the attach leaves it (sampling 1 in 2500), xdp_fw with
 * the rules TEXT (taken) in slot 5; TEXT NULL: slot 5 stays empty.
 */
static int fw_rig_text(struct fw_rig *r, char *text)
{
	struct ecbpf_cfg cfg = { .sample_rate = ECBPF_SAMPLE_RATE_DEFAULT,
				 .snaplen = ECBPF_SNAPLEN_DEFAULT };
	char err[512];
	__u32 key = 0, slot = ECBPF_SLOT_FW;
	double t0;
	int e, fd;

	memset(r, 0, sizeof(*r));
	if (!text)
		return ecbpf_stack_new(&r->stk);
	t0 = bench_now();
	e = fw_parse_buffer("bench", text, strlen(text), &r->rs, err, sizeof(err));
	free(text);
	if (e) {
		fprintf(stderr, "bench_fw: %s\n", err);
		return -EINVAL;
	}
	e = fw_compile(&r->rs, &r->c);
	r->compile_ms = (bench_now() - t0) * 1e3;
	if (e)
		return e;
	e = ecbpf_stack_new(&r->stk);
	if (e)
		return e;
	if (bpf_map_update_elem(ecbpf_stack_map_fd(r->stk, "ecbpf_cfg"), &key, &cfg, BPF_ANY))
		return -errno;
	t0 = bench_now();
	e = fw_gen_load(&r->fw, &r->rs, &r->c, ECBPF_SLOT_FW, ecbpf_stack_shared_fds(r->stk), NULL,
			1);
	r->load_ms = (bench_now() - t0) * 1e3;
	if (e)
		return e;
	fd = fw_gen_prog_fd(r->fw);
	if (bpf_map_update_elem(ecbpf_stack_map_fd(r->stk, "root_array"), &slot, &fd, BPF_ANY))
		return -errno;
	return 0;
}

static int fw_rig_new(struct fw_rig *r, int n)
{
	char *text = rules_text(n);

	return text ? fw_rig_text(r, text) : -ENOMEM;
}

/* N copies of one rule line with %d replaced by the copy's number. */
static char *rules_repeat(const char *fmt, int n)
{
	size_t cap = (size_t)n * (strlen(fmt) + 16), len = 0;
	char *t = malloc(cap);

	for (int i = 0; t && i < n; i++)
		len += snprintf(t + len, cap - len, fmt, i);
	return t;
}

static uint64_t fw_rig_count(const struct fw_rig *r, int action)
{
	struct ecbpf_slot_stats s;

	if (ecbpf_percpu_sum(ecbpf_stack_map_fd(r->stk, "xdp_stats"), ECBPF_SLOT_FW,
			     (uint64_t *)&s, sizeof(s) / 8))
		return 0;
	return s.verdict[action].packets;
}

static int bench_testrun(int runs, int repeat)
{
	static const char *const miss_names[] = { "bare XDP_PASS (floor)", "root + fw, 8 rules, no match",
		"root + fw, 64 rules, no match", "root + fw, 1024 rules, no match",
		"root + fw, 4096 rules, no match" };
	static const char *const hit_names[] = { "bare XDP_PASS (floor)",
		"root + fw, 8 rules, last rule matches", "root + fw, 64 rules, last rule matches",
		"root + fw, 1024 rules, last rule matches", "root + fw, 4096 rules, last rule matches" };
	static const char *const targets[] = { "", "", "<= 1.60x", "", "<= 2.00x" };
	struct fw_rig rig[NSIZES] = {};
	struct bench_case miss[5] = {}, hit[5] = {};
	struct test_bare *bare;
	struct pkt match, nomatch;
	int err = 0;

	bench_udp64(&match);
	nomatch = match;
	nomatch.buf[nomatch.l4_off + 3] = 10;	/* destination port 9 -> 10: no rule */
	bare = test_bare__open_and_load();
	if (!bare) {
		fprintf(stderr, "bench_fw: cannot load test_bare: %s\n", strerror(errno));
		return 1;
	}
	miss[0].name = hit_names[0];
	miss[0].prog_fd = hit[0].prog_fd = bpf_program__fd(bare->progs.bare_pass);
	hit[0].name = hit_names[0];
	for (int i = 0; i < NSIZES; i++) {
		err = fw_rig_new(&rig[i], sizes[i]);
		if (err) {
			fprintf(stderr, "bench_fw: cannot build %d rules: %s\n", sizes[i],
				strerror(-err));
			goto out;
		}
		miss[i + 1].name = miss_names[i + 1];
		hit[i + 1].name = hit_names[i + 1];
		miss[i + 1].prog_fd = hit[i + 1].prog_fd = ecbpf_stack_root_fd(rig[i].stk);
		/* Sanity: the verdicts are the ones measured. */
		if (run_prog(miss[i + 1].prog_fd, nomatch.buf, nomatch.len).action != XDP_PASS ||
		    run_prog(hit[i + 1].prog_fd, match.buf, match.len).action != XDP_DROP ||
		    fw_rig_count(&rig[i], ECBPF_ACT_DROP) != 1) {
			fprintf(stderr, "bench_fw: %d rules: unexpected verdicts\n", sizes[i]);
			err = -EINVAL;
			goto out;
		}
	}
	err = bench_run(miss, 5, runs, bench_testrun_ns, nomatch.buf, nomatch.len, repeat);
	if (!err)
		err = bench_run(hit, 5, runs, bench_testrun_ns, match.buf, match.len, repeat);
	if (!err) {
		char title[160];

		snprintf(title, sizeof(title),
			 "xdp_fw, BPF_PROG_TEST_RUN, 64-byte UDP, no rule matches, repeat %d, median of %d",
			 repeat, runs);
		bench_print(title, "ns/packet", false, miss, 5, targets);
		snprintf(title, sizeof(title),
			 "xdp_fw, BPF_PROG_TEST_RUN, 64-byte UDP, the last rule matches (DROP), repeat %d, median of %d",
			 repeat, runs);
		bench_print(title, "ns/packet", false, hit, 5, targets);
		printf("\n%-10s | %18s | %12s | %8s | %10s\n", "rules", "parse+compile ms", "load+fill ms",
		       "bitmaps", "trie nodes");
		for (int i = 0; i < NSIZES; i++)
			printf("%-10d | %18.1f | %12.1f | %8d | %10d\n", sizes[i], rig[i].compile_ms,
			       rig[i].load_ms, rig[i].c.nbitmaps, rig[i].c.trie_nodes);
		fflush(stdout);
	}
out:
	for (int i = 0; i < NSIZES; i++)
		fw_rig_free(&rig[i]);
	test_bare__destroy(bare);
	return err ? 1 : 0;
}

/*
 * A breakdown table: the floor, the root with slot 5 empty, then one rig per
 * rule set: 64 copies of FMT[i][0] (%d: the copy's number), the last copy
 * replaced by FMT[i][1] when given. FRAME is what every case runs;
 * MUST_DROP: each rule set must drop it.
 */
static int bench_table(const char *title, const char *const *names, const char *const (*fmts)[2],
		       int nsets, const struct pkt *frame, bool must_drop, int runs, int repeat)
{
	struct fw_rig rig[8] = {};
	struct bench_case c[10] = {};
	struct test_bare *bare;
	int err = 0, nrigs = nsets + 1;

	bare = test_bare__open_and_load();
	if (!bare)
		return 1;
	c[0].name = names[0];
	c[0].prog_fd = bpf_program__fd(bare->progs.bare_pass);
	for (int i = 0; i < nrigs; i++) {
		char *text = NULL;

		if (i) {
			text = rules_repeat(fmts[i - 1][0], 64);
			if (!text) {
				err = -ENOMEM;
				goto out;
			}
			if (fmts[i - 1][1]) {
				/* Replace the last line by the given rule. */
				*strrchr(text, '\n') = 0;
				*(strrchr(text, '\n') + 1) = 0;
				strcat(text, fmts[i - 1][1]);
			}
		}
		err = fw_rig_text(&rig[i], text);
		if (err)
			goto out;
		c[i + 1].name = names[i + 1];
		c[i + 1].prog_fd = ecbpf_stack_root_fd(rig[i].stk);
		if (i && must_drop && run_prog(c[i + 1].prog_fd, frame->buf, frame->len).action != XDP_DROP) {
			fprintf(stderr, "bench_fw: %s: the frame is not dropped\n", names[i + 1]);
			err = -EINVAL;
			goto out;
		}
	}
	err = bench_run(c, nrigs + 1, runs, bench_testrun_ns, frame->buf, frame->len, repeat);
	if (!err)
		bench_print(title, "ns/packet", false, c, nrigs + 1, NULL);
out:
	if (err)
		fprintf(stderr, "bench_fw: %s: %s\n", title, strerror(-err));
	for (int i = 0; i < nrigs; i++)
		fw_rig_free(&rig[i]);
	test_bare__destroy(bare);
	return err ? 1 : 0;
}

/* What each kind of selector adds, 64 rules, a frame no rule matches. */
static int bench_breakdown(int runs, int repeat)
{
	static const char *const names[] = {
		"bare XDP_PASS (floor)",
		"root, slot 5 empty",
		"root + fw, protocol only (64 icmp rules)",
		"root + fw, + UDP destination port",
		"root + fw, + IPv4 source /16",
		"root + fw, + IPv4 destination /32",
		"root + fw, + TTL and source port",
	};
	static const char *const fmts[][2] = {
		{ "ip from any to any icmp type %d\n", NULL },
		{ "ip from any to any udp dport { 1%03d }\n", NULL },
		{ "ip from { 10.%d.0.0/16 } to any udp dport { 53 }\n", NULL },
		{ "ip from { 10.%d.0.0/16 } to { 192.0.2.1 } udp dport { 53 }\n", NULL },
		{ "ip from { 10.%d.0.0/16 } to { 192.0.2.1 } ttl 3 udp sport 7 dport { 53 }\n", NULL },
	};
	struct pkt p;

	bench_udp64(&p);
	p.buf[p.l4_off + 3] = 10;
	return bench_table("xdp_fw cost by selector, 64 rules, no match", names, fmts, 5, &p, false,
			   runs, repeat);
}

/*
 * What the matching path costs, 64 rules, the bench frame (UDP
 * 198.51.100.1:40000 -> 198.51.100.2:9) matches rule 64 only.
 */
static int bench_match_breakdown(int runs, int repeat)
{
	static const char *const names[] = {
		"bare XDP_PASS (floor)",
		"root, slot 5 empty",
		"root + fw, matched by protocol alone",
		"root + fw, + UDP destination port",
		"root + fw, + IPv4 source /24",
		"root + fw, + IPv4 destination /32",
		"root + fw, + TTL and source port",
	};
	/* 63 rules that do not match, then the one that does. */
	static const char *const fmts[][2] = {
		{ "ip from any to any icmp type %d\n", "ip from any to any udp\n" },
		{ "ip from any to any udp dport { 1%03d }\n", "ip from any to any udp dport 9\n" },
		{ "ip from { 10.%d.0.0/16 } to any udp dport { 9 }\n",
		  "ip from { 198.51.100.0/24 } to any udp dport 9\n" },
		{ "ip from { 10.%d.0.0/16 } to { 198.51.100.2 } udp dport { 9 }\n",
		  "ip from { 198.51.100.0/24 } to { 198.51.100.2 } udp dport 9\n" },
		{ "ip from { 10.%d.0.0/16 } to { 198.51.100.2 } ttl 64 udp sport 40000 dport { 9 }\n",
		  "ip from { 198.51.100.0/24 } to { 198.51.100.2 } ttl 64 udp sport 40000 dport 9\n" },
	};
	struct pkt p;

	bench_udp64(&p);
	return bench_table("xdp_fw cost of the matching path, 64 rules, rule 64 matches", names,
			   fmts, 5, &p, true, runs, repeat);
}

/* ---- live frames over the lab veth ---------------------------------- */

static int bench_live(const char *srv, const char *cli, int runs, int repeat)
{
	static const char *const targets[] = { "", ">= 0.90x", "" };
	struct bench_case c[3] = {};
	struct test_bare *bare = NULL;
	struct fw_rig rig = {};
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
		err = fw_rig_new(&rig, 4096);
	if (err) {
		fprintf(stderr, "bench_fw: cannot load: %s\n", strerror(-err));
		goto out;
	}
	c[0].name = "bare XDP_DROP on the receiver (floor)";
	c[1].name = "root + fw, 4096 rules, last rule drops";
	c[2].name = "nftables netdev ingress drop (XDP_PASS)";
	c[0].prog_fd = c[1].prog_fd = c[2].prog_fd = bpf_program__fd(bare->progs.bare_redirect);
	c[0].aux_fd = bpf_program__fd(bare->progs.bare_drop);
	c[1].aux_fd = ecbpf_stack_root_fd(rig.stk);
	c[2].aux_fd = bpf_program__fd(bare->progs.bare_pass);
	err = bench_run(c, 3, runs, bench_lab_pps, p.buf, p.len, repeat);
	if (!err) {
		char title[160];

		snprintf(title, sizeof(title),
			 "live frames (BPF_F_TEST_XDP_LIVE_FRAMES) over veth, 64-byte UDP, %d frames, median of %d",
			 repeat, runs);
		bench_print(title, "packets/s", true, c, 3, targets);
		printf("fw vs nftables: %.2fx (median of per-round ratios; target >= 2.50x)\n",
		       bench_pair_ratio(&c[1], &c[2]));
		dropped = fw_rig_count(&rig, ECBPF_ACT_DROP);
		printf("frames the fw dropped: %llu of %llu sent (%.1f%%)\n",
		       (unsigned long long)dropped, (unsigned long long)runs * repeat,
		       100.0 * dropped / ((double)runs * repeat));
	}
out:
	bench_lab_close();
	fw_rig_free(&rig);
	test_bare__destroy(bare);
	return err ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "live", no_argument, NULL, 'l' },
		{ "breakdown", no_argument, NULL, 'b' },
		{ "runs", required_argument, NULL, 'r' },
		{ "repeat", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	uint32_t runs = 7, repeat = 0;
	bool live = false, breakdown = false;
	int c;

	ecbpf_cli_init(argv[0]);
	while ((c = getopt_long(argc, argv, "lbr:n:h", opts, NULL)) != -1) {
		switch (c) {
		case 'l': live = true; break;
		case 'b': breakdown = true; break;
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
				"usage: bench_fw [--breakdown] [--runs N] [--repeat N]\n"
				"       bench_fw --live SRV_NETNS CLI_NETNS [--runs N] [--repeat N]\n");
			return c == 'h' ? 0 : 64;
		}
	}
	if (live) {
		if (argc - optind != 2) {
			fprintf(stderr, "usage: bench_fw --live SRV_NETNS CLI_NETNS\n");
			return 64;
		}
		return bench_live(argv[optind], argv[optind + 1], runs, repeat ? repeat : 2000000);
	}
	if (!breakdown && bench_testrun(runs, repeat ? repeat : 1000000))
		return 1;
	if (bench_breakdown(runs, repeat ? repeat : 1000000))
		return 1;
	return bench_match_breakdown(runs, repeat ? repeat : 1000000);
}
