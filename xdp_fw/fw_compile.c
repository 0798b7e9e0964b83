// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * Rule compiler. Each selector is split into classes of values that the same
 * rules accept; each class gets the bitmap of those rules. Rules that do not
 * constrain a selector have their bit set in every one of its bitmaps.
 *
 * Prefixes: the bitmap of a prefix holds the rules of every listed prefix
 * that contains it, so a shorter prefix or "any" in a later rule still
 * matches an address under a longer prefix of an earlier rule. A multibit
 * trie (prefix expansion, 16 bits then 8 per level) then maps an address to the bitmap of its
 * longest listed prefix, with plain array reads in the kernel.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include "fw_compile.h"

typedef __u64 bits_t[FW_WORDS];

static inline void bit_set(__u64 *b, int r)
{
	b[r / 64] |= 1ULL << (r % 64);
}

/* ---- bitmap interning --------------------------------------------------- */

static __u64 bm_hash(const __u64 *w, int n)
{
	__u64 h = 0x9e3779b97f4a7c15ULL;

	for (int i = 0; i < n; i++) {
		h ^= w[i];
		h *= 0xff51afd7ed558ccdULL;
		h ^= h >> 33;
	}
	return h;
}

static int hash_grow(struct fw_compiled *c)
{
	uint32_t cap = c->hash_cap ? 2 * c->hash_cap : 1024;
	uint32_t *h = malloc(cap * sizeof(*h));

	if (!h)
		return -ENOMEM;
	memset(h, 0xff, cap * sizeof(*h));
	for (int i = 0; i < c->nbitmaps; i++) {
		uint32_t s = bm_hash(c->bitmaps[i].word, c->nwords) & (cap - 1);

		while (h[s] != UINT32_MAX)
			s = (s + 1) & (cap - 1);
		h[s] = i;
	}
	free(c->hash);
	c->hash = h;
	c->hash_cap = cap;
	return 0;
}

/*
 * Index of the stored bitmap equal to W (stored now if new), or a negative
 * errno. FRESH stores W at the next index even if an equal one exists.
 */
static int64_t store(struct fw_compiled *c, const __u64 *w, bool fresh)
{
	size_t bytes = c->nwords * sizeof(__u64);
	struct fw_bitmap *b;
	uint32_t s;

	if ((uint32_t)c->nbitmaps * 2 >= c->hash_cap && hash_grow(c))
		return -ENOMEM;
	s = bm_hash(w, c->nwords) & (c->hash_cap - 1);
	for (; c->hash[s] != UINT32_MAX; s = (s + 1) & (c->hash_cap - 1))
		if (!fresh && !memcmp(c->bitmaps[c->hash[s]].word, w, bytes))
			return c->hash[s];
	if (c->nbitmaps == c->bitmaps_cap) {
		int cap = c->bitmaps_cap ? 2 * c->bitmaps_cap : 256;
		struct fw_bitmap *nb = realloc(c->bitmaps, cap * sizeof(*nb));

		if (!nb)
			return -ENOMEM;
		c->bitmaps = nb;
		c->bitmaps_cap = cap;
	}
	b = &c->bitmaps[c->nbitmaps];
	memset(b, 0, sizeof(*b));
	memcpy(b->word, w, bytes);
	for (int p = 0; p < FW_PROTO_MAX; p++)
		for (int i = 0; i < c->nwords; i++)
			if (w[i] & c->proto_bits[p][i])
				b->summary[p] |= 1ULL << i;
	c->hash[s] = c->nbitmaps;
	return c->nbitmaps++;
}

static int64_t intern(struct fw_compiled *c, const __u64 *w)
{
	return store(c, w, false);
}

/* ---- value selectors ---------------------------------------------------- */

/* The ranges rule R accepts for a value selector; n = 0 means it does not constrain it. */
struct ranges {
	int n;
	const struct fw_range *v;
	struct fw_range one;
};

typedef void (*ranges_fn)(const struct fw_rule *r, struct ranges *out);

static void single(int value, struct ranges *out)
{
	if (value >= 0) {
		out->one.lo = out->one.hi = value;
		out->v = &out->one;
		out->n = 1;
	}
}

static void r_len(const struct fw_rule *r, struct ranges *o) { single(r->length, o); }
static void r_ttl(const struct fw_rule *r, struct ranges *o) { single(r->ttl, o); }

static void r_sport(const struct fw_rule *r, struct ranges *o)
{
	if (r->clauses & (FW_C_TCP | FW_C_UDP) && !r->sport.any) {
		o->n = r->sport.n;
		o->v = r->sport.v;
	}
}

static void r_dport(const struct fw_rule *r, struct ranges *o)
{
	if (r->clauses & (FW_C_TCP | FW_C_UDP) && !r->dport.any) {
		o->n = r->dport.n;
		o->v = r->dport.v;
	}
}

static void r_window(const struct fw_rule *r, struct ranges *o)
{
	if (r->clauses & FW_C_TCP)
		single(r->window, o);
}

static void r_type(const struct fw_rule *r, struct ranges *o)
{
	if (r->clauses & (FW_C_ICMP | FW_C_ICMP6))
		single(r->icmp_type, o);
}

static void r_code(const struct fw_rule *r, struct ranges *o)
{
	if (r->clauses & (FW_C_ICMP | FW_C_ICMP6))
		single(r->icmp_code, o);
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Index of the segment that holds VALUE: the last start <= VALUE. */
static int seg_find(const uint32_t *starts, int n, uint32_t value)
{
	int lo = 0, hi = n - 1;

	while (lo < hi) {
		int mid = (lo + hi + 1) / 2;

		if (starts[mid] <= value)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

/*
 * A selector over values 0..DOMAIN-1: cut the domain at every range edge,
 * give each segment the bitmap of the rules that accept it, and point every
 * value of the segment at that bitmap.
 */
static int build_values(struct fw_compiled *c, const struct fw_ruleset *rs, int sel,
			uint32_t offset, uint32_t domain, ranges_fn get)
{
	uint32_t *starts = NULL;
	__u64 *seg = NULL;
	int nstarts = 0, cap = 64, err = -ENOMEM;
	bits_t base = {};

	starts = malloc(cap * sizeof(*starts));
	if (!starts)
		goto out;
	starts[nstarts++] = 0;
	for (int r = 0; r < rs->n; r++) {
		struct ranges rg = {};

		get(&rs->rules[r], &rg);
		if (!rg.n) {
			bit_set(base, r);
			continue;
		}
		c->active |= 1u << sel;
		if (nstarts + 2 * rg.n > cap) {
			uint32_t *ns;

			cap = 2 * (nstarts + 2 * rg.n);
			ns = realloc(starts, cap * sizeof(*ns));
			if (!ns)
				goto out;
			starts = ns;
		}
		for (int i = 0; i < rg.n; i++) {
			starts[nstarts++] = rg.v[i].lo;
			if (rg.v[i].hi + 1u < domain)
				starts[nstarts++] = rg.v[i].hi + 1u;
		}
	}
	qsort(starts, nstarts, sizeof(*starts), u32_cmp);
	{
		int u = 0;

		for (int i = 0; i < nstarts; i++)
			if (!u || starts[i] != starts[u - 1])
				starts[u++] = starts[i];
		nstarts = u;
	}
	seg = malloc((size_t)nstarts * FW_WORDS * sizeof(__u64));
	if (!seg)
		goto out;
	for (int s = 0; s < nstarts; s++)
		memcpy(seg + (size_t)s * FW_WORDS, base, sizeof(base));
	for (int r = 0; r < rs->n; r++) {
		struct ranges rg = {};

		get(&rs->rules[r], &rg);
		for (int i = 0; i < rg.n; i++)
			for (int s = seg_find(starts, nstarts, rg.v[i].lo);
			     s < nstarts && starts[s] <= rg.v[i].hi; s++)
				bit_set(seg + (size_t)s * FW_WORDS, r);
	}
	for (int s = 0; s < nstarts; s++) {
		uint32_t end = s + 1 < nstarts ? starts[s + 1] : domain;
		int64_t idx = intern(c, seg + (size_t)s * FW_WORDS);

		if (idx < 0)
			goto out;
		for (uint32_t v = starts[s]; v < end; v++)
			c->classes[offset + v] = idx;
	}
	err = 0;
out:
	free(starts);
	free(seg);
	return err;
}

/* TCP flags: (flags & mask) == want, for each of the 256 flag bytes. */
static int build_flags(struct fw_compiled *c, const struct fw_ruleset *rs)
{
	for (int f = 0; f < 256; f++) {
		bits_t b = {};
		int64_t idx;

		for (int r = 0; r < rs->n; r++) {
			const struct fw_rule *rule = &rs->rules[r];

			if (!(rule->clauses & FW_C_TCP) || !rule->has_flags)
				bit_set(b, r);
			else if ((f & rule->mask) == rule->flags)
				bit_set(b, r);
			if ((rule->clauses & FW_C_TCP) && rule->has_flags)
				c->active |= 1u << FW_SEL_FLAGS;
		}
		idx = intern(c, b);
		if (idx < 0)
			return idx;
		c->classes[FW_CLS_FLAGS + f] = idx;
	}
	return 0;
}

int fw_proto_class(int family, int l4_proto)
{
	switch (l4_proto) {
	case IPPROTO_TCP:
		return family == 4 ? FW_PROTO_TCP4 : FW_PROTO_TCP6;
	case IPPROTO_UDP:
		return family == 4 ? FW_PROTO_UDP4 : FW_PROTO_UDP6;
	case IPPROTO_ICMP:
		return family == 4 ? FW_PROTO_ICMP4 : -1;
	case IPPROTO_ICMPV6:
		return family == 6 ? FW_PROTO_ICMP6 : -1;
	}
	return -1;
}

static bool rule_takes_proto(const struct fw_rule *r, int p)
{
	int family = p < FW_PROTO_TCP6 ? 4 : 6;

	if (r->family != family)
		return false;
	switch (p) {
	case FW_PROTO_TCP4:
	case FW_PROTO_TCP6:
		return r->clauses & FW_C_TCP;
	case FW_PROTO_UDP4:
	case FW_PROTO_UDP6:
		return r->clauses & FW_C_UDP;
	case FW_PROTO_ICMP4:
		return r->clauses & FW_C_ICMP;
	default:
		return r->clauses & FW_C_ICMP6;
	}
}

/*
 * Must run first: every stored bitmap's summaries use the protocol classes,
 * and the kernel finds class p's bitmap at index FW_BM_PROTO + p.
 */
static int build_proto(struct fw_compiled *c, const struct fw_ruleset *rs)
{
	for (int p = 0; p < FW_PROTO_MAX; p++)
		for (int r = 0; r < rs->n; r++)
			if (rule_takes_proto(&rs->rules[r], p))
				bit_set(c->proto_bits[p], r);
	for (int p = 0; p < FW_PROTO_MAX; p++) {
		int64_t idx = store(c, c->proto_bits[p], true);

		if (idx < 0)
			return idx;
	}
	c->active |= 1u << FW_SEL_PROTO;
	return 0;
}

/* ---- prefix selectors --------------------------------------------------- */

struct pfx_entry {
	struct fw_prefix p;
	int rule;
	uint32_t bm;		/* bitmap index, once computed */
};

static int pfx_cmp(const void *a, const void *b)
{
	const struct pfx_entry *x = a, *y = b;
	int c = memcmp(x->p.addr, y->p.addr, 16);

	if (c)
		return c;
	if (x->p.len != y->p.len)
		return (int)x->p.len - (int)y->p.len;
	return x->rule - y->rule;
}

static int pfx_len_cmp(const void *a, const void *b)
{
	const struct pfx_entry *x = a, *y = b;

	return (int)x->p.len - (int)y->p.len;
}

static bool contains(const struct fw_prefix *a, const struct fw_prefix *b)
{
	int full = a->len / 8, rest = a->len % 8;

	if (a->len > b->len || memcmp(a->addr, b->addr, full))
		return false;
	return !rest || !((a->addr[full] ^ b->addr[full]) & (0xff00 >> rest));
}

static int64_t trie_node_new(struct fw_compiled *c, uint32_t fill)
{
	if (c->trie_nodes == c->trie_cap) {
		int cap = c->trie_cap ? 2 * c->trie_cap : 16;
		uint32_t *nt = realloc(c->trie, (size_t)cap * FW_TRIE_STRIDE * sizeof(*nt));

		if (!nt)
			return -ENOMEM;
		c->trie = nt;
		c->trie_cap = cap;
	}
	for (int i = 0; i < FW_TRIE_STRIDE; i++)
		c->trie[(size_t)c->trie_nodes * FW_TRIE_STRIDE + i] = fill;
	return c->trie_nodes++;
}

/*
 * Write a prefix's bitmap index into the trie; prefixes arrive shortest
 * first, so what they cover is still leaves. Level 0 covers address bytes
 * 0-1 (65536 entries: FW_TRIE_STRIDE consecutive nodes from the root),
 * every further level one byte: a /24 is two lookups, a /32 three.
 */
static int trie_insert(struct fw_compiled *c, uint32_t root, const struct fw_prefix *p,
		       uint32_t bm, uint32_t *depth)
{
	int level = p->len <= 16 ? 0 : (p->len - 17) / 8 + 1;
	uint32_t a16 = (uint32_t)p->addr[0] << 8 | p->addr[1];
	size_t at = (size_t)root * FW_TRIE_STRIDE + a16;
	uint32_t span = 1u << (16 + 8 * level - p->len), start;

	if (!level) {
		start = a16 & ~(span - 1);
		at = (size_t)root * FW_TRIE_STRIDE + start;
	}
	for (int j = 1; j <= level; j++) {
		uint32_t e = c->trie[at];

		if (!(e & FW_TRIE_CHILD)) {
			int64_t child = trie_node_new(c, e);

			if (child < 0)
				return child;
			e = FW_TRIE_CHILD | child;
			c->trie[at] = e;
		}
		start = p->addr[1 + j];
		if (j == level)
			start &= ~(span - 1);
		at = (size_t)(e & ~FW_TRIE_CHILD) * FW_TRIE_STRIDE + start;
	}
	for (uint32_t i = 0; i < span; i++)
		c->trie[at + i] = bm;
	if (*depth < (uint32_t)level + 1)
		*depth = level + 1;
	return 0;
}

static const struct fw_prefixes *rule_prefixes(const struct fw_rule *r, int sel)
{
	return sel == FW_SEL_SRC4 || sel == FW_SEL_SRC6 ? &r->src : &r->dst;
}

static int build_prefixes(struct fw_compiled *c, const struct fw_ruleset *rs, int sel)
{
	int family = sel == FW_SEL_SRC4 || sel == FW_SEL_DST4 ? 4 : 6;
	int t = sel - FW_SEL_FIRST_TRIE, n = 0, cap = 0, err = -ENOMEM, top = 0;
	struct pfx_entry *e = NULL;
	__u64 *stack = NULL;
	struct fw_prefix *stack_p = NULL;
	bits_t base = {};
	int64_t base_idx, root;

	for (int r = 0; r < rs->n; r++) {
		const struct fw_prefixes *ps = rule_prefixes(&rs->rules[r], sel);

		if (rs->rules[r].family != family || ps->any || !ps->n) {
			bit_set(base, r);
			continue;
		}
		for (int i = 0; i < ps->n; i++) {
			if (n == cap) {
				struct pfx_entry *ne;

				cap = cap ? 2 * cap : 64;
				ne = realloc(e, cap * sizeof(*ne));
				if (!ne)
					goto out;
				e = ne;
			}
			e[n].p = ps->v[i];
			e[n++].rule = r;
		}
	}
	c->trie_depth[t] = 0;
	if (!n) {
		err = 0;
		goto out;
	}
	c->active |= 1u << sel;
	qsort(e, n, sizeof(*e), pfx_cmp);
	/* Walk in address order with a stack of containing prefixes and their bitmaps. */
	stack = malloc((size_t)130 * FW_WORDS * sizeof(__u64));
	stack_p = malloc(130 * sizeof(*stack_p));
	if (!stack || !stack_p)
		goto out;
	for (int i = 0; i < n;) {
		int j = i;
		__u64 *cur;
		int64_t idx;

		while (top && !contains(&stack_p[top - 1], &e[i].p))
			top--;
		cur = stack + (size_t)top * FW_WORDS;
		memcpy(cur, top ? cur - FW_WORDS : base, sizeof(bits_t));
		for (; j < n && e[j].p.len == e[i].p.len && !memcmp(e[j].p.addr, e[i].p.addr, 16); j++)
			bit_set(cur, e[j].rule);
		stack_p[top++] = e[i].p;
		idx = intern(c, cur);
		if (idx < 0)
			goto out;
		for (int k = i; k < j; k++)
			e[k].bm = idx;
		i = j;
	}
	base_idx = intern(c, base);
	if (base_idx < 0)
		goto out;
	/* The root spans FW_TRIE_STRIDE consecutive nodes: 16 bits of address. */
	root = trie_node_new(c, base_idx);
	for (int i = 1; root >= 0 && i < FW_TRIE_STRIDE; i++)
		if (trie_node_new(c, base_idx) < 0)
			root = -ENOMEM;
	if (root < 0)
		goto out;
	c->trie_root[t] = root;
	qsort(e, n, sizeof(*e), pfx_len_cmp);
	for (int i = 0; i < n; i++) {
		if (i && e[i].p.len == e[i - 1].p.len && !memcmp(e[i].p.addr, e[i - 1].p.addr, 16))
			continue;
		err = trie_insert(c, root, &e[i].p, e[i].bm, &c->trie_depth[t]);
		if (err)
			goto out;
	}
	err = 0;
out:
	free(e);
	free(stack);
	free(stack_p);
	return err;
}

/* ---- compile ------------------------------------------------------------ */

void fw_compiled_free(struct fw_compiled *c)
{
	free(c->classes);
	free(c->bitmaps);
	free(c->trie);
	free(c->hash);
	memset(c, 0, sizeof(*c));
}

int fw_compile(const struct fw_ruleset *rs, struct fw_compiled *c)
{
	int err;

	memset(c, 0, sizeof(*c));
	if (rs->n > FW_MAX_RULES)
		return -E2BIG;
	c->nrules = rs->n;
	c->nwords = rs->n ? (rs->n + 63) / 64 : 1;
	for (int r = 0; r < rs->n; r++) {
		const struct fw_rule *ru = &rs->rules[r];

		bool icmp = ru->clauses & (FW_C_ICMP | FW_C_ICMP6);
		bool l4a = icmp ? ru->icmp_type >= 0 : !ru->dport.any && ru->dport.n;
		bool l4b = icmp ? ru->icmp_code >= 0 : !ru->sport.any && ru->sport.n;
		static const uint8_t after[FW_STAGES] = {
			[FW_STAGE_SRC] = FW_LATE_AFTER_SRC, [FW_STAGE_L4A] = FW_LATE_AFTER_L4A,
			[FW_STAGE_L4] = FW_LATE_AFTER_L4, [FW_STAGE_DST] = FW_LATE_AFTER_DST,
		};

		c->late[r] = (!ru->dst.any && ru->dst.n ? FW_LATE_DST : 0) |
			     (ru->ttl >= 0 ? FW_LATE_TTL : 0) | (ru->length >= 0 ? FW_LATE_LEN : 0) |
			     (l4a ? FW_LATE_L4A : 0) | (l4b ? FW_LATE_L4B : 0) |
			     (ru->has_flags ? FW_LATE_FLAGS : 0) | (ru->window >= 0 ? FW_LATE_WINDOW : 0);
		for (int k = 0; k < FW_STAGES; k++)
			if (!(c->late[r] & after[k]))
				c->done[k][r / 64] |= 1ULL << (r % 64);
	}
	c->classes = calloc(FW_CLS_ENTRIES, sizeof(*c->classes));
	if (!c->classes)
		return -ENOMEM;
	err = build_proto(c, rs);
	if (!err)
		err = build_values(c, rs, FW_SEL_LEN, FW_CLS_LEN, 65536, r_len);
	if (!err)
		err = build_values(c, rs, FW_SEL_TTL, FW_CLS_TTL, 256, r_ttl);
	if (!err)
		err = build_values(c, rs, FW_SEL_SPORT, FW_CLS_SPORT, 65536, r_sport);
	if (!err)
		err = build_values(c, rs, FW_SEL_DPORT, FW_CLS_DPORT, 65536, r_dport);
	if (!err)
		err = build_values(c, rs, FW_SEL_WINDOW, FW_CLS_WINDOW, 65536, r_window);
	if (!err)
		err = build_flags(c, rs);
	if (!err)
		err = build_values(c, rs, FW_SEL_TYPE, FW_CLS_TYPE, 256, r_type);
	if (!err)
		err = build_values(c, rs, FW_SEL_CODE, FW_CLS_CODE, 256, r_code);
	for (int s = FW_SEL_FIRST_TRIE; !err && s < FW_SEL_MAX; s++)
		err = build_prefixes(c, rs, s);
	if (!err && !c->trie_nodes) {
		/* The kernel map needs one entry even when no rule names a prefix. */
		int64_t n = trie_node_new(c, 0);

		err = n < 0 ? n : 0;
	}
	if (err)
		fw_compiled_free(c);
	return err;
}

/* ---- evaluation (tests, --validate --explain) --------------------------- */

static const struct fw_bitmap *class_bm(const struct fw_compiled *c, uint32_t off)
{
	return &c->bitmaps[c->classes[off]];
}

static const struct fw_bitmap *trie_bm(const struct fw_compiled *c, int t, const uint8_t *a)
{
	uint32_t e = c->trie[(size_t)c->trie_root[t] * FW_TRIE_STRIDE + (a[0] << 8 | a[1])];

	for (uint32_t j = 1; j < c->trie_depth[t] && (e & FW_TRIE_CHILD); j++)
		e = c->trie[(size_t)(e & ~FW_TRIE_CHILD) * FW_TRIE_STRIDE + a[1 + j]];
	return &c->bitmaps[e];
}

int fw_compiled_match(const struct fw_compiled *c, const struct fw_fields *f)
{
	const struct fw_bitmap *b[FW_SEL_MAX];
	int p = fw_proto_class(f->family, f->proto), n = 0;
	__u64 sum = ~0ULL;

	if (p < 0)
		return -1;
	b[n++] = &c->bitmaps[FW_BM_PROTO + p];
	if (c->active & (1u << FW_SEL_LEN))
		b[n++] = class_bm(c, FW_CLS_LEN + (f->len > 65535 ? 65535 : f->len));
	if (c->active & (1u << FW_SEL_TTL))
		b[n++] = class_bm(c, FW_CLS_TTL + f->ttl);
	for (int s = FW_SEL_FIRST_TRIE; s < FW_SEL_MAX; s++) {
		bool v4 = s == FW_SEL_SRC4 || s == FW_SEL_DST4;
		bool src = s == FW_SEL_SRC4 || s == FW_SEL_SRC6;

		if ((c->active & (1u << s)) && v4 == (f->family == 4))
			b[n++] = trie_bm(c, s - FW_SEL_FIRST_TRIE, src ? f->src : f->dst);
	}
	if (f->proto == IPPROTO_TCP || f->proto == IPPROTO_UDP) {
		if (c->active & (1u << FW_SEL_SPORT))
			b[n++] = class_bm(c, FW_CLS_SPORT + f->sport);
		if (c->active & (1u << FW_SEL_DPORT))
			b[n++] = class_bm(c, FW_CLS_DPORT + f->dport);
	}
	if (f->proto == IPPROTO_TCP) {
		if (c->active & (1u << FW_SEL_WINDOW))
			b[n++] = class_bm(c, FW_CLS_WINDOW + f->window);
		if (c->active & (1u << FW_SEL_FLAGS))
			b[n++] = class_bm(c, FW_CLS_FLAGS + f->flags);
	} else if (f->proto != IPPROTO_UDP) {
		if (c->active & (1u << FW_SEL_TYPE))
			b[n++] = class_bm(c, FW_CLS_TYPE + f->type);
		if (c->active & (1u << FW_SEL_CODE))
			b[n++] = class_bm(c, FW_CLS_CODE + f->code);
	}
	for (int i = 0; i < n; i++)
		sum &= b[i]->summary[p];
	while (sum) {
		int w = __builtin_ctzll(sum);
		__u64 word = ~0ULL;

		for (int i = 0; i < n; i++)
			word &= b[i]->word[w];
		if (word)
			return w * 64 + __builtin_ctzll(word);
		sum &= sum - 1;
	}
	return -1;
}

static bool prefixes_match(const struct fw_prefixes *ps, const uint8_t *addr)
{
	struct fw_prefix a = { .len = 128 };

	if (ps->any || !ps->n)
		return true;
	memcpy(a.addr, addr, 16);
	for (int i = 0; i < ps->n; i++)
		if (contains(&ps->v[i], &a))
			return true;
	return false;
}

static bool ports_match(const struct fw_ports *ps, uint16_t port)
{
	if (ps->any || !ps->n)
		return true;
	for (int i = 0; i < ps->n; i++)
		if (port >= ps->v[i].lo && port <= ps->v[i].hi)
			return true;
	return false;
}

bool fw_rule_matches(const struct fw_rule *r, const struct fw_fields *f)
{
	uint8_t src[16] = {}, dst[16] = {};

	if (r->family != f->family)
		return false;
	memcpy(src, f->src, f->family == 4 ? 4 : 16);
	memcpy(dst, f->dst, f->family == 4 ? 4 : 16);
	if (!prefixes_match(&r->src, src) || !prefixes_match(&r->dst, dst))
		return false;
	if (r->length >= 0 && (uint32_t)r->length != f->len)
		return false;
	if (r->ttl >= 0 && r->ttl != f->ttl)
		return false;
	if (r->clauses & FW_C_TCP) {
		if (f->proto != IPPROTO_TCP)
			return false;
		if (r->window >= 0 && r->window != f->window)
			return false;
		if (r->has_flags && (f->flags & r->mask) != r->flags)
			return false;
	} else if (r->clauses & FW_C_UDP) {
		if (f->proto != IPPROTO_UDP)
			return false;
	} else if (r->clauses & FW_C_ICMP) {
		if (f->proto != IPPROTO_ICMP)
			return false;
	} else if (f->proto != IPPROTO_ICMPV6) {
		return false;
	}
	if (r->clauses & (FW_C_TCP | FW_C_UDP))
		return ports_match(&r->sport, f->sport) && ports_match(&r->dport, f->dport);
	return (r->icmp_type < 0 || r->icmp_type == f->type) &&
	       (r->icmp_code < 0 || r->icmp_code == f->code);
}
