// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* Slots: bind a component object to the shared maps, attach, replace, detach. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <ecbpf/ecbpf.h>
#include "internal.h"

static int shared_index(const char *name)
{
	for (int i = 0; i < ECBPF_SHARED_MAPS_N; i++)
		if (!strcmp(ecbpf_shared_maps[i], name))
			return i;
	return -1;
}

static void root_missing(const struct ecbpf_iface *ifc)
{
	ecbpf_log(ECBPF_WARN,
		  "root array missing for %s (%s/root_array): run 'xdp_root_loader --attach --interface %s' first",
		  ifc->name, ifc->dir, ifc->name);
}

int ecbpf_slot_bind(const struct ecbpf_iface *ifc, struct bpf_object *obj, const char *component)
{
	char dir[600], path[700];
	struct bpf_map *map;
	int err;

	if (ecbpf_root_present(ifc) != 1) {
		root_missing(ifc);
		return -ENOENT;
	}
	err = ecbpf_pin_path(ifc, NULL, component, dir, sizeof(dir));
	if (err)
		return err;
	bpf_object__for_each_map(map, obj) {
		const char *name = bpf_map__name(map);
		int fd;

		if (shared_index(name) >= 0) {
			fd = ecbpf_root_map_fd(ifc, name);
			if (fd < 0) {
				root_missing(ifc);
				return fd;
			}
			err = bpf_map__reuse_fd(map, fd);
			close(fd);
			if (err)
				return err;
		} else if (!strchr(name, '.')) {	/* .rodata/.bss stay private */
			err = mkdir_p(dir, 0700);
			if (err)
				return err;
			snprintf(path, sizeof(path), "%s/%s", dir, name);
			err = bpf_map__set_pin_path(map, path);
			if (err)
				return err;
		}
	}
	return 0;
}

int ecbpf_slot_bind_fds(struct bpf_object *obj, const int *shared_fds)
{
	struct bpf_map *map;

	bpf_object__for_each_map(map, obj) {
		int i = shared_index(bpf_map__name(map));

		if (i >= 0) {
			int err = bpf_map__reuse_fd(map, shared_fds[i]);

			if (err)
				return err;
		}
	}
	return 0;
}

/* Read the ecbpf_slot constant out of the program's .rodata map, located through BTF. */
int ecbpf_prog_slot(int prog_fd)
{
	struct bpf_prog_info pinfo = {};
	__u32 plen = sizeof(pinfo), map_ids[16] = {};
	int result = -ENOENT;

	pinfo.nr_map_ids = 16;
	pinfo.map_ids = (__u64)(unsigned long)map_ids;
	if (bpf_obj_get_info_by_fd(prog_fd, &pinfo, &plen))
		return -errno;
	for (__u32 i = 0; i < pinfo.nr_map_ids && i < 16 && result == -ENOENT; i++) {
		struct bpf_map_info minfo = {};
		__u32 mlen = sizeof(minfo), key = 0;
		const struct btf_type *sec;
		struct btf *btf = NULL;
		void *value = NULL;
		int fd = bpf_map_get_fd_by_id(map_ids[i]);

		if (fd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(fd, &minfo, &mlen) || !strstr(minfo.name, ".rodata") ||
		    !minfo.btf_id)
			goto next;
		btf = btf__load_from_kernel_by_id(minfo.btf_id);
		if (!btf)
			goto next;
		sec = btf__type_by_id(btf, minfo.btf_value_type_id);
		if (!sec || !btf_is_datasec(sec))
			goto next;
		value = calloc(1, minfo.value_size);
		if (!value || bpf_map_lookup_elem(fd, &key, value))
			goto next;
		for (int v = 0; v < btf_vlen(sec); v++) {
			const struct btf_var_secinfo *vs = btf_var_secinfos(sec) + v;
			const struct btf_type *var = btf__type_by_id(btf, vs->type);

			if (var && !strcmp(btf__name_by_offset(btf, var->name_off), "ecbpf_slot") &&
			    vs->size == 4 && vs->offset + 4 <= minfo.value_size) {
				__s32 slot;

				memcpy(&slot, (char *)value + vs->offset, 4);
				result = slot;
				break;
			}
		}
next:
		free(value);
		btf__free(btf);
		close(fd);
	}
	return result;
}

static int slot_prog_id(int array_fd, int slot, uint32_t *id)
{
	__u32 key = slot;

	*id = 0;
	if (bpf_map_lookup_elem(array_fd, &key, id)) {
		if (errno == ENOENT)
			return 0;
		return -errno;
	}
	return 0;
}

static int check_slot(const struct ecbpf_iface *ifc, int slot)
{
	if (slot < 0 || slot >= ECBPF_MAX_SLOTS) {
		ecbpf_log(ECBPF_WARN, "%s: slot %d out of range (0-%d)", ifc->name, slot,
			  ECBPF_MAX_SLOTS - 1);
		return -ERANGE;
	}
	return 0;
}

static int slot_attach_locked(struct ecbpf_iface *ifc, int slot, int prog_fd, unsigned int flags)
{
	struct ecbpf_prog_info cur, new;
	int fd, built_for, err;
	uint32_t id;
	__u32 key = slot;

	if (ecbpf_root_present(ifc) != 1) {
		root_missing(ifc);
		return -ENOENT;
	}
	built_for = ecbpf_prog_slot(prog_fd);
	if (built_for != slot) {
		ecbpf_log(ECBPF_WARN, "%s: program was built for slot %d, not slot %d", ifc->name,
			  built_for, slot);
		return -EINVAL;
	}
	err = prog_info_fd(prog_fd, &new);
	if (err)
		return err;
	fd = ecbpf_root_map_fd(ifc, "root_array");
	if (fd < 0) {
		root_missing(ifc);
		return fd;
	}
	err = slot_prog_id(fd, slot, &id);
	if (err)
		goto out;
	if (id && !prog_info_id(id, &cur) && strcmp(cur.name, new.name) &&
	    !(flags & ECBPF_SLOT_F_FORCE)) {
		ecbpf_log(ECBPF_WARN,
			  "%s: slot %d holds %s (id %u): choose another --slot or use --force",
			  ifc->name, slot, cur.name, id);
		err = -EBUSY;
		goto out;
	}
	/* One map update: the old program runs until this instant, the new one after. */
	if (bpf_map_update_elem(fd, &key, &prog_fd, BPF_ANY)) {
		err = -errno;
		ecbpf_log(ECBPF_WARN, "%s: cannot put %s in slot %d: %s", ifc->name, new.name, slot,
			  strerror(errno));
	}
out:
	close(fd);
	return err;
}

int ecbpf_slot_attach(struct ecbpf_iface *ifc, int slot, int prog_fd, unsigned int flags)
{
	bool locked;
	int err = check_slot(ifc, slot);

	if (err)
		return err;
	err = lock_scope_begin(ifc, &locked);
	if (err)
		return err;
	err = slot_attach_locked(ifc, slot, prog_fd, flags);
	lock_scope_end(ifc, locked);
	return err;
}

static int slot_detach_locked(struct ecbpf_iface *ifc, int slot, const char *prog_name)
{
	struct ecbpf_prog_info cur;
	__u32 key = slot;
	uint32_t id;
	int fd, err;

	fd = ecbpf_root_map_fd(ifc, "root_array");
	if (fd < 0) {
		root_missing(ifc);
		return fd;
	}
	err = slot_prog_id(fd, slot, &id);
	if (err)
		goto out;
	if (!id) {
		ecbpf_log(ECBPF_WARN, "%s: slot %d is empty", ifc->name, slot);
		err = -ENOENT;
		goto out;
	}
	if (prog_name && !prog_info_id(id, &cur) && strcmp(cur.name, prog_name)) {
		ecbpf_log(ECBPF_WARN, "%s: slot %d holds %s, not %s: left alone", ifc->name, slot,
			  cur.name, prog_name);
		err = -EBUSY;
		goto out;
	}
	if (bpf_map_delete_elem(fd, &key) && errno != ENOENT)
		err = -errno;
out:
	close(fd);
	return err;
}

int ecbpf_slot_detach(struct ecbpf_iface *ifc, int slot, const char *prog_name)
{
	bool locked;
	int err = check_slot(ifc, slot);

	if (err)
		return err;
	err = lock_scope_begin(ifc, &locked);
	if (err)
		return err;
	err = slot_detach_locked(ifc, slot, prog_name);
	lock_scope_end(ifc, locked);
	return err;
}

int ecbpf_slot_info(const struct ecbpf_iface *ifc, int slot, struct ecbpf_prog_info *info)
{
	uint32_t id;
	int fd, err;

	memset(info, 0, sizeof(*info));
	if (slot < 0 || slot >= ECBPF_MAX_SLOTS)
		return -ERANGE;
	fd = ecbpf_root_map_fd(ifc, "root_array");
	if (fd < 0)
		return fd;
	err = slot_prog_id(fd, slot, &id);
	close(fd);
	if (err || !id)
		return err;
	err = prog_info_id(id, info);
	if (err == -ENOENT)	/* replaced between the lookup and the info: report empty */
		err = 0;
	return err;
}

int ecbpf_slot_find(const struct ecbpf_iface *ifc, const char *prog_name)
{
	struct ecbpf_prog_info info;

	for (int i = 0; i < ECBPF_MAX_SLOTS; i++)
		if (!ecbpf_slot_info(ifc, i, &info) && info.id && !strcmp(info.name, prog_name))
			return i;
	return -ENOENT;
}

static int cfg_update(struct ecbpf_iface *ifc, void (*change)(struct ecbpf_cfg *, const void *),
		      const void *arg)
{
	struct ecbpf_cfg cfg;
	__u32 key = 0;
	bool locked;
	int fd, err;

	err = lock_scope_begin(ifc, &locked);
	if (err)
		return err;
	fd = ecbpf_root_map_fd(ifc, "ecbpf_cfg");
	if (fd < 0) {
		root_missing(ifc);
		err = fd;
		goto out;
	}
	err = bpf_map_lookup_elem(fd, &key, &cfg) ? -errno : 0;
	if (!err) {
		change(&cfg, arg);
		err = bpf_map_update_elem(fd, &key, &cfg, BPF_ANY) ? -errno : 0;
	}
	close(fd);
out:
	lock_scope_end(ifc, locked);
	return err;
}

struct monitor_arg {
	int slot;
	bool on;
};

static void set_monitor(struct ecbpf_cfg *cfg, const void *arg)
{
	const struct monitor_arg *m = arg;

	if (m->on)
		cfg->monitor_mask |= 1U << m->slot;
	else
		cfg->monitor_mask &= ~(1U << m->slot);
}

int ecbpf_set_monitor(struct ecbpf_iface *ifc, int slot, bool on)
{
	struct monitor_arg m = { slot, on };
	int err = check_slot(ifc, slot);

	return err ? err : cfg_update(ifc, set_monitor, &m);
}

struct sampling_arg {
	uint32_t rate, snaplen;
};

static void set_sampling(struct ecbpf_cfg *cfg, const void *arg)
{
	const struct sampling_arg *s = arg;

	cfg->sample_rate = s->rate;
	if (s->snaplen)
		cfg->snaplen = s->snaplen;
}

/*
 * Zero every CPU's countdown so that the next packet rereads the rate. A
 * counter increment racing with this read-modify-write may be lost; the
 * packet path itself is never disturbed.
 */
static int sampler_rearm(const struct ecbpf_iface *ifc)
{
	int ncpus = ecbpf_ncpus(), fd, err;
	struct ecbpf_sampler_state *v;
	__u32 key = 0;

	fd = ecbpf_root_map_fd(ifc, "ecbpf_sampler");
	if (fd < 0)
		return fd;
	v = calloc(ncpus, sizeof(*v));
	if (!v) {
		close(fd);
		return -ENOMEM;
	}
	err = bpf_map_lookup_elem(fd, &key, v) ? -errno : 0;
	if (!err) {
		for (int c = 0; c < ncpus; c++)
			v[c].countdown = 0;
		err = bpf_map_update_elem(fd, &key, v, BPF_ANY) ? -errno : 0;
	}
	free(v);
	close(fd);
	return err;
}

int ecbpf_set_sampling(struct ecbpf_iface *ifc, uint32_t rate, uint32_t snaplen)
{
	struct sampling_arg s = { rate, snaplen };
	bool locked;
	int err;

	if (snaplen > ECBPF_SNAPLEN_MAX) {
		ecbpf_log(ECBPF_WARN, "snap length %u is over the maximum of %d", snaplen,
			  ECBPF_SNAPLEN_MAX);
		return -ERANGE;
	}
	err = lock_scope_begin(ifc, &locked);
	if (err)
		return err;
	err = cfg_update(ifc, set_sampling, &s);
	if (!err)
		err = sampler_rearm(ifc);
	lock_scope_end(ifc, locked);
	return err;
}
