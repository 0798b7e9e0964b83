/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * ecbpf metrics: gather the counters of every ecbpf interface (verdicts per
 * slot and action, reasons, programs, sampler, and the components' own
 * counters found among the pins) and render them as Prometheus text or
 * statsd lines.
 */
#ifndef ECBPF_METRICS_H
#define ECBPF_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <ecbpf/ecbpf.h>

#define METRIC_MAX_LABELS 5
#define METRIC_LABEL_LEN 64

enum metric_type { METRIC_COUNTER, METRIC_GAUGE };

struct metric_family {
	char name[96];
	char help[160];
	enum metric_type type;
};

struct metric_sample {
	int family;
	int n_labels;
	char key[METRIC_MAX_LABELS][24];
	char val[METRIC_MAX_LABELS][METRIC_LABEL_LEN];
	uint64_t value;
};

struct metrics {
	struct metric_family *fam;
	int n_fam, cap_fam;
	struct metric_sample *smp;
	int n_smp, cap_smp;
};

/*
 * A component's counter map, exported when it exists: pinned at
 * <pin dir>/<component>/<map>, or held by the program named PROG in a slot.
 * Every 64-bit member of the value (named through the map's BTF; the elements
 * of a 64-bit array member named by NAMES) becomes a counter
 * <prefix>_<member>_total; a plain 64-bit value becomes <prefix>_total.
 * Per-CPU values are summed. KEY_LABEL names the key of a map with more than
 * one entry (shown plus KEY_OFFSET; entries whose counters are all zero are
 * left out). BASE_MAP, with the same keys, holds counts carried over from
 * earlier program instances in the first 64 bits of its value: they are added.
 * IN_ONE_VALUE: the map has one entry whose value holds a 64-bit counter
 * per key (xdp_fw's fw_hits): key i's at SLOT_OF(i), or at i without it;
 * SLOT_OF must map every block of 64 keys onto itself.
 */
struct component_counters {
	const char *component;		/* pin sub-directory, or NULL with PROG */
	const char *prog;		/* program name in a slot, or NULL with COMPONENT */
	const char *map;
	const char *prefix;
	const char *key_label;		/* NULL: one entry, key 0 */
	uint32_t key_offset;
	const char *const *names;	/* element names of an array member; NULL-terminated */
	const char *base_map;
	const char *help;
	bool in_one_value;		/* one entry: a 64-bit counter per key */
	uint32_t (*slot_of)(uint32_t key);	/* with IN_ONE_VALUE: key's counter; NULL: the key */
};

extern const struct component_counters metrics_components[];

void metrics_init(struct metrics *m);
void metrics_free(struct metrics *m);
/* Index of the family NAME, registering it on first use; negative errno on failure. */
int metrics_family(struct metrics *m, const char *name, enum metric_type type, const char *help);
/* Add a sample to FAMILY with label pairs (key, value, ..., NULL). */
int metrics_add(struct metrics *m, int family, uint64_t value, ...);

/* Gather everything about the interfaces (N of them). */
int metrics_collect(struct metrics *m, const struct ecbpf_iface *ifcs, int n);
/* Gather the samples of one status (exposed for tests). */
int metrics_from_status(struct metrics *m, const struct ecbpf_status *st);

/* Prometheus text exposition format 0.0.4; malloc'd, *LEN set. NULL on ENOMEM. */
char *metrics_prometheus(const struct metrics *m, size_t *len);
/*
 * statsd lines, one per sample ("prefix.family.label1.label2:value|c"): counters
 * as the increase since PREV (all of it when PREV has no such sample or the
 * counter went down), gauges as values. Info metrics (labels only) are left out.
 */
char *metrics_statsd(const struct metrics *m, const struct metrics *prev, const char *prefix,
		     size_t *len);

#endif
