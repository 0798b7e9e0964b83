// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * xdp_fw rule compiler: bitmaps for overlapping prefixes, wildcards after
 * specifics, port ranges, flags and mask; and the compiled tables against
 * the rules' meaning on random rule sets and packets.
 */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fw_compile.h"
#include "ck_run.h"

static char err[1024];

struct fx {
	struct fw_ruleset rs;
	struct fw_compiled c;
};

static void build(struct fx *f, const char *text)
{
	ck_assert_msg(!fw_parse_buffer("t", text, strlen(text), &f->rs, err, sizeof(err)), "%s",
		      err);
	ck_assert_int_eq(fw_compile(&f->rs, &f->c), 0);
}

static void done(struct fx *f)
{
	fw_compiled_free(&f->c);
	fw_ruleset_free(&f->rs);
}

static struct fw_fields udp4(const char *src, const char *dst, int sport, int dport)
{
	struct fw_fields p = { .family = 4, .proto = IPPROTO_UDP, .len = 64, .ttl = 64,
			       .sport = sport, .dport = dport };

	inet_pton(AF_INET, src, p.src);
	inet_pton(AF_INET, dst, p.dst);
	return p;
}

static struct fw_fields tcp4(int dport, int flags)
{
	struct fw_fields p = udp4("192.0.2.1", "192.0.2.2", 1234, dport);

	p.proto = IPPROTO_TCP;
	p.flags = flags;
	return p;
}

/* Bits set in the bitmap of a value selector at VALUE, as a small mask (rules < 64). */
static uint64_t class_bits(const struct fw_compiled *c, uint32_t off)
{
	return c->bitmaps[c->classes[off]].word[0];
}

/* Which selectors past the source each rule constrains, and when each is done. */
START_TEST(compile_marks_later_selectors_per_rule)
{
	struct fx f = {};

	build(&f, "ip from { 10.0.0.0/8 } to any udp dport 9\n"
		  "ip from any to { 192.0.2.1 } udp\n"
		  "ip from any to any ttl 3 udp\n"
		  "packet length 60 ip6 from any to { 2001:db8::/32 } ttl 1 icmp6 code 4\n"
		  "ip from any to any tcp sport 1 window 5 flags { syn }\n"
		  "ip from { 10.0.0.0/8 } to any udp\n"
		  "ip from any to any icmp type 8\n");
	ck_assert_uint_eq(f.c.late[0], FW_LATE_L4A);
	ck_assert_uint_eq(f.c.late[1], FW_LATE_DST);
	ck_assert_uint_eq(f.c.late[2], FW_LATE_TTL);
	ck_assert_uint_eq(f.c.late[3], FW_LATE_DST | FW_LATE_TTL | FW_LATE_LEN | FW_LATE_L4B);
	ck_assert_uint_eq(f.c.late[4], FW_LATE_L4B | FW_LATE_WINDOW | FW_LATE_FLAGS);
	ck_assert_uint_eq(f.c.late[5], 0);
	ck_assert_uint_eq(f.c.late[6], FW_LATE_L4A);
	ck_assert_uint_eq(f.c.done[FW_STAGE_SRC][0], 1u << 5);
	ck_assert_uint_eq(f.c.done[FW_STAGE_L4A][0], 1u << 0 | 1u << 5 | 1u << 6);
	ck_assert_uint_eq(f.c.done[FW_STAGE_L4][0], 1u << 0 | 1u << 4 | 1u << 5 | 1u << 6);
	ck_assert_uint_eq(f.c.done[FW_STAGE_DST][0], 1u << 0 | 1u << 1 | 1u << 4 | 1u << 5 | 1u << 6);
	for (int k = 0; k < FW_STAGES; k++)
		ck_assert_uint_eq(f.c.done[k][1], 0);
	done(&f);
}
END_TEST

/* Past 64 rules the masks are per word: rule r is bit r % 64 of word r / 64. */
START_TEST(compile_marks_done_rules_in_their_word)
{
	char *text = malloc(80 * 64);
	size_t len = 0;
	struct fx f = {};

	ck_assert_ptr_nonnull(text);
	for (int i = 0; i < 70; i++)
		len += sprintf(text + len, "ip from any to any ttl %d udp\n", i + 1);
	len += sprintf(text + len, "ip from { 10.0.0.0/8 } to any udp\n");	/* rule 70 */
	sprintf(text + len, "ip from any to { 192.0.2.1 } udp dport 7\n");	/* rule 71 */
	build(&f, text);
	free(text);
	ck_assert_uint_eq(f.c.done[FW_STAGE_SRC][1], 1ull << 6);
	ck_assert_uint_eq(f.c.done[FW_STAGE_L4A][1], 1ull << 6);
	ck_assert_uint_eq(f.c.done[FW_STAGE_L4][1], 1ull << 6);
	ck_assert_uint_eq(f.c.done[FW_STAGE_DST][1], 1ull << 6 | 1ull << 7);
	ck_assert_uint_eq(f.c.done[FW_STAGE_DST][0], 0);
	done(&f);
}
END_TEST

START_TEST(compile_prefix_bitmap_includes_containing_prefixes)
{
	struct fx f;

	build(&f, "ip from { 10.1.0.0/16 } to any udp\n"
		  "ip from { 10.0.0.0/8 } to any udp\n"
		  "ip from any to any udp\n"
		  "ip from { 10.1.2.0/24 } to any udp\n");
	/* lowest rule per source */
	ck_assert_int_eq(fw_compiled_match(&f.c, &(struct fw_fields){ 0 }), -1);
	{
		struct fw_fields p = udp4("10.1.2.3", "1.1.1.1", 1, 2);

		ck_assert_int_eq(fw_compiled_match(&f.c, &p), 0);
		p = udp4("10.2.0.1", "1.1.1.1", 1, 2);
		ck_assert_int_eq(fw_compiled_match(&f.c, &p), 1);
		p = udp4("11.0.0.1", "1.1.1.1", 1, 2);
		ck_assert_int_eq(fw_compiled_match(&f.c, &p), 2);
	}
	/* the /24 entry carries the /16, the /8, the any rule and itself */
	{
		const uint32_t *t = f.c.trie;
		uint32_t root = f.c.trie_root[0] * FW_TRIE_STRIDE, e, child;
		const struct fw_bitmap *b;

		e = t[root + (10 << 8 | 1)];		/* 10.1: first level, 16 bits */
		ck_assert(e & FW_TRIE_CHILD);
		child = (e & ~FW_TRIE_CHILD) * FW_TRIE_STRIDE;
		e = t[child + 2];			/* 10.1.2 */
		ck_assert(!(e & FW_TRIE_CHILD));
		b = &f.c.bitmaps[e];
		ck_assert_uint_eq(b->word[0], 0xf);
		ck_assert_uint_eq(b->summary[FW_PROTO_UDP4], 1);
		ck_assert_uint_eq(b->summary[FW_PROTO_TCP4], 0);	/* no tcp rules */
		/* 10.1.3.0: the /16, the /8 and any, not the /24 */
		ck_assert_uint_eq(f.c.bitmaps[t[child + 3]].word[0], 0x7);
		/* 10.2.0.0: the /8 and any */
		ck_assert_uint_eq(f.c.bitmaps[t[root + (10 << 8 | 2)]].word[0], 0x6);
		/* 12.0.0.0: only any */
		ck_assert_uint_eq(f.c.bitmaps[t[root + (12 << 8)]].word[0], 0x4);
		ck_assert_uint_eq(f.c.trie_depth[0], 2);
	}
	ck_assert(f.c.active & (1u << FW_SEL_SRC4));
	ck_assert(!(f.c.active & (1u << FW_SEL_DST4)));
	done(&f);
}
END_TEST

/* The reference's bug: a wildcard rule after a specific one must still match. */
START_TEST(compile_wildcard_after_specific_still_matches)
{
	struct fx f;
	struct fw_fields p;

	build(&f, "ip from { 10.1.0.0/16 } to any udp dport 53\n"
		  "ip from any to any udp dport 80\n"
		  "ip from { 10.0.0.0/8 } to any udp dport 443\n");
	p = udp4("10.1.1.1", "1.1.1.1", 9, 80);
	ck_assert_int_eq(fw_compiled_match(&f.c, &p), 1);
	p = udp4("10.1.1.1", "1.1.1.1", 9, 443);
	ck_assert_int_eq(fw_compiled_match(&f.c, &p), 2);
	p = udp4("10.1.1.1", "1.1.1.1", 9, 53);
	ck_assert_int_eq(fw_compiled_match(&f.c, &p), 0);
	p = udp4("10.2.1.1", "1.1.1.1", 9, 53);
	ck_assert_int_eq(fw_compiled_match(&f.c, &p), -1);
	done(&f);
}
END_TEST

START_TEST(compile_port_ranges_cut_at_edges)
{
	struct fx f;

	build(&f, "ip from any to any udp dport { 100-200, 300 }\n"
		  "ip from any to any udp dport { 150-350 }\n"
		  "ip from any to any udp sport 7\n"
		  "ip from any to any icmp\n");
	/* rules 2 and 3 do not constrain dport: their bits are everywhere */
	ck_assert_uint_eq(class_bits(&f.c, FW_CLS_DPORT + 99), 0xc);
	ck_assert_uint_eq(class_bits(&f.c, FW_CLS_DPORT + 100), 0xd);
	ck_assert_uint_eq(class_bits(&f.c, FW_CLS_DPORT + 149), 0xd);
	ck_assert_uint_eq(class_bits(&f.c, FW_CLS_DPORT + 150), 0xf);
	ck_assert_uint_eq(class_bits(&f.c, FW_CLS_DPORT + 200), 0xf);
	ck_assert_uint_eq(class_bits(&f.c, FW_CLS_DPORT + 201), 0xe);
	ck_assert_uint_eq(class_bits(&f.c, FW_CLS_DPORT + 300), 0xf);
	ck_assert_uint_eq(class_bits(&f.c, FW_CLS_DPORT + 350), 0xe);
	ck_assert_uint_eq(class_bits(&f.c, FW_CLS_DPORT + 351), 0xc);
	ck_assert_uint_eq(class_bits(&f.c, FW_CLS_DPORT + 0), 0xc);
	ck_assert_uint_eq(class_bits(&f.c, FW_CLS_DPORT + 65535), 0xc);
	ck_assert_uint_eq(class_bits(&f.c, FW_CLS_SPORT + 7), 0xf);
	ck_assert_uint_eq(class_bits(&f.c, FW_CLS_SPORT + 8), 0xb);
	/* equal classes share one bitmap */
	ck_assert_uint_eq(f.c.classes[FW_CLS_DPORT + 0], f.c.classes[FW_CLS_DPORT + 65535]);
	ck_assert(!(f.c.active & (1u << FW_SEL_WINDOW)));
	done(&f);
}
END_TEST

START_TEST(compile_port_zero_is_a_value)
{
	struct fx f;
	struct fw_fields p;

	build(&f, "ip from any to any udp sport 0\n");
	p = udp4("1.1.1.1", "2.2.2.2", 0, 9);
	ck_assert_int_eq(fw_compiled_match(&f.c, &p), 0);
	p = udp4("1.1.1.1", "2.2.2.2", 1, 9);
	ck_assert_int_eq(fw_compiled_match(&f.c, &p), -1);
	done(&f);
}
END_TEST

START_TEST(compile_flags_and_mask)
{
	struct fx f;
	struct fw_fields p;

	build(&f, "ip from any to any tcp flags { syn } mask { syn, ack }\n"
		  "ip from any to any tcp flags { syn }\n"
		  "ip from any to any tcp flags { } mask { cwr, ece, urg, ack, psh, rst, syn, fin }\n"
		  "ip from any to any tcp dport 9\n");
	ck_assert_uint_eq(class_bits(&f.c, FW_CLS_FLAGS + 0x02), 0xb);		/* SYN */
	ck_assert_uint_eq(class_bits(&f.c, FW_CLS_FLAGS + 0x12), 0xa);		/* SYN+ACK */
	ck_assert_uint_eq(class_bits(&f.c, FW_CLS_FLAGS + 0x10), 0x8);		/* ACK */
	ck_assert_uint_eq(class_bits(&f.c, FW_CLS_FLAGS + 0x00), 0xc);		/* none */
	ck_assert_uint_eq(class_bits(&f.c, FW_CLS_FLAGS + 0x03), 0xb);		/* SYN+FIN */
	p = tcp4(9, 0x12);
	ck_assert_int_eq(fw_compiled_match(&f.c, &p), 1);
	p = tcp4(9, 0x00);
	ck_assert_int_eq(fw_compiled_match(&f.c, &p), 2);
	p = tcp4(8, 0x10);
	ck_assert_int_eq(fw_compiled_match(&f.c, &p), -1);
	done(&f);
}
END_TEST

START_TEST(compile_family_and_protocol_separate_rules)
{
	struct fx f;
	struct fw_fields p;

	build(&f, "ip6 from any to any udp\n"
		  "ip from any to any tcp\n"
		  "ip from any to any icmp type 8\n"
		  "ip6 from any to any icmp6 type 128 code 0\n");
	ck_assert_uint_eq(f.c.bitmaps[FW_BM_PROTO + FW_PROTO_UDP6].word[0], 0x1);
	ck_assert_uint_eq(f.c.bitmaps[FW_BM_PROTO + FW_PROTO_UDP4].word[0], 0x0);
	ck_assert_uint_eq(f.c.bitmaps[FW_BM_PROTO + FW_PROTO_TCP4].word[0], 0x2);
	ck_assert_uint_eq(f.c.bitmaps[FW_BM_PROTO + FW_PROTO_ICMP4].word[0], 0x4);
	ck_assert_uint_eq(f.c.bitmaps[FW_BM_PROTO + FW_PROTO_ICMP6].word[0], 0x8);
	ck_assert_uint_eq(f.c.bitmaps[FW_BM_PROTO + FW_PROTO_TCP6].word[0], 0x0);
	p = udp4("1.1.1.1", "2.2.2.2", 1, 2);
	ck_assert_int_eq(fw_compiled_match(&f.c, &p), -1);
	p.proto = IPPROTO_ICMP;
	p.type = 8;
	ck_assert_int_eq(fw_compiled_match(&f.c, &p), 2);
	p.type = 0;
	ck_assert_int_eq(fw_compiled_match(&f.c, &p), -1);
	ck_assert_int_eq(fw_proto_class(4, IPPROTO_ICMPV6), -1);
	ck_assert_int_eq(fw_proto_class(6, 47), -1);
	done(&f);
}
END_TEST

START_TEST(compile_lowest_rule_wins_across_words)
{
	size_t cap = 4200 * 64, len = 0;
	char *text = malloc(cap);
	struct fx f;
	struct fw_fields p;

	/* rules 0..4094 cannot match dport 7; rule 4095 matches anything to dport 7 */
	for (int i = 0; i < 4095; i++)
		len += snprintf(text + len, cap - len, "ip from { 10.%d.%d.0/24 } to any udp dport 7\n",
				i / 256, i % 256);
	len += snprintf(text + len, cap - len, "ip from any to any udp dport 7\n");
	ck_assert(!fw_parse_buffer("big", text, len, &f.rs, err, sizeof(err)));
	ck_assert_int_eq(fw_compile(&f.rs, &f.c), 0);
	ck_assert_int_eq(f.c.nwords, 64);
	p = udp4("11.0.0.1", "1.1.1.1", 1, 7);
	ck_assert_int_eq(fw_compiled_match(&f.c, &p), 4095);
	p = udp4("10.15.254.9", "1.1.1.1", 1, 7);
	ck_assert_int_eq(fw_compiled_match(&f.c, &p), 15 * 256 + 254);
	p = udp4("10.15.254.9", "1.1.1.1", 1, 8);
	ck_assert_int_eq(fw_compiled_match(&f.c, &p), -1);
	free(text);
	done(&f);
}
END_TEST

/* ---- random rule sets against the rules' meaning ------------------------ */

static const char *const pool4[] = { "10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "10.1.2.3",
				     "10.1.2.128/25", "0.0.0.0/0", "192.168.0.0/16", "10.1.0.0/15",
				     "172.16.5.0/24", "10.1.2.0/31" };
static const char *const pool6[] = { "2001:db8::/32", "2001:db8:1::/48", "2001:db8:1:2::/64",
				     "2001:db8:1:2::5", "::/0", "fe80::/10", "2001:db8:1:2::4/127",
				     "2001:db9::/32" };
static const char *const addrs4[] = { "10.1.2.3", "10.1.2.2", "10.1.2.200", "10.1.3.1",
				      "10.0.9.9", "10.2.0.0", "192.168.1.1", "172.16.5.77",
				      "8.8.8.8", "10.1.2.1" };
static const char *const addrs6[] = { "2001:db8:1:2::5", "2001:db8:1:2::4", "2001:db8:1:2::9",
				      "2001:db8:1:3::1", "2001:db8:2::1", "2001:db9::1",
				      "fe80::1", "2002::1" };

#define PICK(a) (a)[rand() % (sizeof(a) / sizeof((a)[0]))]

static int rand_prefixes(char *buf, size_t len, int v6)
{
	int n = 0, k = 1 + rand() % 3;

	if (rand() % 3 == 0)
		return snprintf(buf, len, "any");
	n += snprintf(buf + n, len - n, "{ ");
	for (int i = 0; i < k; i++)
		n += snprintf(buf + n, len - n, "%s%s", i ? ", " : "", v6 ? PICK(pool6) : PICK(pool4));
	n += snprintf(buf + n, len - n, " }");
	return n;
}

static int rand_rule(char *buf, size_t len)
{
	int v6 = rand() % 2, l4 = rand() % 3, n = 0;

	if (rand() % 6 == 0)
		n += snprintf(buf + n, len - n, "packet length %d ", 60 + rand() % 4);
	n += snprintf(buf + n, len - n, "%s from ", v6 ? "ip6" : "ip");
	n += rand_prefixes(buf + n, len - n, v6);
	n += snprintf(buf + n, len - n, " to ");
	n += rand_prefixes(buf + n, len - n, v6);
	if (rand() % 5 == 0)
		n += snprintf(buf + n, len - n, " ttl %d", 63 + rand() % 3);
	if (l4 == 0) {
		n += snprintf(buf + n, len - n, " tcp");
		if (rand() % 2)
			n += snprintf(buf + n, len - n, " dport { %d, %d-%d }", rand() % 10,
				      rand() % 5, 5 + rand() % 8);
		if (rand() % 3 == 0)
			n += snprintf(buf + n, len - n, " window %d", rand() % 3);
		if (rand() % 2)
			n += snprintf(buf + n, len - n, " flags { %s } mask { syn, ack }",
				      rand() % 2 ? "syn" : "ack");
	} else if (l4 == 1) {
		n += snprintf(buf + n, len - n, " udp");
		if (rand() % 2)
			n += snprintf(buf + n, len - n, " sport %d", rand() % 10);
		if (rand() % 2)
			n += snprintf(buf + n, len - n, " dport %d-%d", rand() % 5, 4 + rand() % 5);
	} else {
		n += snprintf(buf + n, len - n, " %s", v6 ? "icmp6" : "icmp");
		if (rand() % 2)
			n += snprintf(buf + n, len - n, " type %d", rand() % 3);
		if (rand() % 3 == 0)
			n += snprintf(buf + n, len - n, " code %d", rand() % 2);
	}
	return n + snprintf(buf + n, len - n, "\n");
}

static struct fw_fields rand_packet(void)
{
	static const int protos[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP };
	struct fw_fields p = {};

	p.family = rand() % 2 ? 6 : 4;
	if (p.family == 4) {
		inet_pton(AF_INET, PICK(addrs4), p.src);
		inet_pton(AF_INET, PICK(addrs4), p.dst);
	} else {
		inet_pton(AF_INET6, PICK(addrs6), p.src);
		inet_pton(AF_INET6, PICK(addrs6), p.dst);
	}
	p.proto = protos[rand() % 3];
	if (p.proto == IPPROTO_ICMP && p.family == 6)
		p.proto = IPPROTO_ICMPV6;
	p.len = 60 + rand() % 4;
	p.ttl = 63 + rand() % 3;
	p.sport = rand() % 12;
	p.dport = rand() % 14;
	p.window = rand() % 3;
	p.flags = (uint8_t[]){ 0x02, 0x10, 0x12, 0x00, 0x11 }[rand() % 5];
	p.type = rand() % 3;
	p.code = rand() % 2;
	return p;
}

static void cross_check(int nrules, int npackets)
{
	size_t cap = (size_t)nrules * 300 + 1, len = 0;
	char *text = malloc(cap);
	struct fx f;

	for (int i = 0; i < nrules; i++)
		len += rand_rule(text + len, cap - len);
	ck_assert_msg(!fw_parse_buffer("rand", text, len, &f.rs, err, sizeof(err)), "%s", err);
	ck_assert_int_eq(fw_compile(&f.rs, &f.c), 0);
	for (int i = 0; i < npackets; i++) {
		struct fw_fields p = rand_packet();
		int want = -1, got = fw_compiled_match(&f.c, &p);

		for (int r = 0; r < f.rs.n && want < 0; r++)
			if (fw_rule_matches(&f.rs.rules[r], &p))
				want = r;
		ck_assert_int_eq(got, want);
	}
	free(text);
	done(&f);
}

START_TEST(compiled_tables_agree_with_rule_meaning_small_sets)
{
	srand(7);
	for (int i = 0; i < 200; i++)
		cross_check(1 + rand() % 12, 200);
}
END_TEST

START_TEST(compiled_tables_agree_with_rule_meaning_large_sets)
{
	srand(11);
	cross_check(300, 5000);
	cross_check(4096, 5000);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fw_compile");
	TCase *tc = tcase_create("compile");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, compile_marks_later_selectors_per_rule);
	tcase_add_test(tc, compile_marks_done_rules_in_their_word);
	tcase_add_test(tc, compile_prefix_bitmap_includes_containing_prefixes);
	tcase_add_test(tc, compile_wildcard_after_specific_still_matches);
	tcase_add_test(tc, compile_port_ranges_cut_at_edges);
	tcase_add_test(tc, compile_port_zero_is_a_value);
	tcase_add_test(tc, compile_flags_and_mask);
	tcase_add_test(tc, compile_family_and_protocol_separate_rules);
	tcase_add_test(tc, compile_lowest_rule_wins_across_words);
	tcase_add_test(tc, compiled_tables_agree_with_rule_meaning_small_sets);
	tcase_add_test(tc, compiled_tables_agree_with_rule_meaning_large_sets);
	suite_add_tcase(s, tc);
	return ck_run(s);
}
