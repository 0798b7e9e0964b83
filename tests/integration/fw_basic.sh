#!/bin/bash
# xdp_fw against a real interface: a rule on the client's UDP port stops that
# traffic and nothing else and counts its hits; --stats text and JSON; bad
# rules change nothing; --update keeps the hits of unchanged rules; monitor
# mode; detach leaves nothing behind.
source "$SRC/tests/lib/lab.sh"
source "$SRC/tests/integration/fw_lib.sh"

lab_up || { fail "lab up"; exit 1; }
TMPD=$(mktemp -d)
trap 'rm -rf "$TMPD"; lab_down; lab_summary_exit' EXIT

cat >"$TMPD/drop7777.rules" <<RULES
# the client's UDP to port 7777
ip from { $CLI_IP } to { $SRV_IP/32 } udp dport { 7777 } name "client udp 7777"
ip6 from any to any tcp dport 1 name "unused"
RULES

# Before the root: a clear error, nothing created.
err=$(tool xdp_fw --attach --rules "$TMPD/drop7777.rules" --interface eth0 2>&1)
expect_eq "no root: exit 69" "$?" 69
expect_contains "no root: says so" "$err" "run 'xdp_root_loader --attach --interface eth0' first"

tool xdp_root_loader --attach --interface eth0 >/dev/null 2>&1 || { fail "root attach"; exit 1; }

# A rules file with an error: FILE:line:col, exit 65, the slot stays empty.
printf 'ip from any to any udp\nip from any to any udp dport 70000\n' >"$TMPD/bad.rules"
err=$(tool xdp_fw --attach --rules "$TMPD/bad.rules" --interface eth0 2>&1)
expect_eq "bad rules: exit 65" "$?" 65
expect_eq "bad rules: FILE:line:col message" "$err" "xdp_fw: $TMPD/bad.rules:2:30: port 70000 is over 65535"
expect_eq "bad rules: nothing loaded" "$(tool xdp_root_loader --status --json --interface eth0 | jq -r '.interfaces[0].slots[5].program.id // 0')" 0

tool xdp_fw --attach --rules "$TMPD/drop7777.rules" --interface eth0 2>/dev/null
expect_eq "attach: exit 0" "$?" 0
expect_eq "attach: xdp_fw in slot 5" "$(tool xdp_root_loader --status --json --interface eth0 | jq -r '.interfaces[0].slots[5].program.name')" xdp_fw

noports0=$(server_snmp Udp NoPorts)
client_udp 7777 25
client_udp 7778 10
sleep 0.3
noports1=$(server_snmp Udp NoPorts)
expect_eq "udp 7777 dropped, 7778 delivered" "$((noports1 - noports0))" 10
expect_eq "rule 1 counts 25 hits" "$(fw_hits 1)" 25
expect_eq "rule 2 counts none" "$(fw_hits 2)" 0
expect_eq "slot 5 dropped 25" "$(slot_count 5 XDP_DROP)" 25
expect_eq "reason fw_rule: 25" "$(reason_count fw_rule)" 25
expect_eq "pings pass" "$(ping_count 3)" 3

# --stats: text and JSON field by field.
stats=$(tool xdp_fw --stats --interface eth0)
expect_contains "stats text: header" "$(echo "$stats" | sed -n 1p)" "eth0: xdp_fw in slot 5, generation 1, 2 rules, enforcing, loaded "
expect_eq "stats text: columns" "$(echo "$stats" | sed -n 2p | tr -s ' ')" " RULE HITS NAME TEXT"
expect_eq "stats text: rule 1" "$(echo "$stats" | sed -n 3p | tr -s ' ')" \
	" 1 25 client udp 7777 ip from { $CLI_IP/32 } to { $SRV_IP/32 } udp dport { 7777 } name \"client udp 7777\""
expect_eq "stats json: generation" "$(fw_json .generation)" 1
expect_eq "stats json: slot" "$(fw_json .slot)" 5
expect_eq "stats json: monitor" "$(fw_json .monitor)" false
expect_eq "stats json: rule 1" "$(fw_json '.rules[0] | "\(.rule)|\(.name)|\(.hits)"')" "1|client udp 7777|25"
expect_eq "stats json: rule 2 text" "$(fw_json '.rules[1].text')" 'ip6 from any to any tcp dport { 1 } name "unused"'

# --update: the unchanged rule keeps its hits under its new number.
cat >"$TMPD/next.rules" <<RULES
ip from any to any udp dport 7778 name "udp 7778"
ip from { $CLI_IP } to { $SRV_IP/32 } udp dport { 7777 } name "client udp 7777"
RULES
tool xdp_fw --update --rules "$TMPD/next.rules" --interface eth0 2>/dev/null
expect_eq "update: exit 0" "$?" 0
expect_eq "update: generation 2" "$(fw_json .generation)" 2
expect_eq "update: unchanged rule keeps 25 hits as rule 2" "$(fw_hits 2)" 25
expect_eq "update: new rule starts at 0" "$(fw_hits 1)" 0
client_udp 7778 5
sleep 0.2
expect_eq "update: new rule drops" "$(fw_hits 1)" 5
err=$(tool xdp_fw --update --rules "$TMPD/bad.rules" --interface eth0 2>&1)
expect_eq "update with bad rules: exit 65" "$?" 65
expect_eq "update with bad rules: generation stays" "$(fw_json .generation)" 2

# --monitor: would-drops are counted, packets go on.
tool xdp_fw --update --monitor --rules "$TMPD/next.rules" --interface eth0 2>/dev/null
expect_eq "monitor: json says so" "$(fw_json .monitor)" true
noports0=$(server_snmp Udp NoPorts)
client_udp 7778 4
sleep 0.3
expect_eq "monitor: packets delivered" "$(($(server_snmp Udp NoPorts) - noports0))" 4
expect_eq "monitor: hits counted" "$(fw_hits 1)" 9
expect_eq "monitor: would-drop counted" "$(tool xdp_root_loader --status --json --interface eth0 | jq -r '.interfaces[0].slots[5].would.XDP_DROP.packets')" 4
tool xdp_fw --update --enforce --rules "$TMPD/next.rules" --interface eth0 2>/dev/null
expect_eq "enforce: monitor off" "$(fw_json .monitor)" false

# Detach: the slot empties, nothing of the firewall remains.
prog_id=$(tool xdp_root_loader --status --json --interface eth0 | jq -r '.interfaces[0].slots[5].program.id')
tool xdp_fw --detach --interface eth0 2>/dev/null
expect_eq "detach: exit 0" "$?" 0
expect_eq "detach: slot 5 empty" "$(tool xdp_root_loader --status --json --interface eth0 | jq -r '.interfaces[0].slots[5].program.id // 0')" 0
check "detach: no fw pins" test -z "$(find "$ECBPF_PIN_ROOT" -path '*fw*' 2>/dev/null)"
check "detach: the program and its maps are gone" test -z "$(bpftool prog show id "$prog_id" 2>/dev/null)"
err=$(tool xdp_fw --stats --interface eth0 2>&1)
expect_eq "stats after detach: exit 69" "$?" 69
noports0=$(server_snmp Udp NoPorts)
client_udp 7777 3
sleep 0.3
expect_eq "after detach: udp 7777 delivered" "$(($(server_snmp Udp NoPorts) - noports0))" 3
tool xdp_root_loader --detach --interface eth0 >/dev/null 2>&1
lab_assert_clean "after detach"
