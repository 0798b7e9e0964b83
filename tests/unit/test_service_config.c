// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* Unit tests of the service config parser and validator (systemd/service_config.c). */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "service_config.h"

#define FIX SRC_DIR "/tests/unit/fixtures/systemd/"
#define R4 FIX "route4-two-defaults"
#define R6 FIX "route6-default"

static char out_buf[8192];

/* Parse TEXT; the problems it prints land in out_buf. Returns the problem count. */
static int parse(const char *text, struct svc_config *cfg)
{
	struct svc_problems p = { .out = fmemopen(out_buf, sizeof(out_buf), "w") };
	int n;

	memset(out_buf, 0, sizeof(out_buf));
	n = svc_config_parse("test.conf", text, R4, R6, cfg, &p);
	fclose(p.out);
	ck_assert_int_eq(n, p.count);
	return n;
}

START_TEST(config_minimal_object_gets_documented_defaults)
{
	struct svc_config cfg;

	ck_assert_int_eq(parse("{}", &cfg), 0);
	ck_assert_str_eq(out_buf, "");
	ck_assert(cfg.comp[SVC_ROOT].enabled);
	ck_assert(!cfg.comp[SVC_FILTER].enabled);
	ck_assert_int_eq(cfg.comp[SVC_FILTER].slot, 2);
	ck_assert_int_eq(cfg.comp[SVC_FW].slot, 5);
	ck_assert_int_eq(cfg.comp[SVC_SAMPLER].slot, -1);
	ck_assert_uint_eq(svc_get(&cfg, SVC_FILTER, "ptb_max_pps")->u32, 200);
	ck_assert_uint_eq(svc_get(&cfg, SVC_FILTER, "frags_drop")->u32, 0);
	ck_assert_uint_eq(svc_get(&cfg, SVC_SAMPLER, "rate")->u32, 2500);
	ck_assert_uint_eq(svc_get(&cfg, SVC_SAMPLER, "snaplen")->u32, 256);
	ck_assert_str_eq(svc_get(&cfg, SVC_SAMPLER, "format")->str, "pcapng");
	ck_assert_str_eq(svc_get(&cfg, SVC_EXPORTER, "listen")->str, "");
	ck_assert_int_eq(cfg.mode, SVC_MODE_NATIVE);
	/* No interfaces: the default route with the lowest metric (bond0, 100 < 200). */
	ck_assert(cfg.ifaces_from_route);
	ck_assert_int_eq(cfg.n_ifaces, 1);
	ck_assert_str_eq(cfg.ifaces[0], "bond0");
}
END_TEST

START_TEST(config_full_file_is_read_key_by_key)
{
	struct svc_config cfg;
	char list[64];

	ck_assert_int_eq(parse("{\"interfaces\": [\"eth0\", \"eth1\"], \"xdp_mode\": \"generic\","
			       "\"root\": {\"enabled\": true, \"nop_on_detach\": true},"
			       "\"filter\": {\"enabled\": true, \"slot\": 3, \"frags_drop\": true,"
			       " \"ptb_max_pps\": 0, \"drop_file\": \"/etc/ecbpf/drop.txt\"},"
			       "\"fw\": {\"enabled\": true, \"rules\": \"/etc/ecbpf/fw.rules\","
			       " \"monitor\": true},"
			       "\"sampler\": {\"enabled\": true, \"rate\": 1, \"snaplen\": 1522,"
			       " \"publish\": \"tcp://[::1]:5556\", \"format\": \"pcap\"},"
			       "\"exporter\": {\"enabled\": true, \"textfile\": \"/var/lib/x.prom\","
			       " \"statsd\": \"127.0.0.1:8125\", \"interval\": 60}}",
			       &cfg),
			 0);
	ck_assert_str_eq(out_buf, "");
	ck_assert(!cfg.ifaces_from_route);
	svc_iface_list(&cfg, list, sizeof(list));
	ck_assert_str_eq(list, "eth0,eth1");
	ck_assert_int_eq(cfg.mode, SVC_MODE_GENERIC);
	ck_assert_uint_eq(svc_get(&cfg, SVC_ROOT, "nop_on_detach")->u32, 1);
	ck_assert_int_eq(cfg.comp[SVC_FILTER].slot, 3);
	ck_assert_uint_eq(svc_get(&cfg, SVC_FILTER, "frags_drop")->u32, 1);
	ck_assert_uint_eq(svc_get(&cfg, SVC_FILTER, "ptb_max_pps")->u32, 0);
	ck_assert_str_eq(svc_get(&cfg, SVC_FILTER, "drop_file")->str, "/etc/ecbpf/drop.txt");
	ck_assert_uint_eq(svc_get(&cfg, SVC_FW, "monitor")->u32, 1);
	ck_assert_uint_eq(svc_get(&cfg, SVC_SAMPLER, "snaplen")->u32, 1522);
	ck_assert_str_eq(svc_get(&cfg, SVC_SAMPLER, "publish")->str, "tcp://[::1]:5556");
	ck_assert_str_eq(svc_get(&cfg, SVC_EXPORTER, "statsd")->str, "127.0.0.1:8125");
	ck_assert_uint_eq(svc_get(&cfg, SVC_EXPORTER, "interval")->u32, 60);
}
END_TEST

START_TEST(config_syntax_error_names_line_and_column)
{
	struct svc_config cfg;

	ck_assert_int_eq(parse("{\n  \"root\": {\"enabled\": tru}\n}", &cfg), 1);
	ck_assert_str_eq(out_buf, "test.conf: line 2, column 25: invalid token near 'tru'\n");
	ck_assert(!cfg.parsed);
}
END_TEST

START_TEST(config_every_problem_is_reported_as_file_key_problem)
{
	struct svc_config cfg;

	ck_assert_int_eq(parse("{\"interfaces\": [\"eth0\", \"eth0\", \"a/b\", \"waytoolonginterface\"],"
			       "\"xdp_mode\": \"skb\", \"colour\": 1,"
			       "\"filter\": {\"enabled\": \"yes\", \"slot\": 8, \"ptb_max_pps\": -1,"
			       " \"drop_file\": \"drop.txt\", \"typo\": 1},"
			       "\"sampler\": {\"snaplen\": 0, \"format\": \"csv\","
			       " \"publish\": \"udp://1.2.3.4:5\"},"
			       "\"exporter\": {\"listen\": \"9435\", \"statsd\": \"host:0\"}}",
			       &cfg),
			 15);
	ck_assert_str_eq(out_buf,
			 "test.conf: interfaces[1]: 'eth0' is listed twice\n"
			 "test.conf: interfaces[2]: expected an interface name of 1-15 characters\n"
			 "test.conf: interfaces[3]: expected an interface name of 1-15 characters\n"
			 "test.conf: xdp_mode: expected \"native\" or \"generic\"\n"
			 "test.conf: colour: unknown key\n"
			 "test.conf: filter.enabled: expected true or false\n"
			 "test.conf: filter.slot: expected a slot from 0 to 7\n"
			 "test.conf: filter.ptb_max_pps: expected an integer from 0 to 1000000\n"
			 "test.conf: filter.drop_file: expected an absolute path, got 'drop.txt'\n"
			 "test.conf: filter.typo: unknown key\n"
			 "test.conf: sampler.snaplen: expected an integer from 1 to 1522\n"
			 "test.conf: sampler.format: expected one of pcapng, pcap, got 'csv'\n"
			 "test.conf: sampler.publish: expected tcp://HOST:PORT, got 'udp://1.2.3.4:5'\n"
			 "test.conf: exporter.listen: expected HOST:PORT or [IPV6]:PORT, got '9435'\n"
			 "test.conf: exporter.statsd: expected HOST:PORT or [IPV6]:PORT, got 'host:0'\n");
}
END_TEST

START_TEST(config_cross_key_rules_are_checked)
{
	struct svc_config cfg;

	ck_assert_int_eq(parse("{\"interfaces\": [\"eth0\"], \"root\": {\"enabled\": false},"
			       "\"filter\": {\"enabled\": true, \"slot\": 5},"
			       "\"fw\": {\"enabled\": true},"
			       "\"sampler\": {\"enabled\": true, \"write\": \"\"},"
			       "\"exporter\": {\"enabled\": true, \"listen\": \"[::1]:1\","
			       " \"textfile\": \"/x.prom\"}}",
			       &cfg),
			 7);
	ck_assert_str_eq(out_buf,
			 "test.conf: filter.enabled: needs root.enabled: the root carries every slot\n"
			 "test.conf: fw.enabled: needs root.enabled: the root carries every slot\n"
			 "test.conf: fw.rules: required when fw is enabled\n"
			 "test.conf: fw.slot: slot 5 is already used by filter\n"
			 "test.conf: sampler.enabled: needs root.enabled: the root carries every slot\n"
			 "test.conf: sampler: needs an output: set write or publish\n"
			 "test.conf: exporter.listen: serve (listen) or push (textfile, statsd), not both\n");
}
END_TEST

START_TEST(config_disabled_component_slot_does_not_clash)
{
	struct svc_config cfg;

	ck_assert_int_eq(parse("{\"interfaces\": [\"eth0\"], \"filter\": {\"enabled\": true,"
			       " \"slot\": 5}, \"fw\": {\"enabled\": false}}",
			       &cfg),
			 0);
}
END_TEST

START_TEST(config_rejects_duplicate_keys_and_non_objects)
{
	struct svc_config cfg;

	ck_assert_int_eq(parse("{\"root\": {}, \"root\": {}}", &cfg), 1);
	ck_assert_ptr_nonnull(strstr(out_buf, "duplicate object key"));
	ck_assert_int_eq(parse("[1, 2]", &cfg), 1);
	ck_assert_str_eq(out_buf, "test.conf: (top): expected a JSON object\n");
	ck_assert_int_eq(parse("{\"interfaces\": [], \"filter\": []}", &cfg), 1);
	ck_assert_str_eq(out_buf, "test.conf: filter: expected an object\n");
}
END_TEST

START_TEST(config_unknown_file_is_a_problem)
{
	struct svc_problems p = { .out = fmemopen(out_buf, sizeof(out_buf), "w") };
	struct svc_config cfg;

	memset(out_buf, 0, sizeof(out_buf));
	ck_assert_int_eq(svc_config_load("/nonexistent/ecbpf.conf", R4, R6, &cfg, &p), 1);
	fclose(p.out);
	ck_assert_str_eq(out_buf,
			 "/nonexistent/ecbpf.conf: (file): cannot read: No such file or directory\n");
}
END_TEST

START_TEST(config_example_file_is_valid)
{
	struct svc_problems p = { .out = fmemopen(out_buf, sizeof(out_buf), "w") };
	struct svc_config cfg;

	memset(out_buf, 0, sizeof(out_buf));
	ck_assert_int_eq(svc_config_load(SRC_DIR "/systemd/ecbpf.conf.example", R4, R6, &cfg, &p),
			 0);
	fclose(p.out);
	ck_assert_str_eq(out_buf, "");
	ck_assert(cfg.comp[SVC_ROOT].enabled);
	ck_assert(cfg.comp[SVC_FILTER].enabled);
	ck_assert(!cfg.comp[SVC_FW].enabled);
	ck_assert(cfg.ifaces_from_route);
}
END_TEST

START_TEST(default_route_ipv4_lowest_metric_wins)
{
	char name[IF_NAMESIZE];

	ck_assert_int_eq(svc_default_route_iface(R4, FIX "route6-no-default", name), 0);
	ck_assert_str_eq(name, "bond0");
}
END_TEST

START_TEST(default_route_falls_back_to_ipv6_skipping_lo_unreachable)
{
	char name[IF_NAMESIZE];

	ck_assert_int_eq(svc_default_route_iface(FIX "route4-no-default", R6, name), 0);
	ck_assert_str_eq(name, "eth6");
}
END_TEST

START_TEST(default_route_none_is_reported)
{
	struct svc_problems p = { .out = fmemopen(out_buf, sizeof(out_buf), "w") };
	struct svc_config cfg;
	char name[IF_NAMESIZE];

	ck_assert_int_eq(svc_default_route_iface(FIX "route4-no-default",
						 FIX "route6-no-default", name),
			 -ENOENT);
	memset(out_buf, 0, sizeof(out_buf));
	ck_assert_int_eq(svc_config_parse("x.conf", "{}", FIX "route4-no-default",
					  FIX "route6-no-default", &cfg, &p),
			 1);
	fclose(p.out);
	ck_assert_str_eq(out_buf, "x.conf: interfaces: none given and no default route to take "
				  "one from (no default route)\n");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("service_config");
	TCase *tc = tcase_create("config");

	tcase_add_test(tc, config_minimal_object_gets_documented_defaults);
	tcase_add_test(tc, config_full_file_is_read_key_by_key);
	tcase_add_test(tc, config_syntax_error_names_line_and_column);
	tcase_add_test(tc, config_every_problem_is_reported_as_file_key_problem);
	tcase_add_test(tc, config_cross_key_rules_are_checked);
	tcase_add_test(tc, config_disabled_component_slot_does_not_clash);
	tcase_add_test(tc, config_rejects_duplicate_keys_and_non_objects);
	tcase_add_test(tc, config_unknown_file_is_a_problem);
	tcase_add_test(tc, config_example_file_is_valid);
	tcase_add_test(tc, default_route_ipv4_lowest_metric_wins);
	tcase_add_test(tc, default_route_falls_back_to_ipv6_skipping_lo_unreachable);
	tcase_add_test(tc, default_route_none_is_reported);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
