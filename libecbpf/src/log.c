// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* One log hook for the library and the tools, in libbpf's print-callback style. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
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

/*
 * Format into BUF (LEN bytes), or into a malloc'd string when the message is
 * longer (a verifier log is megabytes); *HEAP is that string, for free().
 * Without memory the message is cut to BUF rather than lost.
 */
__attribute__((format(printf, 4, 0))) static char *format(char *buf, size_t len, char **heap,
							  const char *fmt, va_list ap)
{
	va_list again;
	int n;

	*heap = NULL;
	va_copy(again, ap);
	n = vsnprintf(buf, len, fmt, again);
	va_end(again);
	if (n < 0) {
		snprintf(buf, len, "(unprintable message: %s)", fmt);
		return buf;
	}
	if ((size_t)n < len)
		return buf;
	*heap = malloc((size_t)n + 1);
	if (!*heap)
		return buf;
	vsnprintf(*heap, (size_t)n + 1, fmt, ap);
	return *heap;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char buf[1024], *heap, *msg;
	size_t n;

	if (level == LIBBPF_DEBUG && !debug_on)
		return 0;
	msg = format(buf, sizeof(buf), &heap, fmt, ap);
	n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	/* libbpf's warnings are detail behind our one-line error: show them only in debug. */
	print_fn(ECBPF_DEBUG, msg);
	free(heap);
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
	char buf[1024], *heap, *msg;
	va_list ap;

	va_start(ap, fmt);
	msg = format(buf, sizeof(buf), &heap, fmt, ap);
	va_end(ap);
	print_fn(level, msg);
	free(heap);
}
