// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* xdp_fw --test: replay a capture through a private root + fw stack with BPF_PROG_TEST_RUN. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "fw_capture.h"
#include "fw_load.h"
#include "fw_sha1.h"
#include "xdp_fw.skel.h"

#define ETH_HLEN_MIN 14		/* BPF_PROG_TEST_RUN refuses shorter XDP frames */

struct tally {
	unsigned long frames, action[6], not_run, checked, failed;
};

/* Rule whose hit count grew during the last run (0 if none), 1-based. */
static int rule_hit(int hits_fd, int n, uint64_t *prev, uint64_t *cur)
{
	int rule = 0;

	if (fw_hits_read(hits_fd, n, cur))
		return 0;
	for (int r = 0; r < n; r++) {
		if (cur[r] != prev[r] && !rule)
			rule = r + 1;
		prev[r] = cur[r];
	}
	return rule;
}

static int expected_for(const struct fw_ruleset *rs, const uint8_t sha1[20], bool *used)
{
	int want = -1;

	for (int i = 0; i < rs->ntests; i++) {
		if (!memcmp(rs->tests[i].sha1, sha1, 20)) {
			used[i] = true;
			want = rs->tests[i].action;
		}
	}
	return want;
}

int fw_test_pcap(const char *path, const struct fw_ruleset *rs, const struct fw_compiled *c,
		 int slot, FILE *out)
{
	char errbuf[512], hex[41], not_run[48] = "";
	uint64_t *prev = NULL, *cur = NULL;
	struct ecbpf_stack *stk = NULL;
	struct xdp_fw *skel = NULL;
	struct tally t = {};
	const uint8_t *frame;
	uint32_t caplen;
	bool *used = NULL;
	int err, rc, hits_fd, array_fd, prog_fd;
	uint32_t key = slot;
	struct fw_capture *p;

	p = fw_capture_open(path, errbuf, sizeof(errbuf));
	if (!p) {
		ecbpf_log(ECBPF_WARN, "%s", errbuf);
		return -ENXIO;	/* EX_NOINPUT */
	}
	err = ecbpf_stack_new(&stk);
	if (!err)
		err = fw_gen_load(&skel, rs, c, slot, ecbpf_stack_shared_fds(stk), NULL, 1);
	if (err)
		goto out;
	prog_fd = fw_gen_prog_fd(skel);
	array_fd = ecbpf_stack_map_fd(stk, "root_array");
	if (array_fd < 0 || bpf_map_update_elem(array_fd, &key, &prog_fd, BPF_ANY)) {
		err = array_fd < 0 ? array_fd : -errno;
		ecbpf_log(ECBPF_WARN, "cannot put %s in slot %d of the test stack", FW_PROG_NAME,
			  slot);
		goto out;
	}
	hits_fd = bpf_map__fd(skel->maps.fw_hits);
	prev = calloc(rs->n + 1, sizeof(*prev));
	cur = calloc(rs->n + 1, sizeof(*cur));
	used = calloc(rs->ntests + 1, sizeof(*used));
	if (!prev || !cur || !used) {
		err = -ENOMEM;
		goto out;
	}
	while ((rc = fw_capture_next(p, &frame, &caplen, errbuf, sizeof(errbuf))) == 1) {
		int action, rule = 0, want;
		const char *note = "";

		t.frames++;
		{
			uint8_t sha1[20];

			fw_sha1(frame, caplen, sha1);
			fw_sha1_hex(sha1, hex);
			want = expected_for(rs, sha1, used);
		}
		if (caplen < ETH_HLEN_MIN) {
			/* The root aborts these before any slot; the kernel will not test-run them. */
			action = XDP_ABORTED;
			note = " (shorter than Ethernet: not run, the root aborts it)";
		} else {
			LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = caplen,
				    .repeat = 1);

			if (bpf_prog_test_run_opts(ecbpf_stack_root_fd(stk), &o)) {
				/* e.g. a frame longer than one page: report it, go on */
				fprintf(out, "frame %lu sha1 %s len %u NOT RUN (%s)%s\n", t.frames,
					hex, caplen, strerror(errno),
					want >= 0 ? " expected a verdict FAILED" : "");
				t.not_run++;
				if (want >= 0) {
					t.checked++;
					t.failed++;
				}
				continue;
			}
			action = o.retval;
			if (action == XDP_DROP)
				rule = rule_hit(hits_fd, rs->n, prev, cur);
		}
		t.action[action <= XDP_REDIRECT ? action : 5]++;
		fprintf(out, "frame %lu sha1 %s len %u %s", t.frames, hex, caplen,
			fw_action_name(action));
		if (rule)
			fprintf(out, " rule %d", rule);
		if (want >= 0) {
			t.checked++;
			if (want == action) {
				fprintf(out, " expected %s ok", fw_action_name(want));
			} else {
				t.failed++;
				fprintf(out, " expected %s FAILED", fw_action_name(want));
			}
		}
		fprintf(out, "%s\n", note);
	}
	if (rc == -1) {
		ecbpf_log(ECBPF_WARN, "%s", errbuf);
		err = -EINVAL;	/* EX_DATAERR: a damaged capture */
		goto out;
	}
	for (int i = 0; i < rs->ntests; i++) {
		if (!used[i]) {
			fw_sha1_hex(rs->tests[i].sha1, hex);
			fprintf(out, "test at line %d: no frame with sha1 %s FAILED\n",
				rs->tests[i].line, hex);
			t.checked++;
			t.failed++;
		}
	}
	if (t.not_run)
		snprintf(not_run, sizeof(not_run), ", %lu not run", t.not_run);
	fprintf(out,
		"%lu frames: %lu XDP_PASS, %lu XDP_DROP, %lu XDP_ABORTED, %lu other%s; "
		"%lu expectations, %lu failed\n",
		t.frames, t.action[XDP_PASS], t.action[XDP_DROP], t.action[XDP_ABORTED],
		t.action[XDP_TX] + t.action[XDP_REDIRECT] + t.action[5], not_run, t.checked,
		t.failed);
	err = t.failed ? 1 : 0;
out:
	free(prev);
	free(cur);
	free(used);
	fw_gen_destroy(skel);
	ecbpf_stack_free(stk);
	fw_capture_close(p);
	return err;
}
