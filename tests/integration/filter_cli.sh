#!/bin/bash
# xdp_filter's command line against a real interface: drop lists stop and
# restore the client's ping at once, status text and JSON field by field,
# bad input changes nothing, state survives a re-attach, detach keeps it
# unless --purge.
source "$SRC/tests/lib/lab.sh"
source "$SRC/tests/integration/filter_lib.sh"

lab_up || { fail "lab up"; exit 1; }
TMPD=$(mktemp -d)
trap 'rm -rf "$TMPD"; lab_down; lab_summary_exit' EXIT

# Before the root: a clear error, exit 69, nothing created.
err=$(tool xdp_filter --attach --interface eth0 2>&1)
expect_eq "no root array: exit 69" "$?" 69
expect_contains "no root array: says so" "$err" "root array missing for eth0"
expect_eq "no root array: one line on stderr" "$(echo "$err" | wc -l)" 1
check "no root array: no filter pins" test ! -e "$ECBPF_PIN_ROOT/$SRV/eth0/filter"

tool xdp_root_loader --attach --interface eth0 >/dev/null 2>&1 || { fail "root attach"; exit 1; }
err=$(tool xdp_filter --drop --ips 10.0.0.0/8 --interface eth0 2>&1)
expect_eq "drop before attach: exit 69" "$?" 69
expect_contains "drop before attach: says to attach" "$err" "run 'xdp_filter --attach"
err=$(tool xdp_filter --attach --interface nosuch0 2>&1)
expect_eq "unknown interface: exit 66" "$?" 66
expect_contains "unknown interface: named" "$err" "nosuch0"

tool xdp_filter --attach --interface eth0 2>/dev/null
expect_eq "attach: exit 0" "$?" 0
id1=$(filter_json .prog_id)

# Status text: the reference layout, line by line.
status=$(tool xdp_filter --status --interface eth0)
expect_eq "status: banner" "$(echo "$status" | sed -n 1p)" \
	"=================== Status for interface 'eth0' ==================="
# $(...) drops trailing newlines: compare lines joined with '|'.
expect_eq "status: configuration, empty drop maps, stats header" \
	"$(echo "$status" | sed -n 2,13p | tr '\n' '|')" \
	"Current Configuration:||frags_drop? false|ptb_send? true|ptb_max_pps: 200|slot: 2||Drop Maps for interface 'eth0':|||Stats for interface 'eth0':||"
expect_eq "status: reference counters first, in order" "$(echo "$status" | sed -n 14,22p | cut -d: -f1 | tr '\n' ' ')" \
	"eth_frame_err ip_header_err ip6_header_err ip_drop_count ip6_drop_count ip_frag_drop_count ptb_sent_count ptb_err_count ptb_mem_err_count "
expect_eq "status: 15 counters, all zero" "$(echo "$status" | sed -n '14,$p' | grep -c ': 0$')" 15

expect_eq "pings pass before any drop" "$(ping_count 3)" 3

# --drop stops the client at once (the very next pings), --no-drop restores it.
err=$(tool xdp_filter --drop --ips 10.199.0.77/24 --tags lab-attack --interface eth0 2>&1)
expect_eq "--drop: exit 0" "$?" 0
expect_contains "--drop: host bits notice" "$err" "10.199.0.77/24 has host bits set, using 10.199.0.0/24"
expect_eq "--drop: the next pings are dropped" "$(ping_count 3)" 0
expect_eq "--drop: counted as ip_drop_count" "$(filter_stat ip_drop_count)" 3
expect_eq "root status: slot 2 dropped them" "$(slot_count 2 XDP_DROP)" 3
tool xdp_filter --no-drop --ips 10.199.0.0/24 --interface eth0 2>/dev/null
expect_eq "--no-drop: exit 0" "$?" 0
expect_eq "--no-drop: pings pass again" "$(ping_count 3)" 3
out=$(in_cli ping -6 -c 2 -i 0.2 -W 1 "$SRV_IP6" 2>&1)
expect_contains "IPv6 pings pass" "$out" "2 received"
tool xdp_filter --drop --ips "$CLI_IP6" --interface eth0 2>/dev/null
out=$(in_cli ping -6 -c 2 -i 0.2 -W 1 "$SRV_IP6" 2>&1)
expect_contains "--drop IPv6 /128: IPv6 pings dropped" "$out" "0 received"
expect_eq "--drop IPv6: counted" "$(filter_stat ip6_drop_count)" 2
expect_eq "--drop IPv6: IPv4 untouched" "$(ping_count 2)" 2
tool xdp_filter --no-drop --ips "$CLI_IP6" --interface eth0 2>/dev/null
out=$(in_cli ping -6 -c 2 -i 0.2 -W 1 "$SRV_IP6" 2>&1)
expect_contains "--no-drop IPv6: pings pass again" "$out" "2 received"

# A list with tags, then status and JSON field by field.
tool xdp_filter --drop --ips 192.0.2.0/24,2001:db8::/32,198.51.100.7 --tags a,b,c \
	--frags-drop --ptb-max-pps 20 --interface eth0 2>/dev/null
expect_eq "--drop with tags and config: exit 0" "$?" 0
status=$(tool xdp_filter --status --interface eth0)
expect_eq "status: frags_drop? true" "$(echo "$status" | grep '^frags_drop?')" "frags_drop? true"
expect_eq "status: ptb_max_pps: 20" "$(echo "$status" | grep '^ptb_max_pps:')" "ptb_max_pps: 20"
drops=$(echo "$status" | sed -n "/^Drop Maps/,/^Stats/p" | grep '/' | sed 's/, loaded: .*//')
expect_eq "status: drop lines with tags, IPv4 first" "$drops" \
"192.0.2.0/24 tag: a
198.51.100.7/32 tag: c
2001:db8::/32 tag: b"
expect_contains "status: load time in the reference format" "$status" \
	"192.0.2.0/24 tag: a, loaded: $(date -u +'%a, %d %b %Y')"
json=$(tool xdp_filter --status --json --interface eth0)
expect_eq "json: valid, one interface" "$(echo "$json" | jq '.interfaces | length')" 1
j() { echo "$json" | jq -r ".interfaces[0]$1"; }
expect_eq "json: interface" "$(j .interface)" eth0
expect_eq "json: attached" "$(j .attached)" true
expect_eq "json: slot" "$(j .slot)" 2
expect_eq "json: frags_drop" "$(j .config.frags_drop)" true
expect_eq "json: ptb_send" "$(j .config.ptb_send)" true
expect_eq "json: ptb_max_pps" "$(j .config.ptb_max_pps)" 20
expect_eq "json: prefixes" "$(j '.drop[].prefix' | tr '\n' ' ')" \
	"192.0.2.0/24 198.51.100.7/32 2001:db8::/32 "
expect_eq "json: tags" "$(j '.drop[].tag' | tr '\n' ' ')" "a c b "
now=$(date +%s)
lt=$(j '.drop[0].load_time')
expect_le "json: load_time is now (within 60 s)" "$(( now - lt ))" 60
expect_eq "json: counters as in the text" "$(j '.stats.ip_drop_count'),$(j '.stats.ip6_drop_count')" "3,2"
expect_eq "json: 15 counters" "$(j '.stats | length')" 15
expect_eq "json: same counter names as the text" "$(j '.stats | keys_unsorted[]' | tr '\n' ' ')" \
	"$(echo "$status" | sed -n '/^Stats/,$p' | grep ': ' | cut -d: -f1 | tr '\n' ' ')"

# Bad input: a clear error, a data error exit code, and nothing changed.
snapshot() { tool xdp_filter --status --json --interface eth0 | jq -c '.interfaces[0] | {config, drop}'; }
before=$(snapshot)
bad() {
	local name=$1 code=$2 msg=$3
	shift 3
	local e
	e=$(tool xdp_filter "$@" --interface eth0 2>&1 >/dev/null)
	expect_eq "$name: exit $code" "$?" "$code"
	expect_contains "$name: message" "$e" "$msg"
	expect_eq "$name: nothing changed" "$(snapshot)" "$before"
}
bad "bad address" 65 "invalid CIDR '10.0.0.300'" --drop --ips 10.1.0.0/16,10.0.0.300 --frags-drop
bad "prefix over 32" 65 "prefix length out of range in '10.0.0.0/33'" --drop --ips 10.1.0.0/16,10.0.0.0/33
bad "prefix over 128" 65 "prefix length out of range in '2001:db8::/129'" --drop --ips 2001:db8::/129
long=$(printf 'x%.0s' $(seq 64))
bad "tag of 64 characters" 65 "invalid tag" --drop --ips 10.1.0.0/16 --tags "$long"
bad "tag count mismatch" 65 "2 tags for 3 prefixes" --drop --ips 10.1.0.0/16,10.2.0.0/16,10.3.0.0/16 --tags a,b
bad "empty item" 65 "invalid CIDR ''" --drop --ips 10.1.0.0/16,,10.2.0.0/16
bad "bad --ptb-max-pps" 64 "invalid --ptb-max-pps" --ptb-max-pps -3
bad "--drop without --ips" 64 "need --ips or --ips-file" --drop
printf '10.5.0.0/16 ok\n# comment\n\n10.6.0.0/16 tag extra\n' >"$TMPD/bad.txt"
bad "ips-file: bad line" 65 "$TMPD/bad.txt:4: unexpected 'extra'" --drop --ips-file "$TMPD/bad.txt"
bad "ips-file: missing" 66 "cannot open $TMPD/none.txt" --drop --ips-file "$TMPD/none.txt"
e=$(tool xdp_filter --drop --ips 10.9.0.0/16 --interface eth0,nosuch0 2>&1)
expect_eq "one unknown interface in the list: exit 66" "$?" 66
expect_eq "one unknown interface: eth0 not changed either" "$(snapshot)" "$before"

# Bulk load from a file: 1000 prefixes with tags, comments and blank lines.
{
	echo "# bulk list"
	for i in $(seq 0 999); do echo "10.$((i / 250 + 100)).$((i % 250)).0/24 bulk$i"; done
	echo ""
} >"$TMPD/bulk.txt"
tool xdp_filter --drop --ips-file "$TMPD/bulk.txt" --interface eth0 2>/dev/null
expect_eq "--ips-file: exit 0" "$?" 0
expect_eq "--ips-file: 1000 + 3 prefixes" "$(filter_json '.drop | length')" 1003
expect_eq "--ips-file: tag from the file" \
	"$(filter_json '.drop[] | select(.prefix == "10.101.7.0/24") | .tag')" bulk257
tool xdp_filter --no-drop --ips-file "$TMPD/bulk.txt" --interface eth0 2>/dev/null
expect_eq "--no-drop --ips-file: back to 3" "$(filter_json '.drop | length')" 3

# Re-attach (an upgrade): new program, same state; detach keeps it; --purge removes it.
tool xdp_filter --drop --ips 10.199.0.0/24 --tags keep --interface eth0 2>/dev/null
# The earlier, lock-free layout of the reply budget, as an older version left it.
fdir=$(dirname "$(find "$ECBPF_PIN_ROOT" -name filter_cfg | head -1)")
bpftool map create "$fdir/filter_ptb_rate" type array key 4 value 16 entries 1 name filter_ptb_rate
check "re-attach: an earlier layout's pin is there to remove" test -e "$fdir/filter_ptb_rate"
tool xdp_filter --attach --interface eth0 2>/dev/null
expect_eq "re-attach: exit 0" "$?" 0
check "re-attach: the earlier layout's pin is removed" test ! -e "$fdir/filter_ptb_rate"
check "re-attach: the budget's new layout is pinned" test -e "$fdir/filter_ptb_rate_v2"
id2=$(filter_json .prog_id)
check "re-attach: a new program ($id1 -> $id2)" test "$id1" != "$id2"
expect_eq "re-attach: drop list kept" "$(filter_json '.drop | length')" 4
expect_eq "re-attach: config kept" "$(filter_json '.config | [.frags_drop, .ptb_max_pps] | @csv')" "true,20"
expect_eq "re-attach: counters kept" "$(filter_stat ip_drop_count)" 3
expect_eq "re-attach: the kept list still drops" "$(ping_count 2)" 0
tool xdp_filter --detach --interface eth0 2>/dev/null
expect_eq "detach: exit 0" "$?" 0
expect_eq "detach: pings pass" "$(ping_count 2)" 2
expect_eq "detach: status shows the kept state" "$(filter_json ' | [.attached, (.drop | length)] | @csv')" "false,4"
expect_eq "detach: slot 2 empty" "$(tool xdp_root_loader --status --json --interface eth0 |
	jq -r '.interfaces[0].slots[2].program')" null
tool xdp_filter --attach --interface eth0 2>/dev/null
expect_eq "attach after detach: drop list back in force" "$(ping_count 2)" 0

tool xdp_filter --clear --clear-status --interface eth0 2>/dev/null
expect_eq "--clear: no prefixes" "$(filter_json '.drop | length')" 0
expect_eq "--clear-status: counters zero" "$(filter_json ' | [.stats[]] | add')" 0
expect_eq "--clear: pings pass" "$(ping_count 2)" 2

err=$(tool xdp_filter --detach --purge --interface eth0 2>&1)
expect_eq "detach --purge: exit 0" "$?" 0
check "detach --purge: filter pins gone" test ! -e "$(find "$ECBPF_PIN_ROOT" -type d -name filter)"
expect_eq "after purge: status says not loaded" "$(filter_json .loaded)" false
tool xdp_filter --status --interface eth0 >/dev/null 2>&1
expect_eq "after purge: status exit 69" "$?" 69
tool xdp_root_loader --detach --interface eth0 >/dev/null 2>&1
lab_assert_clean "after detach"
