/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Grammar of the xdp_fw rule language. A line holds one rule (an unordered
 * list of clauses, each at most once) or one test line. The actions fill
 * st->cur; fw_rule_finish() checks and stores the rule at the end of the line.
 */
%require "3.6"
%define api.pure full
%define api.prefix {fw_yy}
%define api.location.type {struct fw_loc}
%define parse.error detailed
%locations
%param {void *scanner}
%parse-param {struct fw_pstate *st}

%code requires {
#include <stdint.h>
#include "fw_parse.h"
}

%code provides {
int fw_yylex(FW_YYSTYPE *lval, FW_YYLTYPE *lloc, void *scanner);
void fw_yyerror(FW_YYLTYPE *loc, void *scanner, struct fw_pstate *st, const char *msg);
}

%code {
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAIL(loc, ...) do { fw_perror(st, &(loc), __VA_ARGS__); YYABORT; } while (0)

/* An option of the current clause, used at most once. */
#define ONCE(bit, loc, what)                                           \
	do {                                                           \
		if (st->opts & (bit))                                  \
			FAIL(loc, "'%s' given twice in one clause", what); \
		st->opts |= (bit);                                     \
	} while (0)

static int clause_begin(struct fw_pstate *st, unsigned int c, const struct fw_loc *loc,
			const char *what)
{
	if (st->cur.clauses & c) {
		fw_perror(st, loc, "duplicate '%s' clause", what);
		return -1;
	}
	if ((c & FW_C_L4) && (st->cur.clauses & FW_C_L4)) {
		fw_perror(st, loc, "'%s': a rule takes one of 'tcp', 'udp', 'icmp' and 'icmp6'",
			  what);
		return -1;
	}
	if (!st->cur.clauses)
		st->rule_loc = *loc;
	st->cur.clauses |= c;
	st->clause_loc[__builtin_ctz(c)] = *loc;
	st->opts = 0;
	return 0;
}

static int add_prefix(struct fw_pstate *st, const char *text, long long len,
		      const struct fw_loc *aloc, const struct fw_loc *lloc, struct fw_prefixes *to)
{
	int max = st->cur.family == 4 ? 32 : 128;
	struct fw_prefix p = {};

	if (fw_addr_parse(st->cur.family, text, p.addr)) {
		fw_perror(st, aloc, "'%s' is not an %s address", text,
			  st->cur.family == 4 ? "IPv4" : "IPv6");
		return -1;
	}
	if (len < 0) {
		len = max;
	} else if (len > max) {
		fw_perror(st, lloc, "prefix length %lld is over %d", len, max);
		return -1;
	}
	p.len = len;
	if (fw_prefixes_add(to, &p)) {
		fw_perror(st, aloc, "out of memory");
		return -1;
	}
	return 0;
}

/* Names end up in JSON and on terminals: valid UTF-8 without control characters. */
static const char *name_problem(const unsigned char *s)
{
	while (*s) {
		int n = *s < 0x80 ? 0 : (*s & 0xe0) == 0xc0 ? 1 : (*s & 0xf0) == 0xe0 ? 2 :
			(*s & 0xf8) == 0xf0 ? 3 : -1;

		if (*s < 0x20 || *s == 0x7f)
			return "a control character";
		if (n < 0 || (n == 1 && *s < 0xc2))
			return "invalid UTF-8";
		s++;
		for (int i = 0; i < n; i++, s++)
			if ((*s & 0xc0) != 0x80)
				return "invalid UTF-8";
	}
	return NULL;
}

static int add_ports(struct fw_pstate *st, long long lo, long long hi, const struct fw_loc *loc)
{
	if (lo > 65535 || hi > 65535) {
		fw_perror(st, loc, "port %lld is over 65535", lo > 65535 ? lo : hi);
		return -1;
	}
	if (lo > hi) {
		fw_perror(st, loc, "port range %lld-%lld is backwards", lo, hi);
		return -1;
	}
	if (fw_ports_add(st->ports, lo, hi)) {
		fw_perror(st, loc, "out of memory");
		return -1;
	}
	return 0;
}
}

%union {
	long long num;
	char *str;
	char addr[64];
	uint8_t sha1[20];
}

%token T_EOL "end of line"
%token T_PACKET "'packet'" T_LENGTH "'length'" T_ANY "'any'"
%token T_IP "'ip'" T_IP6 "'ip6'" T_FROM "'from'" T_TO "'to'" T_TTL "'ttl'"
%token T_TCP "'tcp'" T_UDP "'udp'" T_ICMP "'icmp'" T_ICMP6 "'icmp6'"
%token T_SPORT "'sport'" T_DPORT "'dport'" T_WINDOW "'window'" T_FLAGS "'flags'" T_MASK "'mask'"
%token T_TYPE "'type'" T_CODE "'code'" T_NAME "'name'"
%token T_TEST "'test'" T_SHA1 "'sha1'" T_XDP_ACTION "'xdp_action'"
%token <num> T_FLAG "TCP flag" T_ACTION "XDP action" T_NUMBER "number"
%token <str> T_STRING "string"
%token <addr> T_ADDR "address"
%token <sha1> T_HASH "SHA-1 hex digest"

%type <num> num_or_any flag_set flag_list opt_prefix_len
%destructor { free($$); } <str>

%%

file
	: %empty
	| file line
	;

line
	: T_EOL
	| rule T_EOL		{ if (fw_rule_finish(st)) YYABORT; }
	| test T_EOL
	;

test
	: T_TEST T_SHA1 T_HASH T_XDP_ACTION T_ACTION
		{
			struct fw_test t = { .line = @1.first_line, .action = $5 };

			if ($5 > 2)
				FAIL(@5, "a test expects XDP_PASS, XDP_DROP or XDP_ABORTED");
			memcpy(t.sha1, $3, 20);
			if (fw_test_add(st->rs, &t))
				FAIL(@1, "out of memory");
		}
	;

rule
	: clause
	| rule clause
	;

clause
	: packet_clause
	| ip_clause
	| tcp_clause
	| udp_clause
	| icmp_clause
	| name_clause
	;

packet_clause
	: T_PACKET		{ if (clause_begin(st, FW_C_PACKET, &@1, "packet")) YYABORT; }
	  packet_opts
	;

packet_opts
	: %empty
	| T_LENGTH num_or_any
		{
			if ($2 > 65535)
				FAIL(@2, "length %lld is over 65535", $2);
			st->cur.length = $2;
		}
	;

ip_clause
	: T_IP			{
					if (clause_begin(st, FW_C_IP, &@1, "ip"))
						YYABORT;
					st->cur.family = 4;
					st->has_from = st->has_to = false;
				}
	  ip_opts		{ if (!st->has_from || !st->has_to) FAIL(@1, "'ip' needs 'from' and 'to'"); }
	| T_IP6			{
					if (clause_begin(st, FW_C_IP, &@1, "ip6"))
						YYABORT;
					st->cur.family = 6;
					st->has_from = st->has_to = false;
				}
	  ip_opts		{ if (!st->has_from || !st->has_to) FAIL(@1, "'ip6' needs 'from' and 'to'"); }
	;

ip_opts
	: %empty
	| ip_opts ip_opt
	;

ip_opt
	: T_FROM		{ ONCE(1, @1, "from"); st->has_from = true; st->prefixes = &st->cur.src; }
	  spec
	| T_TO			{ ONCE(2, @1, "to"); st->has_to = true; st->prefixes = &st->cur.dst; }
	  spec
	| T_TTL num_or_any
		{
			ONCE(4, @1, "ttl");
			if ($2 > 255)
				FAIL(@2, "ttl %lld is over 255", $2);
			st->cur.ttl = $2;
		}
	;

spec
	: T_ANY			{ st->prefixes->any = true; }
	| prefix
	| '{' prefix_list opt_comma '}'
	;

prefix_list
	: prefix
	| prefix_list ',' prefix
	;

prefix
	: T_ADDR opt_prefix_len
		{
			if (add_prefix(st, $1, $2, &@1, &@2, st->prefixes))
				YYABORT;
		}
	;

opt_prefix_len
	: %empty		{ $$ = -1; }
	| '/' T_NUMBER		{ $$ = $2; @$ = @2; }
	;

opt_comma
	: %empty
	| ','
	;

tcp_clause
	: T_TCP			{ if (clause_begin(st, FW_C_TCP, &@1, "tcp")) YYABORT; }
	  tcp_opts
	;

tcp_opts
	: %empty
	| tcp_opts tcp_opt
	;

tcp_opt
	: port_opt
	| T_WINDOW num_or_any
		{
			ONCE(4, @1, "window");
			if ($2 > 65535)
				FAIL(@2, "window %lld is over 65535", $2);
			st->cur.window = $2;
		}
	| T_FLAGS flag_set
		{
			ONCE(8, @1, "flags");
			st->cur.has_flags = true;
			st->cur.flags = $2;
		}
	| T_MASK flag_set
		{
			ONCE(16, @1, "mask");
			st->has_mask = true;
			st->mask_loc = @1;
			st->cur.mask = $2;
		}
	;

udp_clause
	: T_UDP			{ if (clause_begin(st, FW_C_UDP, &@1, "udp")) YYABORT; }
	  udp_opts
	;

udp_opts
	: %empty
	| udp_opts port_opt
	;

port_opt
	: T_SPORT		{ ONCE(1, @1, "sport"); st->ports = &st->cur.sport; }
	  ports
	| T_DPORT		{ ONCE(2, @1, "dport"); st->ports = &st->cur.dport; }
	  ports
	;

ports
	: T_ANY			{ st->ports->any = true; }
	| port_item
	| '{' port_list opt_comma '}'
	;

port_list
	: port_item
	| port_list ',' port_item
	;

port_item
	: T_NUMBER		{ if (add_ports(st, $1, $1, &@1)) YYABORT; }
	| T_NUMBER '-' T_NUMBER	{ if (add_ports(st, $1, $3, &@1)) YYABORT; }
	;

flag_set
	: T_FLAG		{ $$ = $1; }
	| '{' '}'		{ $$ = 0; }
	| '{' flag_list opt_comma '}'	{ $$ = $2; }
	;

flag_list
	: T_FLAG		{ $$ = $1; }
	| flag_list ',' T_FLAG
		{
			if ($1 & $3)
				FAIL(@3, "flag listed twice");
			$$ = $1 | $3;
		}
	;

icmp_clause
	: T_ICMP		{ if (clause_begin(st, FW_C_ICMP, &@1, "icmp")) YYABORT; }
	  icmp_opts
	| T_ICMP6		{ if (clause_begin(st, FW_C_ICMP6, &@1, "icmp6")) YYABORT; }
	  icmp_opts
	;

icmp_opts
	: %empty
	| icmp_opts icmp_opt
	;

icmp_opt
	: T_TYPE num_or_any
		{
			ONCE(1, @1, "type");
			if ($2 > 255)
				FAIL(@2, "type %lld is over 255", $2);
			st->cur.icmp_type = $2;
		}
	| T_CODE num_or_any
		{
			ONCE(2, @1, "code");
			if ($2 > 255)
				FAIL(@2, "code %lld is over 255", $2);
			st->cur.icmp_code = $2;
		}
	;

name_clause
	: T_NAME T_STRING
		{
			const char *why = name_problem((const unsigned char *)$2);

			if (why) {
				free($2);
				FAIL(@2, "name holds %s", why);
			}
			if (clause_begin(st, FW_C_NAME, &@1, "name")) {
				free($2);
				YYABORT;
			}
			st->cur.name = $2;
		}
	;

num_or_any
	: T_ANY			{ $$ = -1; }
	| T_NUMBER		{ $$ = $1; }
	;

%%

void fw_yyerror(FW_YYLTYPE *loc, void *scanner, struct fw_pstate *st, const char *msg)
{
	fw_perror(st, loc, "%s", msg);
}
