#!/bin/bash
# xdp_filter with real pings: fragments pass when frags_drop is off; with it on
# the client's ping -s 2000 gets "Frag needed" (IPv4) / "Packet too big"
# (IPv6) from the XDP_TX reply; a ping flood gets at most about ptb_max_pps
# replies per second.
source "$SRC/tests/lib/lab.sh"
source "$SRC/tests/integration/filter_lib.sh"

filter_lab_up || { fail "lab, client XDP and root attached"; exit 1; }
tool xdp_filter --attach --interface eth0 2>/dev/null
expect_eq "attach: exit 0" "$?" 0
expect_eq "attach: filter in slot 2" "$(filter_json .slot)" 2

# frags_drop off (the default): a 2000-byte ping is fragmented and answered.
out=$(in_cli ping -c 3 -i 0.2 -W 1 -s 2000 "$SRV_IP" 2>&1)
expect_contains "frags_drop off: IPv4 big ping answered" "$out" "3 received"
out=$(in_cli ping -6 -c 3 -i 0.2 -W 1 -s 2000 "$SRV_IP6" 2>&1)
expect_contains "frags_drop off: IPv6 big ping answered" "$out" "3 received"
expect_eq "frags_drop off: nothing dropped" "$(filter_stat ip_frag_drop_count)" 0

tool xdp_filter --frags-drop --interface eth0
expect_eq "--frags-drop: exit 0" "$?" 0
expect_eq "--frags-drop: config says so" "$(filter_json .config.frags_drop)" true
out=$(in_cli ping -c 2 -i 0.2 -W 1 -s 2000 "$SRV_IP" 2>&1)
expect_contains "IPv4: client reads Frag needed with the MTU" "$out" \
	"From $SRV_IP icmp_seq=1 Frag needed and DF set (mtu = 1500)"
expect_contains "IPv4: no echo reply" "$out" "0 received, +2 errors"
expect_eq "IPv4: two replies sent" "$(filter_stat ptb_sent_count)" 2
expect_eq "IPv4: the second fragments dropped" "$(filter_stat ip_frag_drop_count)" 2
expect_eq "root status: slot 2 TX twice" "$(slot_count 2 XDP_TX)" 2
out=$(in_cli ping -6 -c 2 -i 0.2 -W 1 -s 2000 "$SRV_IP6" 2>&1)
# The first IPv6 fragment carries 1448 bytes (a multiple of 8) after 48 header bytes.
expect_contains "IPv6: client reads Packet too big with the fragment's length" "$out" "From $SRV_IP6 icmp_seq=1 Packet too big: mtu=1496"
expect_contains "IPv6: no echo reply" "$out" "0 received, +2 errors"
expect_eq "IPv6: two more replies" "$(filter_stat ptb_sent_count)" 4
expect_eq "IPv6: the second fragments dropped" "$(filter_stat ip6_frag_drop_count)" 2
expect_eq "small pings still pass" "$(ping_count 3)" 3

# A flood of first fragments: the budget is per interface, not per CPU.
tool xdp_filter --ptb-max-pps 10 --clear-status --interface eth0
expect_eq "--ptb-max-pps 10" "$(filter_json .config.ptb_max_pps)" 10
before=$(client_snmp Icmp InDestUnreachs)
t0=$(date +%s%N)
# Not -w: ping ends a deadline run at the first error.
in_cli ping -f -c 300 -W 0.05 -s 2000 "$SRV_IP" >/dev/null 2>&1
t1=$(date +%s%N)
sleep 0.2	# replies to the last pings
after=$(client_snmp Icmp InDestUnreachs)
got=$((after - before))
sent=$(filter_stat ptb_sent_count)
limited=$(filter_stat ptb_rate_limited_count)
windows=$(( (t1 - t0) / 1000000000 + 2 ))
echo "# flood: 300 pings in $(( (t1 - t0) / 1000000 )) ms: client got $got Frag needed, filter sent $sent, rate-limited $limited"
expect_eq "flood: client got what the filter sent" "$got" "$sent"
expect_le "flood: at most 10 per one-second window ($windows windows)" "$got" $((10 * windows))
expect_ge "flood: the budget was used" "$got" 10
expect_eq "flood: every other first fragment rate limited" "$limited" $((300 - sent))

tool xdp_filter --ptb-max-pps 0 --clear-status --interface eth0
out=$(in_cli ping -c 2 -i 0.2 -W 1 -s 2000 "$SRV_IP" 2>&1)
expect_contains "ptb_max_pps 0: no reply at all" "$out" "0 received"
expect_eq "ptb_max_pps 0: ptb_send? false" "$(tool xdp_filter --status --interface eth0 |
	grep '^ptb_send?')" "ptb_send? false"
expect_eq "ptb_max_pps 0: both fragments counted dropped" "$(filter_stat ip_frag_drop_count)" 4

tool xdp_filter --no-frags-drop --interface eth0
out=$(in_cli ping -c 2 -i 0.2 -W 1 -s 2000 "$SRV_IP" 2>&1)
expect_contains "--no-frags-drop: big pings answered again" "$out" "2 received"

tool xdp_filter --detach --purge --interface eth0 2>/dev/null
expect_eq "detach --purge: exit 0" "$?" 0
tool xdp_root_loader --detach --interface eth0 >/dev/null 2>&1
lab_assert_clean "after detach"
