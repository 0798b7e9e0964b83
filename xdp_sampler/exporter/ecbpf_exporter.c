// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * ecbpf_exporter: the counters of every ecbpf interface for monitoring. It
 * serves Prometheus text on /metrics (libmicrohttpd), or writes a
 * node_exporter textfile, or pushes to statsd.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <microhttpd.h>
#include <ecbpf/ecbpf.h>
#include "metrics.h"

#define MAX_IFACES 64
#define LISTEN_DEFAULT "0.0.0.0:9771"
#define STATSD_PACKET 1400		/* stay under a common MTU */

struct exporter {
	const char *iface_list;		/* NULL: every interface with an ecbpf root */
	const char *listen;
	const char *textfile;
	const char *statsd;
	const char *statsd_prefix;
	uint32_t interval;		/* 0: write/push once */
	int statsd_fd;
	struct metrics prev;		/* last statsd push */
	bool pushed;
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: ecbpf_exporter [--interface LIST] [--listen [ADDR]:PORT]\n"
		"       ecbpf_exporter [--interface LIST] (--textfile PATH | --statsd HOST:PORT)... [--interval SEC]\n"
		"\n"
		"  -i, --interface LIST    interfaces to export (default: every one with an ecbpf root)\n"
		"  -l, --listen ADDR:PORT  serve Prometheus text on http://ADDR:PORT/metrics (default %s)\n"
		"  -t, --textfile PATH     write the metrics for node_exporter's textfile collector\n"
		"                          (atomically: PATH.tmp then rename)\n"
		"  -s, --statsd HOST:PORT  push the counters to statsd over UDP\n"
		"  -x, --statsd-prefix P   statsd name prefix (default ecbpf)\n"
		"  -I, --interval SEC      with --textfile/--statsd: repeat every SEC seconds until\n"
		"                          SIGINT/SIGTERM (default: once)\n"
		"  -p, --pin-root DIR      pin root (default %s)\n"
		"  -D, --debug             show libbpf messages\n"
		"  -h, --help              this text\n",
		LISTEN_DEFAULT, ECBPF_PIN_ROOT_DEFAULT);
}

/* The interfaces to export now: the list given, or those with a root in this namespace. */
static int interfaces(const struct exporter *ex, struct ecbpf_iface *ifcs)
{
	struct if_nameindex *all, *p;
	int n = 0;

	if (ex->iface_list)
		return ecbpf_cli_ifaces(ex->iface_list, ifcs, MAX_IFACES);
	all = if_nameindex();
	if (!all)
		return -errno;
	for (p = all; p->if_index && n < MAX_IFACES; p++) {
		char path[700];
		struct stat sb;

		if (ecbpf_iface_open(p->if_name, &ifcs[n]))
			continue;
		if (!ecbpf_pin_path(&ifcs[n], NULL, "root_array", path, sizeof(path)) &&
		    !stat(path, &sb))
			n++;
	}
	if_freenameindex(all);
	return n;
}

static int collect(const struct exporter *ex, struct metrics *m)
{
	struct ecbpf_iface ifcs[MAX_IFACES];
	int n = interfaces(ex, ifcs);

	metrics_init(m);
	if (n < 0)
		return n;
	return metrics_collect(m, ifcs, n);
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int status, char *body,
			     size_t len, const char *type)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_len, void **req_ctx)
{
	const struct exporter *ex = cls;
	struct metrics m;
	size_t len;
	char *body;
	int err;

	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, strdup("GET only\n"), 9,
			     "text/plain");
	if (!strcmp(url, "/"))
		return reply(conn, MHD_HTTP_OK,
			     strdup("<html><body><a href=\"/metrics\">ecbpf metrics</a></body></html>\n"),
			     63, "text/html");
	if (strcmp(url, "/metrics"))
		return reply(conn, MHD_HTTP_NOT_FOUND, strdup("not found\n"), 10, "text/plain");
	err = collect(ex, &m);
	body = err ? NULL : metrics_prometheus(&m, &len);
	metrics_free(&m);
	if (!body) {
		char msg[128];

		len = snprintf(msg, sizeof(msg), "cannot read the ecbpf counters: %s\n",
			       strerror(err ? -err : ENOMEM));
		return reply(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, strdup(msg), len,
			     "text/plain");
	}
	return reply(conn, MHD_HTTP_OK, body, len, "text/plain; version=0.0.4; charset=utf-8");
}

/* "ADDR:PORT", "[V6ADDR]:PORT" or ":PORT" into a socket address. */
static int parse_endpoint(const char *s, int socktype, bool passive, struct sockaddr_storage *ss,
			  socklen_t *sslen)
{
	char host[256];
	const char *colon = strrchr(s, ':'), *h = s;
	size_t hlen;
	struct addrinfo hints = { .ai_socktype = socktype, .ai_flags = passive ? AI_PASSIVE : 0 };
	struct addrinfo *res;

	if (!colon || !colon[1])
		return -EINVAL;
	hlen = colon - s;
	if (hlen >= 2 && s[0] == '[' && s[hlen - 1] == ']') {
		h = s + 1;
		hlen -= 2;
	}
	if (hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (getaddrinfo(hlen ? host : NULL, colon + 1, &hints, &res))
		return -EINVAL;
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*sslen = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

static int write_textfile(const struct exporter *ex, const struct metrics *m)
{
	char tmp[4096];
	size_t len;
	char *text = metrics_prometheus(m, &len);
	int fd, err = 0;

	if (!text)
		return -ENOMEM;
	snprintf(tmp, sizeof(tmp), "%s.tmp", ex->textfile);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len || fsync(fd))
		err = -errno;
	if (fd >= 0 && close(fd) && !err)
		err = -errno;
	/* node_exporter must never read a half-written file: rename is atomic. */
	if (!err && rename(tmp, ex->textfile))
		err = -errno;
	if (err) {
		ecbpf_log(ECBPF_WARN, "cannot write %s: %s", ex->textfile, strerror(-err));
		unlink(tmp);
	}
	free(text);
	return err;
}

static int push_statsd(struct exporter *ex, struct metrics *m)
{
	size_t len, start = 0;
	char *text = metrics_statsd(m, ex->pushed ? &ex->prev : NULL, ex->statsd_prefix, &len);
	int err = 0;

	if (!text)
		return -ENOMEM;
	/* Pack whole lines into datagrams. */
	while (start < len && !err) {
		size_t end = start, next;

		while (end < len) {
			char *nl = memchr(text + end, '\n', len - end);

			next = nl ? (size_t)(nl - text) + 1 : len;
			if (next - start > STATSD_PACKET && end > start)
				break;
			end = next;
		}
		if (send(ex->statsd_fd, text + start, end - start, 0) < 0 && errno != ECONNREFUSED)
			err = -errno;
		start = end;
	}
	if (err)
		ecbpf_log(ECBPF_WARN, "cannot send to statsd %s: %s", ex->statsd, strerror(-err));
	free(text);
	metrics_free(&ex->prev);
	ex->prev = *m;		/* keep this round for the next increments */
	metrics_init(m);
	ex->pushed = true;
	return err;
}

static int statsd_open(struct exporter *ex)
{
	struct sockaddr_storage ss;
	socklen_t len;

	if (parse_endpoint(ex->statsd, SOCK_DGRAM, false, &ss, &len)) {
		ecbpf_log(ECBPF_WARN, "invalid statsd address '%s': expected HOST:PORT", ex->statsd);
		return -EINVAL;
	}
	ex->statsd_fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (ex->statsd_fd < 0 || connect(ex->statsd_fd, (struct sockaddr *)&ss, len)) {
		ecbpf_log(ECBPF_WARN, "cannot reach statsd %s: %s", ex->statsd, strerror(errno));
		return -errno;
	}
	return 0;
}

static int wait_signal(const sigset_t *mask, uint32_t timeout)
{
	struct timespec ts = { timeout, 0 };
	int sig = timeout ? sigtimedwait(mask, NULL, &ts) : sigwaitinfo(mask, NULL);

	return sig > 0 ? sig : 0;
}

static int run_push(struct exporter *ex, const sigset_t *mask)
{
	int err = 0;

	if (ex->statsd) {
		err = statsd_open(ex);
		if (err)
			return err;
	}
	do {
		struct metrics m;
		int e = collect(ex, &m);

		if (e)
			ecbpf_log(ECBPF_WARN, "cannot read the ecbpf counters: %s", strerror(-e));
		if (!e && ex->textfile)
			e = write_textfile(ex, &m);
		if (!e && ex->statsd)
			e = push_statsd(ex, &m);
		metrics_free(&m);
		err = e;
	} while (ex->interval && !wait_signal(mask, ex->interval));
	metrics_free(&ex->prev);
	close(ex->statsd_fd);
	return err;
}

static int run_http(struct exporter *ex, const sigset_t *mask)
{
	struct sockaddr_storage ss;
	socklen_t len;
	struct MHD_Daemon *d;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;

	if (parse_endpoint(ex->listen, SOCK_STREAM, true, &ss, &len)) {
		ecbpf_log(ECBPF_WARN, "invalid listen address '%s': expected [ADDR]:PORT",
			  ex->listen);
		return -EINVAL;
	}
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	d = MHD_start_daemon(flags, ntohs(((struct sockaddr_in *)&ss)->sin_port), NULL, NULL,
			     on_request, ex, MHD_OPTION_SOCK_ADDR, &ss,
			     MHD_OPTION_CONNECTION_TIMEOUT, 10U, MHD_OPTION_END);
	if (!d) {
		ecbpf_log(ECBPF_WARN, "cannot listen on %s: %s", ex->listen, strerror(errno));
		return errno == EADDRINUSE ? -EBUSY : -EIO;
	}
	ecbpf_log(ECBPF_INFO, "serving http://%s/metrics", ex->listen);
	wait_signal(mask, 0);
	MHD_stop_daemon(d);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "listen", required_argument, NULL, 'l' },
		{ "textfile", required_argument, NULL, 't' },
		{ "statsd", required_argument, NULL, 's' },
		{ "statsd-prefix", required_argument, NULL, 'x' },
		{ "interval", required_argument, NULL, 'I' },
		{ "pin-root", required_argument, NULL, 'p' },
		{ "debug", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct exporter ex = { .listen = LISTEN_DEFAULT, .statsd_prefix = "ecbpf", .statsd_fd = -1 };
	bool listen_given = false;
	sigset_t mask;
	int c, err;

	ecbpf_cli_init(argv[0]);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":i:l:t:s:x:I:p:Dh", opts, NULL)) != -1) {
		switch (c) {
		case 'i': ex.iface_list = optarg; break;
		case 'l': ex.listen = optarg; listen_given = true; break;
		case 't': ex.textfile = optarg; break;
		case 's': ex.statsd = optarg; break;
		case 'x': ex.statsd_prefix = optarg; break;
		case 'I':
			if (ecbpf_parse_u32(optarg, 1, 86400, &ex.interval)) {
				ecbpf_log(ECBPF_WARN, "invalid interval '%s': 1-86400 seconds",
					  optarg);
				return EX_USAGE;
			}
			break;
		case 'p': ecbpf_set_pin_root(optarg); break;
		case 'D': ecbpf_set_debug(true); break;
		case 'h': usage(stdout); return EX_OK;
		default:
			return ecbpf_cli_usage_error(c, argv);
		}
	}
	if (optind < argc || (listen_given && (ex.textfile || ex.statsd))) {
		ecbpf_log(ECBPF_WARN, "usage: --listen, or --textfile and/or --statsd (see --help)");
		return EX_USAGE;
	}
	if (ex.iface_list) {
		struct ecbpf_iface ifcs[MAX_IFACES];
		int n = ecbpf_cli_ifaces(ex.iface_list, ifcs, MAX_IFACES);

		if (n < 0)
			return n == -EINVAL ? EX_USAGE : ecbpf_exit_code(n);
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);	/* taken with sigwait; HTTP threads inherit the mask */
	if (ex.textfile || ex.statsd)
		err = run_push(&ex, &mask);
	else
		err = run_http(&ex, &mask);
	return ecbpf_exit_code(err);
}
