// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * libecbpf without the kernel: interface lists, numbers, exit codes, names,
 * the status table and its JSON twin rendered from a crafted status.
 */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <jansson.h>
#include <ecbpf/ecbpf.h>
#include "ck_run.h"

/* ---- interface lists ------------------------------------------------ */

static char names[8][IF_NAMESIZE];

START_TEST(iface_list_accepts_one_and_several_names)
{
	ck_assert_int_eq(ecbpf_parse_iface_list("eth0", names, 8), 1);
	ck_assert_str_eq(names[0], "eth0");
	ck_assert_int_eq(ecbpf_parse_iface_list("eth0,eth1,bond0.100", names, 8), 3);
	ck_assert_str_eq(names[0], "eth0");
	ck_assert_str_eq(names[1], "eth1");
	ck_assert_str_eq(names[2], "bond0.100");
	ck_assert_int_eq(ecbpf_parse_iface_list("veth-a_b@x", names, 8), 1);
	ck_assert_str_eq(names[0], "veth-a_b@x");
}
END_TEST

START_TEST(iface_list_accepts_15_characters_and_refuses_16)
{
	ck_assert_int_eq(ecbpf_parse_iface_list("abcdefghijklmno", names, 8), 1);
	ck_assert_str_eq(names[0], "abcdefghijklmno");
	ck_assert_int_eq(ecbpf_parse_iface_list("abcdefghijklmnop", names, 8), -EINVAL);
	ck_assert_int_eq(ecbpf_parse_iface_list("eth0,abcdefghijklmnop", names, 8), -EINVAL);
}
END_TEST

START_TEST(iface_list_refuses_empty_names)
{
	ck_assert_int_eq(ecbpf_parse_iface_list(NULL, names, 8), -EINVAL);
	ck_assert_int_eq(ecbpf_parse_iface_list("", names, 8), -EINVAL);
	ck_assert_int_eq(ecbpf_parse_iface_list(",", names, 8), -EINVAL);
	ck_assert_int_eq(ecbpf_parse_iface_list("eth0,", names, 8), -EINVAL);
	ck_assert_int_eq(ecbpf_parse_iface_list(",eth0", names, 8), -EINVAL);
	ck_assert_int_eq(ecbpf_parse_iface_list("eth0,,eth1", names, 8), -EINVAL);
}
END_TEST

START_TEST(iface_list_refuses_duplicates)
{
	ck_assert_int_eq(ecbpf_parse_iface_list("eth0,eth0", names, 8), -EINVAL);
	ck_assert_int_eq(ecbpf_parse_iface_list("eth0,eth1,eth0", names, 8), -EINVAL);
}
END_TEST

START_TEST(iface_list_refuses_bad_characters)
{
	static const char *const bad[] = {
		"eth/0", "eth 0", "eth:0", ".", "..", "eth0\t", "eth\n0", "e\x01th",
		"eth0, eth1",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(ecbpf_parse_iface_list(bad[i], names, 8) == -EINVAL,
			      "'%s' accepted", bad[i]);
}
END_TEST

START_TEST(iface_list_refuses_more_than_max)
{
	ck_assert_int_eq(ecbpf_parse_iface_list("a,b,c", names, 3), 3);
	ck_assert_int_eq(ecbpf_parse_iface_list("a,b,c,d", names, 3), -EINVAL);
}
END_TEST

/* ---- numbers, exit codes, names ------------------------------------- */

START_TEST(parse_u32_accepts_decimal_in_range)
{
	uint32_t v = 0;

	ck_assert_int_eq(ecbpf_parse_u32("0", 0, 7, &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(ecbpf_parse_u32("7", 0, 7, &v), 0);
	ck_assert_uint_eq(v, 7);
	ck_assert_int_eq(ecbpf_parse_u32("4294967295", 0, UINT32_MAX, &v), 0);
	ck_assert_uint_eq(v, UINT32_MAX);
	ck_assert_int_eq(ecbpf_parse_u32("0010", 0, 100, &v), 0);
	ck_assert_uint_eq(v, 10);
}
END_TEST

START_TEST(parse_u32_refuses_out_of_range)
{
	uint32_t v = 1234;

	ck_assert_int_eq(ecbpf_parse_u32("8", 0, 7, &v), -ERANGE);
	ck_assert_int_eq(ecbpf_parse_u32("0", 1, 7, &v), -ERANGE);
	ck_assert_int_eq(ecbpf_parse_u32("4294967296", 0, UINT32_MAX, &v), -ERANGE);
	ck_assert_int_eq(ecbpf_parse_u32("99999999999999999999999", 0, UINT32_MAX, &v), -ERANGE);
	ck_assert_uint_eq(v, 1234);	/* untouched on error */
}
END_TEST

START_TEST(parse_u32_refuses_non_numbers)
{
	static const char *const bad[] = { "", "-1", "+1", "1a", "a1", " 1", "1 ", "0x10", "1.5" };
	uint32_t v = 1234;

	ck_assert_int_eq(ecbpf_parse_u32(NULL, 0, 10, &v), -EINVAL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(ecbpf_parse_u32(bad[i], 0, 100, &v) == -EINVAL, "'%s' accepted",
			      bad[i]);
	ck_assert_uint_eq(v, 1234);
}
END_TEST

START_TEST(exit_codes_follow_sysexits)
{
	ck_assert_int_eq(ecbpf_exit_code(0), EX_OK);
	ck_assert_int_eq(ecbpf_exit_code(-ENODEV), EX_NOINPUT);
	ck_assert_int_eq(ecbpf_exit_code(-ENXIO), EX_NOINPUT);
	ck_assert_int_eq(ecbpf_exit_code(-ENOENT), EX_UNAVAILABLE);
	ck_assert_int_eq(ecbpf_exit_code(-EINVAL), EX_DATAERR);
	ck_assert_int_eq(ecbpf_exit_code(-ERANGE), EX_DATAERR);
	ck_assert_int_eq(ecbpf_exit_code(-E2BIG), EX_DATAERR);
	ck_assert_int_eq(ecbpf_exit_code(-EPERM), EX_NOPERM);
	ck_assert_int_eq(ecbpf_exit_code(-EACCES), EX_NOPERM);
	ck_assert_int_eq(ecbpf_exit_code(-EBUSY), EX_CANTCREAT);
	ck_assert_int_eq(ecbpf_exit_code(-EEXIST), EX_CANTCREAT);
	ck_assert_int_eq(ecbpf_exit_code(-EAGAIN), EX_TEMPFAIL);
	ck_assert_int_eq(ecbpf_exit_code(-ENOTSUP), EX_CONFIG);
	ck_assert_int_eq(ecbpf_exit_code(-EIO), EX_OSERR);
	ck_assert_int_eq(ecbpf_exit_code(-ENOMEM), EX_OSERR);
}
END_TEST

START_TEST(action_names_cover_every_index)
{
	ck_assert_str_eq(ecbpf_action_name(ECBPF_ACT_ABORTED), "XDP_ABORTED");
	ck_assert_str_eq(ecbpf_action_name(ECBPF_ACT_DROP), "XDP_DROP");
	ck_assert_str_eq(ecbpf_action_name(ECBPF_ACT_PASS), "XDP_PASS");
	ck_assert_str_eq(ecbpf_action_name(ECBPF_ACT_TX), "XDP_TX");
	ck_assert_str_eq(ecbpf_action_name(ECBPF_ACT_REDIRECT), "XDP_REDIRECT");
	ck_assert_str_eq(ecbpf_action_name(ECBPF_ACT_INVALID), "XDP_INVALID_ACTION");
	ck_assert_str_eq(ecbpf_action_name(-1), "XDP_INVALID_ACTION");
	ck_assert_str_eq(ecbpf_action_name(ECBPF_ACT_MAX), "XDP_INVALID_ACTION");
}
END_TEST

START_TEST(reason_names_are_named_or_numbered)
{
	ck_assert_str_eq(ecbpf_reason_name(ECBPF_R_NONE), "end_of_chain");
	ck_assert_str_eq(ecbpf_reason_name(ECBPF_R_NOT_IP), "not_ip");
	ck_assert_str_eq(ecbpf_reason_name(ECBPF_R_IP4_IHL), "ip4_bad_ihl");
	ck_assert_str_eq(ecbpf_reason_name(ECBPF_R_L4_TRUNC), "l4_truncated");
	ck_assert_str_eq(ecbpf_reason_name(ECBPF_R_FW_RULE), "fw_rule");
	ck_assert_str_eq(ecbpf_reason_name(ECBPF_R_TEST), "test");
	ck_assert_str_eq(ecbpf_reason_name(63), "reason_63");
	ck_assert_str_eq(ecbpf_reason_name(ECBPF_REASON_MAX), "reason_64");
	ck_assert_str_eq(ecbpf_reason_name(-1), "reason_-1");
	/* Every root reason (0-15 range) in use has a name. */
	for (int r = ECBPF_R_NONE; r <= ECBPF_R_SLOT_PASS; r++)
		ck_assert_msg(strncmp(ecbpf_reason_name(r), "reason_", 7), "reason %d unnamed", r);
}
END_TEST

START_TEST(format_time_is_rfc_2822_utc)
{
	char buf[64];

	ecbpf_format_time(1683145092, buf, sizeof(buf));
	ck_assert_str_eq(buf, "Wed, 03 May 2023 20:18:12 +0000");
}
END_TEST

/* ---- status: JSON and table ----------------------------------------- */

#define LOAD_TIME 1683145092	/* Wed, 03 May 2023 20:18:12 +0000 */

static void crafted(struct ecbpf_status *st)
{
	memset(st, 0, sizeof(*st));
	snprintf(st->ifname, sizeof(st->ifname), "eth0");
	st->ifindex = 7;
	st->attached = true;
	snprintf(st->mode, sizeof(st->mode), "native");
	st->root.id = 100;
	snprintf(st->root.name, sizeof(st->root.name), "xdp_root");
	snprintf(st->root.tag, sizeof(st->root.tag), "0123456789abcdef");
	st->root.load_time = LOAD_TIME;
	st->slot[3].prog.id = 42;
	snprintf(st->slot[3].prog.name, sizeof(st->slot[3].prog.name), "test_slot");
	snprintf(st->slot[3].prog.tag, sizeof(st->slot[3].prog.tag), "fedcba9876543210");
	st->slot[3].prog.load_time = LOAD_TIME + 60;
	st->slot[3].verdict[ECBPF_ACT_DROP] = (struct ecbpf_counter){ 5, 490 };
	st->slot[3].verdict[ECBPF_ACT_PASS] = (struct ecbpf_counter){ 2, 196 };
	st->slot[5].prog.id = 43;
	snprintf(st->slot[5].prog.name, sizeof(st->slot[5].prog.name), "xdp_fw");
	st->slot[5].prog.load_time = LOAD_TIME;
	st->slot[5].monitor = true;
	st->slot[5].would[ECBPF_ACT_DROP] = (struct ecbpf_counter){ 9, 900 };
	st->root_row.verdict[ECBPF_ACT_PASS] = (struct ecbpf_counter){ 11, 1100 };
	st->root_row.verdict[ECBPF_ACT_ABORTED] = (struct ecbpf_counter){ 1, 14 };
	st->total[ECBPF_ACT_DROP] = (struct ecbpf_counter){ 5, 490 };
	st->total[ECBPF_ACT_PASS] = (struct ecbpf_counter){ 13, 1296 };
	st->total[ECBPF_ACT_ABORTED] = (struct ecbpf_counter){ 1, 14 };
	st->total[ECBPF_ACT_TX] = (struct ecbpf_counter){ UINT64_MAX, (uint64_t)INT64_MAX + 1 };
	st->reason[ECBPF_R_TEST] = (struct ecbpf_counter){ 7, 686 };
	st->reason[ECBPF_R_NOT_IP] = (struct ecbpf_counter){ 11, 1100 };
	st->reason[ECBPF_R_IP4_TRUNC] = (struct ecbpf_counter){ 1, 14 };
	st->sample_rate = 2500;
	st->snaplen = 256;
	st->samples_sent = 3;
	st->samples_lost = 1;
	st->samples_noreader = 2;
}

static json_t *path(json_t *o, const char *p)
{
	char buf[256], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", p);
	for (char *k = strtok_r(buf, ".", &save); k && o; k = strtok_r(NULL, ".", &save)) {
		if (json_is_array(o))
			o = json_array_get(o, strtoul(k, NULL, 10));
		else
			o = json_object_get(o, k);
	}
	ck_assert_msg(o != NULL, "JSON has no %s", p);
	return o;
}

static long long jint(json_t *o, const char *p)
{
	json_t *v = path(o, p);

	ck_assert_msg(json_is_integer(v), "%s is not an integer", p);
	return json_integer_value(v);
}

static const char *jstr(json_t *o, const char *p)
{
	json_t *v = path(o, p);

	ck_assert_msg(json_is_string(v), "%s is not a string", p);
	return json_string_value(v);
}

START_TEST(status_json_has_every_fact_with_bytes)
{
	struct ecbpf_status st;
	json_t *o;

	crafted(&st);
	o = ecbpf_status_json(&st);
	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(jstr(o, "interface"), "eth0");
	ck_assert_int_eq(jint(o, "ifindex"), 7);
	ck_assert(json_is_true(path(o, "attached")));
	ck_assert_str_eq(jstr(o, "mode"), "native");
	ck_assert_int_eq(jint(o, "root.id"), 100);
	ck_assert_str_eq(jstr(o, "root.name"), "xdp_root");
	ck_assert_str_eq(jstr(o, "root.tag"), "0123456789abcdef");
	ck_assert_str_eq(jstr(o, "root.load_time"), "Wed, 03 May 2023 20:18:12 +0000");
	ck_assert_int_eq(jint(o, "root.load_time_unix"), LOAD_TIME);

	ck_assert_int_eq(json_array_size(path(o, "slots")), ECBPF_MAX_SLOTS);
	for (int i = 0; i < ECBPF_MAX_SLOTS; i++) {
		char p[64];

		snprintf(p, sizeof(p), "slots.%d.slot", i);
		ck_assert_int_eq(jint(o, p), i);
		snprintf(p, sizeof(p), "slots.%d.program", i);
		if (i == 3 || i == 5)
			ck_assert(json_is_object(path(o, p)));
		else
			ck_assert_msg(json_is_null(path(o, p)), "slot %d program not null", i);
		snprintf(p, sizeof(p), "slots.%d.actions", i);
		ck_assert_int_eq(json_object_size(path(o, p)), ECBPF_ACT_MAX);
	}
	ck_assert_int_eq(jint(o, "slots.3.program.id"), 42);
	ck_assert_str_eq(jstr(o, "slots.3.program.name"), "test_slot");
	ck_assert_str_eq(jstr(o, "slots.3.program.tag"), "fedcba9876543210");
	ck_assert_str_eq(jstr(o, "slots.3.program.load_time"), "Wed, 03 May 2023 20:19:12 +0000");
	ck_assert_int_eq(jint(o, "slots.3.program.load_time_unix"), LOAD_TIME + 60);
	ck_assert(json_is_false(path(o, "slots.3.monitor")));
	ck_assert_int_eq(jint(o, "slots.3.actions.XDP_DROP.packets"), 5);
	ck_assert_int_eq(jint(o, "slots.3.actions.XDP_DROP.bytes"), 490);
	ck_assert_int_eq(jint(o, "slots.3.actions.XDP_PASS.packets"), 2);
	ck_assert_int_eq(jint(o, "slots.3.actions.XDP_PASS.bytes"), 196);
	ck_assert_int_eq(jint(o, "slots.3.actions.XDP_TX.packets"), 0);
	ck_assert_int_eq(jint(o, "slots.3.actions.XDP_INVALID_ACTION.bytes"), 0);
	ck_assert_int_eq(jint(o, "slots.3.would.XDP_DROP.packets"), 0);
	ck_assert(json_is_true(path(o, "slots.5.monitor")));
	ck_assert_int_eq(jint(o, "slots.5.would.XDP_DROP.packets"), 9);
	ck_assert_int_eq(jint(o, "slots.5.would.XDP_DROP.bytes"), 900);
	ck_assert_int_eq(jint(o, "slots.5.actions.XDP_DROP.packets"), 0);

	ck_assert_int_eq(jint(o, "root_actions.XDP_PASS.packets"), 11);
	ck_assert_int_eq(jint(o, "root_actions.XDP_PASS.bytes"), 1100);
	ck_assert_int_eq(jint(o, "root_actions.XDP_ABORTED.packets"), 1);
	ck_assert_int_eq(jint(o, "root_actions.XDP_ABORTED.bytes"), 14);
	ck_assert_int_eq(jint(o, "total_actions.XDP_PASS.packets"), 13);
	ck_assert_int_eq(jint(o, "total_actions.XDP_PASS.bytes"), 1296);
	ck_assert_int_eq(jint(o, "total_actions.XDP_DROP.bytes"), 490);
	/* jansson integers are signed: counters past 2^63 - 1 are clamped, not negative. */
	ck_assert_int_eq(jint(o, "total_actions.XDP_TX.packets"), INT64_MAX);
	ck_assert_int_eq(jint(o, "total_actions.XDP_TX.bytes"), INT64_MAX);

	ck_assert_int_eq(json_object_size(path(o, "reasons")), 3);
	ck_assert_int_eq(jint(o, "reasons.test.packets"), 7);
	ck_assert_int_eq(jint(o, "reasons.test.bytes"), 686);
	ck_assert_int_eq(jint(o, "reasons.not_ip.packets"), 11);
	ck_assert_int_eq(jint(o, "reasons.ip4_truncated.bytes"), 14);

	ck_assert_int_eq(jint(o, "sampling.rate"), 2500);
	ck_assert_int_eq(jint(o, "sampling.snaplen"), 256);
	ck_assert_int_eq(jint(o, "sampling.sent"), 3);
	ck_assert_int_eq(jint(o, "sampling.lost"), 1);
	ck_assert_int_eq(jint(o, "sampling.no_reader"), 2);
	json_decref(o);
}
END_TEST

START_TEST(status_json_without_root_says_not_attached)
{
	struct ecbpf_status st;
	json_t *o;

	memset(&st, 0, sizeof(st));
	snprintf(st.ifname, sizeof(st.ifname), "eth9");
	st.ifindex = 9;
	o = ecbpf_status_json(&st);
	ck_assert_str_eq(jstr(o, "interface"), "eth9");
	ck_assert_int_eq(jint(o, "ifindex"), 9);
	ck_assert(json_is_false(path(o, "attached")));
	ck_assert(json_is_null(path(o, "other_program")));
	ck_assert_ptr_null(json_object_get(o, "slots"));
	ck_assert_ptr_null(json_object_get(o, "root_actions"));
	json_decref(o);

	st.other.id = 77;
	snprintf(st.other.name, sizeof(st.other.name), "bare_pass");
	o = ecbpf_status_json(&st);
	ck_assert_int_eq(jint(o, "other_program.id"), 77);
	ck_assert_str_eq(jstr(o, "other_program.name"), "bare_pass");
	json_decref(o);
}
END_TEST

START_TEST(status_json_dump_is_valid_json)
{
	struct ecbpf_status st;
	json_error_t jerr;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	json_t *back;

	crafted(&st);
	ck_assert_int_eq(ecbpf_json_dump(ecbpf_status_json(&st), f), 0);
	fclose(f);
	back = json_loads(text, 0, &jerr);
	ck_assert_msg(back != NULL, "not JSON: %s", jerr.text);
	ck_assert_int_eq(jint(back, "slots.3.actions.XDP_DROP.packets"), 5);
	json_decref(back);
	free(text);
}
END_TEST

static char *render(const struct ecbpf_status *st)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ecbpf_status_print(f, st);
	fclose(f);
	return text;
}

/* Line N (0-based) of TEXT, in BUF. */
static const char *line(const char *text, int n, char *buf, size_t len)
{
	const char *p = text, *nl;

	for (int i = 0; i < n && p; i++) {
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	ck_assert_msg(p != NULL, "no line %d", n);
	nl = strchr(p, '\n');
	snprintf(buf, len, "%.*s", nl ? (int)(nl - p) : (int)strlen(p), p);
	return buf;
}

/* Split a table row on '|' into trimmed fields; returns the count. */
static int fields(const char *row, char out[][64], int max)
{
	int n = 0;
	const char *p = row;

	while (n < max) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);

		while (len && *p == ' ')
			p++, len--;
		while (len && p[len - 1] == ' ')
			len--;
		snprintf(out[n++], 64, "%.*s", (int)len, p);
		if (!bar)
			break;
		p = bar + 1;
	}
	return n;
}

START_TEST(status_table_rows_match_the_reference_format)
{
	struct ecbpf_status st;
	char buf[512], f[16][64];
	char *text;

	crafted(&st);
	text = render(&st);
	ck_assert_str_eq(line(text, 0, buf, sizeof(buf)), "Interface eth0 status:");
	ck_assert_int_eq(fields(line(text, 1, buf, sizeof(buf)), f, 16), 10);
	ck_assert_str_eq(f[0], "SLOT");
	ck_assert_str_eq(f[1], "ID");
	ck_assert_str_eq(f[2], "NAME");
	ck_assert_str_eq(f[3], "LOAD TIME");
	ck_assert_str_eq(f[4], "XDP_ABORTED");
	ck_assert_str_eq(f[5], "XDP_DROP");
	ck_assert_str_eq(f[6], "XDP_PASS");
	ck_assert_str_eq(f[7], "XDP_TX");
	ck_assert_str_eq(f[8], "XDP_REDIRECT");
	ck_assert_str_eq(f[9], "XDP_INVALID_ACTION");

	/* Slot 0: empty. */
	ck_assert_int_eq(fields(line(text, 2, buf, sizeof(buf)), f, 16), 10);
	ck_assert_str_eq(f[0], "0");
	ck_assert_str_eq(f[1], "-");
	ck_assert_str_eq(f[2], "-");
	ck_assert_str_eq(f[5], "0");
	/* Slot 3: the test program and its counters. */
	ck_assert_int_eq(fields(line(text, 5, buf, sizeof(buf)), f, 16), 10);
	ck_assert_str_eq(f[0], "3");
	ck_assert_str_eq(f[1], "42");
	ck_assert_str_eq(f[2], "test_slot");
	ck_assert_str_eq(f[3], "Wed, 03 May 2023 20:19:12 +0000");
	ck_assert_str_eq(f[4], "0");
	ck_assert_str_eq(f[5], "5");
	ck_assert_str_eq(f[6], "2");
	/* The root row, then the interface totals. */
	ck_assert_int_eq(fields(line(text, 10, buf, sizeof(buf)), f, 16), 10);
	ck_assert_str_eq(f[0], "root");
	ck_assert_str_eq(f[1], "100");
	ck_assert_str_eq(f[2], "xdp_root");
	ck_assert_str_eq(f[4], "1");
	ck_assert_str_eq(f[6], "11");
	ck_assert_int_eq(fields(line(text, 11, buf, sizeof(buf)), f, 16), 10);
	ck_assert_str_eq(f[0], "all");
	ck_assert_str_eq(f[5], "5");
	ck_assert_str_eq(f[6], "13");
	ck_assert_str_eq(f[7], "18446744073709551615");
	ck_assert_ptr_nonnull(strstr(text, "Mode: native."));
	ck_assert_ptr_nonnull(strstr(text, "Sampling: 1 in 2500, snap length 256"));
	ck_assert_ptr_nonnull(strstr(text, "Slot 5 (xdp_fw) is in monitor mode; would have: DROP 9,"));
	free(text);
}
END_TEST

START_TEST(status_table_without_root_says_so)
{
	struct ecbpf_status st;
	char *text;

	memset(&st, 0, sizeof(st));
	snprintf(st.ifname, sizeof(st.ifname), "eth9");
	text = render(&st);
	ck_assert_str_eq(text, "Interface eth9 status:\nRoot array not attached to interface eth9.\n\n");
	free(text);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("libecbpf");
	TCase *tc = tcase_create("parse");
	TCase *st = tcase_create("status");

	tcase_add_test(tc, iface_list_accepts_one_and_several_names);
	tcase_add_test(tc, iface_list_accepts_15_characters_and_refuses_16);
	tcase_add_test(tc, iface_list_refuses_empty_names);
	tcase_add_test(tc, iface_list_refuses_duplicates);
	tcase_add_test(tc, iface_list_refuses_bad_characters);
	tcase_add_test(tc, iface_list_refuses_more_than_max);
	tcase_add_test(tc, parse_u32_accepts_decimal_in_range);
	tcase_add_test(tc, parse_u32_refuses_out_of_range);
	tcase_add_test(tc, parse_u32_refuses_non_numbers);
	tcase_add_test(tc, exit_codes_follow_sysexits);
	tcase_add_test(tc, action_names_cover_every_index);
	tcase_add_test(tc, reason_names_are_named_or_numbered);
	tcase_add_test(tc, format_time_is_rfc_2822_utc);
	suite_add_tcase(s, tc);
	tcase_add_test(st, status_json_has_every_fact_with_bytes);
	tcase_add_test(st, status_json_without_root_says_not_attached);
	tcase_add_test(st, status_json_dump_is_valid_json);
	tcase_add_test(st, status_table_rows_match_the_reference_format);
	tcase_add_test(st, status_table_without_root_says_so);
	suite_add_tcase(s, st);
	return ck_run(s);
}
