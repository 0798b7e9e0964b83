// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * The root: load, pin, attach, atomic upgrade, detach. The root array is
 * pinned before the root is attached and stays pinned while it is attached:
 * the kernel empties a PROG_ARRAY when its last user reference goes away.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <ecbpf/ecbpf.h>
#include "internal.h"
#include "xdp_root.skel.h"
#include "xdp_nop.skel.h"

const char *const ecbpf_shared_maps[ECBPF_SHARED_MAPS_N] = {
	"root_array", "xdp_stats", "xdp_reasons", "xdpcap_hook",
	"ecbpf_cfg", "ecbpf_scratch", "ecbpf_sampler", "ecbpf_samples",
};

int pin_open(const char *path)
{
	int fd = bpf_obj_get(path);

	return fd < 0 ? -errno : fd;
}

int ecbpf_root_map_fd(const struct ecbpf_iface *ifc, const char *name)
{
	char path[600];
	int err = ecbpf_pin_path(ifc, NULL, name, path, sizeof(path));

	return err ? err : pin_open(path);
}

int prog_info_fd(int fd, struct ecbpf_prog_info *out)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	struct timespec rt, bt;

	memset(out, 0, sizeof(*out));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	out->id = info.id;
	snprintf(out->name, sizeof(out->name), "%s", info.name);
	for (int i = 0; i < 8; i++)
		snprintf(out->tag + 2 * i, 3, "%02x", info.tag[i]);
	/*
	 * load_time is CLOCK_BOOTTIME nanoseconds: convert to wall clock in
	 * nanoseconds, so that two reads agree (whole seconds jitter by one).
	 */
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_BOOTTIME, &bt);
	out->load_time = (time_t)(((int64_t)rt.tv_sec * 1000000000 + rt.tv_nsec -
				   ((int64_t)bt.tv_sec * 1000000000 + bt.tv_nsec) +
				   (int64_t)info.load_time) / 1000000000);
	return 0;
}

int prog_info_id(uint32_t id, struct ecbpf_prog_info *info)
{
	int fd = bpf_prog_get_fd_by_id(id);
	int err;

	if (fd < 0)
		return -errno;
	err = prog_info_fd(fd, info);
	close(fd);
	return err;
}

struct xdp_state {
	uint32_t prog_id;		/* attached program, 0 if none */
	enum ecbpf_mode mode;
	struct ecbpf_prog_info prog;
};

static int xdp_state_read(const struct ecbpf_iface *ifc, struct xdp_state *st)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int err;

	memset(st, 0, sizeof(*st));
	err = bpf_xdp_query(ifc->ifindex, 0, &q);
	if (err) {
		ecbpf_log(ECBPF_WARN, "cannot query XDP on %s: %s", ifc->name, strerror(-err));
		return err;
	}
	if (q.drv_prog_id) {
		st->prog_id = q.drv_prog_id;
		st->mode = ECBPF_MODE_NATIVE;
	} else if (q.skb_prog_id) {
		st->prog_id = q.skb_prog_id;
		st->mode = ECBPF_MODE_GENERIC;
	} else if (q.hw_prog_id) {
		st->prog_id = q.hw_prog_id;
		st->mode = ECBPF_MODE_NATIVE;
	}
	if (st->prog_id)
		prog_info_id(st->prog_id, &st->prog);
	return 0;
}

static const char *mode_name(enum ecbpf_mode mode)
{
	return mode == ECBPF_MODE_GENERIC ? "generic" : "native";
}

static __u32 mode_flag(enum ecbpf_mode mode)
{
	return mode == ECBPF_MODE_GENERIC ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
}

/* Id of the pinned root program, 0 if the pin is missing. */
static uint32_t pinned_root_id(const struct ecbpf_iface *ifc)
{
	struct ecbpf_prog_info info;
	int fd = ecbpf_root_map_fd(ifc, ROOT_PROG_PIN);

	if (fd < 0)
		return 0;
	if (prog_info_fd(fd, &info))
		info.id = 0;
	close(fd);
	return info.id;
}

/* The pins belong to this interface (same ifindex and netns), per the pinned config. */
static bool pins_owned(const struct ecbpf_iface *ifc)
{
	struct ecbpf_cfg cfg;

	return !ecbpf_cfg_read(ifc, &cfg) && cfg.owner_ifindex == (uint32_t)ifc->ifindex &&
	       cfg.owner_netns == ifc->netns;
}

static bool pins_present(const struct ecbpf_iface *ifc)
{
	int fd = ecbpf_root_map_fd(ifc, "root_array");

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static void root_pins_remove(const struct ecbpf_iface *ifc)
{
	char path[600];

	for (int i = 0; i < ECBPF_SHARED_MAPS_N; i++)
		if (!ecbpf_pin_path(ifc, NULL, ecbpf_shared_maps[i], path, sizeof(path)))
			unlink(path);
	if (!ecbpf_pin_path(ifc, NULL, ROOT_PROG_PIN, path, sizeof(path)))
		unlink(path);
}

static int root_is_ours(const struct ecbpf_iface *ifc, const struct xdp_state *xs)
{
	uint32_t pinned = pinned_root_id(ifc);

	if (!xs->prog_id)
		return 0;
	if (pinned)
		return pinned == xs->prog_id;
	/* Killed between attach and pinning the program: recognise it by name and owner. */
	return !strcmp(xs->prog.name, "xdp_root") && pins_owned(ifc);
}

int ecbpf_root_present(const struct ecbpf_iface *ifc)
{
	struct xdp_state xs;
	int err = xdp_state_read(ifc, &xs);

	if (err)
		return err;
	return pins_present(ifc) && root_is_ours(ifc, &xs);
}

/* Bind the skeleton's maps to the pinned ones (REUSE) before load. */
static int root_reuse_pins(const struct ecbpf_iface *ifc, struct bpf_object *obj)
{
	for (int i = 0; i < ECBPF_SHARED_MAPS_N; i++) {
		struct bpf_map *map = bpf_object__find_map_by_name(obj, ecbpf_shared_maps[i]);
		int fd = ecbpf_root_map_fd(ifc, ecbpf_shared_maps[i]);
		int err;

		if (!map)
			return -ENOENT;
		if (fd < 0) {
			ecbpf_log(ECBPF_WARN, "%s: pin %s/%s is missing: cannot reuse the root maps",
				  ifc->name, ifc->dir, ecbpf_shared_maps[i]);
			return fd;
		}
		err = bpf_map__reuse_fd(map, fd);
		close(fd);
		if (err)
			return err;
	}
	return 0;
}

static int root_pin_maps(const struct ecbpf_iface *ifc, struct bpf_object *obj)
{
	char path[600];

	for (int i = 0; i < ECBPF_SHARED_MAPS_N; i++) {
		struct bpf_map *map = bpf_object__find_map_by_name(obj, ecbpf_shared_maps[i]);
		int err;

		ecbpf_pin_path(ifc, NULL, ecbpf_shared_maps[i], path, sizeof(path));
		err = bpf_obj_pin(bpf_map__fd(map), path) ? -errno : 0;
		if (err) {
			ecbpf_log(ECBPF_WARN, "cannot pin %s: %s", path, strerror(-err));
			return err;
		}
	}
	return 0;
}

static int root_pin_prog(const struct ecbpf_iface *ifc, int prog_fd)
{
	char path[600];

	ecbpf_pin_path(ifc, NULL, ROOT_PROG_PIN, path, sizeof(path));
	unlink(path);
	if (bpf_obj_pin(prog_fd, path)) {
		ecbpf_log(ECBPF_WARN, "cannot pin %s: %s", path, strerror(errno));
		return -errno;
	}
	return 0;
}

static int cfg_write(const struct ecbpf_iface *ifc, const struct ecbpf_cfg *cfg)
{
	int fd = ecbpf_root_map_fd(ifc, "ecbpf_cfg");
	__u32 key = 0;
	int err;

	if (fd < 0)
		return fd;
	err = bpf_map_update_elem(fd, &key, cfg, BPF_ANY) ? -errno : 0;
	close(fd);
	return err;
}

int ecbpf_cfg_read(const struct ecbpf_iface *ifc, struct ecbpf_cfg *cfg)
{
	int fd = ecbpf_root_map_fd(ifc, "ecbpf_cfg");
	__u32 key = 0;
	int err;

	memset(cfg, 0, sizeof(*cfg));
	if (fd < 0)
		return fd;
	err = bpf_map_lookup_elem(fd, &key, cfg) ? -errno : 0;
	close(fd);
	return err;
}

/* Load a fresh root program; REUSE binds it to the existing pins. */
static int root_load(const struct ecbpf_iface *ifc, bool reuse, struct xdp_root **out)
{
	struct xdp_root *skel = xdp_root__open();
	int err;

	if (!skel) {
		ecbpf_log(ECBPF_WARN, "cannot open the root program: %s", strerror(errno));
		return -errno;
	}
	if (reuse) {
		err = root_reuse_pins(ifc, skel->obj);
		if (err)
			goto fail;
	}
	err = ecbpf_skel_load(skel->skeleton);
	if (err)
		goto fail;
	*out = skel;
	return 0;
fail:
	xdp_root__destroy(skel);
	return err;
}

static int xdp_attach(const struct ecbpf_iface *ifc, int prog_fd, enum ecbpf_mode mode,
		      uint32_t old_id)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts);
	__u32 flags = mode_flag(mode);
	int old_fd = -1, err;

	if (old_id) {
		old_fd = bpf_prog_get_fd_by_id(old_id);
		if (old_fd < 0)
			return -errno;
		opts.old_prog_fd = old_fd;
		flags |= XDP_FLAGS_REPLACE;
	} else {
		flags |= XDP_FLAGS_UPDATE_IF_NOEXIST;
	}
	err = bpf_xdp_attach(ifc->ifindex, prog_fd, flags, &opts);
	if (old_fd >= 0)
		close(old_fd);
	if (err == -EOPNOTSUPP && mode == ECBPF_MODE_NATIVE)
		ecbpf_log(ECBPF_WARN, "%s: the driver has no native XDP support: use --generic",
			  ifc->name);
	else if (err == -EBUSY || err == -EEXIST)
		ecbpf_log(ECBPF_WARN, "%s: the attached XDP program changed under us: retry",
			  ifc->name);
	else if (err)
		ecbpf_log(ECBPF_WARN, "%s: cannot attach XDP (%s mode): %s", ifc->name,
			  mode_name(mode), strerror(-err));
	return err;
}

static int xdp_detach(const struct ecbpf_iface *ifc, const struct xdp_state *xs)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts);
	int old_fd = bpf_prog_get_fd_by_id(xs->prog_id);
	int err;

	if (old_fd < 0)
		return -errno;
	opts.old_prog_fd = old_fd;
	err = bpf_xdp_detach(ifc->ifindex, mode_flag(xs->mode) | XDP_FLAGS_REPLACE, &opts);
	close(old_fd);
	if (err)
		ecbpf_log(ECBPF_WARN, "%s: cannot detach XDP: %s", ifc->name, strerror(-err));
	return err;
}

static void remove_empty_dirs(const struct ecbpf_iface *ifc);

static int root_attach_locked(struct ecbpf_iface *ifc, struct ecbpf_attach_opts *o)
{
	struct xdp_root *skel = NULL;
	struct xdp_state xs;
	bool have_pins, reuse, ours, fresh_pins = false;
	uint32_t replace_id = 0;
	struct ecbpf_cfg cfg;
	int err;

	o->replaced[0] = o->repaired[0] = '\0';
	o->upgraded = false;
	err = xdp_state_read(ifc, &xs);
	if (err)
		return err;
	have_pins = pins_present(ifc);
	ours = have_pins && root_is_ours(ifc, &xs);
	reuse = have_pins && pins_owned(ifc);

	if (xs.prog_id && !ours) {
		bool nop = !strcmp(xs.prog.name, "xdp_nop");

		if (!nop && !o->force) {
			ecbpf_log(ECBPF_WARN,
				  "%s: a foreign XDP program is attached (id %u, name %s): use --force to replace it",
				  ifc->name, xs.prog_id, xs.prog.name[0] ? xs.prog.name : "?");
			return -EBUSY;
		}
		if (!nop)
			snprintf(o->replaced, sizeof(o->replaced), "XDP program id %u (%s)",
				 xs.prog_id, xs.prog.name);
	}
	if (have_pins && !reuse) {
		if (!o->force) {
			ecbpf_log(ECBPF_WARN,
				  "%s: stale pins in %s belong to another interface instance: use --force to remove them",
				  ifc->name, ifc->dir);
			return -EEXIST;
		}
		root_pins_remove(ifc);
		have_pins = false;
		snprintf(o->replaced + strlen(o->replaced), sizeof(o->replaced) - strlen(o->replaced),
			 "%sstale pins in %s", o->replaced[0] ? " and " : "", ifc->dir);
	}
	if (have_pins && !ours)
		snprintf(o->repaired, sizeof(o->repaired),
			 "pins in %s without an attached root: reusing the root array", ifc->dir);

	if (xs.prog_id && xs.mode != o->mode) {
		/* Native and generic cannot both be attached: a mode change has a gap. */
		if (!o->force) {
			ecbpf_log(ECBPF_WARN,
				  "%s: attached in %s mode; changing to %s mode needs a detach (a gap in filtering): use --force",
				  ifc->name, mode_name(xs.mode), mode_name(o->mode));
			return -EBUSY;
		}
		err = xdp_detach(ifc, &xs);
		if (err)
			return err;
		xs.prog_id = 0;
	}
	replace_id = xs.prog_id;

	err = root_load(ifc, have_pins, &skel);
	if (err)
		return err;
	if (!have_pins) {
		err = root_pin_maps(ifc, skel->obj);
		if (err)
			goto fail_unpin;
		fresh_pins = true;
	}
	err = ecbpf_cfg_read(ifc, &cfg);
	if (err)
		goto fail_unpin;
	if (fresh_pins) {
		cfg.sample_rate = ECBPF_SAMPLE_RATE_DEFAULT;
		cfg.snaplen = ECBPF_SNAPLEN_DEFAULT;
		cfg.monitor_mask = 0;
	}
	cfg.owner_ifindex = ifc->ifindex;
	cfg.owner_netns = ifc->netns;
	cfg.attach_time = time(NULL);
	err = cfg_write(ifc, &cfg);
	if (err)
		goto fail_unpin;

	err = xdp_attach(ifc, bpf_program__fd(skel->progs.xdp_root), o->mode, replace_id);
	if (err)
		goto fail_unpin;
	o->upgraded = ours;
	err = root_pin_prog(ifc, bpf_program__fd(skel->progs.xdp_root));
	xdp_root__destroy(skel);
	return err;

fail_unpin:
	if (fresh_pins)
		root_pins_remove(ifc);
	xdp_root__destroy(skel);
	return err;
}

int ecbpf_root_attach(struct ecbpf_iface *ifc, struct ecbpf_attach_opts *opts)
{
	bool locked;
	int err;

	err = ecbpf_bpffs_ensure();
	if (err)
		return err;
	locked = ifc->lock_fd < 0;
	err = iface_lock(ifc, true);
	if (err)
		return err;
	err = root_attach_locked(ifc, opts);
	if (err && locked && !pins_present(ifc))
		remove_empty_dirs(ifc);
	lock_scope_end(ifc, locked);
	return err;
}

static int nop_replace(const struct ecbpf_iface *ifc, const struct xdp_state *xs)
{
	struct xdp_nop *nop = xdp_nop__open();
	int err;

	if (!nop) {
		ecbpf_log(ECBPF_WARN, "cannot open the pass-only program: %s", strerror(errno));
		return -errno;
	}
	err = ecbpf_skel_load(nop->skeleton);
	if (err) {
		xdp_nop__destroy(nop);
		return err;
	}
	err = xdp_attach(ifc, bpf_program__fd(nop->progs.xdp_nop), xs->mode, xs->prog_id);
	xdp_nop__destroy(nop);
	return err;
}

/*
 * Remove the interface's directory and, when they are left empty, its
 * netns:<inode> directory and the pin root, so a detach leaves nothing on
 * bpffs. A concurrent attach that loses a parent this way creates it again
 * (iface_lock()).
 */
static void remove_empty_dirs(const struct ecbpf_iface *ifc)
{
	char parent[sizeof(ifc->dir)];
	char *slash;

	if (rmdir(ifc->dir))
		return;
	snprintf(parent, sizeof(parent), "%s", ifc->dir);
	slash = strrchr(parent, '/');
	if (slash && !strncmp(slash + 1, ifc->name, IF_NAMESIZE)) {
		*slash = '\0';
		if (strstr(parent, "/netns:") && rmdir(parent))
			return;
	}
	rmdir(ecbpf_pin_root());
}

static int root_detach_locked(struct ecbpf_iface *ifc, bool nop, bool force)
{
	struct xdp_state xs;
	bool have_pins, ours;
	int err;

	err = xdp_state_read(ifc, &xs);
	if (err)
		return err;
	have_pins = pins_present(ifc);
	ours = have_pins && root_is_ours(ifc, &xs);
	if (!have_pins && !(xs.prog_id && !strcmp(xs.prog.name, "xdp_nop"))) {
		if (xs.prog_id && !strcmp(xs.prog.name, "xdp_root") && force) {
			ours = true;	/* our root with its pins lost: --force detaches it */
		} else if (xs.prog_id) {
			ecbpf_log(ECBPF_WARN,
				  "%s: no ecbpf root here (attached: id %u, %s): nothing to detach",
				  ifc->name, xs.prog_id, xs.prog.name);
			return -ENOENT;
		} else {
			ecbpf_log(ECBPF_WARN, "Root array not attached to interface %s.", ifc->name);
			return -ENOENT;
		}
	}
	if (xs.prog_id && (ours || !strcmp(xs.prog.name, "xdp_nop"))) {
		if (nop && strcmp(xs.prog.name, "xdp_nop"))
			err = nop_replace(ifc, &xs);
		else if (!nop)
			err = xdp_detach(ifc, &xs);
		if (err)
			return err;
	} else if (xs.prog_id) {
		ecbpf_log(ECBPF_WARN, "%s: leaving foreign XDP program id %u (%s) attached",
			  ifc->name, xs.prog_id, xs.prog.name);
	}
	root_pins_remove(ifc);
	remove_empty_dirs(ifc);
	return 0;
}

int ecbpf_root_detach(struct ecbpf_iface *ifc, bool nop, bool force)
{
	bool locked;
	int err;

	if (!ecbpf_bpffs_mounted()) {
		struct xdp_state xs;

		/* Without bpffs there are no pins to go by: only --force detaches. */
		if (!xdp_state_read(ifc, &xs) && xs.prog_id && force &&
		    !strcmp(xs.prog.name, "xdp_root"))
			return nop ? nop_replace(ifc, &xs) : xdp_detach(ifc, &xs);
		ecbpf_log(ECBPF_WARN, "%s: bpffs is not mounted on %s: no pins to detach", ifc->name,
			  ecbpf_pin_root());
		return -ENOENT;
	}
	/*
	 * Create the directory to lock it: after --nop there are no pins, yet
	 * the xdp_nop left attached is ours to detach.
	 */
	locked = ifc->lock_fd < 0;
	err = iface_lock(ifc, true);
	if (err)
		return err;
	err = root_detach_locked(ifc, nop, force);
	if (err && locked && !pins_present(ifc))
		remove_empty_dirs(ifc);
	lock_scope_end(ifc, locked);
	return err;
}

/* ---- private stacks for BPF_PROG_TEST_RUN ---------------------------- */

struct ecbpf_stack {
	struct xdp_root *skel;
	int fds[ECBPF_SHARED_MAPS_N];
};

int ecbpf_stack_new(struct ecbpf_stack **out)
{
	struct ecbpf_stack *stk = calloc(1, sizeof(*stk));
	struct ecbpf_cfg cfg = { .snaplen = ECBPF_SNAPLEN_DEFAULT };
	__u32 key = 0;
	int err;

	if (!stk)
		return -ENOMEM;
	stk->skel = xdp_root__open();
	if (!stk->skel) {
		err = -errno;
		ecbpf_log(ECBPF_WARN, "cannot open the root program: %s", strerror(-err));
		free(stk);
		return err;
	}
	err = ecbpf_skel_load(stk->skel->skeleton);
	if (err) {
		xdp_root__destroy(stk->skel);
		free(stk);
		return err;
	}
	for (int i = 0; i < ECBPF_SHARED_MAPS_N; i++)
		stk->fds[i] = bpf_map__fd(
			bpf_object__find_map_by_name(stk->skel->obj, ecbpf_shared_maps[i]));
	bpf_map_update_elem(ecbpf_stack_map_fd(stk, "ecbpf_cfg"), &key, &cfg, BPF_ANY);
	*out = stk;
	return 0;
}

void ecbpf_stack_free(struct ecbpf_stack *stk)
{
	if (!stk)
		return;
	xdp_root__destroy(stk->skel);
	free(stk);
}

int ecbpf_stack_root_fd(const struct ecbpf_stack *stk)
{
	return bpf_program__fd(stk->skel->progs.xdp_root);
}

const int *ecbpf_stack_shared_fds(const struct ecbpf_stack *stk)
{
	return stk->fds;
}

int ecbpf_stack_map_fd(const struct ecbpf_stack *stk, const char *name)
{
	for (int i = 0; i < ECBPF_SHARED_MAPS_N; i++)
		if (!strcmp(ecbpf_shared_maps[i], name))
			return stk->fds[i];
	return -ENOENT;
}
