// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * Without the kernel: the first error picked out of verifier logs in the
 * shapes of 5.10, 6.1 and later kernels (and inside libbpf's frame), and
 * log lines far longer than the 1 KiB they were once cut at.
 */
#define _GNU_SOURCE
#include <check.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include <ecbpf/ecbpf.h>
#include "ck_run.h"

static char out[1024];

static const char *first_error(const char *log)
{
	return ecbpf_verifier_first_error(log, out, sizeof(out));
}

/* ---- samples -------------------------------------------------------- */

/* A log line ends at "\n"; the literals are only split for width. */

/* 6.1: an index taken from the packet length added to a map value unchecked. */
static const char log_6_1_unbounded[] =
	"0: R1=ctx(off=0,imm=0) R10=fp0\n"
	"; int xdp_fw(struct xdp_md *ctx)\n"
	"0: (bf) r6 = r1                       ; R1=ctx(off=0,imm=0) R6_w=ctx(off=0,imm=0)\n"
	"1: (b7) r1 = 0                        ; R1_w=0\n"
	"; __u32 key = 0;\n"
	"2: (63) *(u32 *)(r10 -4) = r1         ; R1_w=0 R10=fp0 fp-8=0000????\n"
	"3: (bf) r2 = r10                      ; R2_w=fp0 R10=fp0\n"
	"4: (07) r2 += -4                      ; R2_w=fp-4\n"
	"; struct fw_words *w = bpf_map_lookup_elem(&fw_words, &key);\n"
	"5: (18) r1 = 0xffff888104f3a000       ; R1_w=map_ptr(off=0,ks=4,vs=16384,imm=0)\n"
	"7: (85) call bpf_map_lookup_elem#1    ; "
	"R0_w=map_value_or_null(id=1,off=0,ks=4,vs=16384,imm=0)\n"
	"8: (15) if r0 == 0x0 goto pc+9        ; R0_w=map_value(off=0,ks=4,vs=16384,imm=0)\n"
	"; __u32 n = ctx->data_end - ctx->data;\n"
	"9: (61) r1 = *(u32 *)(r6 +4)          ; R1_w=pkt_end(off=0,imm=0) R6=ctx(off=0,imm=0)\n"
	"10: (61) r3 = *(u32 *)(r6 +0)         ; R3_w=pkt(off=0,r=0,imm=0) R6=ctx(off=0,imm=0)\n"
	"11: (1f) r1 -= r3                     ; R1_w=scalar() R3_w=pkt(off=0,r=0,imm=0)\n"
	"12: (67) r1 <<= 32                    ; "
	"R1_w=scalar(smax=9223372032559808512,umax=18446744069414584320,var_off=(0x0; "
	"0xffffffff00000000),s32_min=0,s32_max=0,u32_max=0)\n"
	"13: (77) r1 >>= 32                    ; R1_w=scalar(umax=4294967295,var_off=(0x0; "
	"0xffffffff))\n"
	"; return w->word[n];\n"
	"14: (bf) r2 = r0                      ; R0_w=map_value(off=0,ks=4,vs=16384,imm=0) "
	"R2_w=map_value(off=0,ks=4,vs=16384,imm=0)\n"
	"15: (0f) r2 += r1                     ; R1_w=scalar(umax=4294967295,var_off=(0x0; "
	"0xffffffff)) R2_w=map_value(off=0,ks=4,vs=16384,umax=4294967295,var_off=(0x0; "
	"0xffffffff))\n"
	"16: (71) r0 = *(u8 *)(r2 +0)\n"
	"R2 unbounded memory access, make sure to bounds check any such access\n"
	"processed 17 insns (limit 1000000) max_states_per_insn 0 total_states 1 peak_states 1 "
	"mark_read 1\n";

/* 5.10: an atomic with a fetch flag, refused before the walk (the first line). */
static const char log_5_10_stx[] =
	"BPF_STX uses reserved fields\n"
	"processed 0 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 "
	"mark_read 0\n";

/* 5.10: an index bounded too loosely; the register remark explains the access. */
static const char log_5_10_map_value[] =
	"func#0 @0\n"
	"0: R1=ctx(id=0,off=0,imm=0) R10=fp0\n"
	"; int xdp_fw(struct xdp_md *ctx)\n"
	"0: (bf) r6 = r1\n"
	"1: R1=ctx(id=0,off=0,imm=0) R6_w=ctx(id=0,off=0,imm=0) R10=fp0\n"
	"1: (b7) r7 = 0\n"
	"2: R1=ctx(id=0,off=0,imm=0) R6_w=ctx(id=0,off=0,imm=0) R7_w=inv0 R10=fp0\n"
	"; if (!w)\n"
	"8: (15) if r0 == 0x0 goto pc+12\n"
	" R0_w=map_value(id=0,off=0,ks=4,vs=16384,imm=0) R6=ctx(id=0,off=0,imm=0) R7_w=inv0 "
	"R10=fp0 fp-8=mmmm????\n"
	"9: (67) r1 <<= 3\n"
	"10: R0_w=map_value(id=0,off=0,ks=4,vs=16384,imm=0) "
	"R1_w=inv(id=0,umax_value=536870904,var_off=(0x0; 0x1ffffff8))\n"
	"10: (0f) r0 += r1\n"
	"last_idx 10 first_idx 0\n"
	"regs=2 stack=0 before 9: (67) r1 <<= 3\n"
	"11: R0_w=map_value(id=0,off=0,ks=4,vs=16384,umax_value=536870904,var_off=(0x0; "
	"0x1ffffff8)) R1_w=invP(id=0,umax_value=536870904,var_off=(0x0; 0x1ffffff8))\n"
	"; return w->word[i];\n"
	"11: (79) r0 = *(u64 *)(r0 +0)\n"
	"invalid access to map value, value_size=16384 off=536870904 size=8\n"
	"R0 max value is outside of the allowed memory range\n"
	"processed 12 insns (limit 1000000) max_states_per_insn 0 total_states 1 peak_states 1 "
	"mark_read 1\n";

/* 6.12 with statistics (log level 1 | 4), as libbpf prints it under --debug. */
static const char log_framed_stats[] =
	"libbpf: prog 'on_event': BPF program load failed: Permission denied\n"
	"libbpf: prog 'on_event': -- BEGIN PROG LOAD LOG --\n"
	"0: R1=ctx() R10=fp0\n"
	"; int on_event(void *ctx) @ strobe.bpf.c:402\n"
	"0: (b7) r1 = 0                        ; R1_w=0\n"
	"1: (85) call pc+3\n"
	"combined stack size of 4 calls is 544. Too large\n"
	"verification time 1344153 usec\n"
	"stack depth 24+440+0+32\n"
	"processed 51008 insns (limit 1000000) max_states_per_insn 19 total_states 1467 "
	"peak_states 303 mark_read 146\n"
	"-- END PROG LOAD LOG --\n"
	"libbpf: prog 'on_event': failed to load: -13\n"
	"libbpf: failed to load object 'strobemeta'\n";

/* 6.x: a loop the verifier cannot bound; the states that follow are not the error. */
static const char log_infinite_loop[] =
	"0: R1=ctx() R10=fp0\n"
	"; for (;;) @ loop.bpf.c:9\n"
	"0: (b7) r0 = 0                        ; R0_w=0\n"
	"1: (05) goto pc-1\n"
	"infinite loop detected at insn 1\n"
	"cur state: R0_w=0 R1=ctx() R10=fp0\n"
	"old state: R0_w=0 R1=ctx() R10=fp0\n"
	"verification time 21 usec\n"
	"stack depth 0\n"
	"processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 1 peak_states 1 "
	"mark_read 0\n";

/* 5.10: a branch taken after the fall-through's exit, a call, and an error in the callee. */
static const char log_5_10_branches[] =
	"0: R1=ctx(id=0,off=0,imm=0) R10=fp0\n"
	"0: (61) r2 = *(u32 *)(r1 +4)\n"
	"1: (61) r1 = *(u32 *)(r1 +0)\n"
	"2: (bf) r3 = r1\n"
	"3: (07) r3 += 14\n"
	"4: (2d) if r3 > r2 goto pc+2\n"
	" R1_w=pkt(id=0,off=0,r=14,imm=0) R2_w=pkt_end(id=0,off=0,imm=0) "
	"R3_w=pkt(id=0,off=14,r=14,imm=0) R10=fp0\n"
	"5: (b7) r0 = 2\n"
	"6: (95) exit\n"
	"\n"
	"from 4 to 7: R1_w=pkt(id=0,off=0,r=0,imm=0) R2_w=pkt_end(id=0,off=0,imm=0) "
	"R3_w=pkt(id=0,off=14,r=0,imm=0) R10=fp0\n"
	"7: (85) call pc+2\n"
	"caller:\n"
	" R10=fp0\n"
	"callee:\n"
	" frame1: R1_w=pkt(id=0,off=0,r=0,imm=0) R10=fp0\n"
	"10: (71) r0 = *(u8 *)(r1 +20)\n"
	"invalid access to packet, off=20 size=1, R1(id=0,off=20,r=0)\n"
	"R1 offset is outside of the packet\n"
	"processed 10 insns (limit 1000000) max_states_per_insn 0 total_states 1 peak_states 1 "
	"mark_read 1\n";

/* A log with the walk but no message: cut before its error (a full buffer on 5.10). */
static const char log_cut[] =
	"0: R1=ctx(off=0,imm=0) R10=fp0\n"
	"0: (b7) r0 = 2                        ; R0_w=2\n"
	"1: (95) exit\n"
	"processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 "
	"mark_read 0\n";

/* ---- the extractor -------------------------------------------------- */

START_TEST(first_error_6_1_is_the_line_before_processed)
{
	ck_assert_ptr_eq(first_error(log_6_1_unbounded), out);
	ck_assert_str_eq(out,
			 "R2 unbounded memory access, make sure to bounds check any such access");
}
END_TEST

START_TEST(first_error_5_10_before_the_walk_is_the_first_line)
{
	ck_assert_ptr_nonnull(first_error(log_5_10_stx));
	ck_assert_str_eq(out, "BPF_STX uses reserved fields");
	/* The line alone, without a newline. */
	ck_assert_ptr_nonnull(first_error("BPF_STX uses reserved fields"));
	ck_assert_str_eq(out, "BPF_STX uses reserved fields");
	ck_assert_ptr_nonnull(first_error("back-edge from insn 5 to 3\n"));
	ck_assert_str_eq(out, "back-edge from insn 5 to 3");
}
END_TEST

START_TEST(first_error_joins_the_register_remark)
{
	ck_assert_ptr_nonnull(first_error(log_5_10_map_value));
	ck_assert_str_eq(out, "invalid access to map value, value_size=16384 off=536870904 size=8; "
			      "R0 max value is outside of the allowed memory range");
}
END_TEST

START_TEST(first_error_skips_statistics_and_libbpf_frame)
{
	ck_assert_ptr_nonnull(first_error(log_framed_stats));
	ck_assert_str_eq(out, "combined stack size of 4 calls is 544. Too large");
}
END_TEST

START_TEST(first_error_leaves_out_the_states_after_it)
{
	ck_assert_ptr_nonnull(first_error(log_infinite_loop));
	ck_assert_str_eq(out, "infinite loop detected at insn 1");
}
END_TEST

START_TEST(first_error_after_calls_and_branches)
{
	ck_assert_ptr_nonnull(first_error(log_5_10_branches));
	ck_assert_str_eq(out, "invalid access to packet, off=20 size=1, R1(id=0,off=20,r=0); "
			      "R1 offset is outside of the packet");
}
END_TEST

START_TEST(first_error_none_in_a_log_without_a_message)
{
	strcpy(out, "stale");
	ck_assert_ptr_null(first_error(log_cut));
	ck_assert_str_eq(out, "");
	ck_assert_ptr_null(first_error(""));
	ck_assert_ptr_null(first_error("\n\n"));
	ck_assert_ptr_null(first_error(NULL));
	ck_assert_ptr_null(ecbpf_verifier_first_error(log_6_1_unbounded, out, 0));
}
END_TEST

START_TEST(first_error_is_cut_to_the_buffer)
{
	char small[10];

	ck_assert_ptr_eq(ecbpf_verifier_first_error(log_6_1_unbounded, small, sizeof(small)),
			 small);
	ck_assert_str_eq(small, "R2 unboun");
}
END_TEST

START_TEST(first_error_counts_a_capitalised_processed_as_the_error)
{
	static const char log[] =
		"0: R1=ctx() R10=fp0\n"
		"0: (05) goto pc+0\n"
		"BPF program is too large. Processed 1000001 insn\n"
		"processed 1000001 insns (limit 1000000) max_states_per_insn 4 total_states 9000 "
		"peak_states 9000 mark_read 3\n";

	ck_assert_ptr_nonnull(first_error(log));
	ck_assert_str_eq(out, "BPF program is too large. Processed 1000001 insn");
}
END_TEST

/* ---- long log lines ------------------------------------------------- */

static char *captured;
static int captured_n;

static void capture(enum ecbpf_log_level level, const char *msg)
{
	free(captured);
	captured = strdup(msg);
	captured_n++;
}

static char *long_text(size_t n)
{
	char *s = malloc(n + 1);

	ck_assert_ptr_nonnull(s);
	for (size_t i = 0; i < n; i++)
		s[i] = 'a' + i % 26;
	s[n] = '\0';
	return s;
}

START_TEST(log_keeps_messages_longer_than_1_kib)
{
	char *text = long_text(100000);

	ecbpf_set_print(capture);
	ecbpf_log(ECBPF_WARN, "<%s>", text);
	ck_assert_int_eq(captured_n, 1);
	ck_assert_uint_eq(strlen(captured), 100002);
	ck_assert_int_eq(strncmp(captured + 1, text, 100000), 0);
	ck_assert_int_eq(captured[100001], '>');
	/* And the short ones still. */
	ecbpf_log(ECBPF_INFO, "%d", 42);
	ck_assert_str_eq(captured, "42");
	free(text);
}
END_TEST

static libbpf_print_fn_t libbpf_hook;

static void call_libbpf_hook(enum libbpf_print_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	libbpf_hook(level, fmt, ap);
	va_end(ap);
}

START_TEST(libbpf_messages_longer_than_1_kib_are_whole)
{
	char *text = long_text(70000);

	/* The library's hook, as libbpf calls it (a verifier log under --debug). */
	libbpf_hook = libbpf_set_print(NULL);
	libbpf_set_print(libbpf_hook);
	ck_assert_ptr_nonnull(libbpf_hook);
	ecbpf_set_print(capture);
	call_libbpf_hook(LIBBPF_WARN, "prog 'x': %s\n\n", text);
	ck_assert_int_eq(captured_n, 1);
	ck_assert_uint_eq(strlen(captured), strlen("prog 'x': ") + 70000);
	ck_assert_str_eq(captured + strlen("prog 'x': "), text);
	free(text);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("verifier_log");
	TCase *ex = tcase_create("first_error");
	TCase *lg = tcase_create("log");

	tcase_add_test(ex, first_error_6_1_is_the_line_before_processed);
	tcase_add_test(ex, first_error_5_10_before_the_walk_is_the_first_line);
	tcase_add_test(ex, first_error_joins_the_register_remark);
	tcase_add_test(ex, first_error_skips_statistics_and_libbpf_frame);
	tcase_add_test(ex, first_error_leaves_out_the_states_after_it);
	tcase_add_test(ex, first_error_after_calls_and_branches);
	tcase_add_test(ex, first_error_none_in_a_log_without_a_message);
	tcase_add_test(ex, first_error_is_cut_to_the_buffer);
	tcase_add_test(ex, first_error_counts_a_capitalised_processed_as_the_error);
	suite_add_tcase(s, ex);
	tcase_add_test(lg, log_keeps_messages_longer_than_1_kib);
	tcase_add_test(lg, libbpf_messages_longer_than_1_kib_are_whole);
	suite_add_tcase(s, lg);

	return ck_run(s);
}
