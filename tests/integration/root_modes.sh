#!/bin/bash
# Attach modes and take-overs: --force over a foreign program, --nop on
# detach and a later attach over xdp_nop, --generic, and a mode change.
. "$(dirname "$0")/root_lib.sh"
lab_up || exit 1

echo "# a foreign XDP program: refused without --force"
ip -n "$SRV" link set dev eth0 xdpdrv obj "$BUILD/tests/tools/test_bare.bpf.o" sec xdp program bare_pass ||
	fail "cannot attach bare_pass with ip link"
foreign=$(xdp_prog_id)
expect_eq "bare_pass attached" "$(xdp_prog_name)" bare_pass
run_tool a xdp_root_loader --attach --interface eth0
expect_eq "attach over a foreign program exits 73" "$a_rc" 73
expect_eq "and says why" "$a_out" \
	"xdp_root_loader: eth0: a foreign XDP program is attached (id $foreign, name bare_pass): use --force to replace it"
expect_eq "the foreign program stays" "$(xdp_prog_id)" "$foreign"
expect_eq "no pins made" "$(find "$ECBPF_PIN_ROOT" -type f 2>/dev/null | wc -l)" 0
status=$(tool xdp_root_loader --status --interface eth0)
expect_contains "status names the program attached instead" "$status" \
	"Attached instead: XDP program id $foreign (bare_pass)."
run_tool d xdp_root_loader --detach --interface eth0
expect_eq "detach of a foreign program exits 69" "$d_rc" 69
expect_eq "the foreign program still stays" "$(xdp_prog_id)" "$foreign"

echo "# --force replaces it and says what it replaced"
run_tool a xdp_root_loader --attach --force --interface eth0
expect_eq "attach --force exits 0" "$a_rc" 0
expect_contains "says what it replaced" "$a_out" "xdp_root_loader: eth0: replaced XDP program id $foreign (bare_pass)"
expect_contains "and that the root is attached" "$a_out" "root attached (native mode)"
expect_eq "xdp_root attached" "$(xdp_prog_name)" xdp_root
expect_eq "pins complete" "$(root_pins)" "$ROOT_PINS"
expect_eq "pings pass" "$(ping_count 3)" 3

echo "# --nop leaves xdp_nop; a later attach takes it over without --force"
tool ecbpf_test_slot --attach --interface eth0 --slot 2 --action drop
expect_eq "slot 2 drops pings" "$(ping_count 3)" 0
run_tool d xdp_root_loader --detach --nop --interface eth0
expect_eq "detach --nop exits 0" "$d_rc" 0
expect_eq "detach --nop says so" "$d_out" "xdp_root_loader: eth0: root detached, pass-only program left attached"
expect_eq "xdp_nop attached" "$(xdp_prog_name)" xdp_nop
expect_eq "no pins remain" "$(find "$ECBPF_PIN_ROOT" -type f 2>/dev/null | wc -l)" 0
check "the last detach removes the emptied pin root" test ! -e "$ECBPF_PIN_ROOT"
expect_eq "pings pass through xdp_nop" "$(ping_count 3)" 3
run_tool a xdp_root_loader --attach --interface eth0
expect_eq "attach over xdp_nop exits 0 without --force" "$a_rc" 0
expect_eq "it does not call xdp_nop foreign" "$a_out" "xdp_root_loader: eth0: root attached (native mode)"
expect_eq "xdp_root attached" "$(xdp_prog_name)" xdp_root
expect_eq "the slots start empty" "$(jfield "$(status_json)" .slots[2].program)" null
expect_eq "pings pass" "$(ping_count 3)" 3
run_tool d xdp_root_loader --detach --nop --interface eth0
run_tool d xdp_root_loader --detach --interface eth0
expect_eq "detach over xdp_nop exits 0" "$d_rc" 0
lab_assert_clean "after detaching xdp_nop"

echo "# --generic"
run_tool a xdp_root_loader --attach --generic --interface eth0
expect_eq "attach --generic exits 0" "$a_rc" 0
expect_eq "says generic" "$a_out" "xdp_root_loader: eth0: root attached (generic mode)"
check "ip link shows xdpgeneric" bash -c "ip -n $SRV link show eth0 | grep -q xdpgeneric"
expect_eq "status mode generic" "$(jfield "$(status_json)" .mode)" generic
expect_contains "status table mode generic" "$(tool xdp_root_loader --status --interface eth0)" "Mode: generic."
tool ecbpf_test_slot --attach --interface eth0 --slot 6 --action drop
expect_eq "slot 6 drops pings in generic mode" "$(ping_count 4)" 0
expect_ge "slot 6 counted them" "$(slot_count 6 XDP_DROP)" 4
run_tool a xdp_root_loader --attach --generic --interface eth0
expect_eq "re-attach --generic exits 0" "$a_rc" 0
expect_contains "re-attach upgrades in place" "$a_out" "upgraded in place, slots kept"
expect_eq "slot 6 kept" "$(jfield "$(status_json)" .slots[6].program.name)" test_slot

echo "# changing mode needs --force"
run_tool a xdp_root_loader --attach --interface eth0
expect_eq "native over generic exits 73" "$a_rc" 73
expect_contains "and says a detach is needed" "$a_out" "use --force"
check "still generic" bash -c "ip -n $SRV link show eth0 | grep -q xdpgeneric"
run_tool a xdp_root_loader --attach --force --interface eth0
expect_eq "native over generic with --force exits 0" "$a_rc" 0
check "now native" bash -c "ip -n $SRV link show eth0 | grep -q ' xdp ' && ! ip -n $SRV link show eth0 | grep -q xdpgeneric"
expect_eq "status mode native" "$(jfield "$(status_json)" .mode)" native
expect_eq "slot 6 kept across the mode change" "$(jfield "$(status_json)" .slots[6].program.name)" test_slot
expect_eq "slot 6 still drops" "$(ping_count 3)" 0
run_tool d xdp_root_loader --detach --interface eth0
expect_eq "detach exits 0" "$d_rc" 0
lab_assert_clean "after detach"

echo "# monitor mode: slot 3 counts would-drops, pings pass"
quiet_client_ipv6
tool xdp_root_loader --attach --interface eth0 >/dev/null 2>&1
tool ecbpf_test_slot --attach --interface eth0 --slot 3 --action drop
run_tool m xdp_root_loader --monitor 3 --interface eth0
expect_eq "--monitor exits 0" "$m_rc" 0
expect_eq "--monitor says so" "$m_out" "xdp_root_loader: eth0: slot 3 in monitor mode"
expect_eq "pings pass while slot 3 only monitors" "$(ping_count 5)" 5
json=$(status_json)
expect_eq "json: slot 3 monitor" "$(jfield "$json" .slots[3].monitor)" true
expect_eq "json: slot 3 would DROP = pings" "$(jfield "$json" .slots[3].would.XDP_DROP.packets)" 5
expect_eq "json: slot 3 DROP none" "$(jfield "$json" .slots[3].actions.XDP_DROP.packets)" 0
expect_eq "json: slot 3 passed them at the end of the chain" "$(jfield "$json" .slots[3].actions.XDP_PASS.packets)" 5
expect_contains "table: monitor line" "$(tool xdp_root_loader --status --interface eth0)" \
	"Slot 3 (test_slot) is in monitor mode; would have: DROP 5, TX 0, REDIRECT 0."
run_tool m xdp_root_loader --enforce 3 --interface eth0
expect_eq "--enforce exits 0" "$m_rc" 0
expect_eq "pings dropped again" "$(ping_count 3)" 0
expect_eq "json: slot 3 DROP = 3" "$(slot_count 3 XDP_DROP)" 3

echo "# repair: XDP removed behind our back, pins left: attach reuses the root array"
ip -n "$SRV" link set dev eth0 xdpdrv off
run_tool s xdp_root_loader --status --interface eth0
expect_contains "status without the program says not attached" "$s_out" "Root array not attached to interface eth0."
run_tool a xdp_root_loader --attach --interface eth0
expect_eq "attach over left pins exits 0" "$a_rc" 0
expect_contains "says what it repaired" "$a_out" "repaired pins in"
expect_eq "slot 3 survived in the pinned root array" "$(jfield "$(status_json)" .slots[3].program.name)" test_slot
expect_eq "and drops again" "$(ping_count 3)" 0

echo "# stale pins of a previous eth0: refused without --force"
ip -n "$SRV" link del eth0
ip link add eth0 netns "$SRV" type veth peer name eth0 netns "$CLI"
ip -n "$SRV" addr add $SRV_IP/24 dev eth0
ip -n "$CLI" addr add $CLI_IP/24 dev eth0
ip -n "$SRV" link set eth0 up
ip -n "$CLI" link set eth0 up
quiet_client_ipv6
run_tool a xdp_root_loader --attach --interface eth0
expect_eq "attach over stale pins exits 73" "$a_rc" 73
expect_contains "and names them" "$a_out" "stale pins in"
expect_eq "nothing attached" "$(xdp_prog_id)" ""
run_tool a xdp_root_loader --attach --force --interface eth0
expect_eq "attach --force over stale pins exits 0" "$a_rc" 0
expect_contains "says it replaced the stale pins" "$a_out" "replaced stale pins in"
expect_eq "the new root starts with empty slots" "$(jfield "$(status_json)" .slots[3].program)" null
expect_eq "pings pass" "$(ping_count 3)" 3
run_tool d xdp_root_loader --detach --interface eth0
expect_eq "detach exits 0" "$d_rc" 0
lab_assert_clean "after the stale-pin take-over"
