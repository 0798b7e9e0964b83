/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * xdp_filter, user side without maps: CIDR and ips-file parsing, and the
 * status text and JSON. Kept apart from the loader so the unit tests can
 * drive it without a kernel.
 */
#ifndef XDP_FILTER_LIB_H
#define XDP_FILTER_LIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <net/if.h>
#include "filter_shared.h"

struct filter_prefix {
	int family;			/* AF_INET or AF_INET6 */
	uint8_t addr[16];		/* network order, host bits zero */
	uint32_t len;			/* prefix length in bits */
	char tag[FILTER_TAG_LEN];
	uint64_t load_time;		/* status only: CLOCK_REALTIME seconds */
};

struct filter_prefix_list {
	struct filter_prefix *v;
	size_t n, cap;
};

/*
 * Parse "10.0.0.1" (/32), "10.0.0.0/8", "2001:db8::1" (/128) or
 * "2001:db8::/32". Host bits are cleared; *MASKED says whether there were
 * any. Returns 0, -EINVAL (not an address) or -ERANGE (prefix length); no log.
 */
int filter_parse_cidr(const char *s, struct filter_prefix *out, bool *masked);
/* "10.0.0.0/8" */
void filter_format_prefix(const struct filter_prefix *p, char *buf, size_t len);
/* 0 if TAG fits (at most 63 characters, printable, no blanks or commas), else -EINVAL/-ERANGE. */
int filter_check_tag(const char *tag);

int filter_list_add(struct filter_prefix_list *l, const struct filter_prefix *p);
void filter_list_free(struct filter_prefix_list *l);
/* Sort by family, address, length (the order of the status listing). */
void filter_list_sort(struct filter_prefix_list *l);

/*
 * "--ips A,B,... [--tags T|T1,T2,...]": one tag for all prefixes, or one per
 * prefix. Appends to OUT; logs one line and returns -EINVAL/-ERANGE on the
 * first bad item (OUT may then hold part of the input: the caller discards it).
 */
int filter_parse_ips(const char *ips, const char *tags, struct filter_prefix_list *out);
/*
 * An ips file: one CIDR and an optional tag per line; blank lines and
 * '#' comments are skipped. NAME is used in "NAME:LINE: ..." errors.
 */
int filter_parse_ips_file(FILE *f, const char *name, struct filter_prefix_list *out);

/* Set the hint bits of every source bucket that prefix P can match. */
void filter_hint_mark(struct filter_src_hint *h, const struct filter_prefix *p);

/* Everything --status shows for one interface. */
struct filter_status {
	char ifname[IF_NAMESIZE];
	bool loaded;			/* the filter's pinned state exists */
	int slot;			/* slot holding the program, -1 if none */
	uint32_t prog_id;
	struct filter_config cfg;
	struct filter_stats stats;
	struct filter_prefix_list drops;
};

const char *filter_counter_name(int idx);
/* The reference status text. */
void filter_status_print(FILE *out, const struct filter_status *st);
/* The same facts as a jansson object (void * keeps jansson out of this header). */
void *filter_status_json(const struct filter_status *st);

#endif /* XDP_FILTER_LIB_H */
