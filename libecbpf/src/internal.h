/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* Helpers shared by the library's source files; not installed. */
#ifndef ECBPF_INTERNAL_H
#define ECBPF_INTERNAL_H

#include <stdbool.h>
#include <sys/types.h>
#include <ecbpf/ecbpf.h>

#define ROOT_PROG_PIN "xdp_root_prog"

bool ecbpf_debug_enabled(void);
int mkdir_p(const char *path, mode_t mode);
bool ecbpf_bpffs_mounted(void);
int ecbpf_check_iface_name(const char *name);
/* Lock the interface directory; CREATE makes it first (root attach only). */
int iface_lock(struct ecbpf_iface *ifc, bool create);
/* Take the interface lock unless the caller holds it already. */
int lock_scope_begin(struct ecbpf_iface *ifc, bool *locked_here);
void lock_scope_end(struct ecbpf_iface *ifc, bool locked_here);
/* Program info by fd or id. */
int prog_info_fd(int fd, struct ecbpf_prog_info *info);
int prog_info_id(uint32_t id, struct ecbpf_prog_info *info);
/* Open the pin at PATH; -errno on failure (no log). */
int pin_open(const char *path);
/* Remove every pin and directory below DIR, and DIR itself. */
int pin_tree_remove(const char *dir);

#endif
