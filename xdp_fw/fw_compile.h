/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The rule compiler: turns a parsed rule set into the tables the kernel
 * program reads (fw_shared.h). Every distinct bitmap is stored once.
 */
#ifndef XDP_FW_COMPILE_H
#define XDP_FW_COMPILE_H

#include <stdint.h>
#include "fw_rules.h"
#include "fw_shared.h"

struct fw_compiled {
	int nrules;
	int nwords;			/* bitmap words in use: ceil(nrules / 64), at least 1 */
	uint32_t active;		/* bit FW_SEL_x: some rule constrains selector x */
	uint32_t *classes;		/* FW_CLS_ENTRIES bitmap indexes */
	uint8_t late[FW_MAX_RULES];	/* FW_LATE_* per rule */
	__u64 done[FW_STAGES][FW_WORDS];	/* rules with nothing to fold after each stage */
	struct fw_bitmap *bitmaps;
	int nbitmaps, bitmaps_cap;
	uint32_t *trie;			/* trie_nodes * FW_TRIE_STRIDE entries */
	int trie_nodes, trie_cap;
	uint32_t trie_root[FW_TRIES];	/* root node of each prefix selector */
	uint32_t trie_depth[FW_TRIES];	/* levels to walk (0: selector inactive) */
	__u64 proto_bits[FW_PROTO_MAX][FW_WORDS];	/* rules of each protocol class */
	/* bitmap interning */
	uint32_t *hash;
	uint32_t hash_cap;
};

/* The packet fields the firewall looks at (host order). */
struct fw_fields {
	int family;			/* 4 or 6 */
	uint8_t src[16], dst[16];	/* network order */
	uint8_t proto;			/* IPPROTO_* */
	uint32_t len;			/* frame length */
	uint8_t ttl;
	uint16_t sport, dport, window;
	uint8_t flags;
	uint8_t type, code;
};

/* Compile RS. Returns 0 or a negative errno (ENOMEM). */
int fw_compile(const struct fw_ruleset *rs, struct fw_compiled *out);
void fw_compiled_free(struct fw_compiled *c);

/* What the kernel program computes: index of the lowest matching rule, or -1. */
int fw_compiled_match(const struct fw_compiled *c, const struct fw_fields *f);
/* The rule's meaning, evaluated directly (reference for tests). */
bool fw_rule_matches(const struct fw_rule *r, const struct fw_fields *f);

/* Index of the FW_PROTO_* class of a packet, or -1 if the firewall does not judge it. */
int fw_proto_class(int family, int l4_proto);

#endif /* XDP_FW_COMPILE_H */
