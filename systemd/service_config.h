/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The ecbpf service configuration (/etc/ecbpf/ecbpf.conf): parsing, validation
 * and the table of components the service handler knows.
 *
 * Adding a component (bypass, ...) means: one enum value, one key table and one
 * entry in ecbpf_components[] (service_config.c), and its argv builders in
 * ecbpf_service_handler.c. Nothing else looks at component names.
 */
#ifndef ECBPF_SERVICE_CONFIG_H
#define ECBPF_SERVICE_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <net/if.h>

#define ECBPF_CONF_DEFAULT "/etc/ecbpf/ecbpf.conf"
#define ECBPF_CONF_ENV "ECBPF_CONF"
#define SVC_MAX_IFACES 16
#define SVC_MAX_KEYS 8
#define SVC_STR_MAX 256
/* ecbpf_exporter's address when it neither pushes nor has "listen" (loopback only). */
#define SVC_EXPORTER_LISTEN_DEFAULT "127.0.0.1:9771"

enum svc_component { SVC_ROOT, SVC_FILTER, SVC_FW, SVC_SAMPLER, SVC_EXPORTER, SVC_COMPONENTS };

enum svc_key_type { KEY_BOOL, KEY_U32, KEY_PATH, KEY_STRING, KEY_ENUM, KEY_ADDR, KEY_URL };

/* One setting of a component: its JSON name, type, bounds and default. */
struct svc_key {
	const char *name;
	enum svc_key_type type;
	uint32_t min, max;		/* KEY_U32 */
	const char *const *choices;	/* KEY_ENUM, NULL-terminated */
	bool required_when_enabled;
	uint32_t def_u32;		/* KEY_BOOL, KEY_U32 */
	const char *def_str;		/* string kinds; NULL or "" means unset */
};

struct svc_component_def {
	const char *name;		/* JSON key and command-line name: "filter" */
	const char *unit;		/* "ecbpf-filter.service" */
	int default_slot;		/* -1: the component has no slot */
	bool default_enabled;
	const struct svc_key *keys;	/* NULL-terminated by name */
};

extern const struct svc_component_def ecbpf_components[SVC_COMPONENTS];

union svc_value {
	uint32_t u32;			/* KEY_U32, KEY_BOOL (0/1) */
	char str[SVC_STR_MAX];		/* string kinds; "" means unset */
};

struct svc_component_cfg {
	bool enabled;
	int slot;			/* -1 when the component has none */
	union svc_value val[SVC_MAX_KEYS];	/* in the order of the component's key table */
};

enum svc_xdp_mode { SVC_MODE_NATIVE, SVC_MODE_GENERIC };

struct svc_config {
	char path[512];
	char ifaces[SVC_MAX_IFACES][IF_NAMESIZE];
	int n_ifaces;
	bool parsed;			/* the file was a JSON object (problems may remain) */
	bool ifaces_from_route;		/* no "interfaces" key: taken from the default route */
	enum svc_xdp_mode mode;
	struct svc_component_cfg comp[SVC_COMPONENTS];
};

/* Where problems go: one "FILE: key: problem" line each. */
struct svc_problems {
	FILE *out;
	int count;
};

void svc_problem(struct svc_problems *p, const char *file, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Component by name ("filter"), or -1. */
int svc_component_by_name(const char *name);
/* Index of KEY in the component's key table, or -1. */
int svc_key_index(enum svc_component c, const char *key);
/* Value of a setting by name (the key must exist: the tables are static). */
const union svc_value *svc_get(const struct svc_config *cfg, enum svc_component c,
			       const char *key);

/*
 * Parse and validate a config from TEXT (NUL-terminated; FILE names it in
 * problems). ROUTE4/ROUTE6 are the /proc/net/route and /proc/net/ipv6_route
 * paths used when no interfaces are listed. Every problem is reported; returns
 * the number of problems (0: CFG is complete and valid).
 */
int svc_config_parse(const char *file, const char *text, const char *route4, const char *route6,
		     struct svc_config *cfg, struct svc_problems *p);
/* Same, reading FILE. */
int svc_config_load(const char *file, const char *route4, const char *route6,
		    struct svc_config *cfg, struct svc_problems *p);

/*
 * Interface of the default route: IPv4 first (lowest metric), then IPv6.
 * Returns 0 and fills NAME, -ENOENT if there is no default route, or -errno.
 */
int svc_default_route_iface(const char *route4, const char *route6, char name[IF_NAMESIZE]);

/* "eth0,eth1" for the loaders' --interface. */
void svc_iface_list(const struct svc_config *cfg, char *buf, size_t len);

#endif /* ECBPF_SERVICE_CONFIG_H */
