// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * xdp_root_loader's option errors: each exits 64 (EX_USAGE) with one line on
 * stderr, prefixed with the tool name, and nothing on stdout. No option error
 * may touch an interface, so these run without a lab.
 */
#define _GNU_SOURCE
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <sys/wait.h>
#include <unistd.h>
#include "ck_run.h"

struct result {
	int status;
	char out[8192];
	char err[8192];
};

static void slurp(int fd, char *buf, size_t len)
{
	size_t n = 0;
	ssize_t r;

	while (n + 1 < len && (r = read(fd, buf + n, len - 1 - n)) > 0)
		n += r;
	buf[n] = '\0';
}

/* Run xdp_root_loader with the NULL-terminated arguments. */
static struct result *loader(const char *arg, ...)
{
	static struct result res;
	const char *argv[32] = { "xdp_root_loader" };
	const char *build = getenv("BUILD");
	char path[512];
	int out[2], err[2], n = 1;
	va_list ap;
	pid_t pid;

	va_start(ap, arg);
	for (const char *a = arg; a && n < 31; a = va_arg(ap, const char *))
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	snprintf(path, sizeof(path), "%s/xdp_root/xdp_root_loader", build ? build : ".");
	ck_assert_int_eq(pipe(out), 0);
	ck_assert_int_eq(pipe(err), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		dup2(out[1], 1);
		dup2(err[1], 2);
		close(out[0]);
		close(err[0]);
		/* A pin root that cannot exist: an option error must not get that far. */
		setenv("ECBPF_PIN_ROOT", "/nonexistent/ecbpf-options-test", 1);
		execv(path, (char *const *)argv);
		fprintf(stderr, "exec %s: %m\n", path);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	slurp(out[0], res.out, sizeof(res.out));
	slurp(err[0], res.err, sizeof(res.err));
	close(out[0]);
	close(err[0]);
	ck_assert_int_eq(waitpid(pid, &res.status, 0), pid);
	return &res;
}

/* Exit 64, nothing on stdout, exactly one stderr line with the tool prefix and NEEDLE. */
static void assert_usage_error(const struct result *r, const char *needle)
{
	const char *nl = strchr(r->err, '\n');

	ck_assert_msg(WIFEXITED(r->status) && WEXITSTATUS(r->status) == EX_USAGE,
		      "exit status %d, expected %d; stderr: %s", WEXITSTATUS(r->status), EX_USAGE,
		      r->err);
	ck_assert_msg(r->out[0] == '\0', "stdout not empty: %s", r->out);
	ck_assert_msg(nl && nl[1] == '\0', "not one line on stderr: '%s'", r->err);
	ck_assert_msg(!strncmp(r->err, "xdp_root_loader: ", 17), "no tool prefix: %s", r->err);
	ck_assert_msg(strstr(r->err, needle), "'%s' not in '%s'", needle, r->err);
}

START_TEST(unknown_option_is_a_usage_error)
{
	assert_usage_error(loader("--attach", "--interface", "lo", "--frobnicate", NULL),
			   "unknown option '--frobnicate'");
	assert_usage_error(loader("-Z", NULL), "unknown option");
}
END_TEST

START_TEST(missing_option_argument_is_a_usage_error)
{
	assert_usage_error(loader("--attach", "--interface", NULL), "needs an argument");
}
END_TEST

START_TEST(attach_without_interface_is_a_usage_error)
{
	assert_usage_error(loader("--attach", NULL), "--interface");
	assert_usage_error(loader("--detach", NULL), "--interface");
}
END_TEST

START_TEST(two_operations_are_a_usage_error)
{
	assert_usage_error(loader("--attach", "--detach", "--interface", "lo", NULL),
			   "choose one operation");
	assert_usage_error(loader("--status", "--trace", NULL), "choose one operation");
	assert_usage_error(loader("--attach", "--monitor", "3", "--interface", "lo", NULL),
			   "choose one operation");
}
END_TEST

START_TEST(no_operation_is_a_usage_error)
{
	assert_usage_error(loader("--interface", "lo", NULL), "no operation");
	assert_usage_error(loader(NULL), "no operation");
}
END_TEST

START_TEST(bad_monitor_slot_is_a_usage_error)
{
	assert_usage_error(loader("--monitor", "8", "--interface", "lo", NULL), "invalid slot '8'");
	assert_usage_error(loader("--monitor", "-1", "--interface", "lo", NULL),
			   "invalid slot '-1'");
	assert_usage_error(loader("--enforce", "two", "--interface", "lo", NULL),
			   "invalid slot 'two'");
}
END_TEST

START_TEST(stray_argument_is_a_usage_error)
{
	assert_usage_error(loader("--status", "eth0", NULL), "unexpected argument 'eth0'");
}
END_TEST

START_TEST(bad_interface_list_is_a_usage_error)
{
	assert_usage_error(loader("--status", "--interface", "eth0,,eth1", NULL),
			   "invalid interface list");
	assert_usage_error(loader("--attach", "--interface", "abcdefghijklmnop", NULL),
			   "invalid interface list");
}
END_TEST

START_TEST(help_prints_usage_on_stdout)
{
	struct result *r = loader("--help", NULL);

	ck_assert(WIFEXITED(r->status) && WEXITSTATUS(r->status) == EX_OK);
	ck_assert_ptr_nonnull(strstr(r->out, "Usage: xdp_root_loader"));
	ck_assert_ptr_nonnull(strstr(r->out, "--interface"));
	ck_assert_str_eq(r->err, "");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("root_loader_options");
	TCase *tc = tcase_create("options");

	tcase_add_test(tc, unknown_option_is_a_usage_error);
	tcase_add_test(tc, missing_option_argument_is_a_usage_error);
	tcase_add_test(tc, attach_without_interface_is_a_usage_error);
	tcase_add_test(tc, two_operations_are_a_usage_error);
	tcase_add_test(tc, no_operation_is_a_usage_error);
	tcase_add_test(tc, bad_monitor_slot_is_a_usage_error);
	tcase_add_test(tc, stray_argument_is_a_usage_error);
	tcase_add_test(tc, bad_interface_list_is_a_usage_error);
	tcase_add_test(tc, help_prints_usage_on_stdout);
	suite_add_tcase(s, tc);
	return ck_run(s);
}
