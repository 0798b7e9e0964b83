// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * ecbpf_test_slot: put the test slot program (a fixed verdict, or hand-off)
 * into a slot, for integration tests.
 *   ecbpf_test_slot --attach --interface eth0 --slot 3 --action drop|pass|tx|aborted|through
 *   ecbpf_test_slot --detach --interface eth0 --slot 3
 */
#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <sysexits.h>
#include <bpf/libbpf.h>
#include <ecbpf/ecbpf.h>
#include "test_slot.skel.h"

static int action_of(const char *s, uint32_t *out)
{
	static const char *const names[] = { "aborted", "drop", "pass", "tx", "redirect" };

	for (uint32_t i = 0; i < 5; i++)
		if (!strcmp(s, names[i]))
			return *out = i, 0;
	if (!strcmp(s, "through"))
		return *out = 0xff, 0;
	return -EINVAL;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "attach", no_argument, NULL, 'a' }, { "detach", no_argument, NULL, 'd' },
		{ "interface", required_argument, NULL, 'i' },
		{ "slot", required_argument, NULL, 'S' },
		{ "action", required_argument, NULL, 'A' },
		{ "force", no_argument, NULL, 'f' }, {}
	};
	uint32_t slot = 3, action = 0xff;
	const char *name = NULL;
	struct ecbpf_iface ifc;
	struct test_slot *skel;
	int op = 0, c, err;
	unsigned int flags = 0;

	ecbpf_cli_init(argv[0]);
	while ((c = getopt_long(argc, argv, "adi:S:A:f", opts, NULL)) != -1) {
		switch (c) {
		case 'a': case 'd': op = c; break;
		case 'i': name = optarg; break;
		case 'S':
			if (ecbpf_parse_u32(optarg, 0, ECBPF_MAX_SLOTS - 1, &slot))
				return EX_USAGE;
			break;
		case 'A':
			if (action_of(optarg, &action))
				return EX_USAGE;
			break;
		case 'f': flags |= ECBPF_SLOT_F_FORCE; break;
		default: return EX_USAGE;
		}
	}
	if (!op || !name)
		return EX_USAGE;
	err = ecbpf_iface_open(name, &ifc);
	if (err)
		return ecbpf_exit_code(err);
	if (op == 'd')
		return ecbpf_exit_code(ecbpf_slot_detach(&ifc, slot, "test_slot"));
	err = ecbpf_iface_lock(&ifc);
	if (err)
		return ecbpf_exit_code(err);
	skel = test_slot__open();
	if (!skel)
		return EX_OSERR;
	skel->rodata->ecbpf_slot = slot;
	skel->rodata->test_action = action;
	err = ecbpf_slot_bind(&ifc, skel->obj, "test");
	if (!err)
		err = ecbpf_skel_load(skel->skeleton);
	if (!err)
		err = ecbpf_slot_attach(&ifc, slot, bpf_program__fd(skel->progs.test_slot), flags);
	test_slot__destroy(skel);
	ecbpf_iface_unlock(&ifc);
	return ecbpf_exit_code(err);
}
