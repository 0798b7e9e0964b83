// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * xdp_sampler's pieces without a kernel: the capture writer (files read back
 * with libpcap, pcapng blocks checked byte by byte), the published message
 * layout, and the exporter's Prometheus and statsd rendering.
 */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <pcap/pcap.h>
#include <ecbpf/ecbpf.h>
#include "capture_file.h"
#include "metrics.h"
#include "sample_msg.h"
#include "ck_run.h"

static uint8_t frame[300];

static void fill_frame(void)
{
	for (size_t i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)(i * 7 + 1);
}

/* Write a capture into memory; returns the bytes (caller frees) and their size. */
static char *capture_to_mem(enum capture_format fmt, size_t *size)
{
	struct capture_file cf;
	char *buf = NULL;
	FILE *f = open_memstream(&buf, size);
	int a, b;

	ck_assert_ptr_nonnull(f);
	fill_frame();
	ck_assert_int_eq(capture_open(&cf, f, fmt, 256, "unit test"), 0);
	a = capture_iface(&cf, "eth0");
	b = capture_iface(&cf, "eth1");
	ck_assert_int_eq(capture_iface(&cf, "eth0"), a);	/* one block per interface */
	ck_assert_int_eq(capture_write(&cf, a, 1700000000123456789ULL, 98, frame, 98,
				       "slot=3 action=XDP_DROP reason=test meta=32343"), 0);
	/* 300 bytes offered to a 256-byte snap length: 256 kept, 300 on the wire. */
	ck_assert_int_eq(capture_write(&cf, b, 1700000001000000001ULL, 300, frame, 300,
				       "slot=root action=XDP_PASS reason=not_ip meta=2054"), 0);
	ck_assert_uint_eq(cf.packets, 2);
	ck_assert_int_eq(fmt == CAPTURE_PCAPNG ? b : 0, fmt == CAPTURE_PCAPNG ? 1 : 0);
	ck_assert_int_eq(capture_close(&cf), 0);
	return buf;
}

static pcap_t *open_mem(char *buf, size_t size, FILE **f)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p;

	*f = fmemopen(buf, size, "rb");
	ck_assert_ptr_nonnull(*f);
	p = pcap_fopen_offline_with_tstamp_precision(*f, PCAP_TSTAMP_PRECISION_NANO, err);
	ck_assert_msg(p != NULL, "libpcap cannot read it: %s", err);
	return p;
}

static void check_packets(pcap_t *p)
{
	struct pcap_pkthdr *h;
	const u_char *data;

	ck_assert_int_eq(pcap_datalink(p), DLT_EN10MB);
	ck_assert_int_eq(pcap_next_ex(p, &h, &data), 1);
	ck_assert_uint_eq(h->caplen, 98);
	ck_assert_uint_eq(h->len, 98);
	ck_assert_int_eq(h->ts.tv_sec, 1700000000);
	ck_assert_int_eq(h->ts.tv_usec, 123456789);	/* nanoseconds with PRECISION_NANO */
	ck_assert_mem_eq(data, frame, 98);
	ck_assert_int_eq(pcap_next_ex(p, &h, &data), 1);
	ck_assert_uint_eq(h->caplen, 256);
	ck_assert_uint_eq(h->len, 300);
	ck_assert_int_eq(h->ts.tv_sec, 1700000001);
	ck_assert_int_eq(h->ts.tv_usec, 1);
	ck_assert_mem_eq(data, frame, 256);
	ck_assert_int_eq(pcap_next_ex(p, &h, &data), PCAP_ERROR_BREAK);	/* end of file */
}

START_TEST(capture_pcap_reads_back_with_libpcap)
{
	size_t size;
	char *buf = capture_to_mem(CAPTURE_PCAP, &size);
	FILE *f;
	pcap_t *p;

	ck_assert_uint_eq(size, 24 + 16 + 98 + 16 + 256);
	p = open_mem(buf, size, &f);
	ck_assert_int_eq(pcap_snapshot(p), 256);
	check_packets(p);
	pcap_close(p);
	free(buf);
}
END_TEST

/* Find the first pcapng block of TYPE at or after OFF; its offset or -1. */
static long find_block(const char *buf, size_t size, uint32_t type, size_t off)
{
	while (off + 12 <= size) {
		uint32_t t, len;

		memcpy(&t, buf + off, 4);
		memcpy(&len, buf + off + 4, 4);
		ck_assert_uint_eq(len % 4, 0);
		ck_assert_uint_le(off + len, size);
		if (t == type)
			return off;
		off += len;
	}
	return -1;
}

START_TEST(capture_pcapng_reads_back_with_libpcap_and_carries_comments)
{
	static const char c1[] = "slot=3 action=XDP_DROP reason=test meta=32343";
	size_t size;
	char *buf = capture_to_mem(CAPTURE_PCAPNG, &size);
	long idb, epb;
	uint32_t len, trailer, iface;
	FILE *f;
	pcap_t *p;

	p = open_mem(buf, size, &f);
	check_packets(p);
	pcap_close(p);

	/* Two interface blocks, names in if_name options. */
	idb = find_block(buf, size, 1, 0);
	ck_assert_int_ge(idb, 0);
	ck_assert_ptr_nonnull(memmem(buf + idb, 40, "eth0", 4));
	memcpy(&len, buf + idb + 4, 4);
	idb = find_block(buf, size, 1, idb + len);
	ck_assert_int_ge(idb, 0);
	ck_assert_ptr_nonnull(memmem(buf + idb, 40, "eth1", 4));
	/* First packet block: interface 0, the comment option, the length repeated at the end. */
	epb = find_block(buf, size, 6, 0);
	ck_assert_int_ge(epb, 0);
	memcpy(&len, buf + epb + 4, 4);
	memcpy(&trailer, buf + epb + len - 4, 4);
	ck_assert_uint_eq(len, trailer);
	memcpy(&iface, buf + epb + 8, 4);
	ck_assert_uint_eq(iface, 0);
	ck_assert_ptr_nonnull(memmem(buf + epb, len, c1, sizeof(c1) - 1));
	/* Second: interface 1. */
	epb = find_block(buf, size, 6, epb + len);
	memcpy(&iface, buf + epb + 8, 4);
	ck_assert_uint_eq(iface, 1);
	free(buf);
}
END_TEST

START_TEST(capture_format_names)
{
	enum capture_format f;

	ck_assert_int_eq(capture_format_parse("pcapng", &f), 0);
	ck_assert_int_eq(f, CAPTURE_PCAPNG);
	ck_assert_int_eq(capture_format_parse("pcap", &f), 0);
	ck_assert_int_eq(f, CAPTURE_PCAP);
	ck_assert_int_eq(capture_format_parse("erf", &f), -EINVAL);
}
END_TEST

static struct sample_msg example_msg(void)
{
	struct sample_msg m = {
		.tstamp_ns = 0x0102030405060708ULL, .meta = 0x1122334455667788ULL, .ifindex = 7,
		.frame_len = 1500, .cap_len = 64, .slot = -1, .action = 1, .reason = 32,
		.flags = 1, .ifname = "bond0.100",
	};
	return m;
}

START_TEST(sample_msg_layout_is_little_endian_at_documented_offsets)
{
	struct sample_msg m = example_msg();
	uint8_t buf[SAMPLE_MSG_MAX];
	static const uint8_t head[40] = {
		'E', 'C', 'B', 'S', 1, 56, 0, 0,
		0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,	/* timestamp */
		0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,	/* meta */
		7, 0, 0, 0, 0xdc, 0x05, 0, 0,			/* ifindex, frame length 1500 */
		64, 0, 0xff, 1, 32, 1, 0, 0,			/* cap 64, slot -1, DROP, fw_rule, monitor */
	};

	fill_frame();
	ck_assert_int_eq(sample_msg_encode(&m, frame, buf, sizeof(buf)), 56 + 64);
	ck_assert_mem_eq(buf, head, sizeof(head));
	ck_assert_str_eq((char *)buf + 40, "bond0.100");
	ck_assert_mem_eq(buf + 56, frame, 64);
	ck_assert_int_eq(sample_msg_encode(&m, frame, buf, 100), -ENOSPC);
}
END_TEST

START_TEST(sample_msg_round_trip_and_rejects)
{
	struct sample_msg m = example_msg(), d;
	uint8_t buf[SAMPLE_MSG_MAX];
	int n;

	fill_frame();
	n = sample_msg_encode(&m, frame, buf, sizeof(buf));
	ck_assert_int_eq(sample_msg_decode(buf, n, &d), 0);
	ck_assert_uint_eq(d.tstamp_ns, m.tstamp_ns);
	ck_assert_uint_eq(d.meta, m.meta);
	ck_assert_uint_eq(d.ifindex, 7);
	ck_assert_uint_eq(d.frame_len, 1500);
	ck_assert_uint_eq(d.cap_len, 64);
	ck_assert_int_eq(d.slot, -1);
	ck_assert_uint_eq(d.action, 1);
	ck_assert_uint_eq(d.reason, 32);
	ck_assert_uint_eq(d.flags, 1);
	ck_assert_str_eq(d.ifname, "bond0.100");
	ck_assert_ptr_eq(d.frame, buf + 56);
	ck_assert_int_eq(sample_msg_decode(buf, n - 1, &d), -EBADMSG);	/* frame cut short */
	ck_assert_int_eq(sample_msg_decode(buf, 3, &d), -EBADMSG);
	buf[4] = 2;
	ck_assert_int_eq(sample_msg_decode(buf, n, &d), -EPROTONOSUPPORT);
	buf[4] = 1;
	buf[0] = 'X';
	ck_assert_int_eq(sample_msg_decode(buf, n, &d), -EBADMSG);
}
END_TEST

START_TEST(sample_msg_longer_header_of_a_later_release_still_decodes)
{
	struct sample_msg m = example_msg(), d;
	uint8_t buf[SAMPLE_MSG_MAX], longer[SAMPLE_MSG_MAX + 8];
	int n;

	fill_frame();
	n = sample_msg_encode(&m, frame, buf, sizeof(buf));
	memcpy(longer, buf, 56);
	memset(longer + 56, 0xee, 8);			/* an appended field */
	memcpy(longer + 64, buf + 56, n - 56);
	longer[5] = 64;
	ck_assert_int_eq(sample_msg_decode(longer, n + 8, &d), 0);
	ck_assert_mem_eq(d.frame, frame, 64);
}
END_TEST

START_TEST(sample_comment_names_slot_action_reason_meta)
{
	struct sample_msg m = example_msg();
	char buf[128];

	ck_assert_int_gt(sample_msg_comment(&m, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "slot=root action=XDP_DROP reason=fw_rule meta=1234605616436508552 monitor=1");
	m.slot = 5;
	m.meta = 3;
	m.flags = 0;
	m.action = 9;
	sample_msg_comment(&m, buf, sizeof(buf));
	ck_assert_str_eq(buf, "slot=5 action=XDP_INVALID_ACTION reason=fw_rule meta=3");
	ck_assert_int_eq(sample_msg_comment(&m, buf, 10), -ENOSPC);
}
END_TEST

static struct ecbpf_status example_status(void)
{
	struct ecbpf_status st;

	memset(&st, 0, sizeof(st));
	snprintf(st.ifname, sizeof(st.ifname), "eth0");
	st.attached = true;
	snprintf(st.mode, sizeof(st.mode), "native");
	st.root.id = 10;
	snprintf(st.root.name, sizeof(st.root.name), "xdp_root");
	st.slot[3].prog.id = 42;
	snprintf(st.slot[3].prog.name, sizeof(st.slot[3].prog.name), "xdp_fw");
	snprintf(st.slot[3].prog.tag, sizeof(st.slot[3].prog.tag), "0123456789abcdef");
	st.slot[3].verdict[ECBPF_ACT_DROP].packets = 6;
	st.slot[3].verdict[ECBPF_ACT_DROP].bytes = 588;
	st.root_row.verdict[ECBPF_ACT_PASS].packets = 1;
	st.reason[ECBPF_R_FW_RULE].packets = 6;
	st.sample_rate = 2500;
	st.samples_lost = 3;
	return st;
}

START_TEST(metrics_prometheus_text_groups_families_and_labels)
{
	struct ecbpf_status st = example_status();
	struct metrics m;
	size_t len;
	char *t;

	metrics_init(&m);
	ck_assert_int_eq(metrics_from_status(&m, &st), 0);
	snprintf(st.ifname, sizeof(st.ifname), "eth1");
	ck_assert_int_eq(metrics_from_status(&m, &st), 0);
	t = metrics_prometheus(&m, &len);
	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(strlen(t), len);
	ck_assert_ptr_nonnull(strstr(t, "# TYPE ecbpf_xdp_packets_total counter\n"));
	ck_assert_ptr_nonnull(strstr(t,
		"ecbpf_xdp_packets_total{interface=\"eth0\",slot=\"3\",action=\"XDP_DROP\"} 6\n"));
	ck_assert_ptr_nonnull(strstr(t,
		"ecbpf_xdp_bytes_total{interface=\"eth1\",slot=\"3\",action=\"XDP_DROP\"} 588\n"));
	ck_assert_ptr_nonnull(strstr(t,
		"ecbpf_xdp_packets_total{interface=\"eth0\",slot=\"root\",action=\"XDP_PASS\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(t,
		"ecbpf_slot_info{interface=\"eth0\",slot=\"3\",program=\"xdp_fw\",id=\"42\",tag=\"0123456789abcdef\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(t, "ecbpf_xdp_reason_packets_total{interface=\"eth0\",reason=\"fw_rule\"} 6\n"));
	ck_assert_ptr_nonnull(strstr(t, "ecbpf_sampler_lost_total{interface=\"eth1\"} 3\n"));
	/* Each family announced once, both interfaces' samples under it. */
	ck_assert_ptr_null(strstr(strstr(t, "# TYPE ecbpf_xdp_packets_total") + 1,
				  "# TYPE ecbpf_xdp_packets_total"));
	/* An empty slot has counters but no info line. */
	ck_assert_ptr_null(strstr(t, "ecbpf_slot_info{interface=\"eth0\",slot=\"2\""));
	free(t);
	metrics_free(&m);
}
END_TEST

START_TEST(metrics_detached_interface_exports_only_attached_0)
{
	struct ecbpf_status st = example_status();
	struct metrics m;
	size_t len;
	char *t;

	st.attached = false;
	metrics_init(&m);
	ck_assert_int_eq(metrics_from_status(&m, &st), 0);
	t = metrics_prometheus(&m, &len);
	ck_assert_str_eq(t, "# HELP ecbpf_root_attached 1 if the ecbpf root program is attached to the interface\n"
			    "# TYPE ecbpf_root_attached gauge\n"
			    "ecbpf_root_attached{interface=\"eth0\"} 0\n");
	free(t);
	metrics_free(&m);
}
END_TEST

START_TEST(metrics_label_values_are_escaped)
{
	struct metrics m;
	size_t len;
	char *t;

	metrics_init(&m);
	ck_assert_int_eq(metrics_add(&m, metrics_family(&m, "x_info", METRIC_GAUGE, "h"), 1,
				     "name", "a\"b\\c\nd", NULL), 0);
	t = metrics_prometheus(&m, &len);
	ck_assert_ptr_nonnull(strstr(t, "x_info{name=\"a\\\"b\\\\c\\nd\"} 1\n"));
	free(t);
	metrics_free(&m);
}
END_TEST

START_TEST(metrics_statsd_sends_increments_and_gauges)
{
	struct ecbpf_status st = example_status();
	struct metrics first, second;
	size_t len;
	char *t;

	metrics_init(&first);
	metrics_init(&second);
	ck_assert_int_eq(metrics_from_status(&first, &st), 0);
	t = metrics_statsd(&first, NULL, "ecbpf", &len);
	ck_assert_ptr_nonnull(strstr(t, "ecbpf.xdp_packets_total.eth0.3.XDP_DROP:6|c\n"));
	ck_assert_ptr_nonnull(strstr(t, "ecbpf.sampler_rate.eth0:2500|g\n"));
	ck_assert_ptr_null(strstr(t, "_info"));
	free(t);

	st.slot[3].verdict[ECBPF_ACT_DROP].packets = 10;
	ck_assert_int_eq(metrics_from_status(&second, &st), 0);
	t = metrics_statsd(&second, &first, "p", &len);
	ck_assert_ptr_nonnull(strstr(t, "p.xdp_packets_total.eth0.3.XDP_DROP:4|c\n"));
	/* Unchanged counters are not sent again; gauges always are. */
	ck_assert_ptr_null(strstr(t, "p.xdp_bytes_total.eth0.3.XDP_DROP:"));
	ck_assert_ptr_nonnull(strstr(t, "p.sampler_rate.eth0:2500|g\n"));
	free(t);

	/* A counter that went down was cleared: its new value is the increment. */
	st.slot[3].verdict[ECBPF_ACT_DROP].packets = 2;
	metrics_free(&first);
	ck_assert_int_eq(metrics_from_status(&first, &st), 0);
	t = metrics_statsd(&first, &second, "p", &len);
	ck_assert_ptr_nonnull(strstr(t, "p.xdp_packets_total.eth0.3.XDP_DROP:2|c\n"));
	free(t);
	metrics_free(&first);
	metrics_free(&second);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("unit_sampler");
	TCase *tc = tcase_create("sampler");

	tcase_add_test(tc, capture_pcap_reads_back_with_libpcap);
	tcase_add_test(tc, capture_pcapng_reads_back_with_libpcap_and_carries_comments);
	tcase_add_test(tc, capture_format_names);
	tcase_add_test(tc, sample_msg_layout_is_little_endian_at_documented_offsets);
	tcase_add_test(tc, sample_msg_round_trip_and_rejects);
	tcase_add_test(tc, sample_msg_longer_header_of_a_later_release_still_decodes);
	tcase_add_test(tc, sample_comment_names_slot_action_reason_meta);
	tcase_add_test(tc, metrics_prometheus_text_groups_families_and_labels);
	tcase_add_test(tc, metrics_detached_interface_exports_only_attached_0);
	tcase_add_test(tc, metrics_label_values_are_escaped);
	tcase_add_test(tc, metrics_statsd_sends_increments_and_gauges);
	suite_add_tcase(s, tc);
	return ck_run(s);
}
