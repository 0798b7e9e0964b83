// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * xdp_filter: attach the fragment / packet-too-big / evil-bit / IP-options /
 * source-drop filter, change its configuration and drop lists, and report
 * its status. All input is checked before anything changes; every change
 * runs under the interface lock.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <jansson.h>
#include <ecbpf/ecbpf.h>
#include "filter_lib.h"
#include "xdp_filter.skel.h"

#define MAX_IFACES 64

enum filter_map { M_CFG, M_STATS, M_SRC_V4, M_SRC_V6, M_HINT, M_PTB_RATE, M_N };
static const char *const map_names[M_N] = {
	"filter_cfg", "filter_stats", "filter_src_v4", "filter_src_v6", "filter_src_hint",
	"filter_ptb_rate_v2",
};
/* Pins of layouts this version no longer reads: removed on attach, never misread. */
static const char *const obsolete_maps[] = { "filter_ptb_rate" };

struct options {
	int op;				/* 'a' attach, 'd' detach, 0 none */
	bool status, json, clear, clear_status, purge, force;
	int frags_drop;			/* -1 keep, 0 off, 1 on */
	bool set_pps;
	uint32_t ptb_max_pps;
	int drop;			/* 1 --drop, -1 --no-drop, 0 none */
	const char *ips, *tags, *ips_file, *ifaces;
	uint32_t slot;
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: xdp_filter --interface LIST [--attach|--detach [--purge]] [--status [--json]]\n"
		"                  [--frags-drop|--no-frags-drop] [--ptb-max-pps N]\n"
		"                  [--drop|--no-drop --ips CIDR,...|--ips-file FILE [--tags T,...]]\n"
		"                  [--clear] [--clear-status] [--slot N]\n"
		"\n"
		"  -a, --attach            load the filter into its slot (replaces an older one, keeps state)\n"
		"  -d, --detach            empty its slot; configuration and drop lists are kept\n"
		"      --purge             with --detach: also remove the configuration and drop lists\n"
		"  -s, --status            show configuration, drop lists and counters\n"
		"  -j, --json              with --status: JSON output\n"
		"  -i, --interface LIST    comma-separated interfaces\n"
		"      --frags-drop        drop fragments; answer first fragments with packet-too-big\n"
		"      --no-frags-drop     let fragments through (default)\n"
		"      --ptb-max-pps N     packet-too-big replies per second per interface, 0 = none (default %d)\n"
		"      --drop              add the --ips / --ips-file prefixes to the drop lists\n"
		"      --no-drop           remove them\n"
		"      --ips CIDR,...      addresses or prefixes (10.0.0.0/8, 2001:db8::/32, 192.0.2.1)\n"
		"      --ips-file FILE     one CIDR and an optional tag per line, '#' comments\n"
		"      --tags T,...        one tag for all prefixes, or one per prefix (max %d characters)\n"
		"      --clear             empty both drop lists\n"
		"      --clear-status      zero the counters\n"
		"  -S, --slot N            slot 0-%d (default %d)\n"
		"  -f, --force             take the slot even if another program holds it\n"
		"  -p, --pin-root DIR      pin root (default %s)\n"
		"  -D, --debug             show libbpf and verifier messages\n"
		"  -h, --help              this text\n",
		FILTER_PTB_PPS_DEFAULT, FILTER_TAG_LEN - 1, ECBPF_MAX_SLOTS - 1, ECBPF_SLOT_FILTER,
		ECBPF_PIN_ROOT_DEFAULT);
}

static int filter_dir(const struct ecbpf_iface *ifc, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s", ifc->dir, FILTER_COMPONENT);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* 1 if the filter's pinned state exists on IFC. */
static bool state_present(const struct ecbpf_iface *ifc)
{
	char path[700];

	if (ecbpf_pin_path(ifc, FILTER_COMPONENT, map_names[M_CFG], path, sizeof(path)))
		return false;
	return access(path, F_OK) == 0;
}

static void close_maps(int *fds)
{
	for (int i = 0; i < M_N; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

static int open_maps(const struct ecbpf_iface *ifc, int *fds)
{
	char path[700];

	for (int i = 0; i < M_N; i++)
		fds[i] = -1;
	for (int i = 0; i < M_N; i++) {
		int err = ecbpf_pin_path(ifc, FILTER_COMPONENT, map_names[i], path, sizeof(path));

		if (!err) {
			fds[i] = bpf_obj_get(path);
			err = fds[i] < 0 ? -errno : 0;
		}
		if (err) {
			ecbpf_log(ECBPF_WARN, "%s: cannot open %s: %s", ifc->name, path,
				  strerror(-err));
			close_maps(fds);
			return err;
		}
	}
	return 0;
}

static int cfg_read(int fd, struct filter_config *cfg)
{
	__u32 key = 0;

	return bpf_map_lookup_elem(fd, &key, cfg) ? -errno : 0;
}

static int cfg_write(const struct ecbpf_iface *ifc, int fd, const struct filter_config *cfg)
{
	__u32 key = 0;

	if (bpf_map_update_elem(fd, &key, cfg, BPF_ANY)) {
		ecbpf_log(ECBPF_WARN, "%s: cannot write filter_cfg: %s", ifc->name, strerror(errno));
		return -errno;
	}
	return 0;
}

/* Rebuild the source hint from both tries: a bit per bucket some prefix can match. */
static int update_hint(const struct ecbpf_iface *ifc, const int *fds)
{
	struct filter_src_hint *hint = calloc(1, sizeof(*hint));
	uint8_t key[32], next[32];
	__u32 zero = 0;
	int err = 0;

	if (!hint)
		return -ENOMEM;
	for (int m = M_SRC_V4; m <= M_SRC_V6; m++) {
		size_t ksize = m == M_SRC_V4 ? sizeof(struct filter_key_v4)
					     : sizeof(struct filter_key_v6);
		void *prev = NULL;

		while (!bpf_map_get_next_key(fds[m], prev, next)) {
			struct filter_prefix p = { .family = m == M_SRC_V4 ? AF_INET : AF_INET6 };

			memcpy(key, next, ksize);
			prev = key;
			memcpy(&p.len, key, sizeof(p.len));
			memcpy(p.addr, key + 4, ksize - 4);
			filter_hint_mark(hint, &p);
		}
	}
	if (bpf_map_update_elem(fds[M_HINT], &zero, hint, BPF_ANY)) {
		err = -errno;
		ecbpf_log(ECBPF_WARN, "%s: cannot write filter_src_hint: %s", ifc->name,
			  strerror(-err));
	}
	free(hint);
	return err;
}

static void prefix_key(const struct filter_prefix *p, void *key)
{
	if (p->family == AF_INET) {
		struct filter_key_v4 *k = key;

		k->prefixlen = p->len;
		memcpy(k->addr, p->addr, sizeof(k->addr));
	} else {
		struct filter_key_v6 *k = key;

		k->prefixlen = p->len;
		memcpy(k->addr, p->addr, sizeof(k->addr));
	}
}

static int apply_drops(const struct ecbpf_iface *ifc, const int *fds,
		       const struct filter_prefix_list *l, int drop)
{
	uint64_t now = time(NULL);
	char pfx[64];

	for (size_t i = 0; i < l->n; i++) {
		const struct filter_prefix *p = &l->v[i];
		int fd = p->family == AF_INET ? fds[M_SRC_V4] : fds[M_SRC_V6];
		struct filter_drop_entry val = { .load_time = now };
		uint8_t key[sizeof(struct filter_key_v6)] = {};

		prefix_key(p, key);
		filter_format_prefix(p, pfx, sizeof(pfx));
		if (drop > 0) {
			memcpy(val.tag, p->tag, sizeof(val.tag));
			if (bpf_map_update_elem(fd, key, &val, BPF_ANY)) {
				int err = -errno;

				ecbpf_log(ECBPF_WARN, "%s: cannot add %s: %s", ifc->name, pfx,
					  strerror(-err));
				return err;
			}
		} else if (bpf_map_delete_elem(fd, key)) {
			if (errno != ENOENT) {
				int err = -errno;

				ecbpf_log(ECBPF_WARN, "%s: cannot remove %s: %s", ifc->name, pfx,
					  strerror(-err));
				return err;
			}
			ecbpf_log(ECBPF_INFO, "notice: %s: %s was not in the drop list", ifc->name,
				  pfx);
		}
	}
	return 0;
}

static int trie_clear(int fd)
{
	uint8_t key[32];

	while (!bpf_map_get_next_key(fd, NULL, key))
		if (bpf_map_delete_elem(fd, key))
			return -errno;
	return 0;
}

static int stats_clear(const int *fds)
{
	return ecbpf_percpu_zero(fds[M_STATS], 0, sizeof(struct filter_stats));
}

static void remove_obsolete_pins(const struct ecbpf_iface *ifc)
{
	char path[700];

	for (size_t i = 0; i < sizeof(obsolete_maps) / sizeof(obsolete_maps[0]); i++)
		if (!ecbpf_pin_path(ifc, FILTER_COMPONENT, obsolete_maps[i], path, sizeof(path)))
			unlink(path);
}

/* Load the program into SLOT, binding (and creating on first use) the pinned state. */
static int attach_locked(struct ecbpf_iface *ifc, int slot, bool force)
{
	struct xdp_filter *skel;
	int err;

	skel = xdp_filter__open();
	if (!skel)
		return -errno;
	skel->rodata->ecbpf_slot = slot;
	err = ecbpf_slot_bind(ifc, skel->obj, FILTER_COMPONENT);
	if (err) {
		if (err != -ENOENT)
			ecbpf_log(ECBPF_WARN, "%s: cannot load %s: %s", ifc->name, FILTER_PROG_NAME,
				  strerror(-err));
		goto out;
	}
	/* Logs its own line, with the verifier's reason if the kernel refuses the program. */
	err = ecbpf_skel_load(skel->skeleton);
	if (err)
		goto out;
	err = ecbpf_slot_attach(ifc, slot, bpf_program__fd(skel->progs.xdp_filter_prog),
				force ? ECBPF_SLOT_F_FORCE : 0);
	if (!err) {
		remove_obsolete_pins(ifc);
		ecbpf_log(ECBPF_INFO, "%s: %s in slot %d", ifc->name, FILTER_PROG_NAME, slot);
	}
out:
	xdp_filter__destroy(skel);
	return err;
}

static int purge_state(const struct ecbpf_iface *ifc)
{
	char dir[600], path[900];
	struct dirent *de;
	DIR *d;
	int err = 0;

	err = filter_dir(ifc, dir, sizeof(dir));
	if (err)
		return err;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (unlink(path) && !err)
			err = -errno;
	}
	closedir(d);
	if (!err && rmdir(dir))
		err = -errno;
	if (err)
		ecbpf_log(ECBPF_WARN, "%s: cannot remove %s: %s", ifc->name, dir, strerror(-err));
	return err;
}

static bool changes_state(const struct options *o)
{
	return o->frags_drop >= 0 || o->set_pps || o->drop || o->clear || o->clear_status;
}

/* Everything that can fail without changing anything, for one interface. */
static int preflight(const struct ecbpf_iface *ifc, const struct options *o)
{
	struct ecbpf_prog_info info;
	int err;

	if (o->op == 'a') {
		err = ecbpf_root_present(ifc);
		if (err != 1) {
			ecbpf_log(ECBPF_WARN,
				  "root array missing for %s: run 'xdp_root_loader --attach --interface %s' first",
				  ifc->name, ifc->name);
			return err < 0 ? err : -ENOENT;
		}
		err = ecbpf_slot_info(ifc, o->slot, &info);
		if (err)
			return err;
		if (info.id && strcmp(info.name, FILTER_PROG_NAME) && !o->force) {
			ecbpf_log(ECBPF_WARN,
				  "%s: slot %u holds %s (id %u): choose another --slot or use --force",
				  ifc->name, o->slot, info.name, info.id);
			return -EBUSY;
		}
		err = ecbpf_slot_find(ifc, FILTER_PROG_NAME);
		if (err >= 0 && (uint32_t)err != o->slot) {
			ecbpf_log(ECBPF_WARN, "%s: %s already runs in slot %d: detach it first",
				  ifc->name, FILTER_PROG_NAME, err);
			return -EBUSY;
		}
	} else if (changes_state(o) && !state_present(ifc)) {
		ecbpf_log(ECBPF_WARN,
			  "%s: xdp_filter has no state here: run 'xdp_filter --attach --interface %s' first",
			  ifc->name, ifc->name);
		return -ENOENT;
	}
	if (o->op == 'd' && !o->purge && ecbpf_slot_find(ifc, FILTER_PROG_NAME) < 0) {
		ecbpf_log(ECBPF_WARN, "%s: %s is not attached", ifc->name, FILTER_PROG_NAME);
		return -ENOENT;
	}
	return 0;
}

static int change_one(struct ecbpf_iface *ifc, const struct options *o,
		      const struct filter_prefix_list *l)
{
	struct filter_config cfg;
	int fds[M_N], err, slot;

	err = ecbpf_iface_lock(ifc);
	if (err)
		return err;
	if (o->op == 'a') {
		err = attach_locked(ifc, o->slot, o->force);
		if (err)
			goto unlock;
	}
	if (o->op == 'd') {
		slot = ecbpf_slot_find(ifc, FILTER_PROG_NAME);
		if (slot >= 0)
			err = ecbpf_slot_detach(ifc, slot, FILTER_PROG_NAME);
		if (!err && o->purge)
			err = purge_state(ifc);
		if (!err)
			ecbpf_log(ECBPF_INFO, "%s: %s detached%s", ifc->name, FILTER_PROG_NAME,
				  o->purge ? ", state removed" : "");
		goto unlock;
	}
	if (!changes_state(o) && o->op != 'a')
		goto unlock;
	err = open_maps(ifc, fds);
	if (err)
		goto unlock;
	err = cfg_read(fds[M_CFG], &cfg);
	if (err)
		goto close;
	if (cfg.magic != FILTER_CFG_MAGIC)	/* first attach: the documented defaults */
		cfg = (struct filter_config){ .magic = FILTER_CFG_MAGIC,
					      .ptb_max_pps = FILTER_PTB_PPS_DEFAULT };
	if (o->frags_drop >= 0)
		cfg.frags_drop = o->frags_drop;
	if (o->set_pps)
		cfg.ptb_max_pps = o->ptb_max_pps;
	err = cfg_write(ifc, fds[M_CFG], &cfg);
	if (!err && o->clear)
		err = trie_clear(fds[M_SRC_V4]) ?: trie_clear(fds[M_SRC_V6]);
	if (!err && o->drop)
		err = apply_drops(ifc, fds, l, o->drop);
	if (!err && (o->clear || o->drop || o->op == 'a'))
		err = update_hint(ifc, fds);
	if (!err && o->clear_status)
		err = stats_clear(fds);
close:
	close_maps(fds);
unlock:
	ecbpf_iface_unlock(ifc);
	return err;
}

static int status_read(const struct ecbpf_iface *ifc, struct filter_status *st)
{
	int fds[M_N], err;
	struct ecbpf_prog_info info;
	uint8_t key[32], next[32];
	void *prev;

	memset(st, 0, sizeof(*st));
	memcpy(st->ifname, ifc->name, sizeof(st->ifname));
	st->ifname[sizeof(st->ifname) - 1] = '\0';
	st->slot = -1;
	if (!state_present(ifc))
		return 0;
	err = open_maps(ifc, fds);
	if (err)
		return err;
	st->loaded = true;
	err = cfg_read(fds[M_CFG], &st->cfg);
	if (!err)
		err = ecbpf_percpu_sum(fds[M_STATS], 0, (uint64_t *)st->stats.count,
				       FILTER_C_MAX);
	for (int m = M_SRC_V4; m <= M_SRC_V6 && !err; m++) {
		size_t ksize = m == M_SRC_V4 ? sizeof(struct filter_key_v4)
					     : sizeof(struct filter_key_v6);

		prev = NULL;
		while (!err && !bpf_map_get_next_key(fds[m], prev, next)) {
			struct filter_drop_entry val;
			struct filter_prefix p = { .family = m == M_SRC_V4 ? AF_INET : AF_INET6 };

			memcpy(key, next, ksize);
			prev = key;
			if (bpf_map_lookup_elem(fds[m], key, &val))
				continue;	/* removed meanwhile */
			memcpy(&p.len, key, sizeof(p.len));
			memcpy(p.addr, key + 4, ksize - 4);
			memcpy(p.tag, val.tag, sizeof(p.tag));
			p.tag[sizeof(p.tag) - 1] = '\0';
			p.load_time = val.load_time;
			err = filter_list_add(&st->drops, &p);
		}
	}
	filter_list_sort(&st->drops);
	close_maps(fds);
	if (err)
		return err;
	st->slot = ecbpf_slot_find(ifc, FILTER_PROG_NAME);
	if (st->slot < 0)
		st->slot = -1;
	else if (!ecbpf_slot_info(ifc, st->slot, &info))
		st->prog_id = info.id;
	return 0;
}

static int status_all(struct ecbpf_iface *ifcs, int n, bool json)
{
	json_t *arr = json ? json_array() : NULL;
	int err = 0;

	for (int i = 0; i < n; i++) {
		struct filter_status st;
		int e = status_read(&ifcs[i], &st);

		if (e) {
			ecbpf_log(ECBPF_WARN, "%s: cannot read the filter status: %s", ifcs[i].name,
				  strerror(-e));
			err = err ?: e;
		} else {
			if (!st.loaded)
				err = err ?: -ENOENT;
			if (json) {
				json_array_append_new(arr, filter_status_json(&st));
			} else {
				if (i)
					fputc('\n', stdout);
				filter_status_print(stdout, &st);
			}
		}
		filter_list_free(&st.drops);
	}
	if (json) {
		json_t *top = json_object();

		json_object_set_new(top, "interfaces", arr);
		ecbpf_json_dump(top, stdout);
	}
	return err;
}

static int parse_args(int argc, char **argv, struct options *o)
{
	enum { O_FRAGS = 256, O_NOFRAGS, O_PPS, O_DROP, O_NODROP, O_IPS, O_TAGS, O_FILE, O_CLEAR,
	       O_CLEARST, O_PURGE };
	static const struct option opts[] = {
		{ "attach", no_argument, NULL, 'a' },
		{ "detach", no_argument, NULL, 'd' },
		{ "status", no_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "interface", required_argument, NULL, 'i' },
		{ "frags-drop", no_argument, NULL, O_FRAGS },
		{ "no-frags-drop", no_argument, NULL, O_NOFRAGS },
		{ "ptb-max-pps", required_argument, NULL, O_PPS },
		{ "drop", no_argument, NULL, O_DROP },
		{ "no-drop", no_argument, NULL, O_NODROP },
		{ "ips", required_argument, NULL, O_IPS },
		{ "tags", required_argument, NULL, O_TAGS },
		{ "ips-file", required_argument, NULL, O_FILE },
		{ "clear", no_argument, NULL, O_CLEAR },
		{ "clear-status", no_argument, NULL, O_CLEARST },
		{ "purge", no_argument, NULL, O_PURGE },
		{ "slot", required_argument, NULL, 'S' },
		{ "force", no_argument, NULL, 'f' },
		{ "pin-root", required_argument, NULL, 'p' },
		{ "debug", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	int c;

	*o = (struct options){ .frags_drop = -1, .slot = ECBPF_SLOT_FILTER };
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":adsji:S:fp:Dh", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
		case 'd':
			if (o->op && o->op != c) {
				ecbpf_log(ECBPF_WARN, "choose one of --attach and --detach");
				return EX_USAGE;
			}
			o->op = c;
			break;
		case 's': o->status = true; break;
		case 'j': o->json = true; break;
		case 'i': o->ifaces = optarg; break;
		case O_FRAGS:
		case O_NOFRAGS:
			if (o->frags_drop >= 0 && o->frags_drop != (c == O_FRAGS)) {
				ecbpf_log(ECBPF_WARN, "choose one of --frags-drop and --no-frags-drop");
				return EX_USAGE;
			}
			o->frags_drop = c == O_FRAGS;
			break;
		case O_PPS:
			if (ecbpf_parse_u32(optarg, 0, UINT32_MAX, &o->ptb_max_pps)) {
				ecbpf_log(ECBPF_WARN, "invalid --ptb-max-pps '%s': expected 0-%u",
					  optarg, UINT32_MAX);
				return EX_USAGE;
			}
			o->set_pps = true;
			break;
		case O_DROP:
		case O_NODROP:
			if (o->drop && o->drop != (c == O_DROP ? 1 : -1)) {
				ecbpf_log(ECBPF_WARN, "choose one of --drop and --no-drop");
				return EX_USAGE;
			}
			o->drop = c == O_DROP ? 1 : -1;
			break;
		case O_IPS: o->ips = optarg; break;
		case O_TAGS: o->tags = optarg; break;
		case O_FILE: o->ips_file = optarg; break;
		case O_CLEAR: o->clear = true; break;
		case O_CLEARST: o->clear_status = true; break;
		case O_PURGE: o->purge = true; break;
		case 'S':
			if (ecbpf_parse_u32(optarg, 0, ECBPF_MAX_SLOTS - 1, &o->slot)) {
				ecbpf_log(ECBPF_WARN, "invalid slot '%s': expected 0-%d", optarg,
					  ECBPF_MAX_SLOTS - 1);
				return EX_USAGE;
			}
			break;
		case 'f': o->force = true; break;
		case 'p': ecbpf_set_pin_root(optarg); break;
		case 'D': ecbpf_set_debug(true); break;
		case 'h': usage(stdout); exit(EX_OK);
		default:
			return ecbpf_cli_usage_error(c, argv);
		}
	}
	if (optind < argc) {
		ecbpf_log(ECBPF_WARN, "unexpected argument '%s' (see --help)", argv[optind]);
		return EX_USAGE;
	}
	if (!o->ifaces) {
		ecbpf_log(ECBPF_WARN, "--interface is required (see --help)");
		return EX_USAGE;
	}
	if (!o->op && !o->status && !changes_state(o)) {
		ecbpf_log(ECBPF_WARN, "nothing to do: give --attach, --detach, --status or a change (see --help)");
		return EX_USAGE;
	}
	if (o->json && !o->status) {
		ecbpf_log(ECBPF_WARN, "--json goes with --status");
		return EX_USAGE;
	}
	if (o->purge && o->op != 'd') {
		ecbpf_log(ECBPF_WARN, "--purge goes with --detach");
		return EX_USAGE;
	}
	if (o->op == 'd' && changes_state(o)) {
		ecbpf_log(ECBPF_WARN, "--detach cannot be combined with configuration or drop list changes");
		return EX_USAGE;
	}
	if (o->drop && !o->ips && !o->ips_file) {
		ecbpf_log(ECBPF_WARN, "--drop/--no-drop need --ips or --ips-file");
		return EX_USAGE;
	}
	if ((o->ips || o->ips_file || o->tags) && !o->drop) {
		ecbpf_log(ECBPF_WARN, "--ips, --ips-file and --tags go with --drop or --no-drop");
		return EX_USAGE;
	}
	if (o->tags && o->drop < 0) {
		ecbpf_log(ECBPF_WARN, "--tags goes with --drop");
		return EX_USAGE;
	}
	return 0;
}

static int read_prefixes(const struct options *o, struct filter_prefix_list *l)
{
	int err = 0;

	if (o->ips)
		err = filter_parse_ips(o->ips, o->tags, l);
	if (!err && o->ips_file) {
		FILE *f = fopen(o->ips_file, "r");

		if (!f) {
			err = -errno;
			ecbpf_log(ECBPF_WARN, "cannot open %s: %s", o->ips_file, strerror(errno));
			return err == -ENOENT ? -ENOENT : err;
		}
		err = filter_parse_ips_file(f, o->ips_file, l);
		fclose(f);
	}
	return err;
}

int main(int argc, char **argv)
{
	struct ecbpf_iface ifcs[MAX_IFACES];
	struct filter_prefix_list prefixes = {};
	struct options o;
	int n, err = 0;

	ecbpf_cli_init(argv[0]);
	err = parse_args(argc, argv, &o);
	if (err)
		return err;
	err = read_prefixes(&o, &prefixes);
	if (err) {
		filter_list_free(&prefixes);
		return err == -ENOENT ? EX_NOINPUT : err == -EIO ? EX_IOERR : EX_DATAERR;
	}
	n = ecbpf_cli_ifaces(o.ifaces, ifcs, MAX_IFACES);
	if (n < 0) {
		filter_list_free(&prefixes);
		return n == -EINVAL ? EX_USAGE : ecbpf_exit_code(n);
	}
	if (o.op || changes_state(&o)) {
		for (int i = 0; i < n && !err; i++)
			err = preflight(&ifcs[i], &o);
		for (int i = 0; i < n && !err; i++)
			err = change_one(&ifcs[i], &o, &prefixes);
	}
	filter_list_free(&prefixes);
	if (!err && o.status)
		err = status_all(ifcs, n, o.json);
	return ecbpf_exit_code(err);
}
