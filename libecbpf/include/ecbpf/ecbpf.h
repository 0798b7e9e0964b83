/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * libecbpf: attach, pin, replace and report the slots of an ecbpf stack.
 *
 * Every function returns 0 (or a count) on success and a negative errno on
 * failure, after logging one line through the print hook. Functions that
 * change an interface's state take its lock themselves.
 */
#ifndef ECBPF_H
#define ECBPF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <net/if.h>
#include <ecbpf/shared.h>

#ifdef __cplusplus
extern "C" {
#endif

struct bpf_object;
struct bpf_object_skeleton;

/* ---- logging -------------------------------------------------------- */

enum ecbpf_log_level { ECBPF_WARN, ECBPF_INFO, ECBPF_DEBUG };

typedef void (*ecbpf_print_fn)(enum ecbpf_log_level level, const char *msg);

/* Install the log hook; returns the previous one. NULL restores the default (stderr, WARN+INFO). */
ecbpf_print_fn ecbpf_set_print(ecbpf_print_fn fn);
/* Show DEBUG messages (and libbpf's own debug output) with the default hook. */
void ecbpf_set_debug(bool on);
/* Log one line through the hook (used by the tools as well). */
void ecbpf_log(enum ecbpf_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- loading -------------------------------------------------------- */

#define ECBPF_VERIFIER_LOG_ENV "ECBPF_VERIFIER_LOG"

/*
 * bpf_object__load(OBJ), or bpf_object__load_skeleton(SKEL) for a skeleton
 * (skel->skeleton), with the verifier's reason when a program is refused:
 * one WARN line "cannot load PROG: FIRST ERROR (verifier log: N lines; ...)"
 * (or "cannot load OBJECT: strerror" when no program got as far as the
 * verifier). The whole log is written to the file named by
 * $ECBPF_VERIFIER_LOG, or with debug on to $TMPDIR (/tmp)/ecbpf-verifier-PROG-PID.log,
 * and the line says where. Programs get a log buffer only for the load (a
 * buffer the caller set with bpf_program__set_log_buf() is used instead);
 * the kernel writes a log only after a refusal, so successful loads stay fast.
 * Returns 0, -ENOEXEC when the verifier refused a program (ecbpf_exit_code():
 * EX_SOFTWARE), or libbpf's negative errno.
 */
int ecbpf_object_load(struct bpf_object *obj);
int ecbpf_skel_load(struct bpf_object_skeleton *skel);
/*
 * The verifier's first error in LOG (a program's load log, with or without
 * libbpf's BEGIN/END frame): the first message after its last instruction or
 * state line, with a register remark that follows it joined by "; ".
 * Copied to OUT (cut to OUTLEN); returns OUT, or NULL (OUT "") if LOG has none.
 */
const char *ecbpf_verifier_first_error(const char *log, char *out, size_t outlen);

/* ---- pins ----------------------------------------------------------- */

#define ECBPF_PIN_ROOT_DEFAULT "/sys/fs/bpf/ecbpf"
#define ECBPF_PIN_ROOT_ENV "ECBPF_PIN_ROOT"

/* Pin root in use: the override, else $ECBPF_PIN_ROOT, else the default. */
const char *ecbpf_pin_root(void);
/* Override the pin root (tests run in parallel with their own roots). NULL resets. */
void ecbpf_set_pin_root(const char *dir);
/* Mount bpffs on /sys/fs/bpf if it is not, and check the pin root sits on bpffs. */
int ecbpf_bpffs_ensure(void);

/* ---- interfaces ----------------------------------------------------- */

struct ecbpf_iface {
	char name[IF_NAMESIZE];
	int ifindex;
	uint64_t netns;			/* inode of our network namespace */
	char dir[512];			/* this interface's pin directory */
	int lock_fd;			/* -1 when not locked */
};

/* Resolve NAME in the current netns and compute its pin directory. -ENODEV if unknown. */
int ecbpf_iface_open(const char *name, struct ecbpf_iface *ifc);
/* Take the exclusive interface lock (blocks); -ENOENT, logged, if the root was never attached. */
int ecbpf_iface_lock(struct ecbpf_iface *ifc);
void ecbpf_iface_unlock(struct ecbpf_iface *ifc);
/* Path of a pin in the interface directory: COMPONENT may be NULL for root pins. */
int ecbpf_pin_path(const struct ecbpf_iface *ifc, const char *component, const char *name,
		   char *buf, size_t len);

/* Split "eth0,eth1" into names (each checked for length and characters). Returns count or -EINVAL. */
int ecbpf_parse_iface_list(const char *list, char names[][IF_NAMESIZE], int max);

/* ---- root ----------------------------------------------------------- */

enum ecbpf_mode { ECBPF_MODE_NATIVE = 0, ECBPF_MODE_GENERIC = 1 };

struct ecbpf_attach_opts {
	enum ecbpf_mode mode;
	bool force;			/* take over a foreign program or stale pins */
	char replaced[1024];		/* out: what --force replaced, "" if nothing */
	char repaired[1024];		/* out: what an interrupted state was repaired from, "" if nothing */
	bool upgraded;			/* out: an existing root was replaced atomically */
};

/* Load the root, pin its maps and attach it (or atomically replace the running root, reusing its root array). */
int ecbpf_root_attach(struct ecbpf_iface *ifc, struct ecbpf_attach_opts *opts);
/* Detach the root and remove its pins; NOP leaves a pass-only program attached. */
int ecbpf_root_detach(struct ecbpf_iface *ifc, bool nop, bool force);
/* 1 if our root is attached and its pins are present, 0 if not, negative errno on error. */
int ecbpf_root_present(const struct ecbpf_iface *ifc);
/* Open a pinned root map by name (root_array, xdp_stats, ...). Returns an fd or -ENOENT. */
int ecbpf_root_map_fd(const struct ecbpf_iface *ifc, const char *name);

/* ---- slots (used by component loaders) ------------------------------ */

/* Names of the maps every slot program shares with the root. */
#define ECBPF_SHARED_MAPS_N 8
extern const char *const ecbpf_shared_maps[ECBPF_SHARED_MAPS_N];

/*
 * Before loading a component object: reuse the interface's shared maps, and
 * pin the component's own maps under <dir>/<component>/ (reusing existing pins,
 * so state survives a reload). -ENOENT if the root is not attached.
 */
int ecbpf_slot_bind(const struct ecbpf_iface *ifc, struct bpf_object *obj, const char *component);
/* Same, for private maps (tests, --test runs): no pins, no root needed. */
int ecbpf_slot_bind_fds(struct bpf_object *obj, const int *shared_fds);

enum { ECBPF_SLOT_F_FORCE = 1 };

/*
 * Put PROG_FD into SLOT in one atomic map update. The slot must be empty or hold
 * a program with the same name (a replace), unless ECBPF_SLOT_F_FORCE.
 */
int ecbpf_slot_attach(struct ecbpf_iface *ifc, int slot, int prog_fd, unsigned int flags);
/* Empty SLOT if it holds a program named PROG_NAME (NULL: whatever it holds). */
int ecbpf_slot_detach(struct ecbpf_iface *ifc, int slot, const char *prog_name);
/* Slot that holds a program named PROG_NAME, or -ENOENT. */
int ecbpf_slot_find(const struct ecbpf_iface *ifc, const char *prog_name);

struct ecbpf_prog_info {
	uint32_t id;			/* 0: empty */
	char name[16];
	char tag[17];
	time_t load_time;		/* wall clock, seconds */
};

/* Program in SLOT (id 0 if empty). */
int ecbpf_slot_info(const struct ecbpf_iface *ifc, int slot, struct ecbpf_prog_info *info);

/* Slot constant a loaded program was built for (its .rodata ecbpf_slot), or negative errno. */
int ecbpf_prog_slot(int prog_fd);

/*
 * A private stack: the root with unpinned maps, for BPF_PROG_TEST_RUN (tests,
 * xdp_fw --test). Slot programs join it with ecbpf_slot_bind_fds().
 */
struct ecbpf_stack;
int ecbpf_stack_new(struct ecbpf_stack **out);
void ecbpf_stack_free(struct ecbpf_stack *stk);
int ecbpf_stack_root_fd(const struct ecbpf_stack *stk);
/* fds of the shared maps, in ecbpf_shared_maps order. */
const int *ecbpf_stack_shared_fds(const struct ecbpf_stack *stk);
/* fd of one shared map by name, or -ENOENT. */
int ecbpf_stack_map_fd(const struct ecbpf_stack *stk, const char *name);

/* ---- run-time config ------------------------------------------------ */

int ecbpf_cfg_read(const struct ecbpf_iface *ifc, struct ecbpf_cfg *cfg);
/* Set monitor mode of SLOT on or off (one map update, takes effect on the next packet). */
int ecbpf_set_monitor(struct ecbpf_iface *ifc, int slot, bool on);
/* Set the sample rate (1 in N, 0 = off) and snap length (0 keeps the current one). */
int ecbpf_set_sampling(struct ecbpf_iface *ifc, uint32_t rate, uint32_t snaplen);

/* ---- statistics and status ------------------------------------------ */

struct ecbpf_slot_status {
	struct ecbpf_prog_info prog;
	bool monitor;
	struct ecbpf_counter verdict[ECBPF_ACT_MAX];
	struct ecbpf_counter would[ECBPF_ACT_MAX];
};

struct ecbpf_status {
	char ifname[IF_NAMESIZE];
	int ifindex;
	bool attached;			/* our root is attached with its pins */
	struct ecbpf_prog_info other;	/* when not attached: the XDP program attached instead (id 0: none) */
	char mode[8];			/* "native", "generic" or "" */
	struct ecbpf_prog_info root;
	struct ecbpf_slot_status slot[ECBPF_MAX_SLOTS];
	struct ecbpf_slot_status root_row;	/* the root's own verdicts */
	struct ecbpf_counter total[ECBPF_ACT_MAX];	/* all final verdicts on the interface */
	struct ecbpf_counter reason[ECBPF_REASON_MAX];
	uint32_t sample_rate, snaplen;
	uint64_t samples_sent, samples_lost, samples_noreader;
};

/* Gather the status of an interface. attached=false (and 0) when no root. */
int ecbpf_status_read(const struct ecbpf_iface *ifc, struct ecbpf_status *st);
/* Zero the verdict, reason and sampler counters. */
int ecbpf_stats_clear(struct ecbpf_iface *ifc);

/* Sum a per-CPU map value of N u64 counters at KEY into OUT. */
int ecbpf_percpu_sum(int map_fd, uint32_t key, uint64_t *out, size_t n);
/* Zero a per-CPU map entry of VALUE_SIZE bytes at KEY on every CPU. */
int ecbpf_percpu_zero(int map_fd, uint32_t key, size_t value_size);

/* Names: "XDP_DROP", and "fw_rule"-style reason names ("reason_42" if unnamed). */
const char *ecbpf_action_name(int idx);
const char *ecbpf_reason_name(int reason);

/* Print the reference status table for ST. */
void ecbpf_status_print(FILE *out, const struct ecbpf_status *st);
/* Status as a jansson object (caller decrefs). Declared void * to keep jansson out of this header. */
void *ecbpf_status_json(const struct ecbpf_status *st);
/* "Wed, 03 May 2023 20:18:12 +0000" */
void ecbpf_format_time(time_t t, char *buf, size_t len);

/* ---- tools ---------------------------------------------------------- */

/* Prefix every log line with the tool's name ("xdp_filter: unknown interface 'x'"). */
void ecbpf_cli_init(const char *progname);
/* Parse and open a comma-separated interface list; logs and returns -errno on the first bad name. */
int ecbpf_cli_ifaces(const char *list, struct ecbpf_iface *out, int max);
/* Print a jansson value (void * keeps jansson out of this header) and free it. */
int ecbpf_json_dump(void *json, FILE *out);
/* Log getopt_long's error (C is ':' for a missing argument, else an unknown option); returns EX_USAGE. */
int ecbpf_cli_usage_error(int c, char *const *argv);
/* Parse a decimal unsigned integer within [min, max]; -EINVAL/-ERANGE otherwise. */
int ecbpf_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out);

/* sysexits.h code for a negative errno returned by this library. */
int ecbpf_exit_code(int err);
/* Number of possible CPUs (per-CPU value arrays). */
int ecbpf_ncpus(void);

#ifdef __cplusplus
}
#endif
#endif /* ECBPF_H */
