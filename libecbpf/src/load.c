// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * Loading BPF objects with the verifier's reason on failure. Every program
 * gets a log buffer before bpf_object__load(): libbpf loads without a log
 * first and asks the kernel for one (log level 1, into our buffer) only when
 * a program is refused, so a successful load costs nothing but address space.
 * The refusal becomes one line naming the program and the verifier's first
 * error; the whole log goes to a file on request.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <bpf/libbpf.h>
#include <ecbpf/ecbpf.h>
#include "internal.h"

/*
 * Per program. Mapped lazily, so only the refused program's log is ever
 * backed by memory. Before 6.4 a log that does not fit loses its end (and
 * the error with it): a level-1 log of a million instructions fits.
 */
#define LOG_SIZE ((size_t)64 << 20)

static bool starts(const char *s, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);

	return n >= k && !memcmp(s, prefix, k);
}

/* The verifier's closing statistics, which follow the error. */
static bool summary_line(const char *s, size_t n)
{
	return starts(s, n, "processed ") || starts(s, n, "verification time ") ||
	       starts(s, n, "stack depth ");
}

/*
 * The verifier's walk rather than a message: instructions and states
 * ("12: (61) r2 = ...", "12: R1=ctx()"), branches ("from 4 to 9: "), source
 * lines ("; ..."), state continuations (indented), calls and precision
 * tracking.
 */
static bool trace_line(const char *s, size_t n)
{
	static const char *const prefixes[] = {
		";", " ", "\t", "caller:", "callee:", "returning from callee:", "to caller at ",
		"func#", "Func#", "Validating ", "last_idx ", "regs=", "parent didn't have ",
		"parent already had ", "mark_precise:",
	};
	size_t d = 0;

	while (d < n && isdigit((unsigned char)s[d]))
		d++;
	if (d && d < n && s[d] == ':')
		return true;
	if (starts(s, n, "from ") && n > 5 && isdigit((unsigned char)s[5]))
		return true;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (starts(s, n, prefixes[i]))
			return true;
	return false;
}

/* A remark on a register that explains the line before ("R0 max value is outside ..."). */
static bool register_remark(const char *s, size_t n)
{
	size_t d = 1;

	if (n < 3 || s[0] != 'R')
		return false;
	while (d < n && isdigit((unsigned char)s[d]))
		d++;
	return d > 1 && d < n && s[d] == ' ';
}

/*
 * The first message after the verifier's last instruction or state line
 * (or from the start, for the passes before the walk), skipping the
 * statistics; a register remark right after it is joined with "; ".
 * libbpf's frame may surround the log ("libbpf: prog 'x': -- BEGIN PROG
 * LOAD LOG --" ... "-- END PROG LOAD LOG --"): the last framed log counts.
 */
const char *ecbpf_verifier_first_error(const char *log, char *out, size_t outlen)
{
	const char *first = NULL, *second = NULL;
	size_t first_n = 0, second_n = 0;
	bool after_first = false;

	if (!out || !outlen)
		return NULL;
	out[0] = '\0';
	if (!log)
		return NULL;
	for (const char *s = log; *s;) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) : strlen(s);
		const char *next = nl ? nl + 1 : s + n;

		while (n && (s[n - 1] == '\r' || s[n - 1] == ' '))
			n--;
		if (memmem(s, n, "-- BEGIN PROG LOAD LOG --", 25)) {
			first = second = NULL;
			after_first = false;
		} else if (starts(s, n, "-- END PROG LOAD LOG --")) {
			break;
		} else if (!n || summary_line(s, n)) {
			after_first = false;
		} else if (trace_line(s, n)) {
			first = second = NULL;
			after_first = false;
		} else if (!first) {
			first = s;
			first_n = n;
			after_first = true;
		} else if (after_first && !second && register_remark(s, n)) {
			second = s;
			second_n = n;
			after_first = false;
		} else {
			after_first = false;
		}
		s = next;
	}
	if (!first)
		return NULL;
	if (second)
		snprintf(out, outlen, "%.*s; %.*s", (int)first_n, first, (int)second_n, second);
	else
		snprintf(out, outlen, "%.*s", (int)first_n, first);
	return out;
}

/* "4,321" */
static void group_thousands(unsigned long long v, char *buf, size_t len)
{
	char digits[32];
	size_t n = (size_t)snprintf(digits, sizeof(digits), "%llu", v), o = 0;

	for (size_t i = 0; i < n && o + 1 < len; i++) {
		if (i && (n - i) % 3 == 0 && o + 2 < len)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
}

static unsigned long long count_lines(const char *log, size_t len)
{
	unsigned long long lines = 0;

	for (const char *p = log; (p = memchr(p, '\n', len - (size_t)(p - log))); p++)
		lines++;
	if (len && log[len - 1] != '\n')
		lines++;
	return lines;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t w = write(fd, buf, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/*
 * Write LOG to $ECBPF_VERIFIER_LOG, or with debug on to a new file in
 * $TMPDIR (/tmp) named after PROG. 0 with PATH empty when not asked to.
 */
static int dump_log(const char *prog, const char *log, size_t len, char *path, size_t pathlen)
{
	const char *env = getenv(ECBPF_VERIFIER_LOG_ENV);
	int fd, err;

	path[0] = '\0';
	if (env && *env) {
		snprintf(path, pathlen, "%s", env);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	} else if (ecbpf_debug_enabled()) {
		const char *dir = getenv("TMPDIR");

		snprintf(path, pathlen, "%s/ecbpf-verifier-%s-%ld.log", dir && *dir ? dir : "/tmp",
			 prog, (long)getpid());
		/* A shared directory: never follow or reuse what is there. */
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0 && errno == EEXIST && !unlink(path))
			fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	} else {
		return 0;
	}
	if (fd < 0)
		return -errno;
	err = write_all(fd, log, len);
	if (!err && len && log[len - 1] != '\n')
		err = write_all(fd, "\n", 1);
	if (close(fd) && !err)
		err = -errno;
	return err;
}

static const char *err_text(int err, char *buf, size_t len)
{
	if (libbpf_strerror(err, buf, len))
		snprintf(buf, len, "%s", strerror(err < 0 ? -err : err));
	return buf;
}

struct prog_log {
	struct bpf_program *prog;
	char *buf;
	size_t size;
	bool ours;			/* mapped here, unmapped after the load */
};

/* Log the one line; true when the verifier refused a program (there is a log). */
static bool report(struct bpf_object *obj, const struct prog_log *logs, size_t n, int err)
{
	char why[1024], errbuf[256], path[1024], lines[32], where[1200];
	const struct prog_log *bad = NULL;
	const char *name;
	size_t len;
	int werr;

	/* Loading stops at the refused program: the last one with a log. */
	for (size_t i = 0; i < n; i++)
		if (logs[i].buf && logs[i].buf[0])
			bad = &logs[i];
	if (!bad) {
		/* Refused before the verifier (maps, BTF, permissions). */
		ecbpf_log(ECBPF_WARN, "cannot load %s: %s", bpf_object__name(obj),
			  err_text(err, errbuf, sizeof(errbuf)));
		return false;
	}
	name = bpf_program__name(bad->prog);
	len = strnlen(bad->buf, bad->size);
	group_thousands(count_lines(bad->buf, len), lines, sizeof(lines));
	if (!ecbpf_verifier_first_error(bad->buf, why, sizeof(why)))
		err_text(err, why, sizeof(why));
	werr = dump_log(name, bad->buf, len, path, sizeof(path));
	if (werr)
		snprintf(where, sizeof(where), "; cannot write %s: %s", path, strerror(-werr));
	else if (path[0])
		snprintf(where, sizeof(where), ", written to %s", path);
	else
		snprintf(where, sizeof(where), "; --debug or %s=FILE writes it",
			 ECBPF_VERIFIER_LOG_ENV);
	ecbpf_log(ECBPF_WARN, "cannot load %s: %s (verifier log: %s lines%s%s)", name, why, lines,
		  len + 1 >= bad->size ? ", cut at the buffer's end" : "", where);
	return true;
}

static int load(struct bpf_object *obj, struct bpf_object_skeleton *skel)
{
	struct prog_log *logs = NULL;
	struct bpf_program *prog;
	size_t n = 0, i = 0;
	int err;

	bpf_object__for_each_program(prog, obj)
		n++;
	if (n)
		logs = calloc(n, sizeof(*logs));
	/* Without the table the load goes on, only without the verifier's reason. */
	bpf_object__for_each_program(prog, obj) {
		struct prog_log *l;
		size_t size = 0;
		char *buf;

		if (!logs)
			break;
		l = &logs[i++];
		l->prog = prog;
		buf = (char *)bpf_program__log_buf(prog, &size);
		if (buf && size) {
			/* The caller's own buffer: read it, leave it in place. */
			buf[0] = '\0';
			l->buf = buf;
			l->size = size;
			continue;
		}
		if (!bpf_program__autoload(prog))
			continue;
		buf = mmap(NULL, LOG_SIZE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (buf == MAP_FAILED)
			continue;
		if (bpf_program__set_log_buf(prog, buf, LOG_SIZE)) {
			munmap(buf, LOG_SIZE);
			continue;
		}
		l->buf = buf;
		l->size = LOG_SIZE;
		l->ours = true;
	}
	err = skel ? bpf_object__load_skeleton(skel) : bpf_object__load(obj);
	/* -ENOEXEC tells a refused program from a bad argument or a missing map. */
	if (err && report(obj, logs, logs ? n : 0, err))
		err = -ENOEXEC;
	for (i = 0; logs && i < n; i++)
		if (logs[i].ours)
			munmap(logs[i].buf, logs[i].size);
	free(logs);
	return err;
}

int ecbpf_object_load(struct bpf_object *obj)
{
	if (!obj)
		return -EINVAL;
	return load(obj, NULL);
}

int ecbpf_skel_load(struct bpf_object_skeleton *skel)
{
	if (!skel || !skel->obj || !*skel->obj)
		return -EINVAL;
	return load(*skel->obj, skel);
}
