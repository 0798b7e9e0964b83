// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * ecbpf_skel_load() and ecbpf_object_load() against the kernel: a program the
 * verifier refuses is one line naming it and the verifier's first error, and
 * its whole log goes to $ECBPF_VERIFIER_LOG or, with debug on, to
 * $TMPDIR/ecbpf-verifier-PROG-PID.log; a good program loads with no line.
 */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <sysexits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/libbpf.h>
#include <ecbpf/ecbpf.h>
#include "test_bare.skel.h"
#include "test_verifier.skel.h"
#include "ck_run.h"

#define MAX_LINES 16

static char *lines[MAX_LINES];
static int nlines;
static char tmpdir[64];

/* WARN and INFO lines, what a tool shows without --debug. */
static void capture(enum ecbpf_log_level level, const char *msg)
{
	if (level == ECBPF_DEBUG || nlines == MAX_LINES)
		return;
	lines[nlines] = strdup(msg);
	ck_assert_ptr_nonnull(lines[nlines]);
	nlines++;
}

static void setup(void)
{
	strcpy(tmpdir, "/tmp/ecbpf-vlog-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	setenv("TMPDIR", tmpdir, 1);
	unsetenv(ECBPF_VERIFIER_LOG_ENV);
	ecbpf_set_debug(false);
	ecbpf_set_print(capture);
}

static void teardown(void)
{
	char cmd[128];

	for (int i = 0; i < nlines; i++)
		free(lines[i]);
	nlines = 0;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", tmpdir);
}

/* Open the refused program for CASE (see test_verifier.bpf.c) and try to load it. */
static int load_bad(uint32_t which)
{
	struct test_verifier *skel = test_verifier__open();
	int err;

	ck_assert_ptr_nonnull(skel);
	skel->rodata->verifier_case = which;
	err = ecbpf_skel_load(skel->skeleton);
	test_verifier__destroy(skel);
	return err;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* The "N lines" of the report, commas dropped. */
static long reported_lines(const char *line)
{
	const char *p = strstr(line, "(verifier log: ");
	long n = 0;

	ck_assert_ptr_nonnull(p);
	for (p += strlen("(verifier log: "); *p == ',' || (*p >= '0' && *p <= '9'); p++)
		if (*p != ',')
			n = n * 10 + (*p - '0');
	ck_assert_msg(!strncmp(p, " lines", 6), "no line count in '%s'", line);
	return n;
}

static long count_newlines(const char *s)
{
	long n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void assert_no_files(void)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/ecbpf-verifier-verifier_bad-%ld.log", tmpdir,
		 (long)getpid());
	ck_assert_msg(access(path, F_OK) != 0, "%s written without being asked for", path);
}

START_TEST(refused_program_is_one_line_with_the_first_error)
{
	int err = load_bad(0);

	/* A refusal, told apart from other failures, and EX_SOFTWARE for the tools. */
	ck_assert_int_eq(err, -ENOEXEC);
	ck_assert_int_eq(ecbpf_exit_code(err), EX_SOFTWARE);
	ck_assert_int_eq(nlines, 1);
	ck_assert_msg(!strncmp(lines[0], "cannot load verifier_bad: R", 27), "'%s'", lines[0]);
	ck_assert_msg(strstr(lines[0], " unbounded memory access, make sure to bounds check any "
				       "such access (verifier log: "),
		      "'%s'", lines[0]);
	ck_assert_msg(strstr(lines[0], " lines; --debug or ECBPF_VERIFIER_LOG=FILE writes it)"),
		      "'%s'", lines[0]);
	/* Several hundred instructions of walk: more lines than a screen. */
	ck_assert_int_gt(reported_lines(lines[0]), 100);
	assert_no_files();
}
END_TEST

START_TEST(refused_program_report_joins_the_register_remark)
{
	ck_assert_int_lt(load_bad(1), 0);
	ck_assert_int_eq(nlines, 1);
	ck_assert_msg(strstr(lines[0], "cannot load verifier_bad: invalid access to map value, "
				       "value_size=64 off=65535 size=1; R") == lines[0],
		      "'%s'", lines[0]);
	ck_assert_msg(strstr(lines[0], " max value is outside of the allowed memory range "
				       "(verifier log: "),
		      "'%s'", lines[0]);
}
END_TEST

START_TEST(verifier_log_env_writes_the_whole_log)
{
	char path[128], want[200], *log, *err_at;
	size_t len;

	snprintf(path, sizeof(path), "%s/verifier.log", tmpdir);
	setenv(ECBPF_VERIFIER_LOG_ENV, path, 1);
	ck_assert_int_lt(load_bad(0), 0);
	ck_assert_int_eq(nlines, 1);
	snprintf(want, sizeof(want), " lines, written to %s)", path);
	ck_assert_msg(strstr(lines[0], want), "'%s' lacks '%s'", lines[0], want);

	log = read_file(path, &len);
	ck_assert_uint_gt(len, 4096);
	ck_assert_uint_eq(strlen(log), len);
	/* The walk from its first instruction, the error and the statistics. */
	ck_assert_msg(!strncmp(log, "0: (", 4) || strstr(log, "\n0: ("), "log starts '%.80s'", log);
	err_at = strstr(log, "\nR");
	ck_assert_ptr_nonnull(err_at);
	ck_assert_ptr_nonnull(strstr(err_at, " unbounded memory access, make sure to bounds check "
					     "any such access\nprocessed "));
	ck_assert_int_eq(log[len - 1], '\n');
	ck_assert_int_eq(count_newlines(log), reported_lines(lines[0]));
	free(log);
	assert_no_files();
}
END_TEST

START_TEST(debug_writes_the_log_to_tmpdir)
{
	char path[160], want[220], *log;
	size_t len;

	ecbpf_set_debug(true);
	ck_assert_int_lt(load_bad(0), 0);
	ck_assert_int_eq(nlines, 1);
	snprintf(path, sizeof(path), "%s/ecbpf-verifier-verifier_bad-%ld.log", tmpdir,
		 (long)getpid());
	snprintf(want, sizeof(want), ", written to %s)", path);
	ck_assert_msg(strstr(lines[0], want), "'%s' lacks '%s'", lines[0], want);
	log = read_file(path, &len);
	ck_assert_ptr_nonnull(strstr(log, "\nprocessed "));
	ck_assert_int_eq(count_newlines(log), reported_lines(lines[0]));
	free(log);

	/* A second refusal replaces the file rather than failing on it. */
	for (int i = 0; i < nlines; i++)
		free(lines[i]);
	nlines = 0;
	ck_assert_int_lt(load_bad(1), 0);
	ck_assert_int_eq(nlines, 1);
	ck_assert_msg(strstr(lines[0], want), "'%s' lacks '%s'", lines[0], want);
	log = read_file(path, &len);
	ck_assert_ptr_nonnull(strstr(log, "\ninvalid access to map value"));
	free(log);
}
END_TEST

START_TEST(unwritable_log_file_is_said_in_the_line)
{
	char path[128], want[200];

	snprintf(path, sizeof(path), "%s/no/such/dir/verifier.log", tmpdir);
	setenv(ECBPF_VERIFIER_LOG_ENV, path, 1);
	ck_assert_int_lt(load_bad(0), 0);
	ck_assert_int_eq(nlines, 1);
	snprintf(want, sizeof(want), "; cannot write %s: %s)", path, strerror(ENOENT));
	ck_assert_msg(strstr(lines[0], want), "'%s' lacks '%s'", lines[0], want);
	ck_assert_msg(strstr(lines[0], "unbounded memory access"), "'%s'", lines[0]);
}
END_TEST

START_TEST(refused_before_the_verifier_names_the_object)
{
	struct test_verifier *skel = test_verifier__open();
	char want[160];
	int err;

	ck_assert_ptr_nonnull(skel);
	/* An array of no entries: map creation fails, no program reaches the verifier. */
	ck_assert_int_eq(bpf_map__set_max_entries(skel->maps.verifier_values, 0), 0);
	err = ecbpf_object_load(skel->obj);
	test_verifier__destroy(skel);
	ck_assert_int_lt(err, 0);
	ck_assert_int_ne(err, -ENOEXEC);
	ck_assert_int_eq(nlines, 1);
	snprintf(want, sizeof(want), "cannot load test_verifier: %s", strerror(-err));
	ck_assert_str_eq(lines[0], want);
	assert_no_files();
}
END_TEST

START_TEST(good_programs_load_without_a_line)
{
	struct test_bare *skel = test_bare__open();

	ck_assert_ptr_nonnull(skel);
	ecbpf_set_debug(true);
	ck_assert_int_eq(ecbpf_skel_load(skel->skeleton), 0);
	ck_assert_int_ge(bpf_program__fd(skel->progs.bare_pass), 0);
	ck_assert_int_ge(bpf_program__fd(skel->progs.bare_drop), 0);
	ck_assert_int_ge(bpf_program__fd(skel->progs.bare_redirect), 0);
	/* The skeleton's maps are mapped as bpf_object__load_skeleton() does. */
	ck_assert_ptr_nonnull(skel->rodata);
	ck_assert_uint_eq(skel->rodata->redirect_ifindex, 0);
	test_bare__destroy(skel);
	ck_assert_int_eq(nlines, 0);
}
END_TEST

START_TEST(a_callers_log_buffer_is_used)
{
	struct test_verifier *skel = test_verifier__open();
	static char mine[1 << 20];

	ck_assert_ptr_nonnull(skel);
	strcpy(mine, "stale text that must not be read as the log\n");
	ck_assert_int_eq(bpf_program__set_log_buf(skel->progs.verifier_bad, mine, sizeof(mine)), 0);
	ck_assert_int_lt(ecbpf_skel_load(skel->skeleton), 0);
	test_verifier__destroy(skel);
	ck_assert_int_eq(nlines, 1);
	ck_assert_msg(strstr(lines[0], "cannot load verifier_bad: R") == lines[0], "'%s'",
		      lines[0]);
	ck_assert_ptr_nonnull(strstr(mine, "\nprocessed "));
	ck_assert_ptr_null(strstr(mine, "stale text"));
}
END_TEST

START_TEST(bad_arguments_are_einval)
{
	ck_assert_int_eq(ecbpf_object_load(NULL), -EINVAL);
	ck_assert_int_eq(ecbpf_skel_load(NULL), -EINVAL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("bpf_verifier_log");
	TCase *tc = tcase_create("load");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, refused_program_is_one_line_with_the_first_error);
	tcase_add_test(tc, refused_program_report_joins_the_register_remark);
	tcase_add_test(tc, verifier_log_env_writes_the_whole_log);
	tcase_add_test(tc, debug_writes_the_log_to_tmpdir);
	tcase_add_test(tc, unwritable_log_file_is_said_in_the_line);
	tcase_add_test(tc, refused_before_the_verifier_names_the_object);
	tcase_add_test(tc, good_programs_load_without_a_line);
	tcase_add_test(tc, a_callers_log_buffer_is_used);
	tcase_add_test(tc, bad_arguments_are_einval);
	suite_add_tcase(s, tc);

	return ck_run(s);
}
