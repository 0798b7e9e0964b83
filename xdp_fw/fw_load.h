/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* Loading, swapping and reading xdp_fw generations (one loaded program per rule set). */
#ifndef XDP_FW_LOAD_H
#define XDP_FW_LOAD_H

#include <ecbpf/ecbpf.h>
#include "fw_compile.h"
#include "fw_rules.h"

#define FW_PROG_NAME "xdp_fw"

struct xdp_fw;

/*
 * Load a generation: a new program instance with its own maps, filled from
 * RS/C, built for SLOT and joined to the shared maps SHARED_FDS (ecbpf_shared_maps
 * order). Hit bases come from BASES (NULL: zero). The caller destroys *OUT.
 */
int fw_gen_load(struct xdp_fw **out, const struct fw_ruleset *rs, const struct fw_compiled *c,
		int slot, const int *shared_fds, const uint64_t *bases, uint64_t generation);
int fw_gen_prog_fd(const struct xdp_fw *skel);
void fw_gen_destroy(struct xdp_fw *skel);

/* The live generation of an interface, read back from the program in its slot. */
struct fw_live {
	int slot;
	uint32_t prog_id;
	struct fw_info info;
	int nrules;
	char **text;		/* canonical text per rule */
	uint64_t *hits;		/* base + per-CPU counts, per rule */
	int hits_fd, base_fd;	/* maps of that generation (-1 if closed) */
	uint64_t *percpu_at_read; /* per-CPU sums at read time, per rule */
};

/* Read the live generation in the slot that holds xdp_fw; -ENOENT if none. */
int fw_live_read(const struct ecbpf_iface *ifc, struct fw_live *live);
void fw_live_free(struct fw_live *live);
/* Per-CPU hit sums of a hits map with N rules into OUT. */
int fw_hits_read(int hits_fd, int n, uint64_t *out);

/* --attach/--update under the interface lock; MONITOR: 1 on, 0 off, -1 keep. */
int fw_install(struct ecbpf_iface *ifc, const struct fw_ruleset *rs, const struct fw_compiled *c,
	       int slot, bool update_only, int monitor);
/* --detach: empty the slot (the generation goes with its program). */
int fw_uninstall(struct ecbpf_iface *ifc);



/*
 * --test: run every frame of PCAP (pcap or pcapng) through root -> fw in a
 * private stack with BPF_PROG_TEST_RUN, print one line per frame and a
 * summary on OUT. Returns 0, 1 if an expectation failed, or a negative errno.
 */
int fw_test_pcap(const char *pcap, const struct fw_ruleset *rs, const struct fw_compiled *c,
		 int slot, FILE *out);
#endif /* XDP_FW_LOAD_H */
