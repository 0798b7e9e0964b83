// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * xdp_sampler_to_pcap: subscribe to an xdp_sampler publisher and write the
 * samples as pcap (or pcapng), to a file or to stdout for tcpdump -r -.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <zmq.h>
#include <ecbpf/ecbpf.h>
#include "capture_file.h"
#include "sample_msg.h"

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: xdp_sampler_to_pcap --connect tcp://ADDR:PORT --output FILE|- [--count N]\n"
		"\n"
		"  -C, --connect ENDPOINT  the xdp_sampler --publish endpoint to subscribe to\n"
		"  -o, --output FILE|-     file to write, or stdout with - (xdp_sampler_to_pcap ... | tcpdump -r -)\n"
		"  -c, --count N           stop after N samples (default: run until SIGINT/SIGTERM)\n"
		"  -F, --format FMT        pcap (default) or pcapng (interface and verdict per packet)\n"
		"  -h, --help              this text\n");
}

static int write_sample(struct capture_file *cf, const uint8_t *buf, size_t len, uint64_t *bad)
{
	struct sample_msg m;
	char comment[128];
	int id;

	if (sample_msg_decode(buf, len, &m)) {
		(*bad)++;
		return 0;
	}
	id = capture_iface(cf, m.ifname[0] ? m.ifname : "unknown");
	if (id < 0)
		return id;
	sample_msg_comment(&m, comment, sizeof(comment));
	return capture_write(cf, id, m.tstamp_ns, m.frame_len, m.frame, m.cap_len, comment);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "connect", required_argument, NULL, 'C' },
		{ "output", required_argument, NULL, 'o' },
		{ "count", required_argument, NULL, 'c' },
		{ "format", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	enum capture_format format = CAPTURE_PCAP;
	const char *endpoint = NULL, *output = NULL;
	uint8_t buf[SAMPLE_MSG_MAX + 1];
	uint64_t written = 0, bad = 0;
	struct capture_file cf;
	uint32_t count = 0;
	void *zctx, *zsock;
	struct sigaction sa = { .sa_handler = on_signal };
	FILE *f;
	int c, err = 0;

	ecbpf_cli_init(argv[0]);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":C:o:c:F:h", opts, NULL)) != -1) {
		switch (c) {
		case 'C': endpoint = optarg; break;
		case 'o': output = optarg; break;
		case 'c':
			if (ecbpf_parse_u32(optarg, 1, UINT32_MAX, &count)) {
				ecbpf_log(ECBPF_WARN, "invalid count '%s'", optarg);
				return EX_USAGE;
			}
			break;
		case 'F':
			if (capture_format_parse(optarg, &format)) {
				ecbpf_log(ECBPF_WARN, "invalid format '%s': pcap or pcapng", optarg);
				return EX_USAGE;
			}
			break;
		case 'h': usage(stdout); return EX_OK;
		default:
			return ecbpf_cli_usage_error(c, argv);
		}
	}
	if (!endpoint || !output || optind < argc) {
		ecbpf_log(ECBPF_WARN, "usage: --connect ENDPOINT --output FILE|- (see --help)");
		return EX_USAGE;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	zctx = zmq_ctx_new();
	zsock = zctx ? zmq_socket(zctx, ZMQ_SUB) : NULL;
	if (!zsock) {
		ecbpf_log(ECBPF_WARN, "cannot create a ZeroMQ socket: %s", zmq_strerror(errno));
		return EX_OSERR;
	}
	zmq_setsockopt(zsock, ZMQ_SUBSCRIBE, SAMPLE_MSG_MAGIC, strlen(SAMPLE_MSG_MAGIC));
	if (zmq_connect(zsock, endpoint)) {
		ecbpf_log(ECBPF_WARN, "cannot connect to %s: %s", endpoint, zmq_strerror(errno));
		err = EX_USAGE;
		goto out_zmq;
	}
	f = strcmp(output, "-") ? fopen(output, "wbe") : stdout;
	if (!f) {
		ecbpf_log(ECBPF_WARN, "cannot create %s: %s", output, strerror(errno));
		err = EX_CANTCREAT;
		goto out_zmq;
	}
	if (capture_open(&cf, f, format, ECBPF_SNAPLEN_MAX, "ecbpf xdp_sampler_to_pcap") ||
	    capture_flush(&cf)) {
		ecbpf_log(ECBPF_WARN, "cannot write to %s: %s", output, strerror(errno));
		err = EX_IOERR;
		goto out_file;
	}
	while (!stop_signal && (!count || written < count)) {
		int n = zmq_recv(zsock, buf, sizeof(buf), 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			ecbpf_log(ECBPF_WARN, "receive from %s: %s", endpoint, zmq_strerror(errno));
			err = EX_IOERR;
			break;
		}
		if (write_sample(&cf, buf, n > (int)sizeof(buf) ? sizeof(buf) : (size_t)n, &bad) ||
		    capture_flush(&cf)) {
			ecbpf_log(ECBPF_WARN, "cannot write to %s: %s", output, strerror(errno));
			err = EX_IOERR;
			break;
		}
		written = cf.packets;
	}
	if (bad)
		ecbpf_log(ECBPF_WARN, "%llu messages ignored: not ecbpf samples of layout version %d",
			  (unsigned long long)bad, SAMPLE_MSG_VERSION);
out_file:
	if (capture_close(&cf) && !err) {
		ecbpf_log(ECBPF_WARN, "cannot write to %s: %s", output, strerror(errno));
		err = EX_IOERR;
	}
out_zmq:
	zmq_close(zsock);
	zmq_ctx_term(zctx);
	return err;
}
