// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* The service configuration: one JSON file, parsed with jansson, validated completely. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <ecbpf/shared.h>
#include "service_config.h"

static const char *const sampler_formats[] = { "pcapng", "pcap", NULL };

static const struct svc_key root_keys[] = {
	{ .name = "nop_on_detach", .type = KEY_BOOL, .def_u32 = 0 },
	{}
};

static const struct svc_key filter_keys[] = {
	{ .name = "frags_drop", .type = KEY_BOOL, .def_u32 = 0 },
	{ .name = "ptb_max_pps", .type = KEY_U32, .min = 0, .max = 1000000, .def_u32 = 200 },
	{ .name = "drop_file", .type = KEY_PATH },
	{}
};

static const struct svc_key fw_keys[] = {
	{ .name = "rules", .type = KEY_PATH, .required_when_enabled = true },
	{ .name = "monitor", .type = KEY_BOOL, .def_u32 = 0 },
	{}
};

static const struct svc_key sampler_keys[] = {
	{ .name = "rate", .type = KEY_U32, .min = 0, .max = 100000000, .def_u32 = 2500 },
	{ .name = "snaplen", .type = KEY_U32, .min = 1, .max = 1522, .def_u32 = 256 },
	{ .name = "write", .type = KEY_PATH },
	{ .name = "format", .type = KEY_ENUM, .choices = sampler_formats, .def_str = "pcapng" },
	{ .name = "publish", .type = KEY_URL },
	{}
};

static const struct svc_key exporter_keys[] = {
	{ .name = "listen", .type = KEY_ADDR },
	{ .name = "textfile", .type = KEY_PATH },
	{ .name = "statsd", .type = KEY_ADDR },
	{ .name = "interval", .type = KEY_U32, .min = 1, .max = 3600, .def_u32 = 10 },
	{}
};

const struct svc_component_def ecbpf_components[SVC_COMPONENTS] = {
	[SVC_ROOT] = { "root", "ecbpf-root.service", -1, true, root_keys },
	[SVC_FILTER] = { "filter", "ecbpf-filter.service", 2, false, filter_keys },
	[SVC_FW] = { "fw", "ecbpf-fw.service", 5, false, fw_keys },
	[SVC_SAMPLER] = { "sampler", "ecbpf-sampler.service", -1, false, sampler_keys },
	[SVC_EXPORTER] = { "exporter", "ecbpf-exporter.service", -1, false, exporter_keys },
};

void svc_problem(struct svc_problems *p, const char *file, const char *key, const char *fmt, ...)
{
	va_list ap;

	p->count++;
	if (!p->out)
		return;
	fprintf(p->out, "%s: %s: ", file, key);
	va_start(ap, fmt);
	vfprintf(p->out, fmt, ap);
	va_end(ap);
	fputc('\n', p->out);
}

int svc_component_by_name(const char *name)
{
	for (int c = 0; c < SVC_COMPONENTS; c++)
		if (!strcmp(ecbpf_components[c].name, name))
			return c;
	return -1;
}

int svc_key_index(enum svc_component c, const char *key)
{
	const struct svc_key *k = ecbpf_components[c].keys;

	for (int i = 0; k[i].name; i++)
		if (!strcmp(k[i].name, key))
			return i;
	return -1;
}

const union svc_value *svc_get(const struct svc_config *cfg, enum svc_component c,
			       const char *key)
{
	int i = svc_key_index(c, key);

	/* The tables are static: an unknown name is a programming error. */
	if (i < 0)
		abort();
	return &cfg->comp[c].val[i];
}

/* Interface names the kernel accepts: 1-15 characters, no '/', ':' or white space. */
static bool iface_name_ok(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len >= IF_NAMESIZE || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (; *s; s++)
		if (*s == '/' || *s == ':' || *s <= ' ' || *s == 0x7f || *s == ',')
			return false;
	return true;
}

static bool port_ok(const char *s)
{
	char *end;
	long v;

	if (!*s)
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	return !errno && !*end && v >= 1 && v <= 65535 && *s != '+' && *s != '-';
}

/* "host:port" or "[v6addr]:port", host non-empty without white space. */
static bool addr_ok(const char *s)
{
	const char *colon;

	if (strpbrk(s, " \t\n"))
		return false;
	if (*s == '[') {
		const char *close = strchr(s, ']');

		return close && close > s + 1 && close[1] == ':' && port_ok(close + 2);
	}
	colon = strrchr(s, ':');
	return colon && colon > s && !memchr(s, ':', colon - s) && port_ok(colon + 1);
}

static void parse_key(const char *file, const char *comp, const struct svc_key *k, json_t *v,
		      union svc_value *out, struct svc_problems *p)
{
	char key[128];
	const char *s;

	snprintf(key, sizeof(key), "%s.%s", comp, k->name);
	switch (k->type) {
	case KEY_BOOL:
		if (!json_is_boolean(v))
			return svc_problem(p, file, key, "expected true or false");
		out->u32 = json_is_true(v);
		return;
	case KEY_U32:
		if (!json_is_integer(v) || json_integer_value(v) < k->min ||
		    json_integer_value(v) > k->max)
			return svc_problem(p, file, key, "expected an integer from %u to %u", k->min,
					   k->max);
		out->u32 = json_integer_value(v);
		return;
	default:
		break;
	}
	if (!json_is_string(v))
		return svc_problem(p, file, key, "expected a string");
	s = json_string_value(v);
	if (strlen(s) >= SVC_STR_MAX)
		return svc_problem(p, file, key, "longer than %d characters", SVC_STR_MAX - 1);
	switch (k->type) {
	case KEY_PATH:
		if (*s && *s != '/')
			return svc_problem(p, file, key, "expected an absolute path, got '%s'", s);
		break;
	case KEY_ENUM: {
		bool found = false;
		char list[128] = "";

		for (int i = 0; k->choices[i]; i++) {
			found |= !strcmp(s, k->choices[i]);
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
				 i ? ", " : "", k->choices[i]);
		}
		if (!found)
			return svc_problem(p, file, key, "expected one of %s, got '%s'", list, s);
		break;
	}
	case KEY_ADDR:
		if (*s && !addr_ok(s))
			return svc_problem(p, file, key, "expected HOST:PORT or [IPV6]:PORT, got '%s'",
					   s);
		break;
	case KEY_URL:
		if (*s && (strncmp(s, "tcp://", 6) || !addr_ok(s + 6)))
			return svc_problem(p, file, key, "expected tcp://HOST:PORT, got '%s'", s);
		break;
	default:
		break;
	}
	snprintf(out->str, sizeof(out->str), "%s", s);
}

static void parse_component(const char *file, enum svc_component c, json_t *obj,
			    struct svc_config *cfg, struct svc_problems *p)
{
	const struct svc_component_def *def = &ecbpf_components[c];
	struct svc_component_cfg *cc = &cfg->comp[c];
	const char *name;
	char key[128];
	json_t *v;

	if (!json_is_object(obj)) {
		svc_problem(p, file, def->name, "expected an object");
		return;
	}
	json_object_foreach(obj, name, v) {
		int i;

		snprintf(key, sizeof(key), "%s.%s", def->name, name);
		if (!strcmp(name, "enabled")) {
			if (!json_is_boolean(v))
				svc_problem(p, file, key, "expected true or false");
			else
				cc->enabled = json_is_true(v);
		} else if (!strcmp(name, "slot") && def->default_slot >= 0) {
			if (!json_is_integer(v) || json_integer_value(v) < 0 ||
			    json_integer_value(v) >= ECBPF_MAX_SLOTS)
				svc_problem(p, file, key, "expected a slot from 0 to %d",
					    ECBPF_MAX_SLOTS - 1);
			else
				cc->slot = json_integer_value(v);
		} else if ((i = svc_key_index(c, name)) >= 0) {
			parse_key(file, def->name, &def->keys[i], v, &cc->val[i], p);
		} else {
			svc_problem(p, file, key, "unknown key");
		}
	}
}

static void set_defaults(struct svc_config *cfg)
{
	for (int c = 0; c < SVC_COMPONENTS; c++) {
		const struct svc_component_def *def = &ecbpf_components[c];
		struct svc_component_cfg *cc = &cfg->comp[c];

		cc->enabled = def->default_enabled;
		cc->slot = def->default_slot;
		for (int i = 0; def->keys[i].name; i++) {
			if (def->keys[i].type == KEY_BOOL || def->keys[i].type == KEY_U32)
				cc->val[i].u32 = def->keys[i].def_u32;
			else
				snprintf(cc->val[i].str, SVC_STR_MAX, "%s",
					 def->keys[i].def_str ? def->keys[i].def_str : "");
		}
	}
	cfg->mode = SVC_MODE_NATIVE;
}

static void parse_interfaces(const char *file, json_t *v, struct svc_config *cfg,
			     struct svc_problems *p)
{
	size_t i;
	json_t *e;

	if (!json_is_array(v)) {
		svc_problem(p, file, "interfaces", "expected an array of interface names");
		return;
	}
	if (json_array_size(v) > SVC_MAX_IFACES) {
		svc_problem(p, file, "interfaces", "at most %d interfaces", SVC_MAX_IFACES);
		return;
	}
	json_array_foreach(v, i, e) {
		char key[40];
		const char *s;

		snprintf(key, sizeof(key), "interfaces[%zu]", i);
		if (!json_is_string(e) || !iface_name_ok(s = json_string_value(e))) {
			svc_problem(p, file, key, "expected an interface name of 1-%d characters",
				    IF_NAMESIZE - 1);
			continue;
		}
		for (int j = 0; j < cfg->n_ifaces; j++) {
			if (!strcmp(cfg->ifaces[j], s)) {
				svc_problem(p, file, key, "'%s' is listed twice", s);
				s = NULL;
				break;
			}
		}
		if (s)
			snprintf(cfg->ifaces[cfg->n_ifaces++], IF_NAMESIZE, "%s", s);
	}
}

/* Rules that span keys: dependencies, slots, outputs. */
static void validate(const char *file, struct svc_config *cfg, struct svc_problems *p)
{
	char key[128];

	for (int c = 0; c < SVC_COMPONENTS; c++) {
		const struct svc_component_def *def = &ecbpf_components[c];
		const struct svc_component_cfg *cc = &cfg->comp[c];

		if (!cc->enabled)
			continue;
		if (c != SVC_ROOT && c != SVC_EXPORTER && !cfg->comp[SVC_ROOT].enabled) {
			snprintf(key, sizeof(key), "%s.enabled", def->name);
			svc_problem(p, file, key, "needs root.enabled: the root carries every slot");
		}
		for (int i = 0; def->keys[i].name; i++) {
			if (def->keys[i].required_when_enabled && !cc->val[i].str[0]) {
				snprintf(key, sizeof(key), "%s.%s", def->name, def->keys[i].name);
				svc_problem(p, file, key, "required when %s is enabled", def->name);
			}
		}
		for (int o = 0; o < c; o++) {
			if (cc->slot < 0 || !cfg->comp[o].enabled || cfg->comp[o].slot != cc->slot)
				continue;
			snprintf(key, sizeof(key), "%s.slot", def->name);
			svc_problem(p, file, key, "slot %d is already used by %s", cc->slot,
				    ecbpf_components[o].name);
		}
	}
	if (cfg->comp[SVC_SAMPLER].enabled && !svc_get(cfg, SVC_SAMPLER, "write")->str[0] &&
	    !svc_get(cfg, SVC_SAMPLER, "publish")->str[0])
		svc_problem(p, file, "sampler", "needs an output: set write or publish");
	/* ecbpf_exporter either serves /metrics or pushes (textfile, statsd), not both. */
	if (svc_get(cfg, SVC_EXPORTER, "listen")->str[0] &&
	    (svc_get(cfg, SVC_EXPORTER, "textfile")->str[0] ||
	     svc_get(cfg, SVC_EXPORTER, "statsd")->str[0]))
		svc_problem(p, file, "exporter.listen",
			    "serve (listen) or push (textfile, statsd), not both");
}

int svc_config_parse(const char *file, const char *text, const char *route4, const char *route6,
		     struct svc_config *cfg, struct svc_problems *p)
{
	int before = p->count;
	json_error_t jerr;
	const char *name;
	json_t *root, *v;
	int c;

	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->path, sizeof(cfg->path), "%s", file);
	set_defaults(cfg);
	root = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		char where[64];

		snprintf(where, sizeof(where), "line %d, column %d", jerr.line, jerr.column);
		svc_problem(p, file, where, "%s", jerr.text);
		return p->count - before;
	}
	if (!json_is_object(root)) {
		svc_problem(p, file, "(top)", "expected a JSON object");
		json_decref(root);
		return p->count - before;
	}
	cfg->parsed = true;
	json_object_foreach(root, name, v) {
		if (!strcmp(name, "interfaces")) {
			parse_interfaces(file, v, cfg, p);
		} else if (!strcmp(name, "xdp_mode")) {
			if (json_is_string(v) && !strcmp(json_string_value(v), "native"))
				cfg->mode = SVC_MODE_NATIVE;
			else if (json_is_string(v) && !strcmp(json_string_value(v), "generic"))
				cfg->mode = SVC_MODE_GENERIC;
			else
				svc_problem(p, file, name, "expected \"native\" or \"generic\"");
		} else if ((c = svc_component_by_name(name)) >= 0) {
			parse_component(file, c, v, cfg, p);
		} else {
			svc_problem(p, file, name, "unknown key");
		}
	}
	json_decref(root);
	validate(file, cfg, p);
	if (cfg->n_ifaces == 0) {
		int err = svc_default_route_iface(route4, route6, cfg->ifaces[0]);

		cfg->ifaces_from_route = true;
		if (err)
			svc_problem(p, file, "interfaces",
				    "none given and no default route to take one from (%s)",
				    err == -ENOENT ? "no default route" : strerror(-err));
		else
			cfg->n_ifaces = 1;
	}
	return p->count - before;
}

int svc_config_load(const char *file, const char *route4, const char *route6,
		    struct svc_config *cfg, struct svc_problems *p)
{
	int before = p->count;
	FILE *f = fopen(file, "re");
	char *text = NULL;
	size_t cap = 0, len = 0;

	memset(cfg, 0, sizeof(*cfg));
	if (!f) {
		svc_problem(p, file, "(file)", "cannot read: %s", strerror(errno));
		return p->count - before;
	}
	for (;;) {
		if (len + 4096 + 1 > cap) {
			char *n = realloc(text, cap = len + 65536);

			if (!n) {
				svc_problem(p, file, "(file)", "out of memory");
				goto out;
			}
			text = n;
		}
		size_t got = fread(text + len, 1, cap - len - 1, f);

		len += got;
		if (got == 0)
			break;
		if (len > (1 << 20)) {
			svc_problem(p, file, "(file)", "larger than 1 MiB");
			goto out;
		}
	}
	if (ferror(f)) {
		svc_problem(p, file, "(file)", "read error");
		goto out;
	}
	text[len] = '\0';
	if (memchr(text, '\0', len)) {
		svc_problem(p, file, "(file)", "contains a NUL byte");
		goto out;
	}
	svc_config_parse(file, text, route4, route6, cfg, p);
out:
	free(text);
	fclose(f);
	return p->count - before;
}

/*
 * /proc/net/route: "Iface Destination Gateway Flags RefCnt Use Metric Mask ...",
 * hex little-endian addresses. The default route has destination and mask 0.
 */
static int route4_default(const char *path, char name[IF_NAMESIZE], unsigned long *metric)
{
	char line[512], ifname[64];
	unsigned long dst, gw, flags, refcnt, use, met, mask;
	FILE *f = fopen(path, "re");
	int found = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %lx %lx %lx %lu %lu %lu %lx", ifname, &dst, &gw, &flags,
			   &refcnt, &use, &met, &mask) != 8)
			continue;	/* the header line */
		if (dst || mask || !(flags & 0x1 /* RTF_UP */) || strlen(ifname) >= IF_NAMESIZE)
			continue;
		if (found == 0 && met >= *metric)
			continue;
		memcpy(name, ifname, strlen(ifname) + 1);	/* length checked above */
		*metric = met;
		found = 0;
	}
	fclose(f);
	return found;
}

/*
 * /proc/net/ipv6_route: "dst dst_len src src_len nexthop metric refcnt use flags
 * iface", 32-digit hex addresses. Skip the unreachable defaults kept on lo.
 */
static int route6_default(const char *path, char name[IF_NAMESIZE])
{
	char line[512], dst[64], src[64], nh[64], ifname[64];
	unsigned int dlen, slen;
	unsigned long met, refcnt, use, flags, best = 0;
	FILE *f = fopen(path, "re");
	int found = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %x %63s %x %63s %lx %lx %lx %lx %63s", dst, &dlen, src, &slen,
			   nh, &met, &refcnt, &use, &flags, ifname) != 10)
			continue;
		if (dlen != 0 || strspn(dst, "0") != 32 || !(flags & 0x1 /* RTF_UP */) ||
		    (flags & 0x200 /* RTF_REJECT */) || !strcmp(ifname, "lo") ||
		    strlen(ifname) >= IF_NAMESIZE)
			continue;
		if (found == 0 && met >= best)
			continue;
		memcpy(name, ifname, strlen(ifname) + 1);	/* length checked above */
		best = met;
		found = 0;
	}
	fclose(f);
	return found;
}

int svc_default_route_iface(const char *route4, const char *route6, char name[IF_NAMESIZE])
{
	unsigned long metric = 0;
	int err4, err6;

	err4 = route4_default(route4, name, &metric);
	if (!err4)
		return 0;
	err6 = route6_default(route6, name);
	if (!err6)
		return 0;
	/* No default route anywhere is the answer; a read error only if both failed. */
	return err4 == -ENOENT || err6 == -ENOENT ? -ENOENT : err4;
}

void svc_iface_list(const struct svc_config *cfg, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int i = 0; i < cfg->n_ifaces && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%s", i ? "," : "", cfg->ifaces[i]);
}
