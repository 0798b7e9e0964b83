// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * ecbpf_service_handler: what the ecbpf-* systemd units run. It reads
 * /etc/ecbpf/ecbpf.conf, validates all of it (and the host facts it names)
 * before touching anything, then runs the component's loader with the right
 * arguments, or execs it for the long-running components.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-login.h>
#include <ecbpf/ecbpf.h>
#include "service_config.h"

#ifndef ECBPF_SBINDIR
#define ECBPF_SBINDIR "/usr/sbin"
#endif
#define ECBPF_LOADER_DIR_ENV "ECBPF_LOADER_DIR"
#define ECBPF_RUN_DIR_ENV "ECBPF_RUN_DIR"
#define ECBPF_RUN_DIR_DEFAULT "/run/ecbpf"
#define MAX_ARGS 48
/* The unit's ExecCondition: exit codes 1-254 skip the unit, 255 fails it. */
#define EXIT_DISABLED 1
#define EXIT_CONDITION_BROKEN 255

enum op { OP_START, OP_STOP, OP_RELOAD, OP_CHECK, OP_ENABLED };

struct handler {
	enum op op;
	int comp;			/* -1: every component (check only) */
	bool dry_run;
	const char *conf;
	const char *route4, *route6;
	char run_dir[256];
	char loader_dir[256];
	struct svc_config cfg;
};

/* An argv under construction: the loader's path, then its arguments. */
struct cmd {
	char *argv[MAX_ARGS + 1];
	char store[MAX_ARGS][SVC_STR_MAX + 32];
	int argc;
};

static void cmd_init(struct cmd *c, const struct handler *h, const char *tool)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->store[0], sizeof(c->store[0]), "%s/%s", h->loader_dir, tool);
	c->argv[0] = c->store[0];
	c->argc = 1;
}

static void cmd_add(struct cmd *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void cmd_add(struct cmd *c, const char *fmt, ...)
{
	va_list ap;

	if (c->argc >= MAX_ARGS)
		abort();	/* the builders below add a fixed, small number */
	va_start(ap, fmt);
	vsnprintf(c->store[c->argc], sizeof(c->store[0]), fmt, ap);
	va_end(ap);
	c->argv[c->argc] = c->store[c->argc];
	c->argc++;
}

static void cmd_print(FILE *out, const struct cmd *c)
{
	for (int i = 0; i < c->argc; i++)
		fprintf(out, "%s%s", i ? " " : "", c->argv[i]);
	fputc('\n', out);
}

/* Run C and wait; its output goes where ours goes (the journal). Returns its exit code. */
static int cmd_run(const struct handler *h, const struct cmd *c, bool quiet_stdout)
{
	int status;
	pid_t pid;

	if (h->dry_run) {
		cmd_print(stdout, c);
		return 0;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		ecbpf_log(ECBPF_WARN, "fork: %s", strerror(errno));
		return EX_OSERR;
	}
	if (pid == 0) {
		if (quiet_stdout) {
			int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

			if (fd >= 0)
				dup2(fd, STDOUT_FILENO);
		}
		execv(c->argv[0], c->argv);
		fprintf(stderr, "ecbpf_service_handler: cannot run %s: %s\n", c->argv[0],
			strerror(errno));
		_exit(EX_UNAVAILABLE);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			ecbpf_log(ECBPF_WARN, "waitpid: %s", strerror(errno));
			return EX_OSERR;
		}
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	ecbpf_log(ECBPF_WARN, "%s killed by signal %d", c->argv[0], WTERMSIG(status));
	return EX_SOFTWARE;
}

/* Replace ourselves with C: systemd then supervises the long-running tool directly. */
static int cmd_exec(const struct handler *h, const struct cmd *c)
{
	if (h->dry_run) {
		cmd_print(stdout, c);
		return 0;
	}
	fflush(stdout);
	fflush(stderr);
	execv(c->argv[0], c->argv);
	ecbpf_log(ECBPF_WARN, "cannot run %s: %s", c->argv[0], strerror(errno));
	return EX_UNAVAILABLE;
}

static const union svc_value *val(const struct handler *h, const char *key)
{
	return svc_get(&h->cfg, h->comp, key);
}

static void add_ifaces(struct cmd *c, const struct handler *h)
{
	char list[SVC_MAX_IFACES * IF_NAMESIZE];

	svc_iface_list(&h->cfg, list, sizeof(list));
	cmd_add(c, "--interface");
	cmd_add(c, "%s", list);
}

/* ---- state kept between start and stop (in /run/ecbpf) -------------- */

static void run_path(const struct handler *h, const char *what, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s.%s", h->run_dir, ecbpf_components[h->comp].name, what);
}

/* Remember which interfaces a component was started on: stop must work even if the file changed. */
static void state_save_ifaces(const struct handler *h)
{
	char path[512], list[SVC_MAX_IFACES * IF_NAMESIZE];
	FILE *f;

	if (h->dry_run)
		return;
	run_path(h, "ifaces", path, sizeof(path));
	mkdir(h->run_dir, 0755);
	f = fopen(path, "we");
	if (!f) {
		ecbpf_log(ECBPF_WARN, "cannot write %s: %s (stop will use the config file)", path,
			  strerror(errno));
		return;
	}
	svc_iface_list(&h->cfg, list, sizeof(list));
	fprintf(f, "%s\n", list);
	fclose(f);
}

/* Interfaces recorded at start, into the config used by stop. Returns true if found. */
static bool state_load_ifaces(struct handler *h)
{
	char path[512], line[SVC_MAX_IFACES * IF_NAMESIZE + 2], *tok, *save = NULL;
	FILE *f;
	int n = 0;

	run_path(h, "ifaces", path, sizeof(path));
	f = fopen(path, "re");
	if (!f)
		return false;
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return false;
	}
	fclose(f);
	line[strcspn(line, "\n")] = '\0';
	for (tok = strtok_r(line, ",", &save); tok && n < SVC_MAX_IFACES;
	     tok = strtok_r(NULL, ",", &save))
		snprintf(h->cfg.ifaces[n++], IF_NAMESIZE, "%s", tok);
	h->cfg.n_ifaces = n;
	return n > 0;
}

static void state_forget(const struct handler *h, const char *what)
{
	char path[512];

	if (h->dry_run)
		return;
	run_path(h, what, path, sizeof(path));
	unlink(path);
}

/* ---- the filter's drop list: applied as a difference, never with a gap - */

#define MAX_PREFIXES 65536

struct prefix_set {
	char **v;
	int n;
};

static void prefix_set_free(struct prefix_set *s)
{
	for (int i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

/* First word of every non-comment line of PATH (a missing file is an empty set). */
static int prefix_set_read(const char *path, struct prefix_set *s)
{
	char line[512];
	FILE *f;

	s->v = NULL;
	s->n = 0;
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (fgets(line, sizeof(line), f)) {
		char *w = line + strspn(line, " \t");

		w[strcspn(w, " \t\r\n#")] = '\0';
		if (!*w)
			continue;
		if (s->n % 1024 == 0) {
			char **nv = realloc(s->v, (s->n + 1024) * sizeof(*nv));

			if (!nv || s->n >= MAX_PREFIXES) {
				free(nv == s->v ? NULL : nv);
				fclose(f);
				return -E2BIG;
			}
			s->v = nv;
		}
		s->v[s->n] = strdup(w);
		if (!s->v[s->n]) {
			fclose(f);
			return -ENOMEM;
		}
		s->n++;
	}
	fclose(f);
	return 0;
}

static bool prefix_set_has(const struct prefix_set *s, const char *w)
{
	for (int i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], w))
			return true;
	return false;
}

static int copy_file(const char *from, const char *to)
{
	char buf[8192], tmp[600];
	int in, out, err = 0;
	ssize_t n;

	snprintf(tmp, sizeof(tmp), "%s.tmp", to);
	in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) {
		err = -errno;
		close(in);
		return err;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n) {
			err = -EIO;
			break;
		}
	if (n < 0)
		err = -errno;
	close(in);
	if (close(out) && !err)
		err = -errno;
	if (!err && rename(tmp, to))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

/*
 * Make the filter's drop list follow the drop file: add the file's prefixes
 * first, then remove those that the previously applied file had and this one
 * has not. Prefixes added by hand with xdp_filter --drop are left alone.
 */
static int filter_sync_drop_list(const struct handler *h)
{
	const char *file = val(h, "drop_file")->str;
	char applied[512], removed[512];
	struct prefix_set old = {}, cur = {};
	struct cmd c;
	int rc = 0, err, n_removed = 0;
	FILE *f = NULL;

	run_path(h, "drop-applied", applied, sizeof(applied));
	run_path(h, "drop-removed", removed, sizeof(removed));
	if (*file) {
		cmd_init(&c, h, "xdp_filter");
		cmd_add(&c, "--drop");
		cmd_add(&c, "--ips-file");
		cmd_add(&c, "%s", file);
		add_ifaces(&c, h);
		rc = cmd_run(h, &c, false);
		if (rc)
			return rc;
	}
	if (h->dry_run)
		return 0;
	err = prefix_set_read(applied, &old);
	if (!err && *file)
		err = prefix_set_read(file, &cur);
	if (err) {
		ecbpf_log(ECBPF_WARN, "drop list: %s", strerror(-err));
		rc = EX_IOERR;
		goto out;
	}
	for (int i = 0; i < old.n; i++) {
		if (prefix_set_has(&cur, old.v[i]))
			continue;
		if (!f && !(f = fopen(removed, "we"))) {
			ecbpf_log(ECBPF_WARN, "cannot write %s: %s", removed, strerror(errno));
			rc = EX_CANTCREAT;
			goto out;
		}
		fprintf(f, "%s\n", old.v[i]);
		n_removed++;
	}
	if (f) {
		fclose(f);
		cmd_init(&c, h, "xdp_filter");
		cmd_add(&c, "--no-drop");
		cmd_add(&c, "--ips-file");
		cmd_add(&c, "%s", removed);
		add_ifaces(&c, h);
		rc = cmd_run(h, &c, false);
		unlink(removed);
		if (rc)
			goto out;
		ecbpf_log(ECBPF_INFO, "drop list: %d prefixes no longer listed removed", n_removed);
	}
	if (*file) {
		err = copy_file(file, applied);
		if (err)
			ecbpf_log(ECBPF_WARN, "cannot record the applied drop list in %s: %s",
				  applied, strerror(-err));
	} else {
		unlink(applied);
	}
out:
	prefix_set_free(&old);
	prefix_set_free(&cur);
	return rc;
}

/* ---- what each component runs ---------------------------------------- */

static int root_start(struct handler *h)
{
	struct cmd c;

	/* --attach on an attached root is an atomic in-place upgrade that keeps the slots. */
	cmd_init(&c, h, "xdp_root_loader");
	cmd_add(&c, "--attach");
	add_ifaces(&c, h);
	if (h->cfg.mode == SVC_MODE_GENERIC)
		cmd_add(&c, "--generic");
	return cmd_run(h, &c, false);
}

static int root_stop(struct handler *h)
{
	struct cmd c;

	cmd_init(&c, h, "xdp_root_loader");
	cmd_add(&c, "--detach");
	add_ifaces(&c, h);
	if (val(h, "nop_on_detach")->u32)
		cmd_add(&c, "--nop");
	return cmd_run(h, &c, false);
}

static int filter_start(struct handler *h)
{
	struct cmd c;
	int rc;

	/* A re-attach replaces the slot program atomically and keeps the pinned maps. */
	cmd_init(&c, h, "xdp_filter");
	cmd_add(&c, "--attach");
	add_ifaces(&c, h);
	cmd_add(&c, "--slot");
	cmd_add(&c, "%d", h->cfg.comp[h->comp].slot);
	cmd_add(&c, val(h, "frags_drop")->u32 ? "--frags-drop" : "--no-frags-drop");
	cmd_add(&c, "--ptb-max-pps");
	cmd_add(&c, "%u", val(h, "ptb_max_pps")->u32);
	rc = cmd_run(h, &c, false);
	return rc ? rc : filter_sync_drop_list(h);
}

static int filter_stop(struct handler *h)
{
	struct cmd c;

	/* A real stop removes what the filter owns, drop list included: start reloads the file. */
	cmd_init(&c, h, "xdp_filter");
	cmd_add(&c, "--detach");
	cmd_add(&c, "--purge");
	add_ifaces(&c, h);
	state_forget(h, "drop-applied");
	return cmd_run(h, &c, false);
}

static void fw_common(struct cmd *c, struct handler *h)
{
	cmd_add(c, "--rules");
	cmd_add(c, "%s", val(h, "rules")->str);
	add_ifaces(c, h);
	/* Explicit either way, so that a reload also leaves monitor mode. */
	cmd_add(c, val(h, "monitor")->u32 ? "--monitor" : "--enforce");
}

static int fw_start(struct handler *h)
{
	struct cmd c;

	cmd_init(&c, h, "xdp_fw");
	cmd_add(&c, "--attach");
	fw_common(&c, h);
	cmd_add(&c, "--slot");
	cmd_add(&c, "%d", h->cfg.comp[h->comp].slot);
	return cmd_run(h, &c, false);
}

static int fw_reload(struct handler *h)
{
	struct cmd c;

	/* --update swaps the whole rule set in one step: no moment without the firewall. */
	cmd_init(&c, h, "xdp_fw");
	cmd_add(&c, "--update");
	fw_common(&c, h);
	return cmd_run(h, &c, false);
}

static int fw_stop(struct handler *h)
{
	struct cmd c;

	cmd_init(&c, h, "xdp_fw");
	cmd_add(&c, "--detach");
	add_ifaces(&c, h);
	return cmd_run(h, &c, false);
}

static int fw_precheck(struct handler *h)
{
	struct cmd c;

	/* A rules file that does not compile must stop us before anything changes. */
	cmd_init(&c, h, "xdp_fw");
	cmd_add(&c, "--validate");
	cmd_add(&c, "--rules");
	cmd_add(&c, "%s", val(h, "rules")->str);
	if (h->dry_run)
		return 0;
	return cmd_run(h, &c, true);
}

static int sampler_start(struct handler *h)
{
	struct cmd c;

	cmd_init(&c, h, "xdp_sampler");
	add_ifaces(&c, h);
	cmd_add(&c, "--rate");
	cmd_add(&c, "%u", val(h, "rate")->u32);
	cmd_add(&c, "--snaplen");
	cmd_add(&c, "%u", val(h, "snaplen")->u32);
	if (val(h, "write")->str[0]) {
		cmd_add(&c, "--write");
		cmd_add(&c, "%s", val(h, "write")->str);
		cmd_add(&c, "--format");
		cmd_add(&c, "%s", val(h, "format")->str);
	}
	if (val(h, "publish")->str[0]) {
		cmd_add(&c, "--publish");
		cmd_add(&c, "%s", val(h, "publish")->str);
	}
	return cmd_exec(h, &c);
}

static int exporter_start(struct handler *h)
{
	const char *listen = val(h, "listen")->str;
	bool push = val(h, "textfile")->str[0] || val(h, "statsd")->str[0];
	struct cmd c;

	cmd_init(&c, h, "ecbpf_exporter");
	add_ifaces(&c, h);
	if (!push) {
		cmd_add(&c, "--listen");
		cmd_add(&c, "%s", *listen ? listen : SVC_EXPORTER_LISTEN_DEFAULT);
		return cmd_exec(h, &c);
	}
	if (val(h, "textfile")->str[0]) {
		cmd_add(&c, "--textfile");
		cmd_add(&c, "%s", val(h, "textfile")->str);
	}
	if (val(h, "statsd")->str[0]) {
		cmd_add(&c, "--statsd");
		cmd_add(&c, "%s", val(h, "statsd")->str);
	}
	cmd_add(&c, "--interval");
	cmd_add(&c, "%u", val(h, "interval")->u32);
	return cmd_exec(h, &c);
}

/*
 * What each component does per operation. NULL reload: the unit has no
 * ExecReload. NULL stop: systemd stops the process (long-running tools).
 * Adding a component: its key table in service_config.c and one row here.
 */
struct component_ops {
	const char *tool;		/* must be installed for the component to run */
	int (*start)(struct handler *h);
	int (*reload)(struct handler *h);
	int (*stop)(struct handler *h);
	int (*precheck)(struct handler *h);	/* extra validation before any change */
};

static const struct component_ops ops[SVC_COMPONENTS] = {
	[SVC_ROOT] = { "xdp_root_loader", root_start, root_start, root_stop, NULL },
	[SVC_FILTER] = { "xdp_filter", filter_start, filter_start, filter_stop, NULL },
	[SVC_FW] = { "xdp_fw", fw_start, fw_reload, fw_stop, fw_precheck },
	[SVC_SAMPLER] = { "xdp_sampler", sampler_start, NULL, NULL, NULL },
	[SVC_EXPORTER] = { "ecbpf_exporter", exporter_start, NULL, NULL, NULL },
};

/* ---- host checks: what the file names must exist here ---------------- */

static void check_readable(struct svc_problems *p, const struct handler *h, const char *comp,
			   const char *key, const char *path)
{
	char k[128];

	if (!*path || !access(path, R_OK))
		return;
	snprintf(k, sizeof(k), "%s.%s", comp, key);
	svc_problem(p, h->cfg.path, k, "cannot read %s: %s", path, strerror(errno));
}

static void check_parent_dir(struct svc_problems *p, const struct handler *h, const char *comp,
			     const char *key, const char *path)
{
	char dir[SVC_STR_MAX], k[128];
	char *slash;
	struct stat st;

	if (!*path)
		return;
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	snprintf(k, sizeof(k), "%s.%s", comp, key);
	if (stat(dir, &st) || !S_ISDIR(st.st_mode))
		svc_problem(p, h->cfg.path, k, "directory %s does not exist", dir);
	else if (access(dir, W_OK))
		svc_problem(p, h->cfg.path, k, "directory %s is not writable here: %s", dir,
			    strerror(errno));
}

static void check_ifaces(const struct svc_config *cfg, struct svc_problems *p)
{
	for (int i = 0; i < cfg->n_ifaces; i++) {
		char key[32];

		if (if_nametoindex(cfg->ifaces[i]))
			continue;
		snprintf(key, sizeof(key), "interfaces[%d]", i);
		svc_problem(p, cfg->path, cfg->ifaces_from_route ? "interfaces" : key,
			    "no interface '%s' on this host", cfg->ifaces[i]);
	}
}

static void check_host(struct handler *h, int comp, struct svc_problems *p)
{
	const struct svc_config *cfg = &h->cfg;
	const char *name = ecbpf_components[comp].name;
	char tool[512];

	snprintf(tool, sizeof(tool), "%s/%s", h->loader_dir, ops[comp].tool);
	if (access(tool, X_OK))
		svc_problem(p, cfg->path, name, "%s is not installed (%s)", tool, strerror(errno));
	switch (comp) {
	case SVC_FILTER:
		check_readable(p, h, name, "drop_file", svc_get(cfg, comp, "drop_file")->str);
		break;
	case SVC_FW:
		check_readable(p, h, name, "rules", svc_get(cfg, comp, "rules")->str);
		break;
	case SVC_SAMPLER:
		check_parent_dir(p, h, name, "write", svc_get(cfg, comp, "write")->str);
		break;
	case SVC_EXPORTER:
		check_parent_dir(p, h, name, "textfile", svc_get(cfg, comp, "textfile")->str);
		break;
	default:
		break;
	}
}

/* Pins made in a service's private mount namespace would vanish with it: bpffs must be there. */
static int check_bpffs(void)
{
	const char *pin_root = ecbpf_pin_root();
	char dir[512], *slash;
	struct statfs sfs = {};
	int err;

	/* The pin root itself may not exist yet: look at its closest existing parent. */
	snprintf(dir, sizeof(dir), "%s", pin_root);
	while ((err = statfs(dir, &sfs)) && (slash = strrchr(dir, '/')) && slash != dir)
		*slash = '\0';
	if (!err && (long)sfs.f_type == (long)BPF_FS_MAGIC)
		return 0;
	ecbpf_log(ECBPF_WARN,
		  "bpffs is not mounted at %s (mount -t bpf bpf /sys/fs/bpf, or let systemd do it at boot)",
		  dir);
	return -ENOENT;
}

/* ---- stop versus restart ------------------------------------------- */

/*
 * systemd runs ExecStop for both "stop" and "restart". A restart of the root
 * must not detach: the start that follows upgrades in place. While ExecStop
 * runs, the unit's job still has the type it was queued with ("restart" for
 * restart, try-restart and reload-or-restart; "stop" for stop), so ask systemd.
 */
static bool stop_is_restart(void)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	char *unit = NULL, *type = NULL;
	const char *unit_path, *job_path;
	sd_bus *bus = NULL;
	bool restart = false;
	uint32_t job_id;
	char *path = NULL;

	if (sd_pid_get_unit(0, &unit) < 0)
		return false;	/* not run by systemd: a stop is a stop */
	/* The manager's private socket works without dbus-daemon; fall back to the bus. */
	if (sd_bus_new(&bus) < 0 ||
	    sd_bus_set_address(bus, "unix:path=/run/systemd/private") < 0 ||
	    sd_bus_start(bus) < 0) {
		sd_bus_unref(bus);
		bus = NULL;
		if (sd_bus_open_system(&bus) < 0)
			goto out;
	}
	if (sd_bus_call_method(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
			       "org.freedesktop.systemd1.Manager", "GetUnit", &error, &reply, "s",
			       unit) < 0 ||
	    sd_bus_message_read(reply, "o", &unit_path) < 0)
		goto out;
	path = strdup(unit_path);
	reply = sd_bus_message_unref(reply);
	if (!path ||
	    sd_bus_get_property(bus, "org.freedesktop.systemd1", path,
				"org.freedesktop.systemd1.Unit", "Job", &error, &reply,
				"(uo)") < 0 ||
	    sd_bus_message_read(reply, "(uo)", &job_id, &job_path) < 0 || !job_id)
		goto out;
	if (sd_bus_get_property_string(bus, "org.freedesktop.systemd1", job_path,
				       "org.freedesktop.systemd1.Job", "JobType", &error,
				       &type) < 0)
		goto out;
	restart = !strcmp(type, "restart") || !strcmp(type, "try-restart") ||
		  !strcmp(type, "reload-or-restart") || !strcmp(type, "try-reload-or-restart");
out:
	if (sd_bus_error_is_set(&error))
		ecbpf_log(ECBPF_DEBUG, "asking systemd for the job of %s: %s", unit,
			  error.message);
	sd_bus_error_free(&error);
	sd_bus_message_unref(reply);
	sd_bus_flush_close_unref(bus);
	free(type);
	free(path);
	free(unit);
	return restart;
}

/* ---- main ------------------------------------------------------------ */

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: ecbpf_service_handler [options] start|stop|reload|enabled COMPONENT\n"
		"       ecbpf_service_handler [options] check [COMPONENT]\n"
		"\n"
		"Components: root, filter, fw, sampler, exporter.\n"
		"Operations:\n"
		"  start     validate the config, then attach (or upgrade in place) / run the component\n"
		"  stop      detach the component (skipped when systemd is restarting the unit)\n"
		"  reload    apply the config without a gap: root re-attach, filter settings and\n"
		"            drop list, fw --update\n"
		"  check     print one 'FILE: key: problem' line per problem; exit 78 if any\n"
		"  enabled   exit 0 if the component is enabled, 1 if not, 255 on a bad config\n"
		"            (the units' ExecCondition)\n"
		"Options:\n"
		"  -c, --config FILE   config file (default %s, or $%s)\n"
		"  -n, --dry-run       print the commands instead of running them\n"
		"  -h, --help          this text\n"
		"\n"
		"Exit codes follow sysexits.h: 64 usage, 78 bad config; otherwise the loader's.\n",
		ECBPF_CONF_DEFAULT, ECBPF_CONF_ENV);
}

static int parse_args(int argc, char **argv, struct handler *h)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	static const char *const names[] = { "start", "stop", "reload", "check", "enabled" };
	const char *env;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:nh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': h->conf = optarg; break;
		case 'n': h->dry_run = true; break;
		case 'h': usage(stdout); exit(EX_OK);
		default:
			ecbpf_cli_usage_error(c, argv);
			return -EINVAL;
		}
	}
	if (optind >= argc) {
		ecbpf_log(ECBPF_WARN, "no operation given: start, stop, reload, check or enabled (see --help)");
		return -EINVAL;
	}
	h->op = -1;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(argv[optind], names[i]))
			h->op = i;
	if ((int)h->op < 0) {
		ecbpf_log(ECBPF_WARN, "unknown operation '%s' (see --help)", argv[optind]);
		return -EINVAL;
	}
	optind++;
	h->comp = -1;
	if (optind < argc) {
		h->comp = svc_component_by_name(argv[optind]);
		if (h->comp < 0) {
			ecbpf_log(ECBPF_WARN, "unknown component '%s' (see --help)", argv[optind]);
			return -EINVAL;
		}
		optind++;
	}
	if (h->comp < 0 && h->op != OP_CHECK) {
		ecbpf_log(ECBPF_WARN, "%s needs a component (see --help)", argv[optind - 1]);
		return -EINVAL;
	}
	if (optind < argc) {
		ecbpf_log(ECBPF_WARN, "unexpected argument '%s' (see --help)", argv[optind]);
		return -EINVAL;
	}
	if (!h->conf)
		h->conf = (env = getenv(ECBPF_CONF_ENV)) && *env ? env : ECBPF_CONF_DEFAULT;
	env = getenv(ECBPF_LOADER_DIR_ENV);
	snprintf(h->loader_dir, sizeof(h->loader_dir), "%s", env && *env ? env : ECBPF_SBINDIR);
	env = getenv(ECBPF_RUN_DIR_ENV);
	snprintf(h->run_dir, sizeof(h->run_dir), "%s", env && *env ? env : ECBPF_RUN_DIR_DEFAULT);
	/* Tests point these at fixtures; the units never set them. */
	env = getenv("ECBPF_PROC_NET_ROUTE");
	h->route4 = env && *env ? env : "/proc/net/route";
	env = getenv("ECBPF_PROC_NET_IPV6_ROUTE");
	h->route6 = env && *env ? env : "/proc/net/ipv6_route";
	return 0;
}

/* Validate the file and, for the components concerned, the host. Returns the problem count. */
static int validate(struct handler *h, FILE *out)
{
	struct svc_problems p = { .out = out };

	/* A file that cannot be read or parsed has nothing more to check. */
	if (svc_config_load(h->conf, h->route4, h->route6, &h->cfg, &p) && !h->cfg.parsed)
		return p.count;
	check_ifaces(&h->cfg, &p);
	for (int c = 0; c < SVC_COMPONENTS; c++) {
		if (h->comp >= 0 && c != h->comp)
			continue;
		if (h->comp < 0 && !h->cfg.comp[c].enabled)
			continue;
		check_host(h, c, &p);
	}
	return p.count;
}

static int do_check(struct handler *h)
{
	char list[SVC_MAX_IFACES * IF_NAMESIZE], enabled[128] = "";

	if (validate(h, stdout))
		return EX_CONFIG;
	if (h->comp >= 0 && ops[h->comp].precheck && ops[h->comp].precheck(h))
		return EX_CONFIG;
	svc_iface_list(&h->cfg, list, sizeof(list));
	for (int c = 0; c < SVC_COMPONENTS; c++)
		if (h->cfg.comp[c].enabled)
			snprintf(enabled + strlen(enabled), sizeof(enabled) - strlen(enabled),
				 "%s%s", *enabled ? ", " : "", ecbpf_components[c].name);
	printf("%s: ok: interfaces %s%s, %s mode, enabled: %s\n", h->conf, list,
	       h->cfg.ifaces_from_route ? " (default route)" : "",
	       h->cfg.mode == SVC_MODE_GENERIC ? "generic" : "native", *enabled ? enabled : "none");
	return EX_OK;
}

static int do_stop(struct handler *h)
{
	struct svc_problems p = { .out = stderr };
	const char *name = ecbpf_components[h->comp].name;
	int rc;

	if (!ops[h->comp].stop)
		return EX_OK;
	if (!h->dry_run && stop_is_restart()) {
		ecbpf_log(ECBPF_INFO,
			  "%s: restart: leaving it attached; the start that follows replaces it in place",
			  name);
		return EX_OK;
	}
	/* Stop must work whatever the file says now: use the interfaces recorded at start. */
	svc_config_load(h->conf, h->route4, h->route6, &h->cfg, &p);
	if (!state_load_ifaces(h) && p.count) {
		ecbpf_log(ECBPF_WARN, "%s: no record of the interfaces it was started on, and %s is invalid",
			  name, h->conf);
		return EX_CONFIG;
	}
	rc = ops[h->comp].stop(h);
	if (!rc)
		state_forget(h, "ifaces");
	return rc;
}

int main(int argc, char **argv)
{
	struct handler h = {};
	const char *name;
	int rc;

	ecbpf_cli_init(argv[0]);
	if (parse_args(argc, argv, &h))
		return EX_USAGE;
	if (h.op == OP_CHECK)
		return do_check(&h);
	name = ecbpf_components[h.comp].name;
	if (h.op == OP_STOP)
		return do_stop(&h);

	if (validate(&h, stderr)) {
		ecbpf_log(ECBPF_WARN, "%s: %s is invalid: nothing changed", name, h.conf);
		return h.op == OP_ENABLED ? EXIT_CONDITION_BROKEN : EX_CONFIG;
	}
	if (h.op == OP_ENABLED) {
		if (h.cfg.comp[h.comp].enabled)
			return EX_OK;
		ecbpf_log(ECBPF_INFO, "%s is disabled in %s", name, h.conf);
		return EXIT_DISABLED;
	}
	if (!h.cfg.comp[h.comp].enabled) {
		ecbpf_log(ECBPF_INFO, "%s is disabled in %s: nothing to do", name, h.conf);
		return EX_OK;
	}
	if (h.op == OP_RELOAD && !ops[h.comp].reload) {
		ecbpf_log(ECBPF_WARN, "%s has no reload: restart it", name);
		return EX_USAGE;
	}
	if (!h.dry_run && check_bpffs())
		return EX_UNAVAILABLE;
	if (ops[h.comp].precheck) {
		rc = ops[h.comp].precheck(&h);
		if (rc) {
			ecbpf_log(ECBPF_WARN, "%s: %s failed its check: nothing changed", name,
				  h.conf);
			return EX_CONFIG;
		}
	}
	if (ops[h.comp].stop)
		state_save_ifaces(&h);
	rc = h.op == OP_RELOAD ? ops[h.comp].reload(&h) : ops[h.comp].start(&h);
	if (rc)
		ecbpf_log(ECBPF_WARN, "%s: %s failed (exit %d)", name,
			  h.op == OP_RELOAD ? "reload" : "start", rc);
	return rc;
}
