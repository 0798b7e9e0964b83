// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * The sampler offer of the shared exit path under BPF_PROG_TEST_RUN: a private
 * stack (root + a DROP test slot in slot 3), its ecbpf_samples perf buffer read
 * back, every sample checked field by field.
 */
#include <check.h>
#include <stdlib.h>
#include <time.h>
#include <bpf/libbpf.h>
#include <ecbpf/ecbpf.h>
#include "pktbuild.h"
#include "test_slot.skel.h"
#include "ck_run.h"

#define TEST_META 0x7e57
#define MAX_SAMPLES 64

struct got {
	struct ecbpf_sample_hdr hdr;
	uint8_t frame[ECBPF_SNAPLEN_MAX];
};

static struct ecbpf_stack *stk;
static struct test_slot *slot_skel;
static struct perf_buffer *pb;
static struct got got[MAX_SAMPLES];
static unsigned int n_got;		/* samples seen (only the first MAX_SAMPLES are kept) */
static uint64_t n_lost;

static void on_sample(void *ctx, int cpu, void *data, __u32 size)
{
	struct ecbpf_sample_hdr h;

	ck_assert_uint_ge(size, sizeof(h));
	memcpy(&h, data, sizeof(h));	/* perf records are only 4-byte aligned */
	ck_assert_uint_ge(size, sizeof(h) + h.cap_len);
	if (n_got < MAX_SAMPLES) {
		got[n_got].hdr = h;
		memcpy(got[n_got].frame, (uint8_t *)data + sizeof(h), h.cap_len);
	}
	n_got++;
}

static void on_lost(void *ctx, int cpu, __u64 n)
{
	n_lost += n;
}

static void set_cfg(uint32_t rate, uint32_t snaplen, uint32_t monitor_mask)
{
	struct ecbpf_cfg cfg = { .sample_rate = rate, .snaplen = snaplen,
				 .monitor_mask = monitor_mask };
	__u32 key = 0;

	ck_assert_int_eq(bpf_map_update_elem(ecbpf_stack_map_fd(stk, "ecbpf_cfg"), &key, &cfg,
					     BPF_ANY), 0);
	/* As ecbpf_set_sampling does: a zero countdown makes the next packet read the rate. */
	ck_assert_int_eq(ecbpf_percpu_zero(ecbpf_stack_map_fd(stk, "ecbpf_sampler"), 0,
					   sizeof(struct ecbpf_sampler_state)), 0);
}

static void setup(void)
{
	int fd;
	__u32 key = 3;

	ck_assert_int_eq(ecbpf_stack_new(&stk), 0);
	slot_skel = test_slot__open();
	ck_assert_ptr_nonnull(slot_skel);
	slot_skel->rodata->ecbpf_slot = 3;
	slot_skel->rodata->test_action = XDP_DROP;
	ck_assert_int_eq(ecbpf_slot_bind_fds(slot_skel->obj, ecbpf_stack_shared_fds(stk)), 0);
	ck_assert_int_eq(test_slot__load(slot_skel), 0);
	fd = bpf_program__fd(slot_skel->progs.test_slot);
	ck_assert_int_eq(bpf_map_update_elem(ecbpf_stack_map_fd(stk, "root_array"), &key, &fd,
					     BPF_ANY), 0);
	pb = perf_buffer__new(ecbpf_stack_map_fd(stk, "ecbpf_samples"), 64, on_sample, on_lost,
			      NULL, NULL);
	ck_assert_ptr_nonnull(pb);
	n_got = 0;
	n_lost = 0;
}

static void teardown(void)
{
	perf_buffer__free(pb);
	test_slot__destroy(slot_skel);
	ecbpf_stack_free(stk);
}

static struct ecbpf_sampler_state sampler(void)
{
	struct ecbpf_sampler_state s;

	ck_assert_int_eq(ecbpf_percpu_sum(ecbpf_stack_map_fd(stk, "ecbpf_sampler"), 0,
					  (uint64_t *)&s, sizeof(s) / 8), 0);
	return s;
}

static void udp_packet(struct pkt *p, size_t payload)
{
	pkt_init(p);
	pkt_eth(p, ETH_P_IP);
	pkt_ipv4(p, "10.0.0.1", "10.0.0.2", IPPROTO_UDP);
	pkt_udp(p, 1000, 53, payload);
	pkt_finish(p);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void run_one(const void *frame, size_t len, uint32_t expect_action)
{
	struct run r = run_prog(ecbpf_stack_root_fd(stk), frame, len);

	ck_assert_int_eq(r.err, 0);
	ck_assert_uint_eq(r.action, expect_action);
}

static void assert_sample(unsigned int i, int slot, int action, int reason, uint64_t meta,
			  const void *frame, size_t len, size_t cap)
{
	const struct ecbpf_sample_hdr *h = &got[i].hdr;

	ck_assert_uint_eq(h->version, ECBPF_SAMPLE_VERSION);
	ck_assert_int_eq(h->slot, slot);
	ck_assert_uint_eq(h->action, action);
	ck_assert_uint_eq(h->reason, reason);
	ck_assert_uint_eq(h->meta, meta);
	ck_assert_uint_eq(h->frame_len, len);
	ck_assert_uint_eq(h->cap_len, cap);
	ck_assert_uint_eq(h->ifindex, 1);	/* test runs arrive on the loopback device */
	ck_assert_mem_eq(got[i].frame, frame, cap);
}

START_TEST(sampler_rate_1_samples_every_verdict_with_its_metadata)
{
	struct pkt udp, arp, vlan;
	uint64_t before, after;

	set_cfg(1, ECBPF_SNAPLEN_DEFAULT, 0);
	udp_packet(&udp, 18);
	pkt_init(&arp);
	pkt_eth(&arp, ETH_P_ARP);
	pkt_pad(&arp, 60);
	pkt_init(&vlan);
	pkt_eth(&vlan, ETH_P_8021Q);	/* the tag is cut off */

	before = mono_ns();
	run_one(udp.buf, udp.len, XDP_DROP);	/* slot 3's verdict */
	run_one(arp.buf, arp.len, XDP_PASS);	/* the root's: not IP */
	run_one(vlan.buf, vlan.len, XDP_ABORTED);	/* the root's: truncated tag */
	after = mono_ns();
	perf_buffer__consume(pb);

	ck_assert_uint_eq(n_got, 3);
	assert_sample(0, 3, XDP_DROP, ECBPF_R_TEST, TEST_META, udp.buf, udp.len, udp.len);
	assert_sample(1, -1, XDP_PASS, ECBPF_R_NOT_IP, ETH_P_ARP, arp.buf, arp.len, arp.len);
	assert_sample(2, -1, XDP_ABORTED, ECBPF_R_VLAN_TRUNC, 0, vlan.buf, vlan.len, vlan.len);
	ck_assert_uint_ge(got[0].hdr.tstamp_ns, before);
	ck_assert_uint_le(got[2].hdr.tstamp_ns, after);
	ck_assert_uint_le(got[0].hdr.tstamp_ns, got[1].hdr.tstamp_ns);
	ck_assert_uint_eq(got[0].hdr.flags, 0);
	ck_assert_uint_eq(sampler().samples_sent, 3);
	ck_assert_uint_eq(sampler().samples_lost, 0);
	ck_assert_uint_eq(sampler().samples_noreader, 0);
}
END_TEST

START_TEST(sampler_snaplen_caps_the_captured_bytes)
{
	struct pkt big;

	udp_packet(&big, 600);
	set_cfg(1, 64, 0);
	run_one(big.buf, big.len, XDP_DROP);
	set_cfg(1, ECBPF_SNAPLEN_MAX, 0);
	run_one(big.buf, big.len, XDP_DROP);
	perf_buffer__consume(pb);

	ck_assert_uint_eq(n_got, 2);
	assert_sample(0, 3, XDP_DROP, ECBPF_R_TEST, TEST_META, big.buf, big.len, 64);
	assert_sample(1, 3, XDP_DROP, ECBPF_R_TEST, TEST_META, big.buf, big.len, big.len);
}
END_TEST

START_TEST(sampler_rate_0_samples_nothing)
{
	struct pkt udp;
	struct run r;

	set_cfg(0, ECBPF_SNAPLEN_DEFAULT, 0);
	udp_packet(&udp, 18);
	r = run_prog_repeat(ecbpf_stack_root_fd(stk), udp.buf, udp.len, 5000);
	ck_assert_int_eq(r.err, 0);
	perf_buffer__consume(pb);
	ck_assert_uint_eq(n_got, 0);
	ck_assert_uint_eq(sampler().samples_sent, 0);
	ck_assert_uint_eq(sampler().samples_noreader, 0);
}
END_TEST

/* Over many packets, 1 in N within 5% (the jittered countdown averages exactly N). */
static void check_rate(uint32_t rate, unsigned int batches, unsigned int batch)
{
	struct pkt udp;
	double expect = (double)batches * batch / rate;

	set_cfg(rate, ECBPF_SNAPLEN_DEFAULT, 0);
	udp_packet(&udp, 18);
	for (unsigned int b = 0; b < batches; b++) {
		struct run r = run_prog_repeat(ecbpf_stack_root_fd(stk), udp.buf, udp.len, batch);

		ck_assert_int_eq(r.err, 0);
		perf_buffer__consume(pb);	/* keep the buffer from filling */
	}
	ck_assert_uint_eq(n_lost, 0);
	ck_assert_uint_eq(sampler().samples_lost, 0);
	ck_assert_uint_eq(sampler().samples_sent, n_got);
	ck_assert_msg(n_got >= expect * 0.95 && n_got <= expect * 1.05,
		      "rate %u: %u samples of %u packets, expected %.0f +- 5%%", rate, n_got,
		      batches * batch, expect);
}

START_TEST(sampler_rate_2_samples_half)
{
	check_rate(2, 10, 2000);
}
END_TEST

START_TEST(sampler_rate_100_samples_one_in_100)
{
	check_rate(100, 20, 10000);
}
END_TEST

START_TEST(sampler_rate_2500_default_samples_one_in_2500)
{
	check_rate(ECBPF_SAMPLE_RATE_DEFAULT, 25, 100000);
}
END_TEST

START_TEST(sampler_monitor_mode_samples_would_verdict_then_end_of_chain)
{
	struct pkt udp;

	set_cfg(1, ECBPF_SNAPLEN_DEFAULT, 1U << 3);
	udp_packet(&udp, 18);
	run_one(udp.buf, udp.len, XDP_PASS);
	perf_buffer__consume(pb);

	ck_assert_uint_eq(n_got, 2);
	assert_sample(0, 3, XDP_DROP, ECBPF_R_TEST, TEST_META, udp.buf, udp.len, udp.len);
	ck_assert_uint_eq(got[0].hdr.flags, ECBPF_SAMPLE_F_MONITOR);
	assert_sample(1, 3, XDP_PASS, ECBPF_R_NONE, 0, udp.buf, udp.len, udp.len);
	ck_assert_uint_eq(got[1].hdr.flags, 0);
}
END_TEST

START_TEST(sampler_without_reader_counts_no_reader)
{
	struct pkt udp;

	perf_buffer__free(pb);		/* removes this reader from every CPU */
	pb = NULL;
	set_cfg(1, ECBPF_SNAPLEN_DEFAULT, 0);
	udp_packet(&udp, 18);
	run_one(udp.buf, udp.len, XDP_DROP);
	run_one(udp.buf, udp.len, XDP_DROP);
	ck_assert_uint_eq(sampler().samples_noreader, 2);
	ck_assert_uint_eq(sampler().samples_sent, 0);
	ck_assert_uint_eq(sampler().samples_lost, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("bpf_sampler");
	TCase *tc = tcase_create("sampler");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, sampler_rate_1_samples_every_verdict_with_its_metadata);
	tcase_add_test(tc, sampler_snaplen_caps_the_captured_bytes);
	tcase_add_test(tc, sampler_rate_0_samples_nothing);
	tcase_add_test(tc, sampler_rate_2_samples_half);
	tcase_add_test(tc, sampler_rate_100_samples_one_in_100);
	tcase_add_test(tc, sampler_rate_2500_default_samples_one_in_2500);
	tcase_add_test(tc, sampler_monitor_mode_samples_would_verdict_then_end_of_chain);
	tcase_add_test(tc, sampler_without_reader_counts_no_reader);
	suite_add_tcase(s, tc);
	return ck_run(s);
}
