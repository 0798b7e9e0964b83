// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* What every tool needs: a named log prefix, interface lists, JSON output, numbers. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <getopt.h>
#include <sysexits.h>
#include <jansson.h>
#include <ecbpf/ecbpf.h>
#include "internal.h"

static const char *prog_name = "ecbpf";

static void cli_print(enum ecbpf_log_level level, const char *msg)
{
	if (level == ECBPF_DEBUG && !ecbpf_debug_enabled())
		return;
	fprintf(stderr, "%s: %s\n", prog_name, msg);
}

void ecbpf_cli_init(const char *progname)
{
	const char *slash = strrchr(progname, '/');

	prog_name = slash ? slash + 1 : progname;
	if (getenv("ECBPF_DEBUG"))
		ecbpf_set_debug(true);
	ecbpf_set_print(cli_print);
}

int ecbpf_cli_ifaces(const char *list, struct ecbpf_iface *out, int max)
{
	char names[64][IF_NAMESIZE];
	int n, err;

	if (max > 64)
		max = 64;
	n = ecbpf_parse_iface_list(list, names, max);
	if (n < 0) {
		ecbpf_log(ECBPF_WARN,
			  "invalid interface list '%s': expected names of 1-%d characters separated by commas",
			  list ? list : "", IF_NAMESIZE - 1);
		return n;
	}
	for (int i = 0; i < n; i++) {
		err = ecbpf_iface_open(names[i], &out[i]);
		if (err)
			return err;
	}
	return n;
}

int ecbpf_cli_usage_error(int c, char *const *argv)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "";

	if (c == ':')
		ecbpf_log(ECBPF_WARN, "option '%s' needs an argument", arg);
	else
		ecbpf_log(ECBPF_WARN, "unknown option '%s' (see --help)", arg);
	return EX_USAGE;
}

int ecbpf_json_dump(void *json, FILE *out)
{
	int err;

	if (!json)
		return -ENOMEM;
	err = json_dumpf(json, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', out);
	json_decref(json);
	return err ? -EIO : 0;
}

int ecbpf_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	unsigned long long v;
	char *end;

	/* Digits only: strtoull alone would take " 1", "+1" and wrap "-1". */
	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end || errno)
		return errno == ERANGE ? -ERANGE : -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}
