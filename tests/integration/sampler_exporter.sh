#!/bin/bash
# ecbpf_exporter: /metrics passes promtool and equals xdp_root_loader --status
# --json after a known number of packets; the textfile and statsd outputs carry
# the same counters; components that are not loaded are absent.
source "$SRC/tests/lib/lab.sh"
source "$SRC/tests/integration/sampler_lib.sh"

sampler_lab_up || exit 1
sampler_attach || { fail "root and drop slot attached"; exit 1; }
EXPORTER=$(tool_path ecbpf_exporter)
URL=http://127.0.0.1:9771/metrics

tool ecbpf_exporter --interface nosuch0 --textfile "$TMPD/x.prom" 2>/dev/null
expect_eq "unknown interface: exit 66" "$?" 66

expect_eq "5 more pings dropped by slot 3" "$(ping_count 5)" 0

nsenter --net=/run/netns/"$SRV" "$EXPORTER" --listen 127.0.0.1:9771 2>"$TMPD/exporter.err" &
EXP_PID=$!
lab_bg "$EXP_PID"
wait_for_line "$TMPD/exporter.err" "serving" || fail "exporter starts"

# Verdict counters as "slot action packets bytes" lines, from the JSON status and from metrics.
json_rows() {
	tool xdp_root_loader --status --json --interface eth0 | jq -r '.interfaces[0] |
		(.slots[] | .slot as $s | .actions | to_entries[] |
			"\($s) \(.key) \(.value.packets) \(.value.bytes)"),
		(.root_actions | to_entries[] | "root \(.key) \(.value.packets) \(.value.bytes)")' | sort
}
metric_rows() {
	sed -n 's/^ecbpf_xdp_\(packets\|bytes\)_total{interface="eth0",slot="\([^"]*\)",action="\([^"]*\)"} \([0-9]*\)$/\2 \3 \1 \4/p' "$1" |
		awk '{ k = $1 " " $2; if ($3 == "packets") p[k] = $4; else b[k] = $4 }
		     END { for (k in p) print k, p[k], b[k] }' | sort
}
# value FILE SERIES: the value of one series.
value() { grep -F "$2 " "$1" | awk '{ print $2 }'; }

for try in 1 2 3; do	# counters must not move between the two reads of the comparison
	before=$(json_rows)
	in_srv curl -sf "$URL" >"$TMPD/metrics.txt"
	after=$(json_rows)
	[ "$before" == "$after" ] && break
done
check "promtool check metrics accepts /metrics" promtool check metrics <"$TMPD/metrics.txt"
expect_eq "/metrics: every slot x action counter equals the status JSON" \
	"$(metric_rows "$TMPD/metrics.txt")" "$after"
expect_eq "/metrics: 9 rows x 6 actions" "$(metric_rows "$TMPD/metrics.txt" | wc -l)" 54
expect_eq "/metrics: the 6 dropped pings" \
	"$(value "$TMPD/metrics.txt" 'ecbpf_xdp_packets_total{interface="eth0",slot="3",action="XDP_DROP"}')" 6
expect_eq "/metrics: their bytes (6 x 98)" \
	"$(value "$TMPD/metrics.txt" 'ecbpf_xdp_bytes_total{interface="eth0",slot="3",action="XDP_DROP"}')" 588
expect_eq "/metrics: reason counter" \
	"$(value "$TMPD/metrics.txt" 'ecbpf_xdp_reason_packets_total{interface="eth0",reason="test"}')" 6
expect_contains "/metrics: slot program name and id" "$(cat "$TMPD/metrics.txt")" \
	"ecbpf_slot_info{interface=\"eth0\",slot=\"3\",program=\"test_slot\",id=\"$(tool xdp_root_loader --status --json --interface eth0 | jq -r '.interfaces[0].slots[3].program.id')\""
expect_contains "/metrics: root program" "$(cat "$TMPD/metrics.txt")" \
	'ecbpf_root_info{interface="eth0",program="xdp_root"'
expect_eq "/metrics: sampler rate" \
	"$(value "$TMPD/metrics.txt" 'ecbpf_sampler_rate{interface="eth0"}')" \
	"$(tool xdp_root_loader --status --json --interface eth0 | jq -r '.interfaces[0].sampling.rate')"
check "/metrics: sampler no-reader counter present" \
	grep -q '^ecbpf_sampler_no_reader_total{interface="eth0"} [0-9]' "$TMPD/metrics.txt"
if [ -z "$(tool_path xdp_filter)" ]; then
	expect_eq "/metrics: no filter counters without xdp_filter" \
		"$(grep -c '^ecbpf_filter_' "$TMPD/metrics.txt")" 0
fi
expect_eq "/metrics: fw rule hits absent without xdp_fw" \
	"$(grep -c '^ecbpf_fw_' "$TMPD/metrics.txt")" 0
expect_eq "other paths: 404" \
	"$(in_srv curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:9771/nothing)" 404
stop_rc "$EXP_PID"
expect_eq "exporter: SIGTERM exit code 0" "$RC" 0

# node_exporter textfile: written once, atomically, same counters.
tool ecbpf_exporter --interface eth0 --textfile "$TMPD/ecbpf.prom"
expect_eq "--textfile: exit 0" "$?" 0
check "--textfile: no temporary file left" test ! -e "$TMPD/ecbpf.prom.tmp"
check "promtool check metrics accepts the textfile" promtool check metrics <"$TMPD/ecbpf.prom"
expect_eq "--textfile: counters equal the status JSON" "$(metric_rows "$TMPD/ecbpf.prom")" "$(json_rows)"

# statsd: one push of the same counters over UDP.
nsenter --net=/run/netns/"$SRV" /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 8125))
s.settimeout(5)
out = open(sys.argv[1], "w")
print("ready", flush=True)
try:
    while True:
        out.write(s.recv(65536).decode())
        out.flush()
        s.settimeout(1)
except socket.timeout:
    pass
' "$TMPD/statsd.txt" >"$TMPD/statsd.ready" &
UDP_PID=$!
lab_bg "$UDP_PID"
wait_for_line "$TMPD/statsd.ready" ready
tool ecbpf_exporter --interface eth0 --statsd 127.0.0.1:8125
expect_eq "--statsd: exit 0" "$?" 0
wait "$UDP_PID"
expect_contains "--statsd: slot 3 drops as a counter" "$(cat "$TMPD/statsd.txt")" \
	"ecbpf.xdp_packets_total.eth0.3.XDP_DROP:6|c"
expect_contains "--statsd: sampler rate as a gauge" "$(cat "$TMPD/statsd.txt")" \
	"ecbpf.sampler_rate.eth0:"
expect_eq "--statsd: every line is name:value|type" \
	"$(grep -cvE '^ecbpf\.[A-Za-z0-9_.-]+:[0-9]+\|[cg]$' "$TMPD/statsd.txt")" 0

tool ecbpf_test_slot --detach --interface eth0 --slot 3

# Components' own counters, when those components are built: xdp_filter's
# counters and xdp_fw's per-rule hits equal what their own tools report.
if [ -n "$(tool_path xdp_filter)" ] && [ -n "$(tool_path xdp_fw)" ]; then
	# The pings' rule is rule 3: its counter is not at index 2 of fw_hits (fw_hit_slot()).
	printf '%s\n' 'ip from any to any udp dport { 7 } name "echo"' \
		'ip from any to any tcp dport { 7 } name "echo tcp"' \
		'ip from any to any icmp type 8 name "pings"' \
		'ip from any to any udp dport { 9 } name "discard"' >"$TMPD/fw.rules"
	tool xdp_filter --attach --interface eth0 >/dev/null 2>&1
	tool xdp_fw --attach --rules "$TMPD/fw.rules" --interface eth0 >/dev/null 2>&1
	in_cli ping -R -c 3 -i 0.05 -W 1 -q "$SRV_IP" >/dev/null 2>&1	# IPv4 options: filter drops
	ping_count 4 >/dev/null						# echo requests: fw rule 3
	tool xdp_fw --update --rules "$TMPD/fw.rules" --interface eth0 >/dev/null 2>&1
	ping_count 2 >/dev/null						# hits carried over the update
	tool ecbpf_exporter --interface eth0 --textfile "$TMPD/comp.prom"
	check "promtool accepts the components' metrics" promtool check metrics <"$TMPD/comp.prom"
	expect_eq "fw rule 3 hits equal xdp_fw --stats (after --update)" \
		"$(value "$TMPD/comp.prom" 'ecbpf_fw_rule_hits_total{interface="eth0",rule="3"}')" \
		"$(tool xdp_fw --stats --json --interface eth0 | jq -r '.interfaces[0].rules[2].hits')"
	expect_eq "fw rule 3: 6 hits" \
		"$(value "$TMPD/comp.prom" 'ecbpf_fw_rule_hits_total{interface="eth0",rule="3"}')" 6
	expect_eq "fw rules without hits are left out" \
		"$(grep -c 'ecbpf_fw_rule_hits_total{' "$TMPD/comp.prom")" 1
	expect_eq "filter counters equal xdp_filter --status" \
		"$(sed -n 's/^ecbpf_filter_\(.*\)_total{interface="eth0"} \([0-9]*\)$/\1 \2/p' "$TMPD/comp.prom" | sort)" \
		"$(tool xdp_filter --status --json --interface eth0 | jq -r '.interfaces[0].stats | to_entries[] |
			"\(.key | sub("_count$"; "")) \(.value)"' | sort)"
	expect_eq "filter: the 3 pings with IP options" \
		"$(value "$TMPD/comp.prom" 'ecbpf_filter_ip_options_drop_total{interface="eth0"}')" 3
	tool xdp_fw --detach --interface eth0 >/dev/null 2>&1
	tool xdp_filter --detach --purge --interface eth0 >/dev/null 2>&1
fi

tool xdp_root_loader --detach --interface eth0 >/dev/null
lab_assert_clean "after detach"
