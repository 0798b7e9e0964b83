// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* xdp_fw rule language: every clause, every error with its line:col, canonical round trips. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fw_rules.h"
#include "fw_sha1.h"
#include "ck_run.h"

static char err[1024];

static struct fw_ruleset parse_ok(const char *text)
{
	struct fw_ruleset rs;
	int rc = fw_parse_buffer("t.rules", text, strlen(text), &rs, err, sizeof(err));

	ck_assert_msg(rc == 0, "parse failed: %s", err);
	return rs;
}

/* Canonical text of the only rule in TEXT. */
static char *canon(const char *text)
{
	struct fw_ruleset rs = parse_ok(text);
	char *t;

	ck_assert_int_eq(rs.n, 1);
	t = fw_rule_text(&rs.rules[0]);
	fw_ruleset_free(&rs);
	return t;
}

static void expect_error(const char *text, const char *msg)
{
	struct fw_ruleset rs;
	int rc = fw_parse_buffer("t.rules", text, strlen(text), &rs, err, sizeof(err));

	ck_assert_int_eq(rc, -1);
	ck_assert_str_eq(err, msg);
	ck_assert_int_eq(rs.n, 0);
}

START_TEST(parser_reads_ip_clause_with_prefix_lists_and_ttl)
{
	struct fw_ruleset rs = parse_ok(
		"ip from { 10.1.2.3/8, 192.168.1.1 } to 172.16.0.0/12 ttl 64 udp\n");
	struct fw_rule *r = &rs.rules[0];

	ck_assert_int_eq(rs.n, 1);
	ck_assert_int_eq(r->family, 4);
	ck_assert_int_eq(r->src.n, 2);
	ck_assert_int_eq(r->src.v[0].addr[0], 10);
	ck_assert_int_eq(r->src.v[0].addr[1], 0);	/* host bits masked */
	ck_assert_int_eq(r->src.v[0].len, 8);
	ck_assert_int_eq(r->src.v[1].len, 32);		/* bare address: /32 */
	ck_assert_int_eq(r->dst.n, 1);
	ck_assert_int_eq(r->dst.v[0].len, 12);
	ck_assert_int_eq(r->ttl, 64);
	ck_assert_int_eq(r->line, 1);
	fw_ruleset_free(&rs);
}
END_TEST

START_TEST(parser_reads_ip6_clause_and_bare_address_is_128)
{
	struct fw_ruleset rs = parse_ok("ip6 from { 2001:db8::1 } to { fe80::/10 } ttl any icmp6\n");
	struct fw_rule *r = &rs.rules[0];

	ck_assert_int_eq(r->family, 6);
	ck_assert_int_eq(r->src.v[0].len, 128);
	ck_assert_int_eq(r->src.v[0].addr[15], 1);
	ck_assert_int_eq(r->dst.v[0].addr[0], 0xfe);
	ck_assert_int_eq(r->dst.v[0].addr[1], 0x80);
	ck_assert_int_eq(r->ttl, -1);
	fw_ruleset_free(&rs);
}
END_TEST

START_TEST(parser_reads_packet_length)
{
	struct fw_ruleset rs = parse_ok("packet length 1500 ip from any to any udp\n"
					"packet length any ip from any to any udp\n"
					"packet ip from any to any udp\n");

	ck_assert_int_eq(rs.rules[0].length, 1500);
	ck_assert_int_eq(rs.rules[1].length, -1);
	ck_assert_int_eq(rs.rules[2].length, -1);
	fw_ruleset_free(&rs);
}
END_TEST

START_TEST(parser_reads_tcp_ports_window_flags_mask)
{
	struct fw_ruleset rs = parse_ok(
		"ip from any to any tcp sport { 80, 1000-2000, 0 } dport 443 window 0 flags { syn } mask { syn, ack }\n"
		"ip from any to any tcp flags { syn, fin }\n"
		"ip from any to any tcp flags { } mask { cwr, ece, urg, ack, psh, rst, syn, fin }\n");
	struct fw_rule *r = &rs.rules[0];

	ck_assert(r->clauses & FW_C_TCP);
	ck_assert_int_eq(r->sport.n, 3);
	ck_assert_int_eq(r->sport.v[0].lo, 0);		/* port 0 is a value like any other */
	ck_assert_int_eq(r->sport.v[1].lo, 80);
	ck_assert_int_eq(r->sport.v[2].lo, 1000);
	ck_assert_int_eq(r->sport.v[2].hi, 2000);
	ck_assert_int_eq(r->dport.n, 1);
	ck_assert_int_eq(r->dport.v[0].lo, 443);
	ck_assert_int_eq(r->window, 0);
	ck_assert(r->has_flags);
	ck_assert_int_eq(r->flags, FW_TCP_SYN);
	ck_assert_int_eq(r->mask, FW_TCP_SYN | FW_TCP_ACK);
	/* flags X alone: mask X */
	ck_assert_int_eq(rs.rules[1].flags, FW_TCP_SYN | FW_TCP_FIN);
	ck_assert_int_eq(rs.rules[1].mask, FW_TCP_SYN | FW_TCP_FIN);
	/* no flags set */
	ck_assert(rs.rules[2].has_flags);
	ck_assert_int_eq(rs.rules[2].flags, 0);
	ck_assert_int_eq(rs.rules[2].mask, 0xff);
	fw_ruleset_free(&rs);
}
END_TEST

START_TEST(parser_reads_udp_icmp_and_name)
{
	struct fw_ruleset rs = parse_ok(
		"ip from any to any udp sport any dport { 53 } name \"dns \\\"in\\\" \\\\ x\"\n"
		"ip from any to any icmp type 8 code 0\n"
		"ip6 from any to any icmp6 type any code 4\n");

	ck_assert(rs.rules[0].clauses & FW_C_UDP);
	ck_assert(rs.rules[0].sport.any);
	ck_assert_int_eq(rs.rules[0].dport.v[0].lo, 53);
	ck_assert_str_eq(rs.rules[0].name, "dns \"in\" \\ x");
	ck_assert_int_eq(rs.rules[1].icmp_type, 8);
	ck_assert_int_eq(rs.rules[1].icmp_code, 0);
	ck_assert_int_eq(rs.rules[2].icmp_type, -1);
	ck_assert_int_eq(rs.rules[2].icmp_code, 4);
	fw_ruleset_free(&rs);
}
END_TEST

START_TEST(parser_takes_clauses_in_any_order)
{
	char *a = canon("name \"x\" udp dport 53 ip to any from { 10.0.0.0/8 } ttl 3 packet length 99");
	char *b = canon("packet length 99 ip from { 10.0.0.0/8 } to any ttl 3 udp dport { 53 } name \"x\"");

	ck_assert_str_eq(a, b);
	free(a);
	free(b);
}
END_TEST

START_TEST(parser_handles_comments_blank_lines_and_no_final_newline)
{
	struct fw_ruleset rs = parse_ok("# header\n\n   \t\n"
					"ip from any to any udp   # trailing comment   \n"
					"\r\n"
					"ip from any to any tcp   ");

	ck_assert_int_eq(rs.n, 2);
	ck_assert_int_eq(rs.rules[0].line, 4);
	ck_assert_int_eq(rs.rules[1].line, 6);
	fw_ruleset_free(&rs);
}
END_TEST

START_TEST(parser_reads_test_lines)
{
	struct fw_ruleset rs = parse_ok(
		"ip from any to any udp\n"
		"test sha1 0123456789abcdef0123456789ABCDEF01234567 xdp_action XDP_DROP\n"
		"test sha1 ffffffffffffffffffffffffffffffffffffffff xdp_action XDP_PASS\n"
		"test sha1 0000000000000000000000000000000000000000 xdp_action XDP_ABORTED\n");

	ck_assert_int_eq(rs.n, 1);
	ck_assert_int_eq(rs.ntests, 3);
	ck_assert_int_eq(rs.tests[0].line, 2);
	ck_assert_int_eq(rs.tests[0].sha1[0], 0x01);
	ck_assert_int_eq(rs.tests[0].sha1[7], 0xef);
	ck_assert_int_eq(rs.tests[0].sha1[15], 0xef);	/* upper case */
	ck_assert_int_eq(rs.tests[0].action, 1);
	ck_assert_int_eq(rs.tests[1].action, 2);
	ck_assert_int_eq(rs.tests[2].action, 0);
	fw_ruleset_free(&rs);
}
END_TEST

START_TEST(parser_normalises_lists)
{
	char *t = canon("ip from { 10.1.0.0/16, 10.0.0.0/8, 10.0.0.0/8, 9.9.9.9 } to any "
			"udp sport { 10-20, 15-30, 31, 5 } dport { 0-65535 }");

	ck_assert_str_eq(t, "ip from { 9.9.9.9/32, 10.0.0.0/8 } to any udp sport { 5, 10-31 }");
	free(t);
}
END_TEST

/* Each error names the file, line and column of the offending token. */
START_TEST(parser_reports_errors_at_line_and_column)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{ "ip from any to any", "t.rules:1:1: rule has no 'tcp', 'udp', 'icmp' or 'icmp6' clause" },
		{ "udp", "t.rules:1:1: rule has no 'ip' or 'ip6' clause" },
		{ "\n  ip from any udp", "t.rules:2:3: 'ip' needs 'from' and 'to'" },
		{ "ip from 1.2.3.4/33 to any udp", "t.rules:1:17: prefix length 33 is over 32" },
		{ "ip6 from ::/129 to any udp", "t.rules:1:13: prefix length 129 is over 128" },
		{ "ip6 from 1.2.3.4 to any udp", "t.rules:1:10: '1.2.3.4' is not an IPv6 address" },
		{ "ip from fe80::1 to any udp", "t.rules:1:9: 'fe80::1' is not an IPv4 address" },
		{ "ip from 1.2.3 to any udp", "t.rules:1:9: '1.2.3' is not an IPv4 address" },
		{ "ip from any to any udp tcp", "t.rules:1:24: 'tcp': a rule takes one of 'tcp', 'udp', 'icmp' and 'icmp6'" },
		{ "ip from any to any udp udp", "t.rules:1:24: duplicate 'udp' clause" },
		{ "ip from any to any ip from any to any udp", "t.rules:1:20: duplicate 'ip' clause" },
		{ "ip from any to any udp name \"a\" name \"b\"", "t.rules:1:33: duplicate 'name' clause" },
		{ "ip from any from any to any udp", "t.rules:1:13: 'from' given twice in one clause" },
		{ "ip from any to any udp sport 1 sport 2", "t.rules:1:32: 'sport' given twice in one clause" },
		{ "ip from any to any udp sport { 5-3 }", "t.rules:1:32: port range 5-3 is backwards" },
		{ "ip from any to any udp dport 70000", "t.rules:1:30: port 70000 is over 65535" },
		{ "ip from any to any ttl 256 udp", "t.rules:1:24: ttl 256 is over 255" },
		{ "packet length 65536 ip from any to any udp", "t.rules:1:15: length 65536 is over 65535" },
		{ "ip from any to any tcp window 65536", "t.rules:1:31: window 65536 is over 65535" },
		{ "ip from any to any icmp type 300", "t.rules:1:30: type 300 is over 255" },
		{ "ip from any to any icmp code 256", "t.rules:1:30: code 256 is over 255" },
		{ "ip from any to any icmp6", "t.rules:1:20: 'icmp6' goes with 'ip6'; use 'icmp' with 'ip'" },
		{ "ip6 from any to any icmp", "t.rules:1:21: 'icmp' goes with 'ip'; use 'icmp6' with 'ip6'" },
		{ "ip from any to any tcp mask { syn }", "t.rules:1:24: 'mask' needs 'flags'" },
		{ "ip from any to any tcp flags { syn, ack } mask { syn }", "t.rules:1:43: flags outside the mask can never match" },
		{ "ip from any to any tcp flags { syn, syn }", "t.rules:1:37: flag listed twice" },
		{ "ip from any to any udp frobnicate", "t.rules:1:24: unknown word 'frobnicate'" },
		{ "ip from any to any udp name \"abc", "t.rules:1:29: unterminated string" },
		{ "ip from any to any udp ;", "t.rules:1:24: unexpected character ';'" },
		{ "ip from any to any udp name \"a\tb\"", "t.rules:1:29: name holds a control character" },
		{ "ip from any to any udp name \"\xff\"", "t.rules:1:29: name holds invalid UTF-8" },
		{ "ip from any to any udp dport 99999999999999", "t.rules:1:30: number '99999999999999' is too large" },
		{ "ip from { } to any udp", "t.rules:1:11: syntax error, unexpected '}', expecting address" },
		{ "ip from any to any udp sport", "t.rules:1:29: syntax error, unexpected end of line, expecting 'any' or number or '{'" },
		{ "ip from any to any udp window 5", "t.rules:1:24: syntax error, unexpected 'window'" },
		{ "test sha1 abcd xdp_action XDP_DROP", "t.rules:1:11: unknown word 'abcd'" },
		{ "test sha1 0123456789abcdef0123456789abcdef01234567 xdp_action XDP_TX",
		  "t.rules:1:63: a test expects XDP_PASS, XDP_DROP or XDP_ABORTED" },
		{ "ip from any to any udp\nip from any to any udp\n\nip from any to any ud",
		  "t.rules:4:20: unknown word 'ud'" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_error(cases[i].text, cases[i].msg);
}
END_TEST

START_TEST(parser_accepts_4096_rules_and_refuses_4097)
{
	size_t cap = 5000 * 40, len = 0;
	char *text = malloc(cap);
	struct fw_ruleset rs;

	for (int i = 0; i < 4096; i++)
		len += snprintf(text + len, cap - len, "ip from any to any udp dport %d\n", i);
	ck_assert_int_eq(fw_parse_buffer("big", text, len, &rs, err, sizeof(err)), 0);
	ck_assert_int_eq(rs.n, 4096);
	fw_ruleset_free(&rs);
	len += snprintf(text + len, cap - len, "ip from any to any udp dport 1\n");
	ck_assert_int_eq(fw_parse_buffer("big", text, len, &rs, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "big:4097:1: more than 4096 rules");
	free(text);
}
END_TEST

/* The canonical form of a rule re-parses to the same rule. */
static void round_trip(const char *text)
{
	struct fw_ruleset a = parse_ok(text), b;
	char *t1, *t2;

	ck_assert_int_eq(a.n, 1);
	t1 = fw_rule_text(&a.rules[0]);
	b = parse_ok(t1);
	ck_assert_int_eq(b.n, 1);
	t2 = fw_rule_text(&b.rules[0]);
	ck_assert_str_eq(t1, t2);
	ck_assert(fw_rule_equal(&a.rules[0], &b.rules[0]));
	free(t1);
	free(t2);
	fw_ruleset_free(&a);
	fw_ruleset_free(&b);
}

START_TEST(canonical_form_round_trips)
{
	static const char *const rules[] = {
		"ip from any to any udp",
		"packet length 64 ip from 10.0.0.1 to { 10.0.0.0/24, 192.0.2.0/25 } ttl 1 udp sport 53 dport { 0, 1024-65535 } name \"a \\\"b\\\"\"",
		"ip6 from { 2001:db8::/32, ::1 } to any ttl 255 tcp sport 1 dport 2 window 1024 flags syn mask { syn, ack, rst }",
		"ip from any to any tcp flags { } mask { cwr, ece, urg, ack, psh, rst, syn, fin }",
		"ip from any to any tcp flags { } mask { }",
		"ip from any to any tcp flags { fin, syn, rst, psh, ack, urg, ece, cwr }",
		"ip from any to any icmp type 3 code 4 name \"caf\xc3\xa9 \xe2\x82\xac\"",
		"ip6 from ::/0 to ::ffff:1.2.3.4 icmp6 code 0",
		"name \"\" ip from 0.0.0.0/0 to 255.255.255.255/32 udp",
	};

	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		round_trip(rules[i]);
}
END_TEST

/* Random rules: format, parse, format again. */
START_TEST(random_rules_round_trip)
{
	srand(42);
	for (int i = 0; i < 500; i++) {
		char text[1024];
		int n = 0, v6 = rand() % 2, l4 = rand() % 3;

		if (rand() % 3 == 0)
			n += snprintf(text + n, sizeof(text) - n, "packet length %d ", rand() % 2000);
		n += snprintf(text + n, sizeof(text) - n, "%s from ", v6 ? "ip6" : "ip");
		if (rand() % 2)
			n += snprintf(text + n, sizeof(text) - n, v6 ? "{ 2001:db8:%x::%x/%d, fe80::/10 }"
								  : "{ %d.%d.0.0/%d, 10.0.0.0/8 }",
				      rand() % 256, rand() % 256, rand() % (v6 ? 129 : 33));
		else
			n += snprintf(text + n, sizeof(text) - n, "any");
		n += snprintf(text + n, sizeof(text) - n, " to any");
		if (rand() % 2)
			n += snprintf(text + n, sizeof(text) - n, " ttl %d", rand() % 256);
		if (l4 == 0) {
			n += snprintf(text + n, sizeof(text) - n, " tcp sport { %d, %d-%d } flags { syn }",
				      rand() % 65536, rand() % 1000, 1000 + rand() % 1000);
			if (rand() % 2)
				n += snprintf(text + n, sizeof(text) - n, " mask { syn, ack }");
		} else if (l4 == 1) {
			n += snprintf(text + n, sizeof(text) - n, " udp dport %d", rand() % 65536);
		} else {
			n += snprintf(text + n, sizeof(text) - n, " %s type %d", v6 ? "icmp6" : "icmp",
				      rand() % 256);
		}
		round_trip(text);
	}
}
END_TEST

START_TEST(sha1_matches_known_vectors)
{
	uint8_t d[20];
	char hex[41];
	static char million[1000000];

	fw_sha1("", 0, d);
	fw_sha1_hex(d, hex);
	ck_assert_str_eq(hex, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
	fw_sha1("abc", 3, d);
	fw_sha1_hex(d, hex);
	ck_assert_str_eq(hex, "a9993e364706816aba3e25717850c26c9cd0d89d");
	fw_sha1("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, d);
	fw_sha1_hex(d, hex);
	ck_assert_str_eq(hex, "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
	memset(million, 'a', sizeof(million));
	fw_sha1(million, sizeof(million), d);
	fw_sha1_hex(d, hex);
	ck_assert_str_eq(hex, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fw_parser");
	TCase *tc = tcase_create("parser");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, parser_reads_ip_clause_with_prefix_lists_and_ttl);
	tcase_add_test(tc, parser_reads_ip6_clause_and_bare_address_is_128);
	tcase_add_test(tc, parser_reads_packet_length);
	tcase_add_test(tc, parser_reads_tcp_ports_window_flags_mask);
	tcase_add_test(tc, parser_reads_udp_icmp_and_name);
	tcase_add_test(tc, parser_takes_clauses_in_any_order);
	tcase_add_test(tc, parser_handles_comments_blank_lines_and_no_final_newline);
	tcase_add_test(tc, parser_reads_test_lines);
	tcase_add_test(tc, parser_normalises_lists);
	tcase_add_test(tc, parser_reports_errors_at_line_and_column);
	tcase_add_test(tc, parser_accepts_4096_rules_and_refuses_4097);
	tcase_add_test(tc, canonical_form_round_trips);
	tcase_add_test(tc, random_rules_round_trip);
	tcase_add_test(tc, sha1_matches_known_vectors);
	suite_add_tcase(s, tc);
	return ck_run(s);
}
