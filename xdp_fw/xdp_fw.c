// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* xdp_fw: load, update, check, test and report the rule-language firewall. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>
#include <ecbpf/ecbpf.h>
#include "fw_load.h"

#define MAX_IFACES 64

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: xdp_fw --attach|--update --rules FILE --interface LIST [--slot N] [--monitor|--enforce]\n"
		"       xdp_fw --detach --interface LIST\n"
		"       xdp_fw --stats [--json] --interface LIST\n"
		"       xdp_fw --validate --rules FILE\n"
		"       xdp_fw --test PCAP --rules FILE\n"
		"\n"
		"  -a, --attach            compile the rules and load them into the slot\n"
		"  -u, --update            swap in a new rule set atomically (no gap, hits kept)\n"
		"  -d, --detach            remove the firewall from its slot\n"
		"  -s, --stats             per rule: number, name, canonical text, hits\n"
		"  -V, --validate          check the rules and print their canonical form\n"
		"  -t, --test PCAP         run each frame of a pcap/pcapng file through root + fw\n"
		"  -r, --rules FILE        rules file\n"
		"  -i, --interface LIST    comma-separated interfaces\n"
		"  -S, --slot N            slot 0-%d (default %d)\n"
		"  -m, --monitor           count would-drops, let packets continue\n"
		"  -e, --enforce           drop matching packets (leave monitor mode)\n"
		"  -j, --json              --stats as JSON\n"
		"  -p, --pin-root DIR      pin root (default %s)\n"
		"  -D, --debug             show libbpf and verifier messages\n"
		"  -h, --help              this text\n",
		ECBPF_MAX_SLOTS - 1, ECBPF_SLOT_FW, ECBPF_PIN_ROOT_DEFAULT);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Parse and compile; errors are one "FILE:line:col: message" line. */
static int load_rules(const char *path, struct fw_ruleset *rs, struct fw_compiled *c)
{
	char err[768];
	double t0 = now_ms();
	int e;

	if (access(path, R_OK)) {
		ecbpf_log(ECBPF_WARN, "%s: %s", path, strerror(errno));
		return -ENXIO;	/* EX_NOINPUT */
	}
	if (fw_parse_file(path, rs, err, sizeof(err))) {
		ecbpf_log(ECBPF_WARN, "%s", err);
		return -EINVAL;
	}
	e = fw_compile(rs, c);
	if (e) {
		if (e == -E2BIG)
			ecbpf_log(ECBPF_WARN, "%s: %d rules, more than the %d a rule set can hold", path,
				  rs->n, FW_MAX_RULES);
		else
			ecbpf_log(ECBPF_WARN, "%s: cannot compile: %s", path, strerror(-e));
		fw_ruleset_free(rs);
		return e;
	}
	ecbpf_log(ECBPF_DEBUG, "%s: %d rules compiled in %.1f ms: %d bitmaps, %d trie nodes", path,
		  rs->n, now_ms() - t0, c->nbitmaps, c->trie_nodes);
	return 0;
}

static int validate(const struct fw_ruleset *rs, const struct fw_compiled *c, const char *path)
{
	char hex[41];

	for (int i = 0; i < rs->n; i++) {
		char *t = fw_rule_text(&rs->rules[i]);

		if (!t)
			return -ENOMEM;
		printf("%s\n", t);
		free(t);
	}
	for (int i = 0; i < rs->ntests; i++) {
		for (int b = 0; b < 20; b++)
			snprintf(hex + 2 * b, 3, "%02x", rs->tests[i].sha1[b]);
		printf("test sha1 %s xdp_action %s\n", hex, fw_action_name(rs->tests[i].action));
	}
	ecbpf_log(ECBPF_INFO, "%s: %d rules, %d tests: ok (%d bitmaps, %d trie nodes)", path, rs->n,
		  rs->ntests, c->nbitmaps, c->trie_nodes);
	return 0;
}

static const char *rule_name(const char *text, char *buf, size_t len)
{
	const char *n = strstr(text, " name \"");
	size_t o = 0;

	buf[0] = 0;
	if (!n)
		return buf;
	for (n += 7; *n && *n != '"' && o + 1 < len; n++) {
		if (*n == '\\' && n[1])
			n++;
		buf[o++] = *n;
	}
	buf[o] = 0;
	return buf;
}

static int stats(struct ecbpf_iface *ifcs, int n, bool json)
{
	json_t *root = json_object(), *arr = json_array();
	int err = 0;

	json_object_set_new(root, "interfaces", arr);
	for (int i = 0; i < n; i++) {
		struct fw_live live;
		struct ecbpf_cfg cfg = {};
		char name[FW_NAME_MAX];
		bool monitor;
		int e = fw_live_read(&ifcs[i], &live);

		if (e) {
			if (e == -ENOENT)
				ecbpf_log(ECBPF_WARN, "%s: %s is not attached", ifcs[i].name,
					  FW_PROG_NAME);
			if (!err)
				err = e;
			continue;
		}
		monitor = !ecbpf_cfg_read(&ifcs[i], &cfg) &&
			  (cfg.monitor_mask & (1u << live.slot));
		if (json) {
			json_t *o = json_object(), *rules = json_array();

			json_object_set_new(o, "interface", json_string(ifcs[i].name));
			json_object_set_new(o, "slot", json_integer(live.slot));
			json_object_set_new(o, "prog_id", json_integer(live.prog_id));
			json_object_set_new(o, "generation", json_integer(live.info.generation));
			json_object_set_new(o, "loaded_at", json_integer(live.info.loaded_at));
			json_object_set_new(o, "monitor", json_boolean(monitor));
			for (int r = 0; r < live.nrules; r++) {
				json_t *ro = json_object();

				json_object_set_new(ro, "rule", json_integer(r + 1));
				json_object_set_new(ro, "name", json_string(rule_name(
					live.text[r], name, sizeof(name))));
				json_object_set_new(ro, "text", json_string(live.text[r]));
				/* jansson integers are signed: counters beyond 2^63 do not occur */
				json_object_set_new(ro, "hits", json_integer((json_int_t)live.hits[r]));
				json_array_append_new(rules, ro);
			}
			json_object_set_new(o, "rules", rules);
			json_array_append_new(arr, o);
		} else {
			char when[64];

			ecbpf_format_time(live.info.loaded_at, when, sizeof(when));
			printf("%s: %s in slot %d, generation %llu, %d rules, %s, loaded %s\n",
			       ifcs[i].name, FW_PROG_NAME, live.slot,
			       (unsigned long long)live.info.generation, live.nrules,
			       monitor ? "monitor" : "enforcing", when);
			printf("%6s %20s  %-24s %s\n", "RULE", "HITS", "NAME", "TEXT");
			for (int r = 0; r < live.nrules; r++)
				printf("%6d %20llu  %-24s %s\n", r + 1,
				       (unsigned long long)live.hits[r],
				       rule_name(live.text[r], name, sizeof(name)), live.text[r]);
		}
		fw_live_free(&live);
	}
	if (json)
		ecbpf_json_dump(root, stdout);
	else
		json_decref(root);
	return err;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "attach", no_argument, NULL, 'a' },
		{ "update", no_argument, NULL, 'u' },
		{ "detach", no_argument, NULL, 'd' },
		{ "stats", no_argument, NULL, 's' },
		{ "validate", no_argument, NULL, 'V' },
		{ "test", required_argument, NULL, 't' },
		{ "rules", required_argument, NULL, 'r' },
		{ "interface", required_argument, NULL, 'i' },
		{ "slot", required_argument, NULL, 'S' },
		{ "monitor", no_argument, NULL, 'm' },
		{ "enforce", no_argument, NULL, 'e' },
		{ "json", no_argument, NULL, 'j' },
		{ "pin-root", required_argument, NULL, 'p' },
		{ "debug", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct ecbpf_iface ifcs[MAX_IFACES];
	const char *list = NULL, *rules = NULL, *pcap = NULL;
	struct fw_ruleset rs = {};
	struct fw_compiled comp = {};
	uint32_t slot = ECBPF_SLOT_FW;
	bool json = false;
	int op = 0, c, n = 0, err = 0, monitor = -1;

	ecbpf_cli_init(argv[0]);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":audsVt:r:i:S:mejp:Dh", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
		case 'u':
		case 'd':
		case 's':
		case 'V':
		case 't':
			if (op && op != c) {
				ecbpf_log(ECBPF_WARN,
					  "choose one of --attach, --update, --detach, --stats, --validate and --test");
				return EX_USAGE;
			}
			op = c;
			if (c == 't')
				pcap = optarg;
			break;
		case 'r': rules = optarg; break;
		case 'i': list = optarg; break;
		case 'S':
			if (ecbpf_parse_u32(optarg, 0, ECBPF_MAX_SLOTS - 1, &slot)) {
				ecbpf_log(ECBPF_WARN, "invalid slot '%s': expected 0-%d", optarg,
					  ECBPF_MAX_SLOTS - 1);
				return EX_USAGE;
			}
			break;
		case 'm': monitor = 1; break;
		case 'e': monitor = 0; break;
		case 'j': json = true; break;
		case 'p': ecbpf_set_pin_root(optarg); break;
		case 'D': ecbpf_set_debug(true); break;
		case 'h': usage(stdout); return EX_OK;
		default:
			return ecbpf_cli_usage_error(c, argv);
		}
	}
	if (!op || optind < argc) {
		ecbpf_log(ECBPF_WARN,
			  "usage: --attach|--update|--detach|--stats|--validate|--test (see --help)");
		return EX_USAGE;
	}
	if ((op == 'a' || op == 'u' || op == 'V' || op == 't') && !rules) {
		ecbpf_log(ECBPF_WARN, "--rules FILE is required");
		return EX_USAGE;
	}
	if ((op == 'a' || op == 'u' || op == 'd' || op == 's') && !list) {
		ecbpf_log(ECBPF_WARN, "--interface LIST is required");
		return EX_USAGE;
	}
	if (list) {
		n = ecbpf_cli_ifaces(list, ifcs, MAX_IFACES);
		if (n < 0)
			return n == -EINVAL ? EX_USAGE : ecbpf_exit_code(n);
	}
	if (rules) {
		err = load_rules(rules, &rs, &comp);
		if (err)
			return err == -EINVAL ? EX_DATAERR : ecbpf_exit_code(err);
	}

	switch (op) {
	case 'V':
		err = validate(&rs, &comp, rules);
		break;
	case 't':
		err = fw_test_pcap(pcap, &rs, &comp, slot, stdout);
		if (err == 1) {
			fw_compiled_free(&comp);
			fw_ruleset_free(&rs);
			return EXIT_FAILURE;
		}
		break;
	case 's':
		err = stats(ifcs, n, json);
		break;
	default:
		for (int i = 0; i < n; i++) {
			int e = op == 'd' ? fw_uninstall(&ifcs[i]) :
				fw_install(&ifcs[i], &rs, &comp, slot, op == 'u', monitor);

			if (e && !err)
				err = e;
		}
	}
	fw_compiled_free(&comp);
	fw_ruleset_free(&rs);
	return ecbpf_exit_code(err);
}
