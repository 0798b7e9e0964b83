// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * xdp_sampler: read the verdict-tagged samples the ecbpf exit path writes to
 * the interface's perf buffer, and write them to a pcapng/pcap file and/or
 * publish them on ZeroMQ. Long-running: stops on SIGINT/SIGTERM (or after
 * --count samples), flushing its outputs.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <zmq.h>
#include <ecbpf/ecbpf.h>
#include "capture_file.h"
#include "sample_msg.h"
#include "sample_reader.h"

#define MAX_IFACES 16
#define PERF_PAGES_DEFAULT 64		/* per CPU: 256 KiB with 4 KiB pages */
#define ZMQ_HWM 100000			/* messages queued per subscriber before PUB drops */
#define DRAIN_MS 100			/* a sample waits at most this long in a buffer */

struct iface_ctx {
	struct sampler *s;
	struct ecbpf_iface ifc;
	struct sample_reader *rd;
	int lock_fd;
	bool locked;
	int map_fd;			/* open while reading: closing it empties the perf map */
	int capture_id;
	uint64_t lost_notified;		/* from the perf buffer's lost records */
	uint64_t kernel_lost;		/* kernel counter at the previous interval */
};

struct sampler {
	struct iface_ctx ifs[MAX_IFACES];
	int n_ifs;
	uint32_t rate, snaplen, interval, perf_pages, wakeup;
	uint64_t count;			/* stop after this many samples; 0 = never */
	const char *write_path, *publish_addr;
	enum capture_format format;
	struct capture_file cf;
	bool writing;
	void *zctx, *zsock;
	int64_t mono_to_wall;		/* CLOCK_REALTIME - CLOCK_MONOTONIC, ns */
	uint64_t received, received_prev, bad, publish_errors;
	int err;			/* first output error: stops the loop */
	bool quiet;
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: xdp_sampler --interface LIST [--rate N] [--snaplen N]\n"
		"                   (--write FILE|- [--format pcapng|pcap] | --publish tcp://ADDR:PORT)...\n"
		"\n"
		"  -i, --interface LIST    comma-separated interfaces (the root must be attached)\n"
		"  -r, --rate N            sample 1 verdict in N; 0 turns sampling off (default %d)\n"
		"  -s, --snaplen N         bytes of each frame to keep, 1-%d (default %d)\n"
		"  -w, --write FILE|-      write samples to FILE, or stdout with -\n"
		"  -F, --format FMT        pcapng (default: interface and verdict per packet) or pcap\n"
		"  -P, --publish ENDPOINT  publish each sample as a ZeroMQ message (PUB, bind)\n"
		"  -c, --count N           stop after N samples (default: run until SIGINT/SIGTERM)\n"
		"  -I, --interval SEC      seconds between statistics lines on stderr (default 10)\n"
		"  -q, --quiet             no statistics lines\n"
		"  -b, --buffer-pages N    perf buffer pages per CPU, a power of 2 (default %d)\n"
		"  -W, --wakeup N          wake up once per N samples (default %d; samples wait\n"
		"                          at most %d ms in the buffer either way)\n"
		"  -p, --pin-root DIR      pin root (default %s)\n"
		"  -D, --debug             show libbpf messages\n"
		"  -h, --help              this text\n",
		ECBPF_SAMPLE_RATE_DEFAULT, ECBPF_SNAPLEN_MAX, ECBPF_SNAPLEN_DEFAULT,
		PERF_PAGES_DEFAULT, SAMPLE_WAKEUP_DEFAULT, DRAIN_MS, ECBPF_PIN_ROOT_DEFAULT);
}

static int64_t clock_offset(void)
{
	struct timespec rt, mono;

	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	return (rt.tv_sec - mono.tv_sec) * 1000000000LL + (rt.tv_nsec - mono.tv_nsec);
}

static void on_sample(void *arg, int cpu, void *data, uint32_t size)
{
	struct iface_ctx *ic = arg;
	struct sampler *s = ic->s;
	const uint8_t *frame = (const uint8_t *)data + sizeof(struct ecbpf_sample_hdr);
	struct ecbpf_sample_hdr h;
	uint8_t msg[SAMPLE_MSG_MAX];
	char comment[128];
	struct sample_msg m;
	int len, err;

	if (s->err || (s->count && s->received >= s->count))
		return;
	if (size < sizeof(h)) {
		s->bad++;
		return;
	}
	/* Perf records are only 4-byte aligned: copy the header out. */
	memcpy(&h, data, sizeof(h));
	if (h.version != ECBPF_SAMPLE_VERSION || size < sizeof(h) + h.cap_len ||
	    h.cap_len > ECBPF_SNAPLEN_MAX) {
		s->bad++;
		return;
	}
	memset(&m, 0, sizeof(m));
	m.tstamp_ns = h.tstamp_ns + s->mono_to_wall;
	m.meta = h.meta;
	m.ifindex = h.ifindex;
	m.frame_len = h.frame_len;
	m.cap_len = h.cap_len;
	m.slot = h.slot;
	m.action = h.action;
	m.reason = h.reason;
	m.flags = h.flags;
	memcpy(m.ifname, ic->ifc.name, sizeof(m.ifname));
	s->received++;
	if (s->writing) {
		sample_msg_comment(&m, comment, sizeof(comment));
		err = capture_write(&s->cf, ic->capture_id, m.tstamp_ns, m.frame_len, frame,
				    m.cap_len, comment);
		if (err) {
			ecbpf_log(ECBPF_WARN, "cannot write to %s: %s", s->write_path,
				  strerror(errno ? errno : EIO));
			s->err = err;
			return;
		}
	}
	if (s->zsock) {
		len = sample_msg_encode(&m, frame, msg, sizeof(msg));
		if (len > 0 && zmq_send(s->zsock, msg, len, ZMQ_DONTWAIT) < 0)
			s->publish_errors++;
	}
}

static void on_lost(void *arg, int cpu, uint64_t n)
{
	struct iface_ctx *ic = arg;

	ic->lost_notified += n;
}

/* Only one reader may own an interface's perf buffer: a second one would take its CPUs. */
static int reader_lock(struct iface_ctx *ic)
{
	char dir[600];
	int err = ecbpf_pin_path(&ic->ifc, NULL, "sampler", dir, sizeof(dir));

	if (err)
		return err;
	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	ic->lock_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ic->lock_fd < 0)
		return -errno;
	if (flock(ic->lock_fd, LOCK_EX | LOCK_NB)) {
		ecbpf_log(ECBPF_WARN, "%s: another xdp_sampler is reading this interface",
			  ic->ifc.name);
		return -EBUSY;
	}
	ic->locked = true;
	return 0;
}

static void reader_unlock(struct iface_ctx *ic)
{
	char dir[600];

	/* Leave no pin directory behind: ours, and the interface's if the root is gone. */
	if (ic->locked && !ecbpf_pin_path(&ic->ifc, NULL, "sampler", dir, sizeof(dir)))
		rmdir(dir);
	close(ic->lock_fd);
	if (ic->locked && ecbpf_root_present(&ic->ifc) == 0 && !rmdir(ic->ifc.dir)) {
		char *slash;

		/* <root>/netns:<inode>/<ifname>: the namespace directory too, if now empty. */
		snprintf(dir, sizeof(dir), "%s", ic->ifc.dir);
		slash = strrchr(dir, '/');
		if (slash) {
			*slash = '\0';
			slash = strrchr(dir, '/');
			if (slash && !strncmp(slash + 1, "netns:", 6))
				rmdir(dir);
		}
	}
}

static int iface_setup(struct sampler *s, struct iface_ctx *ic)
{
	int fd, err;

	ic->s = s;
	err = ecbpf_root_present(&ic->ifc);
	if (err <= 0) {
		if (!err)
			ecbpf_log(ECBPF_WARN,
				  "root array missing for %s (%s/root_array): run 'xdp_root_loader --attach --interface %s' first",
				  ic->ifc.name, ic->ifc.dir, ic->ifc.name);
		return err ? err : -ENOENT;
	}
	err = reader_lock(ic);
	if (err)
		return err;
	fd = ecbpf_root_map_fd(&ic->ifc, "ecbpf_samples");
	if (fd < 0) {
		ecbpf_log(ECBPF_WARN, "%s: sample buffer not pinned: %s", ic->ifc.name,
			  strerror(-fd));
		return fd;
	}
	/* The kernel removes a CPU's reader when the map file it was added through closes. */
	ic->map_fd = fd;
	ic->rd = sample_reader_new(fd, s->perf_pages, s->wakeup, on_sample, on_lost, ic);
	err = ic->rd ? 0 : -errno;
	if (err) {
		ecbpf_log(ECBPF_WARN, "%s: cannot open the sample buffer: %s", ic->ifc.name,
			  strerror(-err));
		return err;
	}
	/* The reader is in place before sampling starts, so nothing counts as "no reader". */
	return ecbpf_set_sampling(&ic->ifc, s->rate, s->snaplen);
}

static int outputs_open(struct sampler *s)
{
	FILE *f;
	int err;

	if (s->write_path) {
		f = strcmp(s->write_path, "-") ? fopen(s->write_path, "wbe") : stdout;
		if (!f) {
			ecbpf_log(ECBPF_WARN, "cannot create %s: %s", s->write_path,
				  strerror(errno));
			return -errno;
		}
		err = capture_open(&s->cf, f, s->format, s->snaplen, "ecbpf xdp_sampler");
		for (int i = 0; i < s->n_ifs && err >= 0; i++)
			err = s->ifs[i].capture_id = capture_iface(&s->cf, s->ifs[i].ifc.name);
		s->writing = true;
		if (err >= 0)
			err = capture_flush(&s->cf);
		if (err < 0) {
			ecbpf_log(ECBPF_WARN, "cannot write to %s: %s", s->write_path,
				  strerror(-err));
			return err;
		}
	}
	if (s->publish_addr) {
		int hwm = ZMQ_HWM, linger = 2000;

		s->zctx = zmq_ctx_new();
		s->zsock = s->zctx ? zmq_socket(s->zctx, ZMQ_PUB) : NULL;
		if (!s->zsock)
			return -ENOMEM;
		zmq_setsockopt(s->zsock, ZMQ_SNDHWM, &hwm, sizeof(hwm));
		zmq_setsockopt(s->zsock, ZMQ_LINGER, &linger, sizeof(linger));
		if (zmq_bind(s->zsock, s->publish_addr)) {
			err = -errno;
			ecbpf_log(ECBPF_WARN, "cannot publish on %s: %s", s->publish_addr,
				  zmq_strerror(errno));
			return err;
		}
	}
	return 0;
}

static void outputs_close(struct sampler *s)
{
	if (s->writing && capture_close(&s->cf) && !s->err) {
		ecbpf_log(ECBPF_WARN, "cannot write to %s: %s", s->write_path, strerror(EIO));
		s->err = -EIO;
	}
	if (s->zsock)
		zmq_close(s->zsock);
	if (s->zctx)
		zmq_ctx_term(s->zctx);
}

static uint32_t map_id(int fd)
{
	struct bpf_map_info info = {};
	uint32_t len = sizeof(info);

	return fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len) ? info.id : 0;
}

/*
 * The buffer we read must still be the interface's: a root detached (or
 * attached again from scratch) has new maps, and its samples would never reach
 * us. Stop with an error then, so that a supervisor restarts us on the new one.
 */
static int check_buffers(struct sampler *s)
{
	for (int i = 0; i < s->n_ifs; i++) {
		struct iface_ctx *ic = &s->ifs[i];
		int fd = ecbpf_root_map_fd(&ic->ifc, "ecbpf_samples");
		bool same = map_id(fd) == map_id(ic->map_fd);

		if (fd >= 0)
			close(fd);
		if (!same) {
			ecbpf_log(ECBPF_WARN, "%s: the ecbpf root was detached or replaced: stopping",
				  ic->ifc.name);
			return -ENOENT;
		}
	}
	return 0;
}

/* One stderr line per interval: what reached the outputs and what the kernel could not queue. */
static void report(struct sampler *s, double secs)
{
	uint64_t lost = 0, notified = 0;

	for (int i = 0; i < s->n_ifs; i++) {
		struct iface_ctx *ic = &s->ifs[i];
		struct ecbpf_sampler_state scr;
		int fd = ecbpf_root_map_fd(&ic->ifc, "ecbpf_sampler");

		if (fd >= 0 && !ecbpf_percpu_sum(fd, 0, (uint64_t *)&scr, sizeof(scr) / 8)) {
			/* A counter that went down was cleared (--clear): start again from it. */
			lost += scr.samples_lost >= ic->kernel_lost ?
				scr.samples_lost - ic->kernel_lost : scr.samples_lost;
			ic->kernel_lost = scr.samples_lost;
		}
		if (fd >= 0)
			close(fd);
		notified += ic->lost_notified;
	}
	if (!s->quiet && secs > 0)
		ecbpf_log(ECBPF_INFO,
			  "%.1f samples/s, %.1f lost/s (total %llu samples, %llu lost in buffer)",
			  (s->received - s->received_prev) / secs, lost / secs,
			  (unsigned long long)s->received, (unsigned long long)notified);
	s->received_prev = s->received;
}

static int add_fd(int ep, int fd, uint64_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

#define TAG_SIGNAL 1000
#define TAG_TIMER 1001
#define TAG_DRAIN 1002

static int run(struct sampler *s)
{
	struct itimerspec its = { .it_interval = { s->interval, 0 }, .it_value = { s->interval, 0 } };
	struct itimerspec drain = { .it_interval = { 0, DRAIN_MS * 1000000L },
				    .it_value = { 0, DRAIN_MS * 1000000L } };
	struct timespec last, now;
	sigset_t mask;
	int ep, sfd, tfd, dfd, err = 0;
	bool stop = false;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	ep = epoll_create1(EPOLL_CLOEXEC);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	dfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (ep < 0 || sfd < 0 || tfd < 0 || dfd < 0 || timerfd_settime(tfd, 0, &its, NULL) ||
	    timerfd_settime(dfd, 0, &drain, NULL))
		return -errno;
	err = add_fd(ep, sfd, TAG_SIGNAL);
	if (!err)
		err = add_fd(ep, tfd, TAG_TIMER);
	if (!err)
		err = add_fd(ep, dfd, TAG_DRAIN);
	for (int i = 0; i < s->n_ifs && !err; i++)
		err = add_fd(ep, sample_reader_fd(s->ifs[i].rd), i);
	if (err)
		return err;
	report(s, 0);	/* baseline of the kernel counters */
	clock_gettime(CLOCK_MONOTONIC, &last);
	while (!stop && !s->err) {
		struct epoll_event evs[MAX_IFACES + 2];
		int n = epoll_wait(ep, evs, MAX_IFACES + 2, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		for (int i = 0; i < n; i++) {
			uint64_t tag = evs[i].data.u64, ticks;
			struct signalfd_siginfo si;

			if (tag == TAG_SIGNAL) {
				if (read(sfd, &si, sizeof(si)) == sizeof(si))
					ecbpf_log(ECBPF_INFO, "%s: stopping",
						  strsignal(si.ssi_signo));
				stop = true;
			} else if (tag == TAG_TIMER) {
				if (read(tfd, &ticks, sizeof(ticks)) < 0)
					continue;
				clock_gettime(CLOCK_MONOTONIC, &now);
				report(s, now.tv_sec - last.tv_sec +
					  (now.tv_nsec - last.tv_nsec) / 1e9);
				last = now;
				if (!s->err)
					s->err = check_buffers(s);
				s->mono_to_wall = clock_offset();	/* follow clock steps */
				if (s->writing)
					capture_flush(&s->cf);
			} else if (tag == TAG_DRAIN) {
				/* The kernel wakes us every --wakeup samples; this catches the rest. */
				if (read(dfd, &ticks, sizeof(ticks)) < 0)
					continue;
				for (int k = 0; k < s->n_ifs; k++)
					sample_reader_consume(s->ifs[k].rd);
			} else {
				sample_reader_poll(s->ifs[tag].rd, 0);
			}
		}
		if (s->writing && s->cf.f == stdout)
			capture_flush(&s->cf);	/* a reader on a pipe sees samples as they come */
		if (s->count && s->received >= s->count)
			stop = true;
	}
	/* Samples already in the buffers belong to this run. */
	for (int i = 0; i < s->n_ifs && !s->err; i++)
		sample_reader_consume(s->ifs[i].rd);
	clock_gettime(CLOCK_MONOTONIC, &now);
	report(s, now.tv_sec - last.tv_sec + (now.tv_nsec - last.tv_nsec) / 1e9);
	close(dfd);
	close(tfd);
	close(sfd);
	close(ep);
	return s->err;
}

static int parse_args(struct sampler *s, int argc, char **argv, const char **list)
{
	static const struct option opts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "rate", required_argument, NULL, 'r' },
		{ "snaplen", required_argument, NULL, 's' },
		{ "write", required_argument, NULL, 'w' },
		{ "format", required_argument, NULL, 'F' },
		{ "publish", required_argument, NULL, 'P' },
		{ "count", required_argument, NULL, 'c' },
		{ "interval", required_argument, NULL, 'I' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "buffer-pages", required_argument, NULL, 'b' },
		{ "wakeup", required_argument, NULL, 'W' },
		{ "pin-root", required_argument, NULL, 'p' },
		{ "debug", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	uint32_t v;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":i:r:s:w:F:P:c:I:qb:W:p:Dh", opts, NULL)) != -1) {
		switch (c) {
		case 'i': *list = optarg; break;
		case 'r':
			if (ecbpf_parse_u32(optarg, 0, UINT32_MAX / 2, &s->rate))
				goto bad_value;
			break;
		case 's':
			if (ecbpf_parse_u32(optarg, 1, ECBPF_SNAPLEN_MAX, &s->snaplen))
				goto bad_value;
			break;
		case 'w': s->write_path = optarg; break;
		case 'F':
			if (capture_format_parse(optarg, &s->format))
				goto bad_value;
			break;
		case 'P': s->publish_addr = optarg; break;
		case 'c':
			if (ecbpf_parse_u32(optarg, 1, UINT32_MAX, &v))
				goto bad_value;
			s->count = v;
			break;
		case 'I':
			if (ecbpf_parse_u32(optarg, 1, 86400, &s->interval))
				goto bad_value;
			break;
		case 'q': s->quiet = true; break;
		case 'b':
			if (ecbpf_parse_u32(optarg, 1, 1 << 16, &s->perf_pages) ||
			    (s->perf_pages & (s->perf_pages - 1)))
				goto bad_value;
			break;
		case 'W':
			if (ecbpf_parse_u32(optarg, 1, 1 << 20, &s->wakeup))
				goto bad_value;
			break;
		case 'p': ecbpf_set_pin_root(optarg); break;
		case 'D': ecbpf_set_debug(true); break;
		case 'h': usage(stdout); return 1;
		default:
			ecbpf_cli_usage_error(c, argv);
			return -EINVAL;
		}
	}
	if (!*list || optind < argc) {
		ecbpf_log(ECBPF_WARN, "usage: --interface LIST and an output (see --help)");
		return -EINVAL;
	}
	if (!s->write_path && !s->publish_addr) {
		ecbpf_log(ECBPF_WARN, "no output: give --write FILE|- and/or --publish ENDPOINT");
		return -EINVAL;
	}
	return 0;
bad_value:
	ecbpf_log(ECBPF_WARN, "invalid value '%s' for %s (see --help)", optarg, argv[optind - 1]);
	return -EINVAL;
}

int main(int argc, char **argv)
{
	static struct sampler s = {
		.rate = ECBPF_SAMPLE_RATE_DEFAULT,
		.snaplen = ECBPF_SNAPLEN_DEFAULT,
		.interval = 10,
		.perf_pages = PERF_PAGES_DEFAULT,
		.wakeup = SAMPLE_WAKEUP_DEFAULT,
		.format = CAPTURE_PCAPNG,
	};
	struct ecbpf_iface ifcs[MAX_IFACES];
	const char *list = NULL;
	int n, err;

	ecbpf_cli_init(argv[0]);
	err = parse_args(&s, argc, argv, &list);
	if (err)
		return err > 0 ? EX_OK : EX_USAGE;
	signal(SIGPIPE, SIG_IGN);	/* a closed stdout pipe is a write error, not a kill */
	n = ecbpf_cli_ifaces(list, ifcs, MAX_IFACES);
	if (n < 0)
		return n == -EINVAL ? EX_USAGE : ecbpf_exit_code(n);
	s.n_ifs = n;
	for (int i = 0; i < n; i++) {
		s.ifs[i].ifc = ifcs[i];
		s.ifs[i].lock_fd = -1;
		s.ifs[i].map_fd = -1;
	}
	s.mono_to_wall = clock_offset();
	for (int i = 0; i < n && !err; i++)
		err = iface_setup(&s, &s.ifs[i]);
	if (!err)
		err = outputs_open(&s);
	if (!err) {
		ecbpf_log(ECBPF_INFO, "sampling 1 in %u, snap length %u, on %s", s.rate, s.snaplen,
			  list);
		err = run(&s);
	}
	if (s.bad)
		ecbpf_log(ECBPF_WARN, "%llu malformed samples skipped", (unsigned long long)s.bad);
	if (s.publish_errors)
		ecbpf_log(ECBPF_WARN, "%llu samples not published: %s",
			  (unsigned long long)s.publish_errors, "the ZeroMQ queue was full");
	outputs_close(&s);
	for (int i = 0; i < n; i++) {
		sample_reader_free(s.ifs[i].rd);
		if (s.ifs[i].map_fd >= 0)
			close(s.ifs[i].map_fd);
		if (s.ifs[i].lock_fd >= 0)
			reader_unlock(&s.ifs[i]);
	}
	if (!err && s.err)
		err = s.err;
	if (err == -EIO)
		return EX_IOERR;
	return ecbpf_exit_code(err);
}
