// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* xdp_filter's parsing and status output, without a kernel. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <jansson.h>
#include <ecbpf/ecbpf.h>
#include "filter_lib.h"
#include "ck_run.h"

static char logbuf[4096];

static void capture(enum ecbpf_log_level level, const char *msg)
{
	size_t n = strlen(logbuf);

	snprintf(logbuf + n, sizeof(logbuf) - n, "%s\n", msg);
}

static void setup(void)
{
	logbuf[0] = '\0';
	ecbpf_set_print(capture);
}

static const char *fmt(const struct filter_prefix *p)
{
	static char buf[64];

	filter_format_prefix(p, buf, sizeof(buf));
	return buf;
}

START_TEST(cidr_without_length_is_a_host_route)
{
	struct filter_prefix p;
	bool masked;

	ck_assert_int_eq(filter_parse_cidr("192.0.2.1", &p, &masked), 0);
	ck_assert_int_eq(p.family, AF_INET);
	ck_assert_uint_eq(p.len, 32);
	ck_assert(!masked);
	ck_assert_str_eq(fmt(&p), "192.0.2.1/32");
	ck_assert_int_eq(filter_parse_cidr("2001:db8::1", &p, &masked), 0);
	ck_assert_int_eq(p.family, AF_INET6);
	ck_assert_uint_eq(p.len, 128);
	ck_assert_str_eq(fmt(&p), "2001:db8::1/128");
}
END_TEST

START_TEST(cidr_host_bits_are_masked_and_reported)
{
	struct filter_prefix p;
	bool masked;

	ck_assert_int_eq(filter_parse_cidr("10.1.2.3/8", &p, &masked), 0);
	ck_assert(masked);
	ck_assert_str_eq(fmt(&p), "10.0.0.0/8");
	ck_assert_int_eq(filter_parse_cidr("10.0.0.0/8", &p, &masked), 0);
	ck_assert(!masked);
	ck_assert_int_eq(filter_parse_cidr("2001:db8:ffff::1/33", &p, &masked), 0);
	ck_assert(masked);
	ck_assert_str_eq(fmt(&p), "2001:db8:8000::/33");
	ck_assert_int_eq(filter_parse_cidr("255.255.255.255/0", &p, &masked), 0);
	ck_assert_str_eq(fmt(&p), "0.0.0.0/0");
}
END_TEST

START_TEST(cidr_rejects_bad_addresses_and_lengths)
{
	static const char *const invalid[] = {
		"", "10.0.0", "10.0.0.256", "10.0.0.1/", "10.0.0.1/x", "10.0.0.1/-1", "/8",
		"2001:db8::g", "10.0.0.1/8/8", " 10.0.0.1", "10.0.0.1 ", "2001:db8::/+1",
	};
	static const char *const out_of_range[] = { "10.0.0.0/33", "2001:db8::/129",
						    "10.0.0.0/99999999999" };
	struct filter_prefix p;
	bool masked;

	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++)
		ck_assert_msg(filter_parse_cidr(invalid[i], &p, &masked) == -EINVAL, "'%s'",
			      invalid[i]);
	for (size_t i = 0; i < sizeof(out_of_range) / sizeof(out_of_range[0]); i++)
		ck_assert_msg(filter_parse_cidr(out_of_range[i], &p, &masked) == -ERANGE, "'%s'",
			      out_of_range[i]);
}
END_TEST

START_TEST(tags_are_limited_to_63_printable_characters)
{
	char tag[80];

	memset(tag, 'a', 63);
	tag[63] = '\0';
	ck_assert_int_eq(filter_check_tag(tag), 0);
	tag[63] = 'a';
	tag[64] = '\0';
	ck_assert_int_eq(filter_check_tag(tag), -ERANGE);
	ck_assert_int_eq(filter_check_tag("with space"), -EINVAL);
	ck_assert_int_eq(filter_check_tag("a,b"), -EINVAL);
	ck_assert_int_eq(filter_check_tag(""), 0);
}
END_TEST

START_TEST(ips_list_takes_one_tag_or_one_per_prefix)
{
	struct filter_prefix_list l = {};

	ck_assert_int_eq(filter_parse_ips("10.0.0.0/8,2001:db8::/32", "attack", &l), 0);
	ck_assert_uint_eq(l.n, 2);
	ck_assert_str_eq(l.v[0].tag, "attack");
	ck_assert_str_eq(l.v[1].tag, "attack");
	ck_assert_int_eq(filter_parse_ips("192.0.2.1,192.0.2.2", "x,y", &l), 0);
	ck_assert_uint_eq(l.n, 4);
	ck_assert_str_eq(l.v[2].tag, "x");
	ck_assert_str_eq(l.v[3].tag, "y");
	ck_assert_str_eq(fmt(&l.v[3]), "192.0.2.2/32");
	ck_assert_int_eq(filter_parse_ips("192.0.2.3", NULL, &l), 0);
	ck_assert_str_eq(l.v[4].tag, "");
	filter_list_free(&l);
}
END_TEST

START_TEST(ips_list_errors_name_the_bad_item)
{
	struct filter_prefix_list l = {};

	ck_assert_int_eq(filter_parse_ips("10.0.0.0/8,bogus", NULL, &l), -EINVAL);
	ck_assert_ptr_nonnull(strstr(logbuf, "invalid CIDR 'bogus'"));
	ck_assert_int_eq(filter_parse_ips("10.0.0.0/8,10.0.0.0/40", NULL, &l), -ERANGE);
	ck_assert_ptr_nonnull(strstr(logbuf, "prefix length out of range in '10.0.0.0/40'"));
	ck_assert_int_eq(filter_parse_ips("10.0.0.0/8,10.1.0.0/16,10.2.0.0/16", "a,b", &l),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(logbuf, "2 tags for 3 prefixes"));
	ck_assert_int_eq(filter_parse_ips("10.0.0.0/8,", NULL, &l), -EINVAL);
	ck_assert_int_eq(filter_parse_ips("", NULL, &l), -EINVAL);
	filter_list_free(&l);
}
END_TEST

START_TEST(ips_list_reports_masked_host_bits)
{
	struct filter_prefix_list l = {};

	ck_assert_int_eq(filter_parse_ips("10.199.0.77/24", NULL, &l), 0);
	ck_assert_str_eq(fmt(&l.v[0]), "10.199.0.0/24");
	ck_assert_ptr_nonnull(strstr(logbuf, "10.199.0.77/24 has host bits set, using 10.199.0.0/24"));
	filter_list_free(&l);
}
END_TEST

static int parse_file(const char *text, struct filter_prefix_list *l)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int err;

	ck_assert_ptr_nonnull(f);
	err = filter_parse_ips_file(f, "list.txt", l);
	fclose(f);
	return err;
}

START_TEST(ips_file_reads_cidrs_tags_comments_and_blank_lines)
{
	struct filter_prefix_list l = {};

	ck_assert_int_eq(parse_file("# drop list\n"
				    "10.0.0.0/8 botnet-1\n"
				    "\n"
				    "   2001:db8::/32\t\tv6-scan   # trailing comment\n"
				    "192.0.2.1\r\n"
				    "198.51.100.0/24",	/* no newline at the end */
				    &l), 0);
	ck_assert_uint_eq(l.n, 4);
	ck_assert_str_eq(fmt(&l.v[0]), "10.0.0.0/8");
	ck_assert_str_eq(l.v[0].tag, "botnet-1");
	ck_assert_str_eq(fmt(&l.v[1]), "2001:db8::/32");
	ck_assert_str_eq(l.v[1].tag, "v6-scan");
	ck_assert_str_eq(fmt(&l.v[2]), "192.0.2.1/32");
	ck_assert_str_eq(l.v[2].tag, "");
	ck_assert_str_eq(fmt(&l.v[3]), "198.51.100.0/24");
	filter_list_free(&l);
}
END_TEST

START_TEST(ips_file_errors_carry_the_line_number)
{
	struct filter_prefix_list l = {};
	char text[200];

	ck_assert_int_eq(parse_file("10.0.0.0/8\n10.0.0.0/8 a b\n", &l), -EINVAL);
	ck_assert_ptr_nonnull(strstr(logbuf, "list.txt:2: unexpected 'b'"));
	filter_list_free(&l);
	ck_assert_int_eq(parse_file("# x\n\n300.0.0.0/8\n", &l), -EINVAL);
	ck_assert_ptr_nonnull(strstr(logbuf, "list.txt:3: invalid CIDR '300.0.0.0/8'"));
	filter_list_free(&l);
	snprintf(text, sizeof(text), "10.0.0.0/8 %064d\n", 0);
	ck_assert_int_eq(parse_file(text, &l), -ERANGE);
	ck_assert_ptr_nonnull(strstr(logbuf, "list.txt:1: invalid tag"));
	filter_list_free(&l);
}
END_TEST

static int bit(const __u64 *bits, uint32_t b)
{
	return (bits[b / 64] >> (b % 64)) & 1;
}

static int bits_set(const __u64 *bits)
{
	int n = 0;

	for (uint32_t b = 0; b < FILTER_HINT_BUCKETS; b++)
		n += bit(bits, b);
	return n;
}

static void mark(struct filter_src_hint *h, const char *cidr)
{
	struct filter_prefix p;
	bool masked;

	ck_assert_int_eq(filter_parse_cidr(cidr, &p, &masked), 0);
	filter_hint_mark(h, &p);
}

START_TEST(hint_marks_every_bucket_a_prefix_can_match)
{
	static struct filter_src_hint h;

	memset(&h, 0, sizeof(h));
	mark(&h, "192.0.2.0/24");		/* bucket 192.0 */
	ck_assert_int_eq(bits_set(h.v4), 1);
	ck_assert(bit(h.v4, 192 << 8 | 0));
	mark(&h, "10.0.0.0/9");			/* 10.0 .. 10.127: 128 buckets */
	ck_assert_int_eq(bits_set(h.v4), 129);
	ck_assert(bit(h.v4, 10 << 8 | 0) && bit(h.v4, 10 << 8 | 127));
	ck_assert(!bit(h.v4, 10 << 8 | 128));
	mark(&h, "0.0.0.0/0");
	ck_assert_int_eq(bits_set(h.v4), FILTER_HINT_BUCKETS);
	ck_assert_int_eq(bits_set(h.v6), 0);

	mark(&h, "2001:db8:1::/48");		/* bucket 0x2001 ^ 0x0db8 */
	ck_assert_int_eq(bits_set(h.v6), 1);
	ck_assert(bit(h.v6, 0x2001 ^ 0x0db8));
	mark(&h, "2001:db8::/29");		/* second group 0x0db8 .. 0x0dbf */
	ck_assert_int_eq(bits_set(h.v6), 8);
	for (uint32_t g1 = 0x0db8; g1 <= 0x0dbf; g1++)
		ck_assert(bit(h.v6, 0x2001 ^ g1));
	mark(&h, "3000::/8");			/* shorter than the first group: everything */
	ck_assert_int_eq(bits_set(h.v6), FILTER_HINT_BUCKETS);
}
END_TEST

static void sample_status(struct filter_status *st)
{
	struct filter_prefix p;
	bool masked;

	memset(st, 0, sizeof(*st));
	strcpy(st->ifname, "eth0");
	st->loaded = true;
	st->slot = 2;
	st->prog_id = 42;
	st->cfg = (struct filter_config){ .magic = FILTER_CFG_MAGIC, .frags_drop = 1,
					  .ptb_max_pps = 20 };
	ck_assert_int_eq(filter_parse_cidr("2001:db8::/32", &p, &masked), 0);
	strcpy(p.tag, "v6");
	p.load_time = 1683144892;	/* Wed, 03 May 2023 20:14:52 +0000 */
	filter_list_add(&st->drops, &p);
	ck_assert_int_eq(filter_parse_cidr("10.0.0.0/8", &p, &masked), 0);
	p.load_time = 1683144892;
	filter_list_add(&st->drops, &p);
	filter_list_sort(&st->drops);
	for (int i = 0; i < FILTER_C_MAX; i++)
		st->stats.count[i] = 100 + i;
}

START_TEST(status_text_follows_the_reference)
{
	struct filter_status st;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	sample_status(&st);
	filter_status_print(f, &st);
	fclose(f);
	ck_assert_str_eq(buf,
		"=================== Status for interface 'eth0' ===================\n"
		"Current Configuration:\n"
		"\n"
		"frags_drop? true\n"
		"ptb_send? true\n"
		"ptb_max_pps: 20\n"
		"slot: 2\n"
		"\n"
		"Drop Maps for interface 'eth0':\n"
		"\n"
		"10.0.0.0/8 tag: -, loaded: Wed, 03 May 2023 20:14:52 +0000\n"
		"2001:db8::/32 tag: v6, loaded: Wed, 03 May 2023 20:14:52 +0000\n"
		"\n"
		"Stats for interface 'eth0':\n"
		"\n"
		"eth_frame_err: 100\n"
		"ip_header_err: 101\n"
		"ip6_header_err: 102\n"
		"ip_drop_count: 103\n"
		"ip6_drop_count: 104\n"
		"ip_frag_drop_count: 105\n"
		"ptb_sent_count: 106\n"
		"ptb_err_count: 107\n"
		"ptb_mem_err_count: 108\n"
		"ip_options_drop_count: 109\n"
		"ip_length_err_count: 110\n"
		"ip6_length_err_count: 111\n"
		"evil_bit_drop_count: 112\n"
		"ip6_frag_drop_count: 113\n"
		"ptb_rate_limited_count: 114\n");
	free(buf);
	filter_list_free(&st.drops);
}
END_TEST

START_TEST(status_json_carries_the_same_facts)
{
	struct filter_status st;
	json_t *o, *d;
	char *s;

	sample_status(&st);
	st.cfg.ptb_max_pps = 0;
	st.slot = -1;
	o = filter_status_json(&st);
	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(json_string_value(json_object_get(o, "interface")), "eth0");
	ck_assert(json_is_true(json_object_get(o, "loaded")));
	ck_assert(json_is_false(json_object_get(o, "attached")));
	ck_assert(json_is_null(json_object_get(o, "slot")));
	ck_assert(json_is_true(json_object_get(json_object_get(o, "config"), "frags_drop")));
	ck_assert(json_is_false(json_object_get(json_object_get(o, "config"), "ptb_send")));
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(o, "config"),
							    "ptb_max_pps")), 0);
	d = json_object_get(o, "drop");
	ck_assert_uint_eq(json_array_size(d), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(d, 1), "prefix")),
			 "2001:db8::/32");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(d, 1), "tag")), "v6");
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(d, 1), "load_time")),
			 1683144892);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(d, 1), "load_time_text")),
			 "Wed, 03 May 2023 20:14:52 +0000");
	ck_assert_uint_eq(json_object_size(json_object_get(o, "stats")), FILTER_C_MAX);
	for (int i = 0; i < FILTER_C_MAX; i++)
		ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(o, "stats"),
								    filter_counter_name(i))),
				 100 + i);
	s = json_dumps(o, JSON_COMPACT);
	ck_assert_ptr_nonnull(strstr(s, "\"ptb_rate_limited_count\":114"));
	free(s);
	json_decref(o);
	filter_list_free(&st.drops);
}
END_TEST

START_TEST(status_of_an_interface_without_the_filter)
{
	struct filter_status st = { .ifname = "eth1", .slot = -1 };
	json_t *o = filter_status_json(&st);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert(json_is_false(json_object_get(o, "loaded")));
	ck_assert_ptr_null(json_object_get(o, "stats"));
	json_decref(o);
	filter_status_print(f, &st);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(buf, "xdp_filter is not loaded on interface 'eth1'."));
	free(buf);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("unit_filter");
	TCase *tc = tcase_create("filter");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, cidr_without_length_is_a_host_route);
	tcase_add_test(tc, cidr_host_bits_are_masked_and_reported);
	tcase_add_test(tc, cidr_rejects_bad_addresses_and_lengths);
	tcase_add_test(tc, tags_are_limited_to_63_printable_characters);
	tcase_add_test(tc, ips_list_takes_one_tag_or_one_per_prefix);
	tcase_add_test(tc, ips_list_errors_name_the_bad_item);
	tcase_add_test(tc, ips_list_reports_masked_host_bits);
	tcase_add_test(tc, ips_file_reads_cidrs_tags_comments_and_blank_lines);
	tcase_add_test(tc, ips_file_errors_carry_the_line_number);
	tcase_add_test(tc, hint_marks_every_bucket_a_prefix_can_match);
	tcase_add_test(tc, status_text_follows_the_reference);
	tcase_add_test(tc, status_json_carries_the_same_facts);
	tcase_add_test(tc, status_of_an_interface_without_the_filter);
	suite_add_tcase(s, tc);
	return ck_run(s);
}
