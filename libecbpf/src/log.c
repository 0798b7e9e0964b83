// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* One log hook for the library and the tools, in libbpf's print-callback style. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>
#include <ecbpf/ecbpf.h>
#include "internal.h"

static bool debug_on;

static void default_print(enum ecbpf_log_level level, const char *msg)
{
	if (level == ECBPF_DEBUG && !debug_on)
		return;
	fprintf(stderr, "%s\n", msg);
}

static ecbpf_print_fn print_fn = default_print;

ecbpf_print_fn ecbpf_set_print(ecbpf_print_fn fn)
{
	ecbpf_print_fn old = print_fn;

	print_fn = fn ? fn : default_print;
	return old;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char buf[1024];
	size_t n;

	if (level == LIBBPF_DEBUG && !debug_on)
		return 0;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	while (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	/* libbpf's warnings are detail behind our one-line error: show them only in debug. */
	print_fn(ECBPF_DEBUG, buf);
	return 0;
}

void ecbpf_set_debug(bool on)
{
	debug_on = on;
}

bool ecbpf_debug_enabled(void)
{
	return debug_on;
}

__attribute__((constructor)) static void log_init(void)
{
	libbpf_set_print(libbpf_print);
}

void ecbpf_log(enum ecbpf_log_level level, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	print_fn(level, buf);
}
