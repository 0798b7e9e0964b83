#!/bin/bash
# The integration smoke of the kernel matrix, on a veth pair inside the guest:
# every component attached through its tool, on this kernel's verifier and
# XDP, with real packets and their verdicts, counters and output checked.
#   root     attach, --status --json names each slot's program
#   filter   a drop list stops the client's pings and counts them; with
#            --frags-drop a big ping gets "frag needed" back and its second
#            fragment is dropped
#   fw       a 4,096-rule set drops one port and nothing else, counts the
#            hits; --update swaps in a set that drops another port
#   sampler  a pcapng of the filter's drops, each with its verdict comment
#   detach   nothing left: no XDP program, no pins
# Runs on the host as well (it needs BUILD and SRC, as ctest sets them).
source "$SRC/tests/lib/lab.sh"
source "$SRC/tests/integration/filter_lib.sh"
source "$SRC/tests/integration/fw_lib.sh"
source "$SRC/tests/integration/sampler_lib.sh"

filter_lab_up || { fail "lab up with the root attached"; exit 1; }
trap 'lab_down; _sampler_cleanup; lab_summary_exit' EXIT
in_cli sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1
in_cli ping -c 1 -W 1 "$SRV_IP" >/dev/null 2>&1 # ARP

status() { tool xdp_root_loader --status --json --interface eth0; }
# exits_0 NAME TOOL ARGS...: the tool succeeds; its first lines of stderr shown if not.
exits_0() {
	local name=$1 rc
	shift
	tool "$@" >/dev/null 2>"$TMPD/err"
	rc=$?
	if [ $rc -eq 0 ]; then ok "$name"; else fail "$name: exit $rc: $(head -3 "$TMPD/err")"; fi
}
expect_eq "root: --status --json names xdp_root" "$(status | jq -r '.interfaces[0].root.name')" xdp_root

# ---- filter ----
exits_0 "filter: attach" xdp_filter --attach --interface eth0
expect_eq "filter: in slot 2" "$(status | jq -r '.interfaces[0].slots[2].program.name')" xdp_filter_prog
expect_eq "filter: pings pass" "$(ping_count 3)" 3
exits_0 "filter: --drop with a list" xdp_filter --drop --ips "$CLI_IP/32,192.0.2.0/24,2001:db8::/32" \
	--tags smoke --interface eth0
expect_eq "filter: the client's pings dropped" "$(ping_count 3)" 0
expect_eq "filter: ip_drop_count 3" "$(filter_stat ip_drop_count)" 3
expect_eq "root: slot 2 dropped 3" "$(slot_count 2 XDP_DROP)" 3

# ---- sampler: the next drops, sampled 1 in 1 into pcapng ----
sampler_start --interface eth0 --rate 1 --write "$TMPD/s.pcapng" --interval 1 ||
	fail "sampler: starts"
expect_eq "sampler: dropped pings while sampling" "$(ping_count 4)" 0
sleep 1.2
stop_rc "$SAMPLER_PID"
expect_eq "sampler: SIGTERM exit 0" "$RC" 0
expect_eq "sampler: pcapng holds the 4 pings" \
	"$(tcpdump -n -r "$TMPD/s.pcapng" icmp 2>/dev/null | grep -c "IP $CLI_IP > $SRV_IP: ICMP echo request")" 4
comments=$(tshark -r "$TMPD/s.pcapng" -Y icmp -T fields -e frame.comment 2>/dev/null | sort -u)
[ -n "$comments" ] || comments=$(tshark -r "$TMPD/s.pcapng" -Y icmp -T fields \
	-e frame.comment.comment 2>/dev/null | sort -u)
expect_contains "sampler: verdict comment" "$comments" "slot=2 action=XDP_DROP reason="

tool xdp_filter --no-drop --ips "$CLI_IP/32" --interface eth0 2>/dev/null
expect_eq "filter: --no-drop, pings pass" "$(ping_count 3)" 3

exits_0 "filter: --frags-drop" xdp_filter --frags-drop --interface eth0
out=$(in_cli ping -c 2 -i 0.2 -W 1 -s 2000 "$SRV_IP" 2>&1)
expect_contains "filter: big ping gets frag needed" "$out" "Frag needed and DF set (mtu = 1500)"
expect_eq "filter: two replies sent" "$(filter_stat ptb_sent_count)" 2
expect_eq "filter: second fragments dropped" "$(filter_stat ip_frag_drop_count)" 2
tool xdp_filter --no-frags-drop --interface eth0 2>/dev/null

# ---- fw: 4,096 rules, then --update ----
rules() { # PORT: 4,095 rules that match nothing here, then one dropping PORT
	local i
	for i in $(seq 0 4094); do
		echo "ip from 172.16.$((i % 64)).0/24 to any udp dport $((20000 + i))"
	done
	echo "ip from { $CLI_IP } to any udp dport $1 name \"smoke $1\""
}
rules 9000 >"$TMPD/a.rules"
rules 9001 >"$TMPD/b.rules"
expect_eq "fw: 4,096 rules" "$(grep -c . "$TMPD/a.rules")" 4096
# At most 8,192 bitmaps: the fw_words path, the one large rule sets take.
bitmaps=$(tool xdp_fw --validate --rules "$TMPD/a.rules" 2>&1 >/dev/null | sed -n 's/.*(\([0-9]*\) bitmaps.*/\1/p')
expect_le "fw: the set takes the fw_words path ($bitmaps bitmaps)" "${bitmaps:-99999}" 8192
exits_0 "fw: attach 4,096 rules" xdp_fw --attach --rules "$TMPD/a.rules" --interface eth0
expect_eq "fw: in slot 5" "$(status | jq -r '.interfaces[0].slots[5].program.name')" xdp_fw
n0=$(server_snmp Udp NoPorts)
client_udp 9000 20
client_udp 9001 7
expect_eq "fw: only port 9001 reaches the server" "$(($(server_snmp Udp NoPorts) - n0))" 7
expect_eq "fw: rule 4096 has the 20 hits" "$(fw_hits 4096)" 20
exits_0 "fw: --update" xdp_fw --update --rules "$TMPD/b.rules" --interface eth0
expect_eq "fw: generation 2" "$(fw_json .generation)" 2
n0=$(server_snmp Udp NoPorts)
client_udp 9000 5
client_udp 9001 9
expect_eq "fw: after the update only port 9000 reaches the server" "$(($(server_snmp Udp NoPorts) - n0))" 5
expect_eq "fw: the new rule 4096 has the 9 hits" "$(fw_hits 4096)" 9
expect_eq "root: slot 5 dropped 29" "$(slot_count 5 XDP_DROP)" 29

# ---- status, detach ----
expect_eq "root: --status --json is one JSON document" "$(status | jq -r '.interfaces | length')" 1
exits_0 "fw: detach" xdp_fw --detach --interface eth0
exits_0 "filter: detach --purge" xdp_filter --detach --purge --interface eth0
exits_0 "root: detach" xdp_root_loader --detach --interface eth0
lab_assert_clean "smoke"
