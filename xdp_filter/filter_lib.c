// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* xdp_filter: CIDR and ips-file parsing, status text and JSON (no maps here). */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <jansson.h>
#include <ecbpf/ecbpf.h>
#include "filter_lib.h"

static const char *const counter_names[FILTER_C_MAX] = { FILTER_COUNTER_NAMES };
_Static_assert(sizeof(counter_names) / sizeof(counter_names[0]) == FILTER_C_MAX,
	       "one name per counter");

const char *filter_counter_name(int idx)
{
	return idx >= 0 && idx < FILTER_C_MAX ? counter_names[idx] : "unknown";
}

int filter_parse_cidr(const char *s, struct filter_prefix *out, bool *masked)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	uint32_t max, len;
	int family;

	memset(out, 0, sizeof(*out));
	*masked = false;
	if (!alen || alen >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(family, addr, out->addr) != 1)
		return -EINVAL;
	max = family == AF_INET ? 32 : 128;
	len = max;
	if (slash && ecbpf_parse_u32(slash + 1, 0, max, &len))
		return *(slash + 1) && strspn(slash + 1, "0123456789") == strlen(slash + 1) ?
			       -ERANGE : -EINVAL;
	out->family = family;
	out->len = len;
	for (uint32_t bit = len; bit < max; bit++) {
		uint8_t m = 0x80 >> (bit % 8);

		if (out->addr[bit / 8] & m) {
			*masked = true;
			out->addr[bit / 8] &= ~m;
		}
	}
	return 0;
}

void filter_format_prefix(const struct filter_prefix *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (!inet_ntop(p->family, p->addr, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	snprintf(buf, len, "%s/%u", a, p->len);
}

int filter_check_tag(const char *tag)
{
	if (strlen(tag) >= FILTER_TAG_LEN)
		return -ERANGE;
	for (const char *c = tag; *c; c++)
		if (!isgraph((unsigned char)*c) || *c == ',')
			return -EINVAL;
	return 0;
}

int filter_list_add(struct filter_prefix_list *l, const struct filter_prefix *p)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct filter_prefix *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *p;
	return 0;
}

void filter_list_free(struct filter_prefix_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int prefix_cmp(const void *a, const void *b)
{
	const struct filter_prefix *x = a, *y = b;
	int c;

	if (x->family != y->family)
		return x->family == AF_INET ? -1 : 1;
	c = memcmp(x->addr, y->addr, sizeof(x->addr));
	if (c)
		return c;
	return (x->len > y->len) - (x->len < y->len);
}

void filter_list_sort(struct filter_prefix_list *l)
{
	if (l->n)
		qsort(l->v, l->n, sizeof(*l->v), prefix_cmp);
}

/* Parse one CIDR and TAG (may be NULL) into L; WHERE prefixes the error ("ips", "file:3"). */
static int add_one(struct filter_prefix_list *l, const char *cidr, const char *tag,
		   const char *where)
{
	struct filter_prefix p;
	char buf[64];
	bool masked;
	int err;

	err = filter_parse_cidr(cidr, &p, &masked);
	if (err == -ERANGE) {
		ecbpf_log(ECBPF_WARN, "%s: prefix length out of range in '%s' (IPv4 0-32, IPv6 0-128)",
			  where, cidr);
		return err;
	}
	if (err) {
		ecbpf_log(ECBPF_WARN, "%s: invalid CIDR '%s': expected ADDRESS[/LEN]", where, cidr);
		return err;
	}
	if (tag) {
		err = filter_check_tag(tag);
		if (err) {
			ecbpf_log(ECBPF_WARN,
				  "%s: invalid tag '%.70s%s': at most %d printable characters, no blanks or commas",
				  where, tag, strlen(tag) > 70 ? "..." : "", FILTER_TAG_LEN - 1);
			return err;
		}
		snprintf(p.tag, sizeof(p.tag), "%s", tag);
	}
	if (masked) {
		filter_format_prefix(&p, buf, sizeof(buf));
		ecbpf_log(ECBPF_INFO, "notice: %s has host bits set, using %s", cidr, buf);
	}
	return filter_list_add(l, &p);
}

static size_t count_items(const char *s)
{
	size_t n = 1;

	for (; *s; s++)
		n += *s == ',';
	return n;
}

int filter_parse_ips(const char *ips, const char *tags, struct filter_prefix_list *out)
{
	size_t nips, ntags = 0;
	char *ipcopy = NULL, *tagcopy = NULL, *ip_save, *tag_save, *ip, *tag = NULL;
	int err = 0;

	if (!ips || !*ips) {
		ecbpf_log(ECBPF_WARN, "--ips: empty list");
		return -EINVAL;
	}
	nips = count_items(ips);
	if (tags) {
		ntags = count_items(tags);
		if (ntags != 1 && ntags != nips) {
			ecbpf_log(ECBPF_WARN, "--tags: %zu tags for %zu prefixes: give one tag, or one per prefix",
				  ntags, nips);
			return -EINVAL;
		}
	}
	ipcopy = strdup(ips);
	tagcopy = tags ? strdup(tags) : NULL;
	if (!ipcopy || (tags && !tagcopy)) {
		err = -ENOMEM;
		goto out;
	}
	/* strsep, not strtok: an empty item ("a,,b") is an error, not skipped. */
	ip_save = ipcopy;
	tag_save = tagcopy;
	for (size_t i = 0; i < nips; i++) {
		ip = strsep(&ip_save, ",");
		if (tags && (i == 0 || ntags > 1))
			tag = strsep(&tag_save, ",");
		err = add_one(out, ip, tag, "--ips");
		if (err)
			goto out;
	}
out:
	free(ipcopy);
	free(tagcopy);
	return err;
}

int filter_parse_ips_file(FILE *f, const char *name, struct filter_prefix_list *out)
{
	char *line = NULL, where[300];
	size_t cap = 0;
	unsigned int lineno = 0;
	int err = 0;

	while (getline(&line, &cap, f) >= 0) {
		char *save = NULL, *cidr, *tag, *extra, *hash;

		lineno++;
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		cidr = strtok_r(line, " \t\r\n", &save);
		if (!cidr)
			continue;
		tag = strtok_r(NULL, " \t\r\n", &save);
		extra = strtok_r(NULL, " \t\r\n", &save);
		snprintf(where, sizeof(where), "%s:%u", name, lineno);
		if (extra) {
			ecbpf_log(ECBPF_WARN, "%s: unexpected '%s': expected CIDR [TAG]", where, extra);
			err = -EINVAL;
			break;
		}
		err = add_one(out, cidr, tag, where);
		if (err)
			break;
	}
	if (!err && ferror(f)) {
		err = -EIO;
		ecbpf_log(ECBPF_WARN, "%s: read error", name);
	}
	free(line);
	return err;
}

static void hint_set_range(__u64 *bits, uint32_t first, uint32_t n)
{
	for (uint32_t b = first; b < first + n; b++)
		bits[b / 64] |= 1ULL << (b % 64);
}

void filter_hint_mark(struct filter_src_hint *h, const struct filter_prefix *p)
{
	if (p->family == AF_INET) {
		uint32_t bucket = filter_bucket_v4(p->addr);

		/* A prefix shorter than /16 spans 2^(16 - len) consecutive buckets. */
		if (p->len >= 16)
			hint_set_range(h->v4, bucket, 1);
		else
			hint_set_range(h->v4, bucket & ~((1U << (16 - p->len)) - 1),
				       1U << (16 - p->len));
		return;
	}
	if (p->len >= 32) {
		hint_set_range(h->v6, filter_bucket_v6(p->addr), 1);
	} else if (p->len >= 16) {
		/* First group fixed, second group free in its low 32 - len bits. */
		uint32_t g0 = (uint32_t)p->addr[0] << 8 | p->addr[1];
		uint32_t g1 = (uint32_t)p->addr[2] << 8 | p->addr[3];
		uint32_t span = 1U << (32 - p->len);

		for (uint32_t i = 0; i < span; i++)
			hint_set_range(h->v6, g0 ^ (g1 + i), 1);
	} else {
		hint_set_range(h->v6, 0, FILTER_HINT_BUCKETS);
	}
}

static const char *yes_no(uint32_t v)
{
	return v ? "true" : "false";
}

void filter_status_print(FILE *out, const struct filter_status *st)
{
	char pfx[64], when[64];

	fprintf(out, "=================== Status for interface '%s' ===================\n",
		st->ifname);
	if (!st->loaded) {
		fprintf(out, "xdp_filter is not loaded on interface '%s'.\n", st->ifname);
		return;
	}
	fprintf(out, "Current Configuration:\n\n");
	fprintf(out, "frags_drop? %s\n", yes_no(st->cfg.frags_drop));
	fprintf(out, "ptb_send? %s\n", yes_no(st->cfg.ptb_max_pps));
	fprintf(out, "ptb_max_pps: %u\n", st->cfg.ptb_max_pps);
	if (st->slot >= 0)
		fprintf(out, "slot: %d\n", st->slot);
	else
		fprintf(out, "slot: none (detached, state kept)\n");
	fprintf(out, "\nDrop Maps for interface '%s':\n\n", st->ifname);
	for (size_t i = 0; i < st->drops.n; i++) {
		const struct filter_prefix *p = &st->drops.v[i];

		filter_format_prefix(p, pfx, sizeof(pfx));
		ecbpf_format_time(p->load_time, when, sizeof(when));
		fprintf(out, "%s tag: %s, loaded: %s\n", pfx, p->tag[0] ? p->tag : "-", when);
	}
	fprintf(out, "\nStats for interface '%s':\n\n", st->ifname);
	for (int i = 0; i < FILTER_C_MAX; i++)
		fprintf(out, "%s: %llu\n", counter_names[i], (unsigned long long)st->stats.count[i]);
}

void *filter_status_json(const struct filter_status *st)
{
	json_t *o = json_object(), *cfg, *drops, *stats;
	char pfx[64], when[64];

	if (!o)
		return NULL;
	json_object_set_new(o, "interface", json_string(st->ifname));
	json_object_set_new(o, "loaded", json_boolean(st->loaded));
	if (!st->loaded)
		return o;
	json_object_set_new(o, "attached", json_boolean(st->slot >= 0));
	json_object_set_new(o, "slot", st->slot >= 0 ? json_integer(st->slot) : json_null());
	json_object_set_new(o, "prog_id", json_integer(st->prog_id));

	cfg = json_object();
	json_object_set_new(cfg, "frags_drop", json_boolean(st->cfg.frags_drop));
	json_object_set_new(cfg, "ptb_send", json_boolean(st->cfg.ptb_max_pps));
	json_object_set_new(cfg, "ptb_max_pps", json_integer(st->cfg.ptb_max_pps));
	json_object_set_new(o, "config", cfg);

	drops = json_array();
	for (size_t i = 0; i < st->drops.n; i++) {
		const struct filter_prefix *p = &st->drops.v[i];
		json_t *d = json_object();

		filter_format_prefix(p, pfx, sizeof(pfx));
		ecbpf_format_time(p->load_time, when, sizeof(when));
		json_object_set_new(d, "prefix", json_string(pfx));
		json_object_set_new(d, "tag", json_string(p->tag));
		json_object_set_new(d, "load_time", json_integer((json_int_t)p->load_time));
		json_object_set_new(d, "load_time_text", json_string(when));
		json_array_append_new(drops, d);
	}
	json_object_set_new(o, "drop", drops);

	/* jansson integers are signed 64-bit; counters stay far below 2^63. */
	stats = json_object();
	for (int i = 0; i < FILTER_C_MAX; i++)
		json_object_set_new(stats, counter_names[i],
				    json_integer((json_int_t)st->stats.count[i]));
	json_object_set_new(o, "stats", stats);
	return o;
}
