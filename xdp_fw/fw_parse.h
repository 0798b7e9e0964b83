/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* Internal state shared by the flex scanner and the bison parser of the rule language. */
#ifndef XDP_FW_PARSE_H
#define XDP_FW_PARSE_H

#include <stdarg.h>
#include "fw_rules.h"

struct fw_loc {
	int first_line, first_column, last_line, last_column;
};

/* Clause and option locations of the rule being parsed, for checks at its end. */
struct fw_pstate {
	const char *file;
	struct fw_ruleset *rs;
	struct fw_rule cur;
	struct fw_loc rule_loc;		/* first token of the rule */
	struct fw_loc clause_loc[8];	/* by bit index of FW_C_* */
	struct fw_loc mask_loc;
	unsigned int opts;		/* options seen in the current clause */
	bool has_mask, has_from, has_to;
	struct fw_prefixes *prefixes;	/* list 'from'/'to' fills */
	struct fw_ports *ports;		/* list 'sport'/'dport' fills */
	int line, col;			/* scanner position */
	bool at_line_start;		/* no token yet on this line (EOF adds an end of line) */
	char *err;
	size_t errlen;
	bool failed;
};

void fw_perror(struct fw_pstate *st, const struct fw_loc *loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Helpers the grammar actions call (fw_rules.c). */
int fw_addr_parse(int family, const char *text, uint8_t addr[16]);
int fw_rule_finish(struct fw_pstate *st);
void fw_rule_reset(struct fw_rule *r);
void fw_rule_clear(struct fw_rule *r);
int fw_prefixes_add(struct fw_prefixes *p, const struct fw_prefix *v);
int fw_ports_add(struct fw_ports *p, uint16_t lo, uint16_t hi);
int fw_test_add(struct fw_ruleset *rs, const struct fw_test *t);

#endif /* XDP_FW_PARSE_H */
