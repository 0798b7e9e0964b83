// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* xdp_root_loader: attach, detach, report and trace the ecbpf root. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>
#include <jansson.h>
#include <ecbpf/ecbpf.h>

#define MAX_IFACES 64

enum op { OP_NONE, OP_ATTACH, OP_DETACH, OP_STATUS, OP_TRACE, OP_CLEAR, OP_MONITOR };

struct args {
	enum op op;
	const char *ifaces;
	bool generic, force, nop, json;
	int monitor_slot;
	bool monitor_on;
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: xdp_root_loader --attach|--detach|--status|--trace|--clear [options]\n"
		"\n"
		"Operations:\n"
		"  -a, --attach            attach the root (or upgrade it atomically, keeping its slots)\n"
		"  -d, --detach            detach the root and remove its pins\n"
		"  -s, --status            print the slot table (all interfaces if none given)\n"
		"  -t, --trace             follow the kernel trace pipe (xdp_printk output)\n"
		"  -c, --clear             zero the verdict counters (with --status: after printing)\n"
		"      --monitor SLOT      put SLOT in monitor mode (count, do not enforce)\n"
		"      --enforce SLOT      take SLOT out of monitor mode\n"
		"Options:\n"
		"  -i, --interface LIST    comma-separated interfaces (names up to 15 characters)\n"
		"  -g, --generic           attach in generic (SKB) mode instead of native\n"
		"  -f, --force             replace a foreign XDP program or stale pins\n"
		"  -n, --nop               on detach, leave a pass-only program attached\n"
		"  -j, --json              status as JSON\n"
		"  -p, --pin-root DIR      pin root (default %s, or $%s)\n"
		"  -D, --debug             show libbpf and verifier messages\n"
		"  -h, --help              this text\n"
		"\n"
		"Exit codes follow sysexits.h: 64 usage, 65 bad data, 66 unknown interface,\n"
		"69 root not attached, 73 interface busy (foreign program, stale pins), 77 permission.\n",
		ECBPF_PIN_ROOT_DEFAULT, ECBPF_PIN_ROOT_ENV);
}

static int parse_args(int argc, char **argv, struct args *a, bool *clear_after)
{
	bool want[OP_MONITOR + 1] = {};
	int nops = 0;
	static const struct option opts[] = {
		{ "attach", no_argument, NULL, 'a' },
		{ "detach", no_argument, NULL, 'd' },
		{ "status", no_argument, NULL, 's' },
		{ "trace", no_argument, NULL, 't' },
		{ "clear", no_argument, NULL, 'c' },
		{ "monitor", required_argument, NULL, 'M' },
		{ "enforce", required_argument, NULL, 'E' },
		{ "interface", required_argument, NULL, 'i' },
		{ "generic", no_argument, NULL, 'g' },
		{ "force", no_argument, NULL, 'f' },
		{ "nop", no_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "pin-root", required_argument, NULL, 'p' },
		{ "debug", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	uint32_t slot;
	int c;

	memset(a, 0, sizeof(*a));
	*clear_after = false;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":adstci:gfnjp:Dh", opts, NULL)) != -1) {
		switch (c) {
		case 'a': want[OP_ATTACH] = true; break;
		case 'd': want[OP_DETACH] = true; break;
		case 's': want[OP_STATUS] = true; break;
		case 't': want[OP_TRACE] = true; break;
		case 'c': want[OP_CLEAR] = true; break;
		case 'M':
		case 'E':
			want[OP_MONITOR] = true;
			if (ecbpf_parse_u32(optarg, 0, ECBPF_MAX_SLOTS - 1, &slot)) {
				ecbpf_log(ECBPF_WARN, "invalid slot '%s': expected 0-%d", optarg,
					  ECBPF_MAX_SLOTS - 1);
				return -EINVAL;
			}
			a->monitor_slot = slot;
			a->monitor_on = c == 'M';
			break;
		case 'i': a->ifaces = optarg; break;
		case 'g': a->generic = true; break;
		case 'f': a->force = true; break;
		case 'n': a->nop = true; break;
		case 'j': a->json = true; break;
		case 'p': ecbpf_set_pin_root(optarg); break;
		case 'D': ecbpf_set_debug(true); break;
		case 'h': usage(stdout); exit(EX_OK);
		default:
			ecbpf_cli_usage_error(c, argv);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		ecbpf_log(ECBPF_WARN, "unexpected argument '%s' (see --help)", argv[optind]);
		return -EINVAL;
	}
	/* --status --clear prints, then zeroes; otherwise one operation at a time. */
	*clear_after = want[OP_STATUS] && want[OP_CLEAR];
	if (*clear_after)
		want[OP_CLEAR] = false;
	for (int op = OP_ATTACH; op <= OP_MONITOR; op++) {
		if (want[op]) {
			a->op = op;
			nops++;
		}
	}
	if (nops != 1) {
		ecbpf_log(ECBPF_WARN, "%s: --attach, --detach, --status, --trace, --clear or --monitor/--enforce (see --help)",
			  nops ? "choose one operation" : "no operation given");
		return -EINVAL;
	}
	if ((a->op == OP_ATTACH || a->op == OP_DETACH || a->op == OP_MONITOR) && !a->ifaces) {
		ecbpf_log(ECBPF_WARN, "--interface is required for this operation");
		return -EINVAL;
	}
	return 0;
}

static int do_attach(struct ecbpf_iface *ifc, const struct args *a)
{
	struct ecbpf_attach_opts o = {
		.mode = a->generic ? ECBPF_MODE_GENERIC : ECBPF_MODE_NATIVE,
		.force = a->force,
	};
	int err = ecbpf_root_attach(ifc, &o);

	if (err)
		return err;
	if (o.replaced[0])
		ecbpf_log(ECBPF_INFO, "%s: replaced %s", ifc->name, o.replaced);
	if (o.repaired[0])
		ecbpf_log(ECBPF_INFO, "%s: repaired %s", ifc->name, o.repaired);
	ecbpf_log(ECBPF_INFO, "%s: root %s (%s mode)", ifc->name,
		  o.upgraded ? "upgraded in place, slots kept" : "attached",
		  a->generic ? "generic" : "native");
	return 0;
}

/* All interfaces of this namespace except loopback, for --status without --interface. */
static int all_ifaces(struct ecbpf_iface *out, int max)
{
	struct if_nameindex *list = if_nameindex(), *p;
	int n = 0;

	if (!list)
		return -errno;
	for (p = list; p->if_index && n < max; p++) {
		if (!strcmp(p->if_name, "lo"))
			continue;
		if (!ecbpf_iface_open(p->if_name, &out[n]))
			n++;
	}
	if_freenameindex(list);
	return n;
}

static int do_status(struct ecbpf_iface *ifcs, int n, const struct args *a, bool clear_after)
{
	json_t *arr = a->json ? json_array() : NULL;
	int err = 0, first_err = 0;

	for (int i = 0; i < n; i++) {
		struct ecbpf_status st;

		err = ecbpf_status_read(&ifcs[i], &st);
		if (err) {
			first_err = first_err ? first_err : err;
			continue;
		}
		if (arr)
			json_array_append_new(arr, ecbpf_status_json(&st));
		else
			ecbpf_status_print(stdout, &st);
		if (clear_after && st.attached)
			ecbpf_stats_clear(&ifcs[i]);
	}
	if (arr)
		ecbpf_json_dump(json_pack("{s:o}", "interfaces", arr), stdout);
	return first_err;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = sig;
}

static int do_trace(void)
{
	static const char *const pipes[] = { "/sys/kernel/tracing/trace_pipe",
					     "/sys/kernel/debug/tracing/trace_pipe" };
	struct sigaction sa = { .sa_handler = on_signal };
	char buf[4096];
	int fd = -1;

	for (size_t i = 0; i < sizeof(pipes) / sizeof(pipes[0]) && fd < 0; i++)
		fd = open(pipes[i], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ecbpf_log(ECBPF_WARN, "cannot open the trace pipe (is tracefs mounted?): %s",
			  strerror(errno));
		return -errno;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	while (!stop) {
		ssize_t len = read(fd, buf, sizeof(buf));

		if (len <= 0) {
			if (len < 0 && errno == EINTR)
				continue;
			break;
		}
		fwrite(buf, 1, len, stdout);
		fflush(stdout);
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	struct ecbpf_iface ifcs[MAX_IFACES];
	bool clear_after;
	struct args a;
	int n = 0, err = 0;

	ecbpf_cli_init(argv[0]);
	if (parse_args(argc, argv, &a, &clear_after)) {
		return EX_USAGE;
	}
	if (a.op == OP_TRACE)
		return ecbpf_exit_code(do_trace());

	if (a.ifaces)
		n = ecbpf_cli_ifaces(a.ifaces, ifcs, MAX_IFACES);
	else
		n = all_ifaces(ifcs, MAX_IFACES);
	if (n < 0)
		return n == -EINVAL ? EX_USAGE : ecbpf_exit_code(n);

	if (a.op == OP_STATUS)
		return ecbpf_exit_code(do_status(ifcs, n, &a, clear_after));

	for (int i = 0; i < n; i++) {
		int e = 0;

		switch (a.op) {
		case OP_ATTACH:
			e = do_attach(&ifcs[i], &a);
			break;
		case OP_DETACH:
			e = ecbpf_root_detach(&ifcs[i], a.nop, a.force);
			if (!e)
				ecbpf_log(ECBPF_INFO, "%s: root detached%s", ifcs[i].name,
					  a.nop ? ", pass-only program left attached" : "");
			break;
		case OP_CLEAR:
			e = ecbpf_stats_clear(&ifcs[i]);
			break;
		case OP_MONITOR:
			e = ecbpf_set_monitor(&ifcs[i], a.monitor_slot, a.monitor_on);
			if (!e)
				ecbpf_log(ECBPF_INFO, "%s: slot %d %s", ifcs[i].name,
					  a.monitor_slot,
					  a.monitor_on ? "in monitor mode" : "enforcing");
			break;
		default:
			break;
		}
		if (e && !err)
			err = e;
	}
	return ecbpf_exit_code(err);
}
