// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* Counters, status gathering, the reference status table and its JSON twin. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <jansson.h>
#include <linux/if_link.h>
#include <ecbpf/ecbpf.h>
#include "internal.h"

static const char *const action_names[ECBPF_ACT_MAX] = {
	"XDP_ABORTED", "XDP_DROP", "XDP_PASS", "XDP_TX", "XDP_REDIRECT", "XDP_INVALID_ACTION",
};

const char *ecbpf_action_name(int idx)
{
	return idx >= 0 && idx < ECBPF_ACT_MAX ? action_names[idx] : "XDP_INVALID_ACTION";
}

static const char *const reason_names[ECBPF_REASON_MAX] = {
	[ECBPF_R_NONE] = "end_of_chain",
	[ECBPF_R_NOT_IP] = "not_ip",
	[ECBPF_R_ETH_TRUNC] = "eth_truncated",
	[ECBPF_R_VLAN_TRUNC] = "vlan_truncated",
	[ECBPF_R_VLAN_DEPTH] = "vlan_too_deep",
	[ECBPF_R_IP4_TRUNC] = "ip4_truncated",
	[ECBPF_R_IP4_VERSION] = "ip4_bad_version",
	[ECBPF_R_IP4_IHL] = "ip4_bad_ihl",
	[ECBPF_R_IP6_TRUNC] = "ip6_truncated",
	[ECBPF_R_IP6_VERSION] = "ip6_bad_version",
	[ECBPF_R_IP6_EXT_TRUNC] = "ip6_ext_truncated",
	[ECBPF_R_IP6_EXT_DEPTH] = "ip6_ext_too_many",
	[ECBPF_R_L4_TRUNC] = "l4_truncated",
	[ECBPF_R_INTERNAL] = "internal_error",
	[ECBPF_R_SLOT_PASS] = "slot_pass",
	[ECBPF_R_FILTER_IP_OPTIONS] = "filter_ip_options",
	[ECBPF_R_FILTER_IP_LEN] = "filter_ip_length",
	[ECBPF_R_FILTER_EVIL_BIT] = "filter_evil_bit",
	[ECBPF_R_FILTER_SRC_DROP] = "filter_source_drop",
	[ECBPF_R_FILTER_FRAG_DROP] = "filter_fragment_drop",
	[ECBPF_R_FILTER_PTB_SENT] = "filter_ptb_sent",
	[ECBPF_R_FILTER_PTB_ERR] = "filter_ptb_error",
	[ECBPF_R_FILTER_PTB_LIMIT] = "filter_ptb_rate_limited",
	[ECBPF_R_FW_RULE] = "fw_rule",
	[ECBPF_R_BYPASS_TX] = "bypass_tx",
	[ECBPF_R_TEST] = "test",
};

const char *ecbpf_reason_name(int reason)
{
	static __thread char buf[24];

	if (reason >= 0 && reason < ECBPF_REASON_MAX && reason_names[reason])
		return reason_names[reason];
	snprintf(buf, sizeof(buf), "reason_%d", reason);
	return buf;
}

int ecbpf_percpu_sum(int map_fd, uint32_t key, uint64_t *out, size_t n)
{
	int ncpus = ecbpf_ncpus();
	size_t stride = (n * sizeof(uint64_t) + 7) / 8 * 8 / sizeof(uint64_t);
	uint64_t *vals = calloc((size_t)ncpus * stride, sizeof(uint64_t));
	int err = 0;

	if (!vals)
		return -ENOMEM;
	memset(out, 0, n * sizeof(*out));
	if (bpf_map_lookup_elem(map_fd, &key, vals)) {
		err = -errno;
		goto out;
	}
	for (int c = 0; c < ncpus; c++)
		for (size_t i = 0; i < n; i++)
			out[i] += vals[c * stride + i];
out:
	free(vals);
	return err;
}

int ecbpf_percpu_zero(int map_fd, uint32_t key, size_t value_size)
{
	size_t stride = (value_size + 7) / 8 * 8;
	void *vals = calloc(ecbpf_ncpus(), stride);
	int err;

	if (!vals)
		return -ENOMEM;
	err = bpf_map_update_elem(map_fd, &key, vals, BPF_ANY) ? -errno : 0;
	free(vals);
	return err;
}

static void read_rows(int fd, struct ecbpf_status *st)
{
	for (uint32_t row = 0; row < ECBPF_STATS_ROWS; row++) {
		struct ecbpf_slot_stats s;
		struct ecbpf_slot_status *dst = row == ECBPF_ROOT_ROW ? &st->root_row : &st->slot[row];

		if (ecbpf_percpu_sum(fd, row, (uint64_t *)&s, sizeof(s) / 8))
			continue;
		memcpy(dst->verdict, s.verdict, sizeof(s.verdict));
		memcpy(dst->would, s.would, sizeof(s.would));
		for (int a = 0; a < ECBPF_ACT_MAX; a++) {
			st->total[a].packets += s.verdict[a].packets;
			st->total[a].bytes += s.verdict[a].bytes;
		}
	}
}

int ecbpf_status_read(const struct ecbpf_iface *ifc, struct ecbpf_status *st)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct ecbpf_cfg cfg;
	struct ecbpf_sampler_state scr;
	int fd, present;

	memset(st, 0, sizeof(*st));
	snprintf(st->ifname, sizeof(st->ifname), "%s", ifc->name);
	st->ifindex = ifc->ifindex;
	present = ecbpf_root_present(ifc);
	if (present < 0)
		return present;
	if (!present) {
		if (!bpf_xdp_query(ifc->ifindex, 0, &q) && q.prog_id)
			prog_info_id(q.prog_id, &st->other);
		return 0;
	}
	st->attached = true;
	if (!bpf_xdp_query(ifc->ifindex, 0, &q))
		snprintf(st->mode, sizeof(st->mode), "%s", q.drv_prog_id ? "native" : "generic");
	fd = ecbpf_root_map_fd(ifc, ROOT_PROG_PIN);
	if (fd >= 0) {
		prog_info_fd(fd, &st->root);
		close(fd);
	}
	if (!ecbpf_cfg_read(ifc, &cfg)) {
		st->sample_rate = cfg.sample_rate;
		st->snaplen = cfg.snaplen;
	}
	for (int i = 0; i < ECBPF_MAX_SLOTS; i++) {
		ecbpf_slot_info(ifc, i, &st->slot[i].prog);
		st->slot[i].monitor = cfg.monitor_mask & (1U << i);
	}
	fd = ecbpf_root_map_fd(ifc, "xdp_stats");
	if (fd >= 0) {
		read_rows(fd, st);
		close(fd);
	}
	fd = ecbpf_root_map_fd(ifc, "xdp_reasons");
	if (fd >= 0) {
		for (uint32_t r = 0; r < ECBPF_REASON_MAX; r++)
			ecbpf_percpu_sum(fd, r, (uint64_t *)&st->reason[r], 2);
		close(fd);
	}
	fd = ecbpf_root_map_fd(ifc, "ecbpf_sampler");
	if (fd >= 0 && !ecbpf_percpu_sum(fd, 0, (uint64_t *)&scr, sizeof(scr) / 8)) {
		st->samples_sent = scr.samples_sent;
		st->samples_lost = scr.samples_lost;
		st->samples_noreader = scr.samples_noreader;
	}
	if (fd >= 0)
		close(fd);
	return 0;
}

int ecbpf_stats_clear(struct ecbpf_iface *ifc)
{
	int stats = -1, reasons = -1, scratch = -1, err = 0;
	bool locked;

	err = lock_scope_begin(ifc, &locked);
	if (err)
		return err;
	stats = ecbpf_root_map_fd(ifc, "xdp_stats");
	reasons = ecbpf_root_map_fd(ifc, "xdp_reasons");
	scratch = ecbpf_root_map_fd(ifc, "ecbpf_sampler");
	if (stats < 0 || reasons < 0 || scratch < 0) {
		ecbpf_log(ECBPF_WARN, "Root array not attached to interface %s.", ifc->name);
		err = -ENOENT;
		goto out;
	}
	for (uint32_t row = 0; row < ECBPF_STATS_ROWS && !err; row++)
		err = ecbpf_percpu_zero(stats, row, sizeof(struct ecbpf_slot_stats));
	for (uint32_t r = 0; r < ECBPF_REASON_MAX && !err; r++)
		err = ecbpf_percpu_zero(reasons, r, sizeof(struct ecbpf_counter));
	/* Zeroing the sampler entry also resets its countdown: the next packet rereads the rate. */
	if (!err)
		err = ecbpf_percpu_zero(scratch, 0, sizeof(struct ecbpf_sampler_state));
out:
	if (stats >= 0)
		close(stats);
	if (reasons >= 0)
		close(reasons);
	if (scratch >= 0)
		close(scratch);
	lock_scope_end(ifc, locked);
	return err;
}

void ecbpf_format_time(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%a, %d %b %Y %H:%M:%S +0000", &tm);
}

static void print_row(FILE *out, const char *slot, const struct ecbpf_prog_info *p,
		      const struct ecbpf_counter *c)
{
	char when[64] = "-";

	if (p && p->id)
		ecbpf_format_time(p->load_time, when, sizeof(when));
	fprintf(out, "%4s | ", slot);
	if (p && p->id)
		fprintf(out, "%5u | %-24s | %-36s", p->id, p->name, when);
	else
		fprintf(out, "%5s | %-24s | %-36s", "-", "-", "-");
	for (int a = 0; a < ECBPF_ACT_MAX; a++)
		fprintf(out, " | %16llu", (unsigned long long)c[a].packets);
	fputc('\n', out);
}

void ecbpf_status_print(FILE *out, const struct ecbpf_status *st)
{
	char slot[8];
	bool any_monitor = false;

	fprintf(out, "Interface %s status:\n", st->ifname);
	if (!st->attached) {
		fprintf(out, "Root array not attached to interface %s.\n", st->ifname);
		if (st->other.id)
			fprintf(out, "Attached instead: XDP program id %u (%s).\n", st->other.id,
				st->other.name[0] ? st->other.name : "unnamed");
		fputc('\n', out);
		return;
	}
	fprintf(out, "SLOT | ID    | %-24s | %-36s", "NAME", "LOAD TIME");
	for (int a = 0; a < ECBPF_ACT_MAX; a++)
		fprintf(out, " | %-16s", ecbpf_action_name(a));
	fputc('\n', out);
	for (int i = 0; i < ECBPF_MAX_SLOTS; i++) {
		snprintf(slot, sizeof(slot), "%d", i);
		print_row(out, slot, &st->slot[i].prog, st->slot[i].verdict);
		any_monitor |= st->slot[i].monitor;
	}
	print_row(out, "root", &st->root, st->root_row.verdict);
	print_row(out, "all", NULL, st->total);
	fprintf(out, "Mode: %s. Sampling: ", st->mode);
	if (st->sample_rate)
		fprintf(out, "1 in %u, snap length %u (sent %llu, lost %llu, no reader %llu).\n",
			st->sample_rate, st->snaplen, (unsigned long long)st->samples_sent,
			(unsigned long long)st->samples_lost,
			(unsigned long long)st->samples_noreader);
	else
		fprintf(out, "off.\n");
	for (int i = 0; any_monitor && i < ECBPF_MAX_SLOTS; i++) {
		if (!st->slot[i].monitor)
			continue;
		fprintf(out, "Slot %d (%s) is in monitor mode; would have: DROP %llu, TX %llu, REDIRECT %llu.\n",
			i, st->slot[i].prog.id ? st->slot[i].prog.name : "empty",
			(unsigned long long)st->slot[i].would[ECBPF_ACT_DROP].packets,
			(unsigned long long)st->slot[i].would[ECBPF_ACT_TX].packets,
			(unsigned long long)st->slot[i].would[ECBPF_ACT_REDIRECT].packets);
	}
	fputc('\n', out);
}

/* jansson integers are signed 64-bit: a counter past 2^63 is shown as the maximum. */
static json_int_t u64_json(uint64_t v)
{
	return v > (uint64_t)INT64_MAX ? INT64_MAX : (json_int_t)v;
}

static json_t *counters_json(const struct ecbpf_counter *c)
{
	json_t *o = json_object();

	for (int a = 0; a < ECBPF_ACT_MAX; a++)
		json_object_set_new(o, ecbpf_action_name(a),
				    json_pack("{s:I,s:I}", "packets", u64_json(c[a].packets),
					      "bytes", u64_json(c[a].bytes)));
	return o;
}

static json_t *prog_json(const struct ecbpf_prog_info *p)
{
	char when[64];

	if (!p->id)
		return json_null();
	ecbpf_format_time(p->load_time, when, sizeof(when));
	return json_pack("{s:I,s:s,s:s,s:s,s:I}", "id", (json_int_t)p->id, "name", p->name, "tag",
			 p->tag, "load_time", when, "load_time_unix", (json_int_t)p->load_time);
}

void *ecbpf_status_json(const struct ecbpf_status *st)
{
	json_t *o, *slots, *reasons;

	o = json_pack("{s:s,s:i,s:b}", "interface", st->ifname, "ifindex", st->ifindex,
		      "attached", st->attached);
	if (!st->attached) {
		json_object_set_new(o, "other_program", prog_json(&st->other));
		return o;
	}
	json_object_set_new(o, "mode", json_string(st->mode));
	json_object_set_new(o, "root", prog_json(&st->root));
	slots = json_array();
	for (int i = 0; i < ECBPF_MAX_SLOTS; i++) {
		const struct ecbpf_slot_status *s = &st->slot[i];
		json_t *row = json_pack("{s:i}", "slot", i);

		json_object_set_new(row, "program", prog_json(&s->prog));
		json_object_set_new(row, "monitor", json_boolean(s->monitor));
		json_object_set_new(row, "actions", counters_json(s->verdict));
		json_object_set_new(row, "would", counters_json(s->would));
		json_array_append_new(slots, row);
	}
	json_object_set_new(o, "slots", slots);
	json_object_set_new(o, "root_actions", counters_json(st->root_row.verdict));
	json_object_set_new(o, "total_actions", counters_json(st->total));
	reasons = json_object();
	for (int r = 0; r < ECBPF_REASON_MAX; r++)
		if (st->reason[r].packets)
			json_object_set_new(reasons, ecbpf_reason_name(r),
					    json_pack("{s:I,s:I}", "packets",
						      u64_json(st->reason[r].packets), "bytes",
						      u64_json(st->reason[r].bytes)));
	json_object_set_new(o, "reasons", reasons);
	json_object_set_new(o, "sampling",
			    json_pack("{s:I,s:I,s:I,s:I,s:I}", "rate", (json_int_t)st->sample_rate,
				      "snaplen", (json_int_t)st->snaplen, "sent",
				      u64_json(st->samples_sent), "lost",
				      u64_json(st->samples_lost), "no_reader",
				      u64_json(st->samples_noreader)));
	return o;
}
