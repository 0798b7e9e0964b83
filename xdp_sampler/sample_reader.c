// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* A perf buffer reader woken once per N samples (see sample_reader.h). */
#include <errno.h>
#include <stdlib.h>
#include <linux/perf_event.h>
#include "sample_reader.h"

struct sample_reader {
	struct perf_buffer *pb;
	sample_fn on_sample;
	sample_lost_fn on_lost;
	void *ctx;
};

struct sample_record {
	struct perf_event_header header;
	uint32_t size;
	char data[];
};

struct lost_record {
	struct perf_event_header header;
	uint64_t id;
	uint64_t lost;
};

static enum bpf_perf_event_ret on_event(void *ctx, int cpu, struct perf_event_header *ev)
{
	struct sample_reader *r = ctx;

	if (ev->type == PERF_RECORD_SAMPLE) {
		struct sample_record *s = (struct sample_record *)ev;

		r->on_sample(r->ctx, cpu, s->data, s->size);
	} else if (ev->type == PERF_RECORD_LOST && r->on_lost) {
		r->on_lost(r->ctx, cpu, ((struct lost_record *)ev)->lost);
	}
	return LIBBPF_PERF_EVENT_CONT;
}

struct sample_reader *sample_reader_new(int map_fd, size_t pages, uint32_t wakeup, sample_fn on_sample,
					sample_lost_fn on_lost, void *ctx)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.config = PERF_COUNT_SW_BPF_OUTPUT,
		.sample_type = PERF_SAMPLE_RAW,
		.sample_period = 1,
		.wakeup_events = wakeup ? wakeup : 1,
	};
	struct sample_reader *r = calloc(1, sizeof(*r));

	if (!r) {
		errno = ENOMEM;
		return NULL;
	}
	r->on_sample = on_sample;
	r->on_lost = on_lost;
	r->ctx = ctx;
	r->pb = perf_buffer__new_raw(map_fd, pages, &attr, on_event, r, NULL);
	if (!r->pb) {
		int err = errno;

		free(r);
		errno = err;
		return NULL;
	}
	return r;
}

void sample_reader_free(struct sample_reader *r)
{
	if (!r)
		return;
	perf_buffer__free(r->pb);
	free(r);
}

int sample_reader_fd(const struct sample_reader *r)
{
	return perf_buffer__epoll_fd(r->pb);
}

int sample_reader_consume(struct sample_reader *r)
{
	return perf_buffer__consume(r->pb);
}

int sample_reader_poll(struct sample_reader *r, int timeout_ms)
{
	return perf_buffer__poll(r->pb, timeout_ms);
}
