// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* xdp_printk: attach or detach the packet-summary printk subprogram. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <ecbpf/ecbpf.h>
#include "xdp_printk.skel.h"

#define MAX_IFACES 64
#define PROG_NAME "xdp_printk"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: xdp_printk --attach|--detach --interface LIST [--slot N]\n"
		"\n"
		"  -a, --attach            load the printk subprogram into its slot (replaces an older one)\n"
		"  -d, --detach            empty its slot\n"
		"  -i, --interface LIST    comma-separated interfaces\n"
		"  -S, --slot N            slot 0-%d (default %d)\n"
		"  -p, --pin-root DIR      pin root (default %s)\n"
		"  -D, --debug             show libbpf and verifier messages\n"
		"  -h, --help              this text\n"
		"\n"
		"Read the output with: xdp_root_loader --trace\n",
		ECBPF_MAX_SLOTS - 1, ECBPF_SLOT_PRINTK, ECBPF_PIN_ROOT_DEFAULT);
}

static int attach_one(struct ecbpf_iface *ifc, int slot)
{
	struct xdp_printk *skel;
	int err;

	err = ecbpf_iface_lock(ifc);
	if (err)
		return err;
	skel = xdp_printk__open();
	if (!skel) {
		err = -errno;
		goto out;
	}
	skel->rodata->ecbpf_slot = slot;
	err = ecbpf_slot_bind(ifc, skel->obj, "printk");
	if (err) {
		if (err != -ENOENT)
			ecbpf_log(ECBPF_WARN, "%s: cannot load %s: %s", ifc->name, PROG_NAME,
				  strerror(-err));
		goto out;
	}
	/* Logs its own line, with the verifier's reason if the kernel refuses the program. */
	err = ecbpf_skel_load(skel->skeleton);
	if (err)
		goto out;
	err = ecbpf_slot_attach(ifc, slot, bpf_program__fd(skel->progs.xdp_printk), 0);
	if (!err)
		ecbpf_log(ECBPF_INFO, "%s: %s in slot %d", ifc->name, PROG_NAME, slot);
out:
	xdp_printk__destroy(skel);
	ecbpf_iface_unlock(ifc);
	return err;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "attach", no_argument, NULL, 'a' },
		{ "detach", no_argument, NULL, 'd' },
		{ "interface", required_argument, NULL, 'i' },
		{ "slot", required_argument, NULL, 'S' },
		{ "pin-root", required_argument, NULL, 'p' },
		{ "debug", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct ecbpf_iface ifcs[MAX_IFACES];
	const char *list = NULL;
	uint32_t slot = ECBPF_SLOT_PRINTK;
	int op = 0, c, n, err = 0;

	ecbpf_cli_init(argv[0]);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":adi:S:p:Dh", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
		case 'd':
			if (op && op != c) {
				ecbpf_log(ECBPF_WARN, "choose one of --attach and --detach");
				return EX_USAGE;
			}
			op = c;
			break;
		case 'i': list = optarg; break;
		case 'S':
			if (ecbpf_parse_u32(optarg, 0, ECBPF_MAX_SLOTS - 1, &slot)) {
				ecbpf_log(ECBPF_WARN, "invalid slot '%s': expected 0-%d", optarg,
					  ECBPF_MAX_SLOTS - 1);
				return EX_USAGE;
			}
			break;
		case 'p': ecbpf_set_pin_root(optarg); break;
		case 'D': ecbpf_set_debug(true); break;
		case 'h': usage(stdout); return EX_OK;
		default:
			return ecbpf_cli_usage_error(c, argv);
		}
	}
	if (!op || !list || optind < argc) {
		ecbpf_log(ECBPF_WARN, "usage: --attach|--detach --interface LIST (see --help)");
		return EX_USAGE;
	}
	n = ecbpf_cli_ifaces(list, ifcs, MAX_IFACES);
	if (n < 0)
		return n == -EINVAL ? EX_USAGE : ecbpf_exit_code(n);
	for (int i = 0; i < n; i++) {
		int e;

		if (op == 'a') {
			e = attach_one(&ifcs[i], slot);
		} else {
			e = ecbpf_slot_find(&ifcs[i], PROG_NAME);
			if (e >= 0)
				e = ecbpf_slot_detach(&ifcs[i], e, PROG_NAME);
			else
				ecbpf_log(ECBPF_WARN, "%s: %s is not attached", ifcs[i].name,
					  PROG_NAME);
		}
		if (e && !err)
			err = e;
	}
	return ecbpf_exit_code(err);
}
