// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* Rule checks, normalisation and canonical text of the xdp_fw rule language. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fw_parse.h"
#include "fw_parser.h"
#define YYSTYPE FW_YYSTYPE
#define YYLTYPE FW_YYLTYPE
#include "fw_lexer.h"

void fw_perror(struct fw_pstate *st, const struct fw_loc *loc, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (st->failed)		/* keep the first error */
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(st->err, st->errlen, "%s:%d:%d: %s", st->file, loc->first_line, loc->first_column,
		 msg);
	st->failed = true;
}

int fw_addr_parse(int family, const char *text, uint8_t addr[16])
{
	memset(addr, 0, 16);
	return inet_pton(family == 4 ? AF_INET : AF_INET6, text, addr) == 1 ? 0 : -1;
}

void fw_rule_reset(struct fw_rule *r)
{
	memset(r, 0, sizeof(*r));
	r->length = r->ttl = r->window = r->icmp_type = r->icmp_code = -1;
}

void fw_rule_clear(struct fw_rule *r)
{
	free(r->src.v);
	free(r->dst.v);
	free(r->sport.v);
	free(r->dport.v);
	free(r->name);
	fw_rule_reset(r);
}

int fw_prefixes_add(struct fw_prefixes *p, const struct fw_prefix *v)
{
	struct fw_prefix *nv = realloc(p->v, (p->n + 1) * sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	p->v = nv;
	p->v[p->n++] = *v;
	return 0;
}

int fw_ports_add(struct fw_ports *p, uint16_t lo, uint16_t hi)
{
	struct fw_range *nv = realloc(p->v, (p->n + 1) * sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	p->v = nv;
	p->v[p->n].lo = lo;
	p->v[p->n++].hi = hi;
	return 0;
}

int fw_test_add(struct fw_ruleset *rs, const struct fw_test *t)
{
	if (rs->ntests == rs->tests_cap) {
		int cap = rs->tests_cap ? 2 * rs->tests_cap : 16;
		struct fw_test *nt = realloc(rs->tests, cap * sizeof(*nt));

		if (!nt)
			return -ENOMEM;
		rs->tests = nt;
		rs->tests_cap = cap;
	}
	rs->tests[rs->ntests++] = *t;
	return 0;
}

/* True when prefix A contains prefix B (A is not longer and agrees on A's bits). */
static bool prefix_contains(const struct fw_prefix *a, const struct fw_prefix *b)
{
	int full = a->len / 8, rest = a->len % 8;

	if (a->len > b->len || memcmp(a->addr, b->addr, full))
		return false;
	return !rest || !((a->addr[full] ^ b->addr[full]) & (0xff00 >> rest));
}

static void prefix_mask(struct fw_prefix *p)
{
	int full = p->len / 8, rest = p->len % 8;

	if (full < 16) {
		p->addr[full] &= 0xff00 >> rest;
		memset(p->addr + full + 1, 0, 15 - full);
	}
}

static int prefix_cmp(const void *a, const void *b)
{
	const struct fw_prefix *x = a, *y = b;
	int c = memcmp(x->addr, y->addr, 16);

	return c ? c : (int)x->len - (int)y->len;
}

/* Mask host bits, sort, and drop prefixes covered by another one in the list. */
static void prefixes_normalise(struct fw_prefixes *p)
{
	int out = 0;

	if (!p->n)
		p->any = true;
	if (p->any) {
		free(p->v);
		p->v = NULL;
		p->n = 0;
		return;
	}
	for (int i = 0; i < p->n; i++)
		prefix_mask(&p->v[i]);
	qsort(p->v, p->n, sizeof(*p->v), prefix_cmp);
	/* Sorted by address then length: a covering prefix comes before what it covers. */
	for (int i = 0; i < p->n; i++) {
		if (out && prefix_contains(&p->v[out - 1], &p->v[i]))
			continue;
		p->v[out++] = p->v[i];
	}
	p->n = out;
}

static int range_cmp(const void *a, const void *b)
{
	const struct fw_range *x = a, *y = b;

	return x->lo != y->lo ? (int)x->lo - (int)y->lo : (int)x->hi - (int)y->hi;
}

/* Sort and merge overlapping or adjacent ranges; "{ 0-65535 }" is the same as any. */
static void ports_normalise(struct fw_ports *p)
{
	int out = 0;

	if (!p->n)
		p->any = true;
	if (!p->any) {
		qsort(p->v, p->n, sizeof(*p->v), range_cmp);
		for (int i = 0; i < p->n; i++) {
			if (out && (uint32_t)p->v[i].lo <= (uint32_t)p->v[out - 1].hi + 1) {
				if (p->v[i].hi > p->v[out - 1].hi)
					p->v[out - 1].hi = p->v[i].hi;
				continue;
			}
			p->v[out++] = p->v[i];
		}
		p->n = out;
		p->any = out == 1 && p->v[0].lo == 0 && p->v[0].hi == 65535;
	}
	if (p->any) {
		free(p->v);
		p->v = NULL;
		p->n = 0;
	}
}

static int rule_check(struct fw_pstate *st)
{
	struct fw_rule *r = &st->cur;

	if (!(r->clauses & FW_C_IP)) {
		fw_perror(st, &st->rule_loc, "rule has no 'ip' or 'ip6' clause");
		return -1;
	}
	if (!(r->clauses & FW_C_L4)) {
		fw_perror(st, &st->rule_loc, "rule has no 'tcp', 'udp', 'icmp' or 'icmp6' clause");
		return -1;
	}
	if ((r->clauses & FW_C_ICMP) && r->family != 4) {
		fw_perror(st, &st->clause_loc[__builtin_ctz(FW_C_ICMP)],
			  "'icmp' goes with 'ip'; use 'icmp6' with 'ip6'");
		return -1;
	}
	if ((r->clauses & FW_C_ICMP6) && r->family != 6) {
		fw_perror(st, &st->clause_loc[__builtin_ctz(FW_C_ICMP6)],
			  "'icmp6' goes with 'ip6'; use 'icmp' with 'ip'");
		return -1;
	}
	if (st->has_mask && !r->has_flags) {
		fw_perror(st, &st->mask_loc, "'mask' needs 'flags'");
		return -1;
	}
	if (r->has_flags) {
		if (!st->has_mask)
			r->mask = r->flags;	/* flags X alone: the flags in X are set */
		if (r->flags & ~r->mask) {
			fw_perror(st, &st->mask_loc, "flags outside the mask can never match");
			return -1;
		}
		if (!r->mask)
			r->has_flags = false;	/* an empty mask accepts every packet */
	}
	return 0;
}

int fw_rule_finish(struct fw_pstate *st)
{
	struct fw_ruleset *rs = st->rs;
	struct fw_rule *r = &st->cur;

	if (rule_check(st))
		return -1;
	if (rs->n == FW_RULES_MAX) {
		fw_perror(st, &st->rule_loc, "more than %d rules", FW_RULES_MAX);
		return -1;
	}
	r->line = st->rule_loc.first_line;
	prefixes_normalise(&r->src);
	prefixes_normalise(&r->dst);
	ports_normalise(&r->sport);
	ports_normalise(&r->dport);
	if (rs->n == rs->cap) {
		int cap = rs->cap ? 2 * rs->cap : 64;
		struct fw_rule *nr = realloc(rs->rules, cap * sizeof(*nr));

		if (!nr) {
			fw_perror(st, &st->rule_loc, "out of memory");
			return -1;
		}
		rs->rules = nr;
		rs->cap = cap;
	}
	rs->rules[rs->n++] = *r;
	fw_rule_reset(r);
	st->has_mask = false;
	return 0;
}

void fw_ruleset_free(struct fw_ruleset *rs)
{
	for (int i = 0; i < rs->n; i++)
		fw_rule_clear(&rs->rules[i]);
	free(rs->rules);
	free(rs->tests);
	memset(rs, 0, sizeof(*rs));
}

int fw_parse_buffer(const char *file, const char *text, size_t len, struct fw_ruleset *rs,
		    char *err, size_t errlen)
{
	struct fw_pstate st = {
		.file = file, .rs = rs, .line = 1, .col = 1, .at_line_start = true,
		.err = err, .errlen = errlen,
	};
	YY_BUFFER_STATE buf;
	yyscan_t scanner;
	int ret;

	memset(rs, 0, sizeof(*rs));
	if (errlen)
		err[0] = 0;
	if (memchr(text, 0, len)) {
		const char *nul = memchr(text, 0, len);
		int line = 1, col = 1;

		for (const char *c = text; c < nul; c++, col++)
			if (*c == '\n')
				line++, col = 0;
		snprintf(err, errlen, "%s:%d:%d: unexpected byte 0x00", file, line, col);
		return -1;
	}
	fw_rule_reset(&st.cur);
	if (fw_yylex_init_extra(&st, &scanner)) {
		snprintf(err, errlen, "%s: %s", file, strerror(errno));
		return -1;
	}
	buf = fw_yy_scan_bytes(text, len, scanner);
	ret = fw_yyparse(scanner, &st);
	fw_yy_delete_buffer(buf, scanner);
	fw_yylex_destroy(scanner);
	fw_rule_clear(&st.cur);
	if (ret || st.failed) {
		if (!st.failed)
			snprintf(err, errlen, "%s: cannot parse", file);
		fw_ruleset_free(rs);
		return -1;
	}
	return 0;
}

int fw_parse_file(const char *path, struct fw_ruleset *rs, char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0, cap = 0;
	FILE *f = fopen(path, "r");
	int ret;

	memset(rs, 0, sizeof(*rs));
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (len == cap) {
			char *nt;

			cap = cap ? 2 * cap : 65536;
			nt = realloc(text, cap);
			if (!nt) {
				free(text);
				fclose(f);
				snprintf(err, errlen, "%s: out of memory", path);
				return -1;
			}
			text = nt;
		}
		size_t n = fread(text + len, 1, cap - len, f);

		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		free(text);
		fclose(f);
		return -1;
	}
	fclose(f);
	ret = fw_parse_buffer(path, text ? text : "", len, rs, err, errlen);
	free(text);
	return ret;
}

/* ---- canonical text ---------------------------------------------------- */

struct out {
	char *buf;
	size_t len, pos;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->pos < o->len ? o->buf + o->pos : NULL,
		      o->pos < o->len ? o->len - o->pos : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->pos += n;
}

static void put_prefixes(struct out *o, const struct fw_prefixes *p, int family)
{
	char a[INET6_ADDRSTRLEN];

	if (p->any || !p->n) {
		put(o, "any");
		return;
	}
	put(o, "{ ");
	for (int i = 0; i < p->n; i++) {
		inet_ntop(family == 4 ? AF_INET : AF_INET6, p->v[i].addr, a, sizeof(a));
		put(o, "%s%s/%u", i ? ", " : "", a, p->v[i].len);
	}
	put(o, " }");
}

static void put_ports(struct out *o, const char *what, const struct fw_ports *p)
{
	if (p->any || !p->n)
		return;
	put(o, " %s { ", what);
	for (int i = 0; i < p->n; i++) {
		put(o, "%s%u", i ? ", " : "", p->v[i].lo);
		if (p->v[i].hi != p->v[i].lo)
			put(o, "-%u", p->v[i].hi);
	}
	put(o, " }");
}

static void put_flags(struct out *o, uint8_t set)
{
	static const char *const names[8] = { "cwr", "ece", "urg", "ack", "psh", "rst", "syn",
					      "fin" };
	bool first = true;

	put(o, "{");
	for (int i = 0; i < 8; i++) {
		if (set & (0x80 >> i)) {
			put(o, "%s%s", first ? " " : ", ", names[i]);
			first = false;
		}
	}
	put(o, " }");
}

int fw_rule_format(const struct fw_rule *r, char *buf, size_t len)
{
	struct out o = { buf, len, 0 };

	if (len)
		buf[0] = 0;
	if (r->length >= 0)
		put(&o, "packet length %d ", r->length);
	put(&o, "%s from ", r->family == 6 ? "ip6" : "ip");
	put_prefixes(&o, &r->src, r->family);
	put(&o, " to ");
	put_prefixes(&o, &r->dst, r->family);
	if (r->ttl >= 0)
		put(&o, " ttl %d", r->ttl);
	if (r->clauses & FW_C_TCP) {
		put(&o, " tcp");
		put_ports(&o, "sport", &r->sport);
		put_ports(&o, "dport", &r->dport);
		if (r->window >= 0)
			put(&o, " window %d", r->window);
		if (r->has_flags) {
			put(&o, " flags ");
			put_flags(&o, r->flags);
			if (r->mask != r->flags) {
				put(&o, " mask ");
				put_flags(&o, r->mask);
			}
		}
	}
	if (r->clauses & FW_C_UDP) {
		put(&o, " udp");
		put_ports(&o, "sport", &r->sport);
		put_ports(&o, "dport", &r->dport);
	}
	if (r->clauses & (FW_C_ICMP | FW_C_ICMP6)) {
		put(&o, r->clauses & FW_C_ICMP ? " icmp" : " icmp6");
		if (r->icmp_type >= 0)
			put(&o, " type %d", r->icmp_type);
		if (r->icmp_code >= 0)
			put(&o, " code %d", r->icmp_code);
	}
	if (r->name) {
		put(&o, " name \"");
		for (const char *c = r->name; *c; c++)
			put(&o, "%s%c", *c == '"' || *c == '\\' ? "\\" : "", *c);
		put(&o, "\"");
	}
	return o.pos;
}

char *fw_rule_text(const struct fw_rule *r)
{
	int n = fw_rule_format(r, NULL, 0);
	char *s = malloc(n + 1);

	if (s)
		fw_rule_format(r, s, n + 1);
	return s;
}

bool fw_rule_equal(const struct fw_rule *a, const struct fw_rule *b)
{
	char *x = fw_rule_text(a), *y = fw_rule_text(b);
	bool eq = x && y && !strcmp(x, y);

	free(x);
	free(y);
	return eq;
}

static const char *const action_names[] = { "XDP_ABORTED", "XDP_DROP", "XDP_PASS", "XDP_TX",
					     "XDP_REDIRECT" };

int fw_action_parse(const char *s)
{
	for (int i = 0; i < 5; i++)
		if (!strcmp(s, action_names[i]))
			return i;
	return -1;
}

const char *fw_action_name(int action)
{
	return action >= 0 && action < 5 ? action_names[action] : "XDP_INVALID";
}
