// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * Generations. Every --attach/--update loads a complete new program instance
 * with freshly built maps and puts it into the slot with one root-array
 * update: a packet runs wholly in the old rule set or wholly in the new one,
 * and the slot is never empty. Nothing is pinned: the program holds its maps,
 * the root array holds the program, and --stats finds the maps from the slot.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "fw_load.h"
#include "xdp_fw.skel.h"

static int batch_fill(int fd, const void *values, uint32_t n, size_t value_size)
{
	const uint32_t step = 65536;
	uint32_t *keys;
	int err = 0;

	keys = malloc((n < step ? n : step) * sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	for (uint32_t at = 0; at < n && !err; at += step) {
		uint32_t count = n - at < step ? n - at : step;

		for (uint32_t i = 0; i < count; i++)
			keys[i] = at + i;
		if (bpf_map_update_batch(fd, keys, (const char *)values + (size_t)at * value_size,
					 &count, NULL))
			err = -errno;
	}
	free(keys);
	return err;
}

static int fill_text(int fd, const struct fw_ruleset *rs, struct fw_rule_base *base,
		     uint32_t *text_len)
{
	size_t len = 0, cap = 4096;
	char *all = malloc(cap);
	int err = 0;

	if (!all)
		return -ENOMEM;
	for (int i = 0; i < rs->n; i++) {
		char *t = fw_rule_text(&rs->rules[i]);
		size_t n;

		if (!t) {
			err = -ENOMEM;
			goto out;
		}
		n = strlen(t);
		while (len + n + 1 > cap) {
			char *na = realloc(all, cap *= 2);

			if (!na) {
				free(t);
				err = -ENOMEM;
				goto out;
			}
			all = na;
		}
		base[i].text_off = len;
		base[i].text_len = n;
		memcpy(all + len, t, n);
		all[len + n] = '\n';
		len += n + 1;
		free(t);
	}
	*text_len = len;
	if (len) {
		uint32_t chunks = (len + FW_TEXT_CHUNK - 1) / FW_TEXT_CHUNK;
		char *padded = realloc(all, (size_t)chunks * FW_TEXT_CHUNK);

		if (!padded) {
			err = -ENOMEM;
			goto out;
		}
		all = padded;
		memset(all + len, 0, (size_t)chunks * FW_TEXT_CHUNK - len);
		err = batch_fill(fd, all, chunks, FW_TEXT_CHUNK);
	}
out:
	free(all);
	return err;
}

static uint32_t at_least_one(uint32_t n)
{
	return n ? n : 1;
}

/* Is node N part of a trie's first level (copied to fw_trie_top)? */
static bool trie_is_top(const struct fw_compiled *c, uint32_t n)
{
	for (int t = 0; t < FW_TRIES; t++)
		if (c->trie_depth[t] && n >= c->trie_root[t] && n < c->trie_root[t] + FW_TRIE_STRIDE)
			return true;
	return false;
}

/* The trie nodes below the first level, which fw_trie1 would hold. */
static uint32_t trie1_nodes(const struct fw_compiled *c)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < (uint32_t)c->trie_nodes; i++)
		n += !trie_is_top(c, i);
	return n;
}

/*
 * Copy the nodes below the first level into fw_trie1, numbered from 0 in
 * their order, and point every child entry, fw_trie_top's too, at the new
 * numbers. The caller checked that they fit.
 */
static int trie1_fill(struct xdp_fw *skel, const struct fw_compiled *c)
{
	uint32_t *renum = calloc(c->trie_nodes, sizeof(*renum)), n = 0;
	uint32_t *e;

	if (!renum)
		return -ENOMEM;
	for (uint32_t i = 0; i < (uint32_t)c->trie_nodes; i++)
		if (!trie_is_top(c, i)) {
			renum[i] = n;
			memcpy(&skel->bss->fw_trie1[(size_t)n++ * FW_TRIE_STRIDE],
			       c->trie + (size_t)i * FW_TRIE_STRIDE, FW_TRIE_STRIDE * sizeof(*e));
		}
	for (size_t i = 0; i < (size_t)n * FW_TRIE_STRIDE; i++) {
		e = &skel->bss->fw_trie1[i];
		if (*e & FW_TRIE_CHILD)
			*e = FW_TRIE_CHILD | renum[*e & ~FW_TRIE_CHILD];
	}
	for (int t = 0; t < FW_TRIES; t++)
		for (size_t i = 0; i < FW_TRIE_STRIDE * 256; i++) {
			e = &skel->bss->fw_trie_top[t][i];
			if (*e & FW_TRIE_CHILD)
				*e = FW_TRIE_CHILD | renum[*e & ~FW_TRIE_CHILD];
		}
	free(renum);
	return 0;
}

/*
 * The fw_words path, for a rule set the rule-word path does not take (more
 * than 64 rules, or tries too big for fw_trie1) with at most FW_FOLD_BITMAPS
 * bitmaps: size fw_words for the bitmaps, a power of two of them, each
 * FW_WORDS words, so that the program indexes it with constant shifts.
 * Before load. Returns whether the path is on.
 */
static bool words_setup(struct xdp_fw *skel, const struct fw_compiled *c)
{
	uint32_t cap = 1;

	if (skel->rodata->fw_word1_n || c->nbitmaps > FW_FOLD_BITMAPS)
		return false;
	while (cap < (uint32_t)c->nbitmaps)
		cap *= 2;
	if (bpf_map__set_value_size(skel->maps.fw_words, cap * FW_WORDS * sizeof(__u64)))
		return false;
	skel->rodata->fw_words_on = 1;
	skel->rodata->fw_words_mask = cap - 1;
	return true;
}

/*
 * Fill the fw_words path's tables, once loaded: the rule words, the
 * summaries, and the protocol class folded with every bitmap (only the
 * source prefix ones are read): the two summaries ANDed, or, when they leave
 * one word, that word's index and the two words ANDed.
 */
static int words_fill(struct xdp_fw *skel, const struct fw_compiled *c)
{
	uint32_t size = bpf_map__value_size(skel->maps.fw_words), key = 0;
	int err = 0;
	__u64 *v = calloc(1, size);

	if (!v)
		return -ENOMEM;
	for (int b = 0; b < c->nbitmaps; b++) {
		const struct fw_bitmap *x = &c->bitmaps[b];

		memcpy(&v[(size_t)b * FW_WORDS], x->word, c->nwords * sizeof(__u64));
		for (int p = 0; p < FW_PROTO_MAX; p++) {
			const struct fw_bitmap *pb = &c->bitmaps[FW_BM_PROTO + p];
			__u64 sum = pb->summary[p] & x->summary[p];
			int w = FW_WORDS;

			if (c->nwords == 1 || (sum && !(sum & (sum - 1)))) {
				w = c->nwords == 1 ? 0 : __builtin_ctzll(sum);
				sum = pb->word[w] & x->word[w];
			}
			skel->bss->fw_sum[p][b] = x->summary[p];
			skel->bss->fw_src[b].sum[p] = sum;
			skel->bss->fw_src[b].word[p] = w;
			if (w < FW_WORDS && (sum & -sum & c->done[FW_STAGE_SRC][w]))
				skel->bss->fw_src[b].done |= 1u << p;
		}
	}
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.fw_words), &key, v, BPF_ANY))
		err = -errno;
	free(v);
	return err;
}

int fw_gen_load(struct xdp_fw **out, const struct fw_ruleset *rs, const struct fw_compiled *c,
		int slot, const int *shared_fds, const uint64_t *bases, uint64_t generation)
{
	struct fw_rule_base *base = NULL;
	struct fw_info info = {};
	struct xdp_fw *skel;
	uint32_t key = 0, text_chunks = 1;
	int err;

	*out = NULL;
	skel = xdp_fw__open();
	if (!skel)
		return -errno;
	skel->rodata->ecbpf_slot = slot;
	skel->rodata->fw_active = c->active;
	skel->rodata->fw_nwords = c->nwords;
	/* Word-major, so the masks of one word share a cache line. */
	for (int w = 0; w < FW_WORDS; w++)
		for (int k = 0; k < FW_STAGES; k++)
			((__u64 *)skel->rodata->fw_done)[w * FW_STAGES + k] = c->done[k][w];
	skel->rodata->fw_trie1_on = trie1_nodes(c) <= FW_TRIE1_NODES;
	/* The rule-word path walks fw_trie1 only. The last fw_word1 entry stays zero. */
	if (c->nwords == 1 && c->nbitmaps < FW_WORD1_MAX && skel->rodata->fw_trie1_on)
		skel->rodata->fw_word1_n = c->nbitmaps;
	for (int t = 0; t < FW_TRIES; t++)
		skel->rodata->fw_trie_depth[t] = c->trie_depth[t];
	for (int i = 0; i < rs->n; i++) {
		char *t = fw_rule_text(&rs->rules[i]);

		if (!t) {
			err = -ENOMEM;
			goto fail;
		}
		text_chunks += strlen(t) + 1;
		free(t);
	}
	text_chunks = text_chunks / FW_TEXT_CHUNK + 1;
	/* Not read on the fw_words path: one entry, left empty. */
	err = bpf_map__set_max_entries(skel->maps.fw_bitmaps,
				       words_setup(skel, c) ? 1 : c->nbitmaps);
	if (!err)
		/* Not read when the nodes are in fw_trie1: one node, left empty. */
		err = bpf_map__set_max_entries(skel->maps.fw_trie,
					       (skel->rodata->fw_trie1_on ? 1 : c->trie_nodes) *
						       FW_TRIE_STRIDE);
	if (!err) {
		/*
		 * One value of counters: 64 slots per rule word (fw_hit_slot()),
		 * a power of two of them for the program's mask.
		 */
		_Static_assert(FW_MAX_RULES * sizeof(uint64_t) <= 32768,
			       "fw_hits fits a per-CPU value (PCPU_MIN_UNIT_SIZE)");
		uint32_t m = 64;

		while (m < (uint32_t)rs->n)
			m <<= 1;
		skel->rodata->fw_hits_mask = m - 1;
		err = bpf_map__set_value_size(skel->maps.fw_hits, m * sizeof(uint64_t));
	}
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.fw_rule_base, at_least_one(rs->n));
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.fw_text, text_chunks);
	if (!err)
		err = ecbpf_slot_bind_fds(skel->obj, shared_fds);
	if (err) {
		ecbpf_log(ECBPF_WARN, "cannot load %s: %s", FW_PROG_NAME, strerror(-err));
		goto fail;
	}
	/* Logs its own line, with the verifier's first error if the kernel refuses xdp_fw. */
	err = ecbpf_skel_load(skel->skeleton);
	if (err)
		goto fail;

	base = calloc(at_least_one(rs->n), sizeof(*base));
	if (!base) {
		err = -ENOMEM;
		goto fail;
	}
	for (int i = 0; bases && i < rs->n; i++)
		base[i].hits = bases[i];
	info.generation = generation;
	info.loaded_at = time(NULL);
	info.nrules = rs->n;
	/* .bss is mapped into this process once loaded: the fixed-size tables are copies. */
	memcpy(skel->bss->fw_classes, c->classes, sizeof(skel->bss->fw_classes));
	for (uint32_t b = 0; b < skel->rodata->fw_word1_n; b++)
		skel->bss->fw_word1[b] = c->bitmaps[b].word[0];
	for (int t = 0; t < FW_TRIES; t++)
		if (c->trie_depth[t])
			memcpy(skel->bss->fw_trie_top[t],
			       c->trie + (size_t)c->trie_root[t] * FW_TRIE_STRIDE,
			       sizeof(skel->bss->fw_trie_top[t]));
	if (skel->rodata->fw_words_on)
		err = words_fill(skel, c);
	else
		err = batch_fill(bpf_map__fd(skel->maps.fw_bitmaps), c->bitmaps, c->nbitmaps,
				 sizeof(*c->bitmaps));
	if (!err && skel->rodata->fw_trie1_on)
		err = trie1_fill(skel, c);
	else if (!err)
		err = batch_fill(bpf_map__fd(skel->maps.fw_trie), c->trie,
				 c->trie_nodes * FW_TRIE_STRIDE, sizeof(*c->trie));
	if (!err)
		err = fill_text(bpf_map__fd(skel->maps.fw_text), rs, base, &info.text_len);
	if (!err && rs->n)
		err = batch_fill(bpf_map__fd(skel->maps.fw_rule_base), base, rs->n, sizeof(*base));
	if (!err && bpf_map_update_elem(bpf_map__fd(skel->maps.fw_info), &key, &info, BPF_ANY))
		err = -errno;
	free(base);
	if (err) {
		ecbpf_log(ECBPF_WARN, "cannot fill the %s maps: %s", FW_PROG_NAME, strerror(-err));
		goto fail;
	}
	*out = skel;
	return 0;
fail:
	xdp_fw__destroy(skel);
	return err;
}

int fw_gen_prog_fd(const struct xdp_fw *skel)
{
	return bpf_program__fd(skel->progs.xdp_fw);
}

void fw_gen_destroy(struct xdp_fw *skel)
{
	xdp_fw__destroy(skel);
}

/* ---- the live generation ------------------------------------------------ */

int fw_hits_read(int hits_fd, int n, uint64_t *out)
{
	struct bpf_map_info info = {};
	uint32_t info_len = sizeof(info), key = 0;
	int ncpus = ecbpf_ncpus();
	uint64_t *vals;
	size_t per;

	if (ncpus < 0)
		return ncpus;
	if (bpf_obj_get_info_by_fd(hits_fd, &info, &info_len))
		return -errno;
	/* One per-CPU value: the counters of every rule (fw_hit_slot()), CPU after CPU. */
	per = info.value_size / sizeof(*vals);
	if (info.max_entries != 1 || per < 64 || per % 64 || per < (size_t)n)
		return -EINVAL;
	vals = calloc((size_t)ncpus * per, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	if (bpf_map_lookup_elem(hits_fd, &key, vals)) {
		free(vals);
		return -errno;
	}
	for (int r = 0; r < n; r++) {
		out[r] = 0;
		for (int cpu = 0; cpu < ncpus; cpu++)
			out[r] += vals[(size_t)cpu * per + fw_hit_slot(r)];
	}
	free(vals);
	return 0;
}

void fw_live_free(struct fw_live *live)
{
	for (int i = 0; live->text && i < live->nrules; i++)
		free(live->text[i]);
	free(live->text);
	free(live->hits);
	free(live->percpu_at_read);
	if (live->hits_fd >= 0)
		close(live->hits_fd);
	if (live->base_fd >= 0)
		close(live->base_fd);
	memset(live, 0, sizeof(*live));
	live->hits_fd = live->base_fd = -1;
}

/* fds of the generation's maps, found through the program's map ids. */
static int prog_maps(uint32_t prog_id, int *info_fd, int *base_fd, int *text_fd, int *hits_fd)
{
	struct bpf_prog_info pinfo = {};
	uint32_t plen = sizeof(pinfo), ids[32] = {};
	int prog_fd = bpf_prog_get_fd_by_id(prog_id);

	*info_fd = *base_fd = *text_fd = *hits_fd = -1;
	if (prog_fd < 0)
		return -errno;
	pinfo.nr_map_ids = 32;
	pinfo.map_ids = (uint64_t)(unsigned long)ids;
	if (bpf_obj_get_info_by_fd(prog_fd, &pinfo, &plen)) {
		close(prog_fd);
		return -errno;
	}
	close(prog_fd);
	for (uint32_t i = 0; i < pinfo.nr_map_ids && i < 32; i++) {
		struct bpf_map_info minfo = {};
		uint32_t mlen = sizeof(minfo);
		int fd = bpf_map_get_fd_by_id(ids[i]);
		int *slot = NULL;

		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &minfo, &mlen)) {
			if (!strcmp(minfo.name, "fw_info"))
				slot = info_fd;
			else if (!strcmp(minfo.name, "fw_rule_base"))
				slot = base_fd;
			else if (!strcmp(minfo.name, "fw_text"))
				slot = text_fd;
			else if (!strcmp(minfo.name, "fw_hits"))
				slot = hits_fd;
		}
		if (slot && *slot < 0)
			*slot = fd;
		else
			close(fd);
	}
	return *info_fd >= 0 && *base_fd >= 0 && *text_fd >= 0 && *hits_fd >= 0 ? 0 : -ENOENT;
}

int fw_live_read(const struct ecbpf_iface *ifc, struct fw_live *live)
{
	int info_fd, text_fd, err;
	struct ecbpf_prog_info pi;
	uint32_t key = 0, chunks;
	char *text = NULL;

	memset(live, 0, sizeof(*live));
	live->hits_fd = live->base_fd = -1;
	live->slot = ecbpf_slot_find(ifc, FW_PROG_NAME);
	if (live->slot < 0)
		return -ENOENT;
	err = ecbpf_slot_info(ifc, live->slot, &pi);
	if (err)
		return err;
	live->prog_id = pi.id;
	err = prog_maps(pi.id, &info_fd, &live->base_fd, &text_fd, &live->hits_fd);
	if (err) {
		ecbpf_log(ECBPF_WARN, "%s: program %u in slot %d has no xdp_fw maps", ifc->name,
			  pi.id, live->slot);
		goto out;
	}
	if (bpf_map_lookup_elem(info_fd, &key, &live->info)) {
		err = -errno;
		goto out;
	}
	live->nrules = live->info.nrules;
	live->text = calloc(at_least_one(live->nrules), sizeof(*live->text));
	live->hits = calloc(at_least_one(live->nrules), sizeof(*live->hits));
	live->percpu_at_read = calloc(at_least_one(live->nrules), sizeof(uint64_t));
	chunks = (live->info.text_len + FW_TEXT_CHUNK - 1) / FW_TEXT_CHUNK;
	text = calloc((size_t)chunks + 1, FW_TEXT_CHUNK);
	if (!live->text || !live->hits || !live->percpu_at_read || !text) {
		err = -ENOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < chunks; i++)
		if (bpf_map_lookup_elem(text_fd, &i, text + (size_t)i * FW_TEXT_CHUNK)) {
			err = -errno;
			goto out;
		}
	err = fw_hits_read(live->hits_fd, live->nrules, live->percpu_at_read);
	for (uint32_t r = 0; !err && r < (uint32_t)live->nrules; r++) {
		struct fw_rule_base b;

		if (bpf_map_lookup_elem(live->base_fd, &r, &b)) {
			err = -errno;
			break;
		}
		if ((uint64_t)b.text_off + b.text_len > live->info.text_len) {
			err = -EINVAL;
			break;
		}
		live->text[r] = strndup(text + b.text_off, b.text_len);
		if (!live->text[r]) {
			err = -ENOMEM;
			break;
		}
		live->hits[r] = b.hits + live->percpu_at_read[r];
	}
out:
	free(text);
	if (info_fd >= 0)
		close(info_fd);
	if (text_fd >= 0)
		close(text_fd);
	if (err)
		fw_live_free(live);
	return err;
}

/* ---- install ------------------------------------------------------------ */

static int shared_fds_open(const struct ecbpf_iface *ifc, int *fds)
{
	for (int i = 0; i < ECBPF_SHARED_MAPS_N; i++)
		fds[i] = -1;
	for (int i = 0; i < ECBPF_SHARED_MAPS_N; i++) {
		fds[i] = ecbpf_root_map_fd(ifc, ecbpf_shared_maps[i]);
		if (fds[i] < 0) {
			int err = fds[i];

			ecbpf_log(ECBPF_WARN,
				  "%s: root map %s missing: run 'xdp_root_loader --attach --interface %s' first",
				  ifc->name, ecbpf_shared_maps[i], ifc->name);
			return err;
		}
	}
	return 0;
}

static void shared_fds_close(int *fds)
{
	for (int i = 0; i < ECBPF_SHARED_MAPS_N; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/* Hits of the old rule with the same canonical text, for each new rule. */
static int carry_hits(const struct fw_live *old, const struct fw_ruleset *rs, uint64_t *bases,
		      int *from)
{
	for (int i = 0; i < rs->n; i++) {
		char *t = fw_rule_text(&rs->rules[i]);

		if (!t)
			return -ENOMEM;
		from[i] = -1;
		for (int o = 0; old && o < old->nrules; o++) {
			if (old->text[o] && !strcmp(old->text[o], t)) {
				bool taken = false;

				/* Identical rules: each old counter goes to one new rule. */
				for (int k = 0; k < i && !taken; k++)
					taken = from[k] == o;
				if (taken)
					continue;
				from[i] = o;
				bases[i] = old->hits[o];
				break;
			}
		}
		free(t);
	}
	return 0;
}

int fw_install(struct ecbpf_iface *ifc, const struct fw_ruleset *rs, const struct fw_compiled *c,
	       int slot, bool update_only, int monitor)
{
	int fds[ECBPF_SHARED_MAPS_N], *from = NULL, err;
	uint64_t *bases = NULL, *after = NULL, gen = 1;
	struct fw_live old;
	bool have_old;
	struct xdp_fw *skel = NULL;

	err = ecbpf_iface_lock(ifc);
	if (err)
		return err;
	err = shared_fds_open(ifc, fds);
	if (err)
		goto out_unlock;
	err = fw_live_read(ifc, &old);
	have_old = !err;
	if (err && err != -ENOENT)
		goto out;
	if (!have_old && update_only) {
		ecbpf_log(ECBPF_WARN, "%s: %s is not attached: use --attach", ifc->name,
			  FW_PROG_NAME);
		err = -ENOENT;
		goto out;
	}
	if (have_old) {
		if (old.slot != slot && update_only)
			slot = old.slot;	/* --update keeps the slot the rules run in */
		else if (old.slot != slot) {
			ecbpf_log(ECBPF_WARN, "%s: %s already runs in slot %d: detach it first",
				  ifc->name, FW_PROG_NAME, old.slot);
			err = -EBUSY;
			goto out;
		}
		gen = old.info.generation + 1;
	}
	bases = calloc(at_least_one(rs->n), sizeof(*bases));
	from = calloc(at_least_one(rs->n), sizeof(*from));
	if (!bases || !from) {
		err = -ENOMEM;
		goto out;
	}
	err = carry_hits(have_old ? &old : NULL, rs, bases, from);
	if (!err)
		err = fw_gen_load(&skel, rs, c, slot, fds, bases, gen);
	if (err)
		goto out;
	if (monitor == 1) {
		/* Before the swap: the new rules must not drop a single packet. */
		err = ecbpf_set_monitor(ifc, slot, true);
		if (err)
			goto out;
	}
	err = ecbpf_slot_attach(ifc, slot, fw_gen_prog_fd(skel), 0);
	if (err)
		goto out;
	if (monitor == 0 || (monitor < 0 && !have_old))
		err = ecbpf_set_monitor(ifc, slot, false);
	/*
	 * Packets the old generation counted between our read and the swap:
	 * add them to the new bases (user space is the only writer of those).
	 * XDP runs under RCU; MEMBARRIER_CMD_GLOBAL waits for a grace period,
	 * so every run of the old program has finished before we read.
	 */
	if (have_old && old.nrules) {
		if (syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0))
			ecbpf_log(ECBPF_DEBUG, "membarrier: %s", strerror(errno));
		after = calloc(old.nrules, sizeof(*after));
		if (after && !fw_hits_read(old.hits_fd, old.nrules, after)) {
			int base_fd = bpf_map__fd(skel->maps.fw_rule_base);

			for (uint32_t i = 0; i < (uint32_t)rs->n; i++) {
				struct fw_rule_base b;
				int o = from[i];

				if (o < 0 || after[o] == old.percpu_at_read[o])
					continue;
				if (!bpf_map_lookup_elem(base_fd, &i, &b)) {
					b.hits += after[o] - old.percpu_at_read[o];
					bpf_map_update_elem(base_fd, &i, &b, BPF_EXIST);
				}
			}
		}
	}
	ecbpf_log(ECBPF_INFO, "%s: %s generation %llu with %d rules in slot %d", ifc->name,
		  FW_PROG_NAME, (unsigned long long)gen, rs->n, slot);
out:
	if (have_old)
		fw_live_free(&old);
	fw_gen_destroy(skel);
	free(bases);
	free(from);
	free(after);
	shared_fds_close(fds);
out_unlock:
	ecbpf_iface_unlock(ifc);
	return err;
}

int fw_uninstall(struct ecbpf_iface *ifc)
{
	int slot, err;

	err = ecbpf_iface_lock(ifc);
	if (err)
		return err;
	slot = ecbpf_slot_find(ifc, FW_PROG_NAME);
	if (slot < 0) {
		ecbpf_log(ECBPF_WARN, "%s: %s is not attached", ifc->name, FW_PROG_NAME);
		err = slot;
		goto out;
	}
	err = ecbpf_slot_detach(ifc, slot, FW_PROG_NAME);
	if (!err)
		err = ecbpf_set_monitor(ifc, slot, false);
	if (!err)
		ecbpf_log(ECBPF_INFO, "%s: %s removed from slot %d", ifc->name, FW_PROG_NAME, slot);
out:
	ecbpf_iface_unlock(ifc);
	return err;
}
