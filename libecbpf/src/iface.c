// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* Pin root, bpffs, interfaces, pin directories and the per-interface lock. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sysexits.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <linux/magic.h>
#include <ecbpf/ecbpf.h>
#include "internal.h"

#define BPFFS_MOUNT "/sys/fs/bpf"
#define INIT_NET_INO 0xEFFFFFF9ULL	/* PROC_NET_INIT_INO */
#define INIT_PID_INO 0xEFFFFFFCULL	/* PROC_PID_INIT_INO */

static char pin_root_override[PATH_MAX];

const char *ecbpf_pin_root(void)
{
	const char *env;

	if (pin_root_override[0])
		return pin_root_override;
	env = getenv(ECBPF_PIN_ROOT_ENV);
	if (env && env[0])
		return env;
	return ECBPF_PIN_ROOT_DEFAULT;
}

void ecbpf_set_pin_root(const char *dir)
{
	snprintf(pin_root_override, sizeof(pin_root_override), "%s", dir ? dir : "");
}

int mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);

	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) && errno != EEXIST)
		return -errno;
	return 0;
}

static bool on_bpffs(const char *path)
{
	struct statfs sfs;

	return !statfs(path, &sfs) && sfs.f_type == BPF_FS_MAGIC;
}

bool ecbpf_bpffs_mounted(void)
{
	const char *root = ecbpf_pin_root();
	char parent[PATH_MAX];
	char *slash;

	/* The pin root may not exist yet: look at its closest existing ancestor. */
	snprintf(parent, sizeof(parent), "%s", root);
	while (access(parent, F_OK)) {
		slash = strrchr(parent, '/');
		if (!slash || slash == parent)
			return false;
		*slash = '\0';
	}
	return on_bpffs(parent);
}

int ecbpf_bpffs_ensure(void)
{
	const char *root = ecbpf_pin_root();
	int err;

	if (!on_bpffs(BPFFS_MOUNT) && !strncmp(root, BPFFS_MOUNT "/", strlen(BPFFS_MOUNT) + 1)) {
		if (mount("bpf", BPFFS_MOUNT, "bpf", 0, "mode=0700")) {
			err = -errno;
			ecbpf_log(ECBPF_WARN, "cannot mount bpffs on %s: %s", BPFFS_MOUNT,
				  strerror(errno));
			return err;
		}
		ecbpf_log(ECBPF_DEBUG, "mounted bpffs on %s", BPFFS_MOUNT);
	}
	/* Refuse before creating anything: a pin root off bpffs must leave no directory behind. */
	if (!ecbpf_bpffs_mounted()) {
		ecbpf_log(ECBPF_WARN, "pin root %s is not on a bpf filesystem", root);
		return -ENOTSUP;
	}
	err = mkdir_p(root, 0700);
	if (err) {
		ecbpf_log(ECBPF_WARN, "cannot create pin root %s: %s", root, strerror(-err));
		return err;
	}
	if (!on_bpffs(root)) {
		ecbpf_log(ECBPF_WARN, "pin root %s is not on a bpf filesystem", root);
		return -ENOTSUP;
	}
	return 0;
}

static uint64_t netns_inode(const char *path)
{
	struct stat st;

	return stat(path, &st) ? 0 : (uint64_t)st.st_ino;
}

int ecbpf_check_iface_name(const char *name)
{
	size_t len = strlen(name);

	if (!len || len >= IF_NAMESIZE)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = name[i];

		if (c == '/' || c == ':' || isspace(c) || !isprint(c))
			return -EINVAL;
	}
	return strcmp(name, ".") && strcmp(name, "..") ? 0 : -EINVAL;
}

int ecbpf_iface_open(const char *name, struct ecbpf_iface *ifc)
{
	uint64_t init_ns;
	int n;

	memset(ifc, 0, sizeof(*ifc));
	ifc->lock_fd = -1;
	if (ecbpf_check_iface_name(name)) {
		ecbpf_log(ECBPF_WARN, "invalid interface name '%s'", name);
		return -EINVAL;
	}
	snprintf(ifc->name, sizeof(ifc->name), "%s", name);
	ifc->ifindex = if_nametoindex(name);
	if (!ifc->ifindex) {
		ecbpf_log(ECBPF_WARN, "unknown interface '%s'", name);
		return -ENODEV;
	}
	/*
	 * Pins of the namespace PID 1 lives in sit at <root>/<ifname>; any other
	 * namespace gets <root>/netns:<inode>/<ifname>, so equal names never collide.
	 */
	ifc->netns = netns_inode("/proc/self/ns/net");
	init_ns = netns_inode("/proc/1/ns/net");
	/*
	 * PID 1 hidden from us (a service without CAP_SYS_PTRACE): on the host,
	 * recent kernels give init_net a fixed inode; in a container's PID
	 * namespace, its init is taken to share our namespace, as the operator's
	 * tools there see it.
	 */
	if (!init_ns)
		init_ns = netns_inode("/proc/self/ns/pid") == INIT_PID_INO ? INIT_NET_INO : ifc->netns;
	if (init_ns == ifc->netns)
		n = snprintf(ifc->dir, sizeof(ifc->dir), "%s/%s", ecbpf_pin_root(), name);
	else
		n = snprintf(ifc->dir, sizeof(ifc->dir), "%s/netns:%llu/%s", ecbpf_pin_root(),
			     (unsigned long long)ifc->netns, name);
	if (n < 0 || (size_t)n >= sizeof(ifc->dir))
		return -ENAMETOOLONG;
	return 0;
}

int iface_lock(struct ecbpf_iface *ifc, bool create)
{
	struct stat a, b;
	int err, fd;

	if (ifc->lock_fd >= 0)
		return 0;
	for (int tries = 0; tries < 100; tries++) {
		if (!create && access(ifc->dir, F_OK)) {
			ecbpf_log(ECBPF_WARN,
				  "root array missing for %s (%s/root_array): run 'xdp_root_loader --attach --interface %s' first",
				  ifc->name, ifc->dir, ifc->name);
			return -ENOENT;
		}
		err = create ? mkdir_p(ifc->dir, 0700) : 0;
		if (err == -ENOENT)
			continue;	/* a concurrent detach removed a parent: again */
		if (err) {
			ecbpf_log(ECBPF_WARN, "cannot create %s: %s", ifc->dir, strerror(-err));
			return err;
		}
		fd = open(ifc->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			continue;	/* removed by a concurrent detach: look again */
		if (flock(fd, LOCK_EX)) {
			err = -errno;
			close(fd);
			ecbpf_log(ECBPF_WARN, "cannot lock %s: %s", ifc->dir, strerror(-err));
			return err;
		}
		/* A detach may have removed the directory while we waited for it. */
		if (!fstat(fd, &a) && !stat(ifc->dir, &b) && a.st_ino == b.st_ino &&
		    a.st_dev == b.st_dev) {
			ifc->lock_fd = fd;
			return 0;
		}
		close(fd);
	}
	ecbpf_log(ECBPF_WARN, "cannot lock %s: it keeps disappearing", ifc->dir);
	return -EAGAIN;
}

int ecbpf_iface_lock(struct ecbpf_iface *ifc)
{
	return iface_lock(ifc, false);
}

void ecbpf_iface_unlock(struct ecbpf_iface *ifc)
{
	if (ifc->lock_fd >= 0) {
		close(ifc->lock_fd);
		ifc->lock_fd = -1;
	}
}

int lock_scope_begin(struct ecbpf_iface *ifc, bool *locked_here)
{
	int err;

	*locked_here = false;
	if (ifc->lock_fd >= 0)
		return 0;
	err = iface_lock(ifc, false);
	*locked_here = !err;
	return err;
}

void lock_scope_end(struct ecbpf_iface *ifc, bool locked_here)
{
	if (locked_here)
		ecbpf_iface_unlock(ifc);
}

int ecbpf_pin_path(const struct ecbpf_iface *ifc, const char *component, const char *name,
		   char *buf, size_t len)
{
	int n;

	if (component)
		n = snprintf(buf, len, "%s/%s/%s", ifc->dir, component, name);
	else
		n = snprintf(buf, len, "%s/%s", ifc->dir, name);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int ecbpf_parse_iface_list(const char *list, char names[][IF_NAMESIZE], int max)
{
	const char *p = list;
	int count = 0;

	if (!list || !*list)
		return -EINVAL;
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		char name[IF_NAMESIZE];

		if (!len || len >= IF_NAMESIZE || count >= max)
			return -EINVAL;
		memcpy(name, p, len);
		name[len] = '\0';
		if (ecbpf_check_iface_name(name))
			return -EINVAL;
		for (int i = 0; i < count; i++)
			if (!strcmp(names[i], name))
				return -EINVAL;
		memcpy(names[count++], name, len + 1);
		if (!comma)
			break;
		p = comma + 1;
		if (!*p)
			return -EINVAL;	/* trailing comma */
	}
	return count;
}

int ecbpf_exit_code(int err)
{
	switch (-err) {
	case 0:
		return EX_OK;
	case ENODEV:
	case ENXIO:
		return EX_NOINPUT;
	case ENOENT:
		return EX_UNAVAILABLE;
	case EINVAL:
	case ERANGE:
	case E2BIG:
		return EX_DATAERR;
	case EPERM:
	case EACCES:
		return EX_NOPERM;
	case EBUSY:
	case EEXIST:
		return EX_CANTCREAT;
	case EAGAIN:
		return EX_TEMPFAIL;
	case ENOTSUP:
		return EX_CONFIG;
	case ENOEXEC:
		return EX_SOFTWARE;	/* the kernel's verifier refused a program */
	default:
		return EX_OSERR;
	}
}

int ecbpf_ncpus(void)
{
	static int n;

	if (!n)
		n = libbpf_num_possible_cpus();
	return n;
}
