// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* Gather ecbpf counters and render them as Prometheus text or statsd lines. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "metrics.h"
#include "filter_shared.h"
#include "fw_shared.h"

/* Names of the filter_stats elements (xdp_filter/filter_shared.h), "_count" dropped below. */
static const char *const filter_names[] = { FILTER_COUNTER_NAMES, NULL };

/* Components' counter maps; a component that is not loaded has no maps and no metrics. */
const struct component_counters metrics_components[] = {
	{ .component = FILTER_COMPONENT, .map = "filter_stats", .prefix = "ecbpf_filter",
	  .names = filter_names, .help = "xdp_filter counter" },
	/* xdp_fw pins nothing: its maps are found through its program (FW_PROG_NAME). */
	{ .prog = "xdp_fw", .map = "fw_hits", .prefix = "ecbpf_fw_rule_hits",
	  .key_label = "rule", .key_offset = 1, .base_map = "fw_rule_base", .in_one_value = true,
	  .slot_of = fw_hit_slot,
	  .help = "Packets matched by an xdp_fw rule (numbered from 1, as in xdp_fw --stats)" },
	{}
};

void metrics_init(struct metrics *m)
{
	memset(m, 0, sizeof(*m));
}

void metrics_free(struct metrics *m)
{
	free(m->fam);
	free(m->smp);
	metrics_init(m);
}

static int grow(void **arr, int *cap, int need, size_t size)
{
	void *p;
	int n;

	if (need <= *cap)
		return 0;
	n = *cap ? *cap * 2 : 64;
	p = realloc(*arr, (size_t)n * size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = n;
	return 0;
}

int metrics_family(struct metrics *m, const char *name, enum metric_type type, const char *help)
{
	struct metric_family *f;

	for (int i = 0; i < m->n_fam; i++)
		if (!strcmp(m->fam[i].name, name))
			return i;
	if (grow((void **)&m->fam, &m->cap_fam, m->n_fam + 1, sizeof(*m->fam)))
		return -ENOMEM;
	f = &m->fam[m->n_fam];
	snprintf(f->name, sizeof(f->name), "%s", name);
	snprintf(f->help, sizeof(f->help), "%s", help);
	f->type = type;
	return m->n_fam++;
}

int metrics_add(struct metrics *m, int family, uint64_t value, ...)
{
	struct metric_sample *s;
	const char *k;
	va_list ap;

	if (family < 0)
		return family;
	if (grow((void **)&m->smp, &m->cap_smp, m->n_smp + 1, sizeof(*m->smp)))
		return -ENOMEM;
	s = &m->smp[m->n_smp++];
	memset(s, 0, sizeof(*s));
	s->family = family;
	s->value = value;
	va_start(ap, value);
	while ((k = va_arg(ap, const char *)) && s->n_labels < METRIC_MAX_LABELS) {
		const char *v = va_arg(ap, const char *);

		snprintf(s->key[s->n_labels], sizeof(s->key[0]), "%s", k);
		snprintf(s->val[s->n_labels], sizeof(s->val[0]), "%s", v ? v : "");
		s->n_labels++;
	}
	va_end(ap);
	return 0;
}

/* ---- ecbpf status ------------------------------------------------------ */

static int add_counters(struct metrics *m, const char *ifname, const char *slot,
			const struct ecbpf_counter *c, int packets_fam, int bytes_fam)
{
	int err = 0;

	for (int a = 0; a < ECBPF_ACT_MAX && !err; a++) {
		const char *act = ecbpf_action_name(a);

		err = metrics_add(m, packets_fam, c[a].packets, "interface", ifname, "slot", slot,
				  "action", act, NULL);
		if (!err)
			err = metrics_add(m, bytes_fam, c[a].bytes, "interface", ifname, "slot",
					  slot, "action", act, NULL);
	}
	return err;
}

int metrics_from_status(struct metrics *m, const struct ecbpf_status *st)
{
	const char *ifn = st->ifname;
	char num[24], id[16];
	int err, attached, root_info, slot_info, load_time, monitor, pk, by, wpk, wby, rpk, rby;

	attached = metrics_family(m, "ecbpf_root_attached", METRIC_GAUGE,
				  "1 if the ecbpf root program is attached to the interface");
	err = metrics_add(m, attached, st->attached, "interface", ifn, NULL);
	if (err || !st->attached)
		return err;
	root_info = metrics_family(m, "ecbpf_root_info", METRIC_GAUGE,
				   "The root program attached to the interface (value 1)");
	slot_info = metrics_family(m, "ecbpf_slot_info", METRIC_GAUGE,
				   "The program in a slot of the root array (value 1)");
	load_time = metrics_family(m, "ecbpf_slot_load_time_seconds", METRIC_GAUGE,
				   "When the program in the slot was loaded, Unix time");
	monitor = metrics_family(m, "ecbpf_slot_monitor_mode", METRIC_GAUGE,
				 "1 if the slot is in monitor mode (verdicts counted as would_*)");
	pk = metrics_family(m, "ecbpf_xdp_packets_total", METRIC_COUNTER,
			    "Packets by final verdict of a slot (slot=\"root\": the root's own)");
	by = metrics_family(m, "ecbpf_xdp_bytes_total", METRIC_COUNTER,
			    "Bytes by final verdict of a slot (slot=\"root\": the root's own)");
	wpk = metrics_family(m, "ecbpf_xdp_would_packets_total", METRIC_COUNTER,
			     "Packets a slot in monitor mode would have dropped, sent or redirected");
	wby = metrics_family(m, "ecbpf_xdp_would_bytes_total", METRIC_COUNTER,
			     "Bytes a slot in monitor mode would have dropped, sent or redirected");
	rpk = metrics_family(m, "ecbpf_xdp_reason_packets_total", METRIC_COUNTER,
			     "Packets by verdict reason");
	rby = metrics_family(m, "ecbpf_xdp_reason_bytes_total", METRIC_COUNTER,
			     "Bytes by verdict reason");

	snprintf(id, sizeof(id), "%u", st->root.id);
	err = metrics_add(m, root_info, 1, "interface", ifn, "program", st->root.name, "id", id,
			  "tag", st->root.tag, "mode", st->mode, NULL);
	for (int i = 0; i < ECBPF_MAX_SLOTS && !err; i++) {
		const struct ecbpf_slot_status *s = &st->slot[i];

		snprintf(num, sizeof(num), "%d", i);
		if (s->prog.id) {
			snprintf(id, sizeof(id), "%u", s->prog.id);
			err = metrics_add(m, slot_info, 1, "interface", ifn, "slot", num, "program",
					  s->prog.name, "id", id, "tag", s->prog.tag, NULL);
			if (!err)
				err = metrics_add(m, load_time, (uint64_t)s->prog.load_time,
						  "interface", ifn, "slot", num, NULL);
		}
		if (!err)
			err = metrics_add(m, monitor, s->monitor, "interface", ifn, "slot", num,
					  NULL);
		if (!err)
			err = add_counters(m, ifn, num, s->verdict, pk, by);
		if (!err)
			err = add_counters(m, ifn, num, s->would, wpk, wby);
	}
	if (!err)
		err = add_counters(m, ifn, "root", st->root_row.verdict, pk, by);
	for (int r = 0; r < ECBPF_REASON_MAX && !err; r++) {
		const char *name = ecbpf_reason_name(r);

		/* Named reasons always (a stable set of series), others once they occur. */
		if (!st->reason[r].packets && !strncmp(name, "reason_", 7))
			continue;
		err = metrics_add(m, rpk, st->reason[r].packets, "interface", ifn, "reason", name,
				  NULL);
		if (!err)
			err = metrics_add(m, rby, st->reason[r].bytes, "interface", ifn, "reason",
					  name, NULL);
	}
	if (err)
		return err;
	err = metrics_add(m, metrics_family(m, "ecbpf_sampler_rate", METRIC_GAUGE,
					    "Sampling rate: 1 verdict in N is sampled, 0 = off"),
			  st->sample_rate, "interface", ifn, NULL);
	if (!err)
		err = metrics_add(m, metrics_family(m, "ecbpf_sampler_snaplen_bytes", METRIC_GAUGE,
						    "Bytes of each sampled frame kept"),
				  st->snaplen, "interface", ifn, NULL);
	if (!err)
		err = metrics_add(m, metrics_family(m, "ecbpf_sampler_samples_total",
						    METRIC_COUNTER,
						    "Samples written to the sample buffer"),
				  st->samples_sent, "interface", ifn, NULL);
	if (!err)
		err = metrics_add(m, metrics_family(m, "ecbpf_sampler_lost_total", METRIC_COUNTER,
						    "Samples lost: the buffer was full (slow reader)"),
				  st->samples_lost, "interface", ifn, NULL);
	if (!err)
		err = metrics_add(m, metrics_family(m, "ecbpf_sampler_no_reader_total",
						    METRIC_COUNTER,
						    "Samples not taken: no xdp_sampler was reading"),
				  st->samples_noreader, "interface", ifn, NULL);
	return err;
}

/* ---- components' counters -------------------------------------------- */

struct counter_field {
	char name[64];
	uint32_t offset;
};

#define MAX_FIELDS 64

static const struct btf_type *skip_mods(const struct btf *btf, __u32 id)
{
	const struct btf_type *t = btf__type_by_id(btf, id);

	while (t && (btf_is_mod(t) || btf_is_typedef(t)))
		t = btf__type_by_id(btf, t->type);
	return t;
}

static bool is_u64(const struct btf_type *t)
{
	return t && btf_is_int(t) && t->size == 8;
}

static void add_field(struct counter_field *f, int *n, const char *name, uint32_t offset)
{
	size_t len = strlen(name);

	if (*n >= MAX_FIELDS)
		return;
	/* Reference names end in _count; the metric gets _total instead. */
	if (len > 6 && !strcmp(name + len - 6, "_count"))
		len -= 6;
	snprintf(f[*n].name, sizeof(f[*n].name), "%.*s", (int)len, name);
	f[*n].offset = offset;
	(*n)++;
}

/* The 64-bit counters in a map value, named through its BTF (or NAMES for an array). */
static int counter_fields(const struct bpf_map_info *info, const char *const *names,
			  struct counter_field *f)
{
	const struct btf_type *t;
	struct btf *btf;
	int n = 0;

	if (!info->btf_id || !info->btf_value_type_id) {
		if (info->value_size == 8)
			add_field(f, &n, "", 0);
		return n;
	}
	btf = btf__load_from_kernel_by_id(info->btf_id);
	if (!btf)
		return -errno;
	t = skip_mods(btf, info->btf_value_type_id);
	if (is_u64(t)) {
		add_field(f, &n, "", 0);
	} else if (t && btf_is_struct(t)) {
		const struct btf_member *mb = btf_members(t);

		for (int i = 0; i < btf_vlen(t); i++, mb++) {
			const struct btf_type *mt = skip_mods(btf, mb->type);
			uint32_t off = btf_member_bit_offset(t, i) / 8;

			if (btf_member_bitfield_size(t, i))
				continue;
			if (is_u64(mt)) {
				add_field(f, &n, btf__name_by_offset(btf, mb->name_off), off);
			} else if (mt && btf_is_array(mt) && names &&
				   is_u64(skip_mods(btf, btf_array(mt)->type))) {
				for (__u32 e = 0; e < btf_array(mt)->nelems && names[e]; e++)
					add_field(f, &n, names[e], off + e * 8);
			}
		}
	}
	btf__free(btf);
	return n;
}

static void counter_name(char *buf, size_t len, const char *prefix, const char *field)
{
	snprintf(buf, len, "%.40s%s%.60s_total", prefix, *field ? "_" : "", field);
}

static void key_string(const void *key, __u32 size, uint32_t offset, char *buf, size_t len)
{
	if (size == 4) {
		snprintf(buf, len, "%llu", (unsigned long long)*(const uint32_t *)key + offset);
	} else if (size == 8) {
		snprintf(buf, len, "%llu", (unsigned long long)*(const uint64_t *)key + offset);
	} else {
		size_t o = 0;

		for (__u32 i = 0; i < size && o + 3 < len; i++)
			o += snprintf(buf + o, len - o, "%02x", ((const uint8_t *)key)[i]);
	}
}

static bool map_percpu(__u32 type)
{
	return type == BPF_MAP_TYPE_PERCPU_ARRAY || type == BPF_MAP_TYPE_PERCPU_HASH ||
	       type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

/* fd of the map NAME held by the program named PROG in a slot; negative if none. */
static int prog_map_fd(const struct ecbpf_iface *ifc, const char *prog, const char *name)
{
	struct bpf_prog_info pinfo = {};
	struct ecbpf_prog_info pi;
	uint32_t plen = sizeof(pinfo), ids[64] = {};
	int slot = ecbpf_slot_find(ifc, prog), pfd, found = -ENOENT;

	if (slot < 0 || ecbpf_slot_info(ifc, slot, &pi) || !pi.id)
		return -ENOENT;
	pfd = bpf_prog_get_fd_by_id(pi.id);
	if (pfd < 0)
		return -errno;
	pinfo.nr_map_ids = 64;
	pinfo.map_ids = (uint64_t)(unsigned long)ids;
	if (bpf_obj_get_info_by_fd(pfd, &pinfo, &plen))
		pinfo.nr_map_ids = 0;
	close(pfd);
	for (uint32_t i = 0; i < pinfo.nr_map_ids && i < 64 && found < 0; i++) {
		struct bpf_map_info minfo = {};
		uint32_t mlen = sizeof(minfo);
		int fd = bpf_map_get_fd_by_id(ids[i]);

		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &minfo, &mlen) && !strcmp(minfo.name, name))
			found = fd;
		else
			close(fd);
	}
	return found;
}

static int component_map_fd(const struct ecbpf_iface *ifc, const struct component_counters *cc,
			    const char *name)
{
	char path[700];
	int fd;

	if (cc->prog)
		return prog_map_fd(ifc, cc->prog, name);
	if (ecbpf_pin_path(ifc, cc->component, name, path, sizeof(path)))
		return -EINVAL;
	fd = bpf_obj_get(path);
	return fd < 0 ? -errno : fd;
}

/* The first 64 bits of BASE's value at KEY (0 if there is none). */
static uint64_t base_count(int base_fd, const void *key)
{
	uint64_t v[64] = {};

	if (base_fd < 0 || bpf_map_lookup_elem(base_fd, key, v))
		return 0;
	return v[0];
}

/*
 * A map of one per-CPU entry whose value is a 64-bit counter per key (at
 * CC's slot_of(key)), with BASE_FD's counts added: one sample per non-zero
 * key.
 */
static int one_value_metrics(struct metrics *m, const struct ecbpf_iface *ifc,
			     const struct component_counters *cc, int fd,
			     const struct bpf_map_info *info, int base_fd)
{
	int ncpu = map_percpu(info->type) ? ecbpf_ncpus() : 1, fam, err = 0;
	size_t per = info->value_size / 8;
	char name[128], keystr[40];
	uint32_t key = 0;
	uint64_t *vals;

	if (ncpu < 0)
		return ncpu;
	vals = calloc((size_t)ncpu * per, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &key, vals)) {
		err = -errno;
		goto out;
	}
	counter_name(name, sizeof(name), cc->prefix, "");
	fam = metrics_family(m, name, METRIC_COUNTER, cc->help);
	for (key = 0; key < per && !err; key++) {
		uint32_t slot = cc->slot_of ? cc->slot_of(key) : key;
		uint64_t sum = base_count(base_fd, &key);

		for (int c = 0; c < ncpu; c++)
			sum += vals[(size_t)c * per + slot];
		if (!sum)
			continue;
		key_string(&key, sizeof(key), cc->key_offset, keystr, sizeof(keystr));
		err = metrics_add(m, fam, sum, "interface", ifc->name, cc->key_label, keystr, NULL);
	}
out:
	free(vals);
	return err;
}

static int component_metrics(struct metrics *m, const struct ecbpf_iface *ifc,
			     const struct component_counters *cc)
{
	struct counter_field fields[MAX_FIELDS];
	int fams[MAX_FIELDS];
	struct bpf_map_info info = {}, binfo = {};
	__u32 ilen = sizeof(info), blen = sizeof(binfo);
	char name[128], help[256], keystr[40];
	uint8_t key[64], next[64];
	uint64_t *vals = NULL, sums[MAX_FIELDS];
	int fd, base_fd = -1, n, ncpu, err = 0;
	size_t stride;
	bool first = true;

	fd = component_map_fd(ifc, cc, cc->map);
	if (fd < 0)
		return 0;	/* component not loaded here: no metrics */
	if (bpf_obj_get_info_by_fd(fd, &info, &ilen) || info.key_size > sizeof(key)) {
		err = -errno;
		goto out;
	}
	n = cc->in_one_value ? 1 : counter_fields(&info, cc->names, fields);
	if (n <= 0)
		goto out;
	if (cc->base_map) {
		base_fd = component_map_fd(ifc, cc, cc->base_map);
		/* Only a base with the same keys and room for a 64-bit count is used. */
		if (base_fd >= 0 && (bpf_obj_get_info_by_fd(base_fd, &binfo, &blen) ||
				     binfo.key_size != info.key_size || binfo.value_size < 8 ||
				     binfo.value_size > 512 || map_percpu(binfo.type))) {
			close(base_fd);
			base_fd = -1;
		}
	}
	if (cc->in_one_value) {
		/*
		 * Whole blocks of 64 counters (what SLOT_OF maps onto itself);
		 * another layout (an older program) has no metrics rather than
		 * wrong ones.
		 */
		if (info.max_entries == 1 && info.key_size == sizeof(uint32_t) &&
		    info.value_size % (64 * sizeof(uint64_t)) == 0)
			err = one_value_metrics(m, ifc, cc, fd, &info, base_fd);
		goto out;
	}
	ncpu = map_percpu(info.type) ? ecbpf_ncpus() : 1;
	stride = (info.value_size + 7) / 8 * 8;
	vals = calloc(ncpu, stride);
	if (!vals) {
		err = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < n; i++) {
		counter_name(name, sizeof(name), cc->prefix, fields[i].name);
		snprintf(help, sizeof(help), "%.80s%s%.60s", cc->help, *fields[i].name ? ": " : "",
			 fields[i].name);
		fams[i] = metrics_family(m, name, METRIC_COUNTER, help);
	}
	while (!bpf_map_get_next_key(fd, first ? NULL : key, next)) {
		bool nonzero = false;

		first = false;
		memcpy(key, next, info.key_size);
		if (bpf_map_lookup_elem(fd, key, vals))
			continue;
		for (int i = 0; i < n; i++) {
			sums[i] = 0;
			for (int c = 0; c < ncpu; c++) {
				uint64_t v;

				memcpy(&v, (uint8_t *)vals + c * stride + fields[i].offset, 8);
				sums[i] += v;
			}
			nonzero |= sums[i] != 0;
		}
		if (base_fd >= 0 && n == 1) {
			sums[0] += base_count(base_fd, key);
			nonzero = sums[0] != 0;
		}
		if (cc->key_label && !nonzero)
			continue;
		key_string(key, info.key_size, cc->key_offset, keystr, sizeof(keystr));
		for (int i = 0; i < n && !err; i++)
			err = cc->key_label ?
				metrics_add(m, fams[i], sums[i], "interface", ifc->name,
					    cc->key_label, keystr, NULL) :
				metrics_add(m, fams[i], sums[i], "interface", ifc->name, NULL);
		if (!cc->key_label)
			break;	/* one entry */
	}
out:
	free(vals);
	if (base_fd >= 0)
		close(base_fd);
	close(fd);
	return err;
}

int metrics_collect(struct metrics *m, const struct ecbpf_iface *ifcs, int n)
{
	struct ecbpf_status *st = malloc(sizeof(*st));
	int err = 0;

	if (!st)
		return -ENOMEM;
	for (int i = 0; i < n && !err; i++) {
		err = ecbpf_status_read(&ifcs[i], st);
		if (err)
			break;
		err = metrics_from_status(m, st);
		for (const struct component_counters *cc = metrics_components;
		     st->attached && cc->map && !err; cc++)
			err = component_metrics(m, &ifcs[i], cc);
	}
	free(st);
	return err;
}

/* ---- rendering --------------------------------------------------------- */

struct text {
	char *s;
	size_t len, cap;
	bool oom;
};

static void text_printf(struct text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void text_printf(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->oom = true;
			return;
		}
		if (t->len + n < t->cap)
			break;
		char *p = realloc(t->s, t->cap * 2 + n + 1);

		if (!p) {
			t->oom = true;
			return;
		}
		t->s = p;
		t->cap = t->cap * 2 + n + 1;
	}
	t->len += n;
}

static bool text_init(struct text *t)
{
	t->cap = 4096;
	t->len = 0;
	t->oom = false;
	t->s = malloc(t->cap);
	if (t->s)
		t->s[0] = '\0';
	return t->s != NULL;
}

static char *text_done(struct text *t, size_t *len)
{
	if (t->oom) {
		free(t->s);
		return NULL;
	}
	*len = t->len;
	return t->s;
}

/* Label value escaping of the text format: backslash, double quote, newline. */
static void put_label_value(struct text *t, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\')
			text_printf(t, "\\\\");
		else if (*v == '"')
			text_printf(t, "\\\"");
		else if (*v == '\n')
			text_printf(t, "\\n");
		else
			text_printf(t, "%c", *v);
	}
}

char *metrics_prometheus(const struct metrics *m, size_t *len)
{
	struct text t;

	if (!text_init(&t))
		return NULL;
	/* A family's samples must be contiguous: render family by family. */
	for (int f = 0; f < m->n_fam; f++) {
		const struct metric_family *fam = &m->fam[f];
		bool any = false;

		for (int i = 0; i < m->n_smp; i++) {
			const struct metric_sample *s = &m->smp[i];

			if (s->family != f)
				continue;
			if (!any)
				text_printf(&t, "# HELP %s %s\n# TYPE %s %s\n", fam->name, fam->help,
					    fam->name,
					    fam->type == METRIC_COUNTER ? "counter" : "gauge");
			any = true;
			text_printf(&t, "%s", fam->name);
			for (int l = 0; l < s->n_labels; l++) {
				text_printf(&t, "%s%s=\"", l ? "," : "{", s->key[l]);
				put_label_value(&t, s->val[l]);
				text_printf(&t, "\"");
			}
			text_printf(&t, "%s %llu\n", s->n_labels ? "}" : "",
				    (unsigned long long)s->value);
		}
	}
	return text_done(&t, len);
}

static bool same_labels(const struct metric_sample *a, const struct metric_sample *b)
{
	if (a->n_labels != b->n_labels)
		return false;
	for (int l = 0; l < a->n_labels; l++)
		if (strcmp(a->key[l], b->key[l]) || strcmp(a->val[l], b->val[l]))
			return false;
	return true;
}

/* The same series in PREV; HINT is where it was last time (collection order is stable). */
static const struct metric_sample *find_prev(const struct metrics *m, const struct metrics *prev,
					     const struct metric_sample *s, int hint)
{
	const char *fam = m->fam[s->family].name;

	if (!prev)
		return NULL;
	for (int k = 0; k < prev->n_smp; k++) {
		int i = (hint + k) % prev->n_smp;
		const struct metric_sample *p = &prev->smp[i];

		if (!strcmp(prev->fam[p->family].name, fam) && same_labels(s, p))
			return p;
	}
	return NULL;
}

/* statsd name components: keep [A-Za-z0-9_-], anything else becomes '_'. */
static void put_statsd_part(struct text *t, const char *v)
{
	for (; *v; v++) {
		char c = *v;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '_' || c == '-';

		text_printf(t, "%c", ok ? c : '_');
	}
}

char *metrics_statsd(const struct metrics *m, const struct metrics *prev, const char *prefix,
		     size_t *len)
{
	struct text t;

	if (!text_init(&t))
		return NULL;
	for (int i = 0; i < m->n_smp; i++) {
		const struct metric_sample *s = &m->smp[i];
		const struct metric_family *fam = &m->fam[s->family];
		const char *name = fam->name;
		size_t nlen = strlen(name);
		uint64_t delta = s->value;

		if (nlen > 5 && !strcmp(name + nlen - 5, "_info"))
			continue;	/* labels only: nothing to count */
		if (fam->type == METRIC_COUNTER) {
			const struct metric_sample *p = find_prev(m, prev, s, i);

			if (p && p->value <= s->value)
				delta = s->value - p->value;
			if (prev && !delta)
				continue;	/* statsd counts increments: nothing new */
		}
		if (!strncmp(name, "ecbpf_", 6))
			name += 6;
		text_printf(&t, "%s.", prefix);
		put_statsd_part(&t, name);
		for (int l = 0; l < s->n_labels; l++) {
			text_printf(&t, ".");
			put_statsd_part(&t, s->val[l]);
		}
		text_printf(&t, ":%llu|%s\n", (unsigned long long)delta,
			    fam->type == METRIC_COUNTER ? "c" : "g");
	}
	return text_done(&t, len);
}
