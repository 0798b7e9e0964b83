/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The reader side of the ecbpf_samples perf buffer. libbpf's default reader
 * has the kernel wake it for every sample: an interrupt per sample that costs
 * the packet path several microseconds. This one is woken once per WAKEUP
 * samples; the caller also consumes on a short timer so that a sample never
 * waits longer than that timer on a quiet interface.
 */
#ifndef ECBPF_SAMPLE_READER_H
#define ECBPF_SAMPLE_READER_H

#include <stdint.h>
#include <bpf/libbpf.h>

#define SAMPLE_WAKEUP_DEFAULT 32

typedef void (*sample_fn)(void *ctx, int cpu, void *data, uint32_t size);
typedef void (*sample_lost_fn)(void *ctx, int cpu, uint64_t lost);

struct sample_reader;

/* Open per-CPU buffers of PAGES pages (a power of 2) on the perf map MAP_FD. NULL and errno on failure. */
struct sample_reader *sample_reader_new(int map_fd, size_t pages, uint32_t wakeup, sample_fn on_sample,
					sample_lost_fn on_lost, void *ctx);
void sample_reader_free(struct sample_reader *r);
/* An epoll fd that is readable when a buffer has reached its wakeup point. */
int sample_reader_fd(const struct sample_reader *r);
/* Read everything queued in every CPU's buffer. */
int sample_reader_consume(struct sample_reader *r);
/* Wait up to TIMEOUT_MS for a wakeup and read what is ready. */
int sample_reader_poll(struct sample_reader *r, int timeout_ms);

#endif
