/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The xdp_fw rule language: parsed rules, canonical text, and the parser API.
 *
 * A rule is a set of clauses; a field left out (or written "any") does not
 * constrain the packet. Prefix and port lists are normalised when parsed
 * (host bits masked, sorted, duplicates removed), so the canonical text of a
 * rule re-parses to the same rule.
 */
#ifndef XDP_FW_RULES_H
#define XDP_FW_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FW_RULES_MAX 4096
#define FW_NAME_MAX 256

/* Clauses present in a rule (each at most once). */
enum {
	FW_C_PACKET = 1 << 0,
	FW_C_IP = 1 << 1,	/* ip or ip6 */
	FW_C_TCP = 1 << 2,
	FW_C_UDP = 1 << 3,
	FW_C_ICMP = 1 << 4,
	FW_C_ICMP6 = 1 << 5,
	FW_C_NAME = 1 << 6,
};
#define FW_C_L4 (FW_C_TCP | FW_C_UDP | FW_C_ICMP | FW_C_ICMP6)

/* TCP flag bits, as in the header's flags byte. */
enum {
	FW_TCP_FIN = 0x01,
	FW_TCP_SYN = 0x02,
	FW_TCP_RST = 0x04,
	FW_TCP_PSH = 0x08,
	FW_TCP_ACK = 0x10,
	FW_TCP_URG = 0x20,
	FW_TCP_ECE = 0x40,
	FW_TCP_CWR = 0x80,
};

struct fw_prefix {
	uint8_t addr[16];	/* network order; IPv4 in the first 4 bytes */
	uint8_t len;
};

/* A list of prefixes; any = no constraint. */
struct fw_prefixes {
	bool any;
	int n;
	struct fw_prefix *v;
};

struct fw_range {
	uint16_t lo, hi;
};

/* A list of port ranges; any = no constraint. */
struct fw_ports {
	bool any;
	int n;
	struct fw_range *v;
};

struct fw_rule {
	int line;		/* line in the rules file */
	unsigned int clauses;	/* FW_C_* */
	int family;		/* 4 or 6 */
	struct fw_prefixes src, dst;
	int length;		/* frame length, -1 = any */
	int ttl;		/* -1 = any */
	struct fw_ports sport, dport;	/* tcp or udp */
	int window;		/* tcp, -1 = any */
	bool has_flags;		/* tcp flags given */
	uint8_t flags, mask;	/* (packet_flags & mask) == flags */
	int icmp_type, icmp_code;	/* -1 = any */
	char *name;		/* NULL if none */
};

/* A "test sha1 ... xdp_action ..." line. */
struct fw_test {
	int line;
	uint8_t sha1[20];
	int action;		/* XDP_* */
};

struct fw_ruleset {
	int n, cap;
	struct fw_rule *rules;
	int ntests, tests_cap;
	struct fw_test *tests;
};

/*
 * Parse rules from TEXT (LEN bytes); FILE names it in error messages. Returns
 * 0, or -1 with "FILE:line:col: message" in ERR (and RS left empty).
 */
int fw_parse_buffer(const char *file, const char *text, size_t len, struct fw_ruleset *rs,
		    char *err, size_t errlen);
/* Read and parse a rules file. Same contract; a file that cannot be read is "FILE: reason". */
int fw_parse_file(const char *path, struct fw_ruleset *rs, char *err, size_t errlen);
void fw_ruleset_free(struct fw_ruleset *rs);

/* Canonical text of a rule (no newline). Returns the length it needs, like snprintf. */
int fw_rule_format(const struct fw_rule *r, char *buf, size_t len);
/* Canonical text in a malloc'd string, or NULL. */
char *fw_rule_text(const struct fw_rule *r);
/* True when two rules mean the same (same canonical text). */
bool fw_rule_equal(const struct fw_rule *a, const struct fw_rule *b);

/* "XDP_DROP" -> 1; -1 if unknown. */
int fw_action_parse(const char *s);
const char *fw_action_name(int action);

#endif /* XDP_FW_RULES_H */
