// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* xdp_fw behind the root under BPF_PROG_TEST_RUN: verdicts, reasons, counters, monitor mode. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <bpf/libbpf.h>
#include <ecbpf/ecbpf.h>
#include "fw_load.h"
#include "xdp_fw.skel.h"
#include "pktbuild.h"
#include "ck_run.h"

static struct ecbpf_stack *stk;
static struct xdp_fw *skel;
static struct fw_ruleset rs;
static struct fw_compiled comp;

static void setup(void)
{
	ck_assert_int_eq(ecbpf_stack_new(&stk), 0);
}

static void teardown(void)
{
	fw_gen_destroy(skel);
	skel = NULL;
	fw_compiled_free(&comp);
	fw_ruleset_free(&rs);
	ecbpf_stack_free(stk);
}

/* Compile TEXT, load it as slot 5 of the private stack. */
static void load_rules(const char *text)
{
	char err[512];
	uint32_t key = ECBPF_SLOT_FW;
	int fd;

	ck_assert_msg(!fw_parse_buffer("t", text, strlen(text), &rs, err, sizeof(err)), "%s", err);
	ck_assert_int_eq(fw_compile(&rs, &comp), 0);
	ck_assert_int_eq(fw_gen_load(&skel, &rs, &comp, ECBPF_SLOT_FW, ecbpf_stack_shared_fds(stk),
				     NULL, 1), 0);
	fd = fw_gen_prog_fd(skel);
	ck_assert_int_eq(bpf_map_update_elem(ecbpf_stack_map_fd(stk, "root_array"), &key, &fd, 0), 0);
}

static struct run run(struct pkt *p)
{
	struct run r = run_prog(ecbpf_stack_root_fd(stk), p->buf, p->len);

	ck_assert_int_eq(r.err, 0);
	return r;
}

static struct ecbpf_slot_stats slot_stats(int row)
{
	struct ecbpf_slot_stats s;

	ck_assert_int_eq(ecbpf_percpu_sum(ecbpf_stack_map_fd(stk, "xdp_stats"), row,
					  (uint64_t *)&s, sizeof(s) / 8), 0);
	return s;
}

static uint64_t reason_count(int reason)
{
	struct ecbpf_counter c;

	ck_assert_int_eq(ecbpf_percpu_sum(ecbpf_stack_map_fd(stk, "xdp_reasons"), reason,
					  (uint64_t *)&c, 2), 0);
	return c.packets;
}

static uint64_t hits(int rule)
{
	uint64_t h[FW_MAX_RULES];

	ck_assert_int_eq(fw_hits_read(bpf_map__fd(skel->maps.fw_hits), rs.n, h), 0);
	return h[rule - 1];
}

static void udp4(struct pkt *p, const char *src, uint16_t sport, uint16_t dport)
{
	pkt_init(p);
	pkt_eth(p, ETH_P_IP);
	pkt_ipv4(p, src, "198.51.100.1", IPPROTO_UDP);
	pkt_udp(p, sport, dport, 16);
	pkt_finish(p);
}

START_TEST(fw_drops_matching_udp_with_reason_rule_and_hits)
{
	struct pkt p;

	load_rules("ip from any to any udp dport 80\n"
		   "ip from { 10.0.0.0/8 } to any udp dport 53 name \"dns\"\n");
	udp4(&p, "10.1.2.3", 1000, 53);
	ck_assert_uint_eq(run(&p).action, XDP_DROP);
	ck_assert_uint_eq(slot_stats(ECBPF_SLOT_FW).verdict[ECBPF_ACT_DROP].packets, 1);
	ck_assert_uint_eq(slot_stats(ECBPF_SLOT_FW).verdict[ECBPF_ACT_DROP].bytes, p.len);
	ck_assert_uint_eq(reason_count(ECBPF_R_FW_RULE), 1);
	ck_assert_uint_eq(hits(2), 1);
	ck_assert_uint_eq(hits(1), 0);
}
END_TEST

START_TEST(fw_passes_non_matching_packet_to_end_of_chain)
{
	struct pkt p;

	load_rules("ip from { 10.0.0.0/8 } to any udp dport 53\n");
	udp4(&p, "11.1.2.3", 1000, 53);
	ck_assert_uint_eq(run(&p).action, XDP_PASS);
	/* the fw hand-off ends the chain: its slot counts the pass */
	ck_assert_uint_eq(slot_stats(ECBPF_SLOT_FW).verdict[ECBPF_ACT_PASS].packets, 1);
	ck_assert_uint_eq(reason_count(ECBPF_R_NONE), 1);
	ck_assert_uint_eq(reason_count(ECBPF_R_FW_RULE), 0);
	ck_assert_uint_eq(hits(1), 0);
}
END_TEST

static unsigned int n_samples;
static struct ecbpf_sample_hdr last_sample;

static void on_sample(void *ctx, int cpu, void *data, __u32 size)
{
	if (size >= sizeof(last_sample)) {
		memcpy(&last_sample, data, sizeof(last_sample));	/* records are 4-byte aligned */
		n_samples++;
	}
}

/* Run P with every verdict sampled: it must drop, and the one sample's metadata is returned. */
static uint64_t sampled_drop_meta(struct pkt *p)
{
	struct ecbpf_cfg cfg = { .sample_rate = 1, .snaplen = 64 };
	struct perf_buffer *pb;
	__u32 key = 0;

	ck_assert_int_eq(bpf_map_update_elem(ecbpf_stack_map_fd(stk, "ecbpf_cfg"), &key, &cfg,
					     BPF_ANY), 0);
	ck_assert_int_eq(ecbpf_percpu_zero(ecbpf_stack_map_fd(stk, "ecbpf_sampler"), 0,
					   sizeof(struct ecbpf_sampler_state)), 0);
	pb = perf_buffer__new(ecbpf_stack_map_fd(stk, "ecbpf_samples"), 8, on_sample, NULL, NULL,
			      NULL);
	ck_assert_ptr_nonnull(pb);
	n_samples = 0;
	ck_assert_uint_eq(run(p).action, XDP_DROP);
	perf_buffer__consume(pb);
	perf_buffer__free(pb);
	ck_assert_uint_eq(n_samples, 1);
	ck_assert_uint_eq(last_sample.reason, ECBPF_R_FW_RULE);
	return last_sample.meta;
}

/* N rules, rule k dropping UDP from 10.0.k.0/24 (k up to 255) to port 9. */
static void load_source_rules(int n)
{
	char *text = malloc((size_t)n * 64 + 1), *t = text;

	ck_assert_ptr_nonnull(text);
	for (int k = 1; k <= n; k++)
		t += sprintf(t, "ip from { 10.0.%d.0/24 } to any udp dport 9\n", k);
	load_rules(text);
	free(text);
}

/*
 * The metadata of an fw drop is the number of the rule, and its hit goes to
 * that rule, for rules past the first bits of a word (their hit counters are
 * not at their rule index): on the rule-word path and on fw_words.
 */
START_TEST(fw_sample_metadata_and_hits_name_the_rule)
{
	const int sets[][2] = { { 50, 37 }, { 200, 77 }, { 200, 190 } };

	for (unsigned int i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		char src[32];
		struct pkt p;

		if (i) {	/* a fresh stack for each rule set */
			teardown();
			setup();
		}
		load_source_rules(sets[i][0]);
		snprintf(src, sizeof(src), "10.0.%d.5", sets[i][1]);
		udp4(&p, src, 1000, 9);
		ck_assert_uint_eq(sampled_drop_meta(&p), sets[i][1]);
		ck_assert_uint_eq(hits(sets[i][1]), 1);
		ck_assert_uint_eq(hits(sets[i][1] - 1) + hits(sets[i][1] + 1), 0);
	}
}
END_TEST

START_TEST(fw_counts_lowest_matching_rule_only)
{
	struct pkt p;

	load_rules("ip from any to any udp dport 1\n"
		   "ip from { 10.1.0.0/16 } to any udp\n"
		   "ip from any to any udp\n");
	udp4(&p, "10.1.2.3", 7, 9);
	ck_assert_uint_eq(run(&p).action, XDP_DROP);
	ck_assert_uint_eq(hits(2), 1);
	ck_assert_uint_eq(hits(3), 0);
	udp4(&p, "10.2.2.3", 7, 9);
	ck_assert_uint_eq(run(&p).action, XDP_DROP);
	ck_assert_uint_eq(hits(3), 1);
}
END_TEST

/*
 * The lowest candidate is the verdict early only when no later selector
 * (destination, TTL, length) constrains it; checked on the rule-word path
 * (up to 64 rules) and on the fw_words path (100 more rules that never match).
 */
static void check_early_exit(int padding)
{
	static const char *const head =
		"ip from any to { 198.51.100.1 } ttl 1 udp dport 9\n"	/* dst, ttl: ttl differs */
		"packet length 100 ip from any to any udp dport 9\n"	/* length differs */
		"ip from any to { 198.51.100.2 } udp dport 9\n"		/* dst differs */
		"ip from any to { 198.51.100.1 } udp dport 9\n"		/* matches */
		"ip from any to any udp dport 9\n";			/* matches, later */
	size_t cap = strlen(head) + (size_t)padding * 64 + 1, len;
	char *text = malloc(cap);
	struct pkt p;

	ck_assert_ptr_nonnull(text);
	len = snprintf(text, cap, "%s", head);
	for (int i = 0; i < padding; i++)
		len += snprintf(text + len, cap - len, "ip from { 10.99.%d.0/24 } to any tcp dport 1\n",
				i);
	load_rules(text);
	free(text);
	ck_assert_int_eq(comp.nwords, padding ? 2 : 1);
	udp4(&p, "10.1.2.3", 7, 9);	/* to 198.51.100.1, TTL 64 */
	ck_assert_uint_eq(run(&p).action, XDP_DROP);
	ck_assert_uint_eq(hits(4), 1);
	for (int r = 1; r <= 5; r++)
		ck_assert_uint_eq(hits(r), r == 4);
}

START_TEST(fw_early_verdict_respects_later_selectors)
{
	check_early_exit(0);
	teardown();
	setup();
	check_early_exit(100);
}
END_TEST

START_TEST(fw_monitor_mode_counts_would_drop_and_passes)
{
	struct ecbpf_cfg cfg;
	uint32_t key = 0;
	int fd;
	struct pkt p;

	load_rules("ip from any to any udp\n");
	fd = ecbpf_stack_map_fd(stk, "ecbpf_cfg");
	ck_assert_int_eq(bpf_map_lookup_elem(fd, &key, &cfg), 0);
	cfg.monitor_mask |= 1u << ECBPF_SLOT_FW;
	ck_assert_int_eq(bpf_map_update_elem(fd, &key, &cfg, 0), 0);
	udp4(&p, "10.1.2.3", 7, 9);
	ck_assert_uint_eq(run(&p).action, XDP_PASS);
	ck_assert_uint_eq(slot_stats(ECBPF_SLOT_FW).would[ECBPF_ACT_DROP].packets, 1);
	ck_assert_uint_eq(slot_stats(ECBPF_SLOT_FW).verdict[ECBPF_ACT_DROP].packets, 0);
	ck_assert_uint_eq(hits(1), 1);
}
END_TEST

START_TEST(fw_lets_fragments_and_unknown_l4_go_on)
{
	struct pkt p;

	load_rules("ip from any to any udp\nip6 from any to any udp\nip from any to any tcp\n");
	pkt_init(&p);
	pkt_eth(&p, ETH_P_IP);
	pkt_ipv4(&p, "10.1.2.3", "198.51.100.1", IPPROTO_UDP);
	pkt_ipv4_frag(&p, 0, 1, 0);
	pkt_udp(&p, 1, 2, 16);
	pkt_finish(&p);
	ck_assert_uint_eq(run(&p).action, XDP_PASS);

	pkt_init(&p);
	pkt_eth(&p, ETH_P_IPV6);
	pkt_ipv6(&p, "2001:db8::1", "2001:db8::2", IPPROTO_FRAGMENT);
	pkt_ip6_frag(&p, IPPROTO_UDP, 0, 1, 1);
	pkt_udp(&p, 1, 2, 16);
	pkt_finish(&p);
	ck_assert_uint_eq(run(&p).action, XDP_PASS);

	pkt_init(&p);
	pkt_eth(&p, ETH_P_IP);
	pkt_ipv4(&p, "10.1.2.3", "198.51.100.1", 47);
	pkt_pad(&p, 64);
	pkt_finish(&p);
	ck_assert_uint_eq(run(&p).action, XDP_PASS);
	ck_assert_uint_eq(reason_count(ECBPF_R_FW_RULE), 0);
}
END_TEST

START_TEST(fw_judges_vlan_and_ipv6_extension_headers)
{
	struct pkt p;

	load_rules("ip6 from { 2001:db8::/32 } to { 2001:db8::2 } tcp dport 22 flags syn\n"
		   "ip from { 10.0.0.0/8 } to any udp dport 53\n");
	pkt_init(&p);
	pkt_eth(&p, ETH_P_8021Q);
	pkt_vlan(&p, 7, ETH_P_IP);
	pkt_ipv4(&p, "10.1.2.3", "198.51.100.1", IPPROTO_UDP);
	pkt_udp(&p, 1, 53, 4);
	pkt_finish(&p);
	ck_assert_uint_eq(run(&p).action, XDP_DROP);

	pkt_init(&p);
	pkt_eth(&p, ETH_P_IPV6);
	pkt_ipv6(&p, "2001:db8::1", "2001:db8::2", IPPROTO_HOPOPTS);
	pkt_ip6_ext(&p, IPPROTO_HOPOPTS, IPPROTO_TCP, 0);
	pkt_tcp(&p, 4000, 22, 0x02, 0);
	pkt_finish(&p);
	ck_assert_uint_eq(run(&p).action, XDP_DROP);
	ck_assert_uint_eq(hits(1), 1);
	ck_assert_uint_eq(hits(2), 1);
}
END_TEST

START_TEST(fw_root_aborts_truncated_udp_before_fw)
{
	struct pkt p;

	load_rules("ip from any to any udp\n");
	pkt_init(&p);
	pkt_eth(&p, ETH_P_IP);
	pkt_ipv4(&p, "10.1.2.3", "198.51.100.1", IPPROTO_UDP);
	pkt_pad(&p, 14 + 20 + 4);	/* 4 bytes of a UDP header */
	pkt_finish(&p);
	ck_assert_uint_eq(run(&p).action, XDP_ABORTED);
	ck_assert_uint_eq(reason_count(ECBPF_R_L4_TRUNC), 1);
	ck_assert_uint_eq(hits(1), 0);
}
END_TEST

/* 4,096 rules: the last one matches, through every bitmap word. */
START_TEST(fw_matches_rule_4096)
{
	size_t cap = 4200 * 64, len = 0;
	char *text = malloc(cap);
	struct pkt p;

	for (int i = 0; i < 4095; i++)
		len += snprintf(text + len, cap - len, "ip6 from { 2001:db8:%x::%x } to any udp dport 53\n",
				i, i);
	len += snprintf(text + len, cap - len, "ip from any to any udp dport 53\n");
	load_rules(text);
	free(text);
	udp4(&p, "203.0.113.1", 1, 53);
	ck_assert_uint_eq(run(&p).action, XDP_DROP);
	ck_assert_uint_eq(hits(4096), 1);

	pkt_init(&p);
	pkt_eth(&p, ETH_P_IPV6);
	pkt_ipv6(&p, "2001:db8:ffe::ffe", "2001:db8::2", IPPROTO_UDP);
	pkt_udp(&p, 1, 53, 4);
	pkt_finish(&p);
	ck_assert_uint_eq(run(&p).action, XDP_DROP);
	ck_assert_uint_eq(hits(4095), 1);
}
END_TEST

/*
 * 4,096 rules whose sources leave a packet one candidate word at once (the
 * switch to one word right after the source, on both paths for more than 64
 * rules). Rule i + 1 (i < 4,095) takes UDP from 10.i/256.i%256.1 and ports
 * of its own with MANY, more bitmaps than FW_FOLD_BITMAPS; without, ports
 * it shares with every eighth rule. The last rule takes 198.51.100.0/24 to
 * port 53. A packet with a rule's source and the next rule's ports must pass:
 * the source word has to stay in the AND.
 */
static void check_source_word(bool many)
{
	size_t cap = 4200 * 80, len = 0;
	char *text = malloc(cap);
	char src[32];
	struct pkt p;
	int a = 1287;	/* rule a + 1 and a + 2 share word 20 */

	ck_assert_ptr_nonnull(text);
	for (int i = 0; i < 4095; i++)
		len += snprintf(text + len, cap - len, "ip from { 10.%d.%d.1 } to any udp sport %d dport %d\n",
				i / 256, i % 256, 1000 + (many ? i : i % 8), 20000 + (many ? i : i % 8));
	len += snprintf(text + len, cap - len, "ip from { 198.51.100.0/24 } to any udp dport 53\n");
	load_rules(text);
	free(text);
	ck_assert_int_eq(comp.nbitmaps > FW_FOLD_BITMAPS, many);
	ck_assert_int_eq(skel->rodata->fw_words_on, !many);

	snprintf(src, sizeof(src), "10.%d.%d.1", a / 256, a % 256);
	udp4(&p, src, 1000 + (many ? a : a % 8), 20000 + (many ? a : a % 8));
	ck_assert_uint_eq(run(&p).action, XDP_DROP);
	ck_assert_uint_eq(hits(a + 1), 1);
	udp4(&p, src, 1000 + (many ? a + 1 : (a + 1) % 8), 20000 + (many ? a + 1 : (a + 1) % 8));
	ck_assert_uint_eq(run(&p).action, XDP_PASS);
	ck_assert_uint_eq(hits(a + 2), 0);
	udp4(&p, "198.51.100.7", 40000, 53);
	ck_assert_uint_eq(run(&p).action, XDP_DROP);
	ck_assert_uint_eq(hits(4096), 1);
	udp4(&p, "198.51.101.7", 40000, 53);
	ck_assert_uint_eq(run(&p).action, XDP_PASS);
}

START_TEST(fw_source_alone_leaves_one_word)
{
	check_source_word(false);
}
END_TEST

START_TEST(fw_source_alone_leaves_one_word_many_bitmaps)
{
	check_source_word(true);
}
END_TEST

/* ---- the kernel against the rules' meaning ----------------------------- */

static const char *const pool4[] = { "10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "10.1.2.3",
				     "0.0.0.0/0", "10.1.2.128/25", "192.168.0.0/16", "10.1.0.0/15" };
static const char *const pool6[] = { "2001:db8::/32", "2001:db8:1::/48", "2001:db8:1:2::5",
				     "::/0", "2001:db8:1:2::4/127", "fe80::/10", "2001:db8:1:2::/64" };
static const char *const addrs4[] = { "10.1.2.3", "10.1.2.2", "10.1.2.200", "10.1.3.1",
				      "10.0.9.9", "192.168.1.1", "8.8.8.8", "203.0.113.5",
				      "172.16.0.1" };
static const char *const addrs6[] = { "2001:db8:1:2::5", "2001:db8:1:2::4", "2001:db8:1:2::9",
				      "2001:db8:1:3::1", "2001:db9::1", "fe80::1", "2002::1",
				      "3fff::1" };
static const int lengths[] = { 60, 61, 62, 63, 74, 75 };

#define PICK(a) (a)[rand() % (sizeof(a) / sizeof((a)[0]))]

static int rand_spec(char *b, size_t len, int v6)
{
	if (rand() % 3 == 0)
		return snprintf(b, len, "any");
	return snprintf(b, len, "{ %s, %s }", v6 ? PICK(pool6) : PICK(pool4),
			v6 ? PICK(pool6) : PICK(pool4));
}

/* A rule over small value pools, so that random packets often match. */
static int rand_rule(char *b, size_t len)
{
	int v6 = rand() % 2, l4 = rand() % 3, n = 0;

	if (rand() % 6 == 0)
		n += snprintf(b + n, len - n, "packet length %d ", PICK(lengths));
	n += snprintf(b + n, len - n, "%s from ", v6 ? "ip6" : "ip");
	n += rand_spec(b + n, len - n, v6);
	n += snprintf(b + n, len - n, " to ");
	n += rand_spec(b + n, len - n, v6);
	if (rand() % 5 == 0)
		n += snprintf(b + n, len - n, " ttl %d", 63 + rand() % 3);
	if (l4 == 0) {
		n += snprintf(b + n, len - n, " tcp");
		n += snprintf(b + n, len - n, " dport { %d, %d-%d }", rand() % 8, rand() % 4,
			      4 + rand() % 6);
		if (rand() % 3 == 0)
			n += snprintf(b + n, len - n, " sport %d", rand() % 8);
		if (rand() % 4 == 0)
			n += snprintf(b + n, len - n, " window %d", rand() % 3);
		if (rand() % 2)
			n += snprintf(b + n, len - n, " flags { %s } mask { syn, ack }",
				      rand() % 2 ? "syn" : "ack");
	} else if (l4 == 1) {
		n += snprintf(b + n, len - n, " udp");
		if (rand() % 2)
			n += snprintf(b + n, len - n, " sport { %d-%d }", rand() % 4, 3 + rand() % 5);
		n += snprintf(b + n, len - n, " dport %d", rand() % 8);
	} else {
		n += snprintf(b + n, len - n, " %s", v6 ? "icmp6" : "icmp");
		n += snprintf(b + n, len - n, " type %d", rand() % 3);
		if (rand() % 3 == 0)
			n += snprintf(b + n, len - n, " code %d", rand() % 2);
	}
	return n + snprintf(b + n, len - n, "\n");
}

/* A random packet: its frame in P, its fields in F. */
static void rand_packet(struct pkt *p, struct fw_fields *f)
{
	static const uint8_t flags[] = { 0x02, 0x10, 0x12, 0x00, 0x11 };
	int v6 = rand() % 2, kind = rand() % 3;
	int hdr = 14 + (v6 ? 40 : 20) + (kind == 0 ? 20 : 8), want = PICK(lengths);
	const char *src = v6 ? PICK(addrs6) : PICK(addrs4), *dst = v6 ? PICK(addrs6) : PICK(addrs4);
	uint8_t ttl = 63 + rand() % 3;
	size_t payload = want > hdr ? want - hdr : 0;

	memset(f, 0, sizeof(*f));
	f->family = v6 ? 6 : 4;
	f->proto = kind == 0 ? IPPROTO_TCP : kind == 1 ? IPPROTO_UDP :
		   v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
	f->ttl = ttl;
	f->sport = rand() % 24;
	f->dport = rand() % 24;
	f->window = rand() % 3;
	f->flags = flags[rand() % 5];
	f->type = rand() % 5;
	f->code = rand() % 2;
	inet_pton(v6 ? AF_INET6 : AF_INET, src, f->src);
	inet_pton(v6 ? AF_INET6 : AF_INET, dst, f->dst);

	pkt_init(p);
	pkt_eth(p, v6 ? ETH_P_IPV6 : ETH_P_IP);
	if (v6)
		pkt_ipv6(p, src, dst, f->proto)->hop_limit = ttl;
	else
		pkt_ipv4(p, src, dst, f->proto)->ttl = ttl;
	if (kind == 0)
		pkt_tcp(p, f->sport, f->dport, f->flags, payload)->window = htons(f->window);
	else if (kind == 1)
		pkt_udp(p, f->sport, f->dport, payload);
	else
		pkt_icmp(p, f->type, f->code, payload);
	pkt_finish(p);
	f->len = p->len;
}

#define RAND_WIDE 1		/* too many trie nodes for fw_trie1 */
#define RAND_MANY 2		/* too many bitmaps for the fw_words path */
#define RAND_FILL 2800		/* RAND_MANY: rules no random packet matches, 3 bitmaps each */

/*
 * NRULES random rules, 1,500 random packets: the kernel's verdict, rule and
 * hit counter agree with the rules evaluated directly and with the compiled
 * tables' model. RAND_WIDE: rule 1 names 300 IPv4 sources in as many /16s,
 * too many trie nodes for fw_trie1, so the tries are walked in the fw_trie
 * map (and with up to 64 rules, the rule-word path is off); a packet from the
 * last of them is dropped by rule 1, one from the next /16 is not.
 * RAND_MANY: RAND_FILL more rules after them, each with its own source and
 * ports, make more bitmaps than FW_FOLD_BITMAPS, so the general path looks
 * every bitmap up in the fw_bitmaps map.
 */
static void check_random(int nrules, unsigned int seed, int how)
{
	bool wide = how & RAND_WIDE, many = how & RAND_MANY;
	size_t cap = (size_t)(nrules + RAND_FILL) * 200 + 8192, len = 0;
	char *text = malloc(cap);
	uint64_t *before, *after;
	int drops = 0;

	ck_assert_ptr_nonnull(text);
	srand(seed);
	if (wide) {
		len += snprintf(text + len, cap - len, "ip from { 11.0.0.1");
		for (int i = 1; i < 300; i++)
			len += snprintf(text + len, cap - len, ", %d.%d.0.1", 11 + i / 256, i % 256);
		len += snprintf(text + len, cap - len, " } to any udp dport 7\n");
	}
	for (int i = 0; i < nrules - wide; i++)
		len += rand_rule(text + len, cap - len);
	for (int i = 0; many && i < RAND_FILL; i++)
		len += snprintf(text + len, cap - len,
				"ip from { 100.64.%d.%d } to any udp sport %d dport %d\n", i / 256,
				i % 256, 1000 + i, 5000 + i);
	load_rules(text);
	free(text);
	ck_assert_int_eq(comp.nwords, (rs.n + 63) / 64);
	ck_assert_int_eq(comp.nbitmaps > FW_FOLD_BITMAPS, many);
	ck_assert_int_eq(skel->rodata->fw_trie1_on, !wide);
	ck_assert_int_eq(skel->rodata->fw_word1_n != 0, rs.n <= 64 && !wide);
	ck_assert_int_eq(skel->rodata->fw_words_on, !skel->rodata->fw_word1_n && !many);
	/* every selector kind is in use, so every kernel path is exercised */
	ck_assert_uint_eq(comp.active, (1u << FW_SEL_MAX) - 1);
	before = calloc(rs.n, sizeof(*before));
	after = calloc(rs.n, sizeof(*after));
	for (int i = 0; i < 1500; i++) {
		struct fw_fields f;
		struct pkt p;
		int want = -1, got = -1, model;
		struct run r;

		rand_packet(&p, &f);
		for (int k = 0; k < rs.n && want < 0; k++)
			if (fw_rule_matches(&rs.rules[k], &f))
				want = k;
		model = fw_compiled_match(&comp, &f);
		r = run(&p);
		ck_assert_int_eq(fw_hits_read(bpf_map__fd(skel->maps.fw_hits), rs.n, after), 0);
		for (int k = 0; k < rs.n; k++)
			if (after[k] != before[k]) {
				ck_assert_int_eq(got, -1);	/* one rule counts the packet */
				got = k;
			}
		memcpy(before, after, rs.n * sizeof(*before));
		ck_assert_msg(r.action == (want >= 0 ? XDP_DROP : XDP_PASS),
			      "packet %d: action %u, rule %d matches", i, r.action, want + 1);
		ck_assert_int_eq(got, want);
		ck_assert_int_eq(model, want);
		drops += want >= 0;
	}
	/* both verdicts are well represented */
	ck_assert_int_ge(drops, 150);
	ck_assert_int_le(drops, 1350);
	if (wide) {
		struct pkt p;
		uint64_t h = hits(1);

		udp4(&p, "12.43.0.1", 5, 7);	/* the 300th source: two levels below the first */
		ck_assert_uint_eq(run(&p).action, XDP_DROP);
		ck_assert_uint_eq(hits(1), h + 1);
		udp4(&p, "12.44.0.1", 5, 7);	/* not in the set */
		run(&p);
		ck_assert_uint_eq(hits(1), h + 1);
	}
	free(before);
	free(after);
}

START_TEST(fw_kernel_agrees_with_rule_meaning_on_random_packets)
{
	check_random(200, 1234, 0);	/* four bitmap words: summaries, then words */
}
END_TEST

START_TEST(fw_kernel_agrees_with_rule_meaning_on_random_packets_many_bitmaps)
{
	check_random(200, 2468, RAND_MANY);	/* the same, looking bitmaps up in the map */
}
END_TEST

START_TEST(fw_kernel_agrees_with_rule_meaning_on_random_packets_wide_tries)
{
	check_random(200, 5678, RAND_WIDE);	/* the same, walking the fw_trie map */
}
END_TEST

START_TEST(fw_kernel_agrees_with_rule_meaning_on_random_packets_one_word)
{
	check_random(64, 4321, 0);	/* one bitmap word: the rules are ANDed directly */
}
END_TEST

START_TEST(fw_kernel_agrees_with_rule_meaning_on_random_packets_one_word_wide_tries)
{
	/* one word, but the tries are too big for fw_trie1: the fw_words path on word 0 */
	check_random(64, 8765, RAND_WIDE);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("bpf_fw");
	TCase *tc = tcase_create("fw");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, fw_drops_matching_udp_with_reason_rule_and_hits);
	tcase_add_test(tc, fw_passes_non_matching_packet_to_end_of_chain);
	tcase_add_test(tc, fw_counts_lowest_matching_rule_only);
	tcase_add_test(tc, fw_sample_metadata_and_hits_name_the_rule);
	tcase_add_test(tc, fw_early_verdict_respects_later_selectors);
	tcase_add_test(tc, fw_monitor_mode_counts_would_drop_and_passes);
	tcase_add_test(tc, fw_lets_fragments_and_unknown_l4_go_on);
	tcase_add_test(tc, fw_judges_vlan_and_ipv6_extension_headers);
	tcase_add_test(tc, fw_root_aborts_truncated_udp_before_fw);
	tcase_add_test(tc, fw_matches_rule_4096);
	tcase_add_test(tc, fw_source_alone_leaves_one_word);
	tcase_add_test(tc, fw_source_alone_leaves_one_word_many_bitmaps);
	tcase_add_test(tc, fw_kernel_agrees_with_rule_meaning_on_random_packets);
	tcase_add_test(tc, fw_kernel_agrees_with_rule_meaning_on_random_packets_one_word);
	tcase_add_test(tc, fw_kernel_agrees_with_rule_meaning_on_random_packets_many_bitmaps);
	tcase_add_test(tc, fw_kernel_agrees_with_rule_meaning_on_random_packets_wide_tries);
	tcase_add_test(tc, fw_kernel_agrees_with_rule_meaning_on_random_packets_one_word_wide_tries);
	suite_add_tcase(s, tc);
	return ck_run(s);
}
