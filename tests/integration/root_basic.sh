#!/bin/bash
# The root in the netns lab: attach natively, ping through it, read the status
# table and JSON field by field, drop in slot 3, remove it, clear, detach.
. "$(dirname "$0")/root_lib.sh"
lab_up || exit 1
quiet_client_ipv6

echo "# 1. attach in native mode: pings pass"
run_tool a xdp_root_loader --attach --interface eth0
expect_eq "attach exits 0" "$a_rc" 0
expect_eq "attach says what it did" "$a_out" "xdp_root_loader: eth0: root attached (native mode)"
expect_eq "xdp_root attached to eth0" "$(xdp_prog_name)" xdp_root
check "attached in native mode (not xdpgeneric)" \
	bash -c "ip -n $SRV link show eth0 | grep -q ' xdp ' && ! ip -n $SRV link show eth0 | grep -q xdpgeneric"
expect_eq "pins of the root" "$(root_pins)" "$ROOT_PINS"
expect_eq "5 pings pass" "$(ping_count 5)" 5
root_id=$(xdp_prog_id)

json=$(status_json)
expect_eq "json: interface" "$(jfield "$json" .interface)" eth0
expect_eq "json: ifindex" "$(jfield "$json" .ifindex)" "$(ip -n "$SRV" -o link show eth0 | cut -d: -f1)"
expect_eq "json: attached" "$(jfield "$json" .attached)" true
expect_eq "json: mode" "$(jfield "$json" .mode)" native
expect_eq "json: root id is the attached program" "$(jfield "$json" .root.id)" "$root_id"
expect_eq "json: root name" "$(jfield "$json" .root.name)" xdp_root
expect_eq "json: 8 slots" "$(jfield "$json" '.slots | length')" 8
expect_eq "json: every slot empty" "$(jfield "$json" '[.slots[].program] | map(select(. != null)) | length')" 0
expect_eq "json: no slot counted anything" \
	"$(jfield "$json" '[.slots[].actions[].packets, .slots[].would[].packets] | add')" 0
# Echo requests are 98-byte frames; ARP is not IP and passes with reason not_ip.
expect_eq "json: 5 echo requests ended the chain" "$(jfield "$json" .reasons.end_of_chain.packets)" 5
expect_eq "json: their bytes" "$(jfield "$json" .reasons.end_of_chain.bytes)" 490
not_ip=$(jfield "$json" '.reasons.not_ip.packets // 0')
not_ip_bytes=$(jfield "$json" '.reasons.not_ip.bytes // 0')
expect_eq "json: root PASS = echo requests + ARP" "$(jfield "$json" .root_actions.XDP_PASS.packets)" $((5 + not_ip))
expect_eq "json: root PASS bytes" "$(jfield "$json" .root_actions.XDP_PASS.bytes)" $((490 + not_ip_bytes))
expect_eq "json: root DROP" "$(jfield "$json" .root_actions.XDP_DROP.packets)" 0
expect_eq "json: root ABORTED" "$(jfield "$json" .root_actions.XDP_ABORTED.packets)" 0
expect_eq "json: total PASS = root PASS" "$(jfield "$json" .total_actions.XDP_PASS.packets)" $((5 + not_ip))
expect_eq "json: sampling rate" "$(jfield "$json" .sampling.rate)" 2500
expect_eq "json: snap length" "$(jfield "$json" .sampling.snaplen)" 256
root_load_time=$(jfield "$json" .root.load_time)
# The load time is derived from the boot clock: every read must give the same second.
times=$(for _ in 1 2 3 4 5 6; do jfield "$(status_json)" .root.load_time_unix; sleep 0.3; done | sort -u | wc -l)
expect_eq "json: root load time is the same in every read" "$times" 1

table=$(tool xdp_root_loader --status --interface eth0)
expect_eq "table: title" "$(head -1 <<<"$table")" "Interface eth0 status:"
expect_eq "table: header" "$(sed -n 2p <<<"$table" | tr -s ' ')" \
	"SLOT | ID | NAME | LOAD TIME | XDP_ABORTED | XDP_DROP | XDP_PASS | XDP_TX | XDP_REDIRECT | XDP_INVALID_ACTION"
for s in 0 1 2 3 4 5 6 7; do
	expect_eq "table: slot $s empty" "$(tfield "$table" $s 2)/$(tfield "$table" $s 3)/$(tfield "$table" $s 7)" "-/-/0"
done
expect_eq "table: root id" "$(tfield "$table" root 2)" "$root_id"
expect_eq "table: root name" "$(tfield "$table" root 3)" xdp_root
expect_eq "table: root load time" "$(tfield "$table" root 4)" "$root_load_time"
expect_eq "table: root PASS" "$(tfield "$table" root 7)" $((5 + not_ip))
expect_eq "table: root DROP" "$(tfield "$table" root 6)" 0
expect_eq "table: all PASS" "$(tfield "$table" all 7)" $((5 + not_ip))
expect_contains "table: mode and sampling" "$table" "Mode: native. Sampling: 1 in 2500, snap length 256"

echo "# 2. DROP test program in slot 3: pings fail, slot 3 counts each"
run_tool s ecbpf_test_slot --attach --interface eth0 --slot 3 --action drop
expect_eq "test slot attach exits 0" "$s_rc" 0
expect_eq "10 pings fail" "$(ping_count 10)" 0
json=$(status_json)
slot_id=$(jfield "$json" .slots[3].program.id)
expect_eq "json: slot 3 holds test_slot" "$(jfield "$json" .slots[3].program.name)" test_slot
expect_eq "json: slot 3 DROP = pings" "$(jfield "$json" .slots[3].actions.XDP_DROP.packets)" 10
expect_eq "json: slot 3 DROP bytes" "$(jfield "$json" .slots[3].actions.XDP_DROP.bytes)" 980
expect_eq "json: slot 3 nothing else" "$(jfield "$json" '[.slots[3].actions[].packets] | add')" 10
expect_eq "json: reason test" "$(jfield "$json" .reasons.test.packets)" 10
expect_eq "json: no more end of chain" "$(jfield "$json" .reasons.end_of_chain.packets)" 5
expect_eq "json: other slots still empty" \
	"$(jfield "$json" '[.slots[] | select(.slot != 3) | .program] | map(select(. != null)) | length')" 0
expect_eq "json: total DROP" "$(jfield "$json" .total_actions.XDP_DROP.packets)" 10
table=$(tool xdp_root_loader --status --interface eth0)
expect_eq "table: slot 3 id" "$(tfield "$table" 3 2)" "$slot_id"
expect_eq "table: slot 3 name" "$(tfield "$table" 3 3)" test_slot
expect_eq "table: slot 3 DROP" "$(tfield "$table" 3 6)" 10
expect_eq "table: all DROP" "$(tfield "$table" all 6)" 10
expect_eq "bpftool sees the slot in the pinned root array" \
	"$(bpftool map dump pinned "$(pin_dir)/root_array" -j | jq '.[] | select(.formatted.key == 3) | .formatted.value')" "$slot_id"

echo "# 3. remove it: pings pass again"
run_tool d ecbpf_test_slot --detach --interface eth0 --slot 3
expect_eq "test slot detach exits 0" "$d_rc" 0
expect_eq "5 pings pass" "$(ping_count 5)" 5
json=$(status_json)
expect_eq "json: slot 3 empty" "$(jfield "$json" .slots[3].program)" null
expect_eq "json: end of chain counts the new pings" "$(jfield "$json" .reasons.end_of_chain.packets)" 10
expect_eq "json: slot 3 DROP unchanged" "$(jfield "$json" .slots[3].actions.XDP_DROP.packets)" 10

echo "# --clear zeroes the counters"
run_tool c xdp_root_loader --clear --interface eth0
expect_eq "clear exits 0" "$c_rc" 0
json=$(status_json)
expect_eq "json: counters zero after clear" \
	"$(jfield "$json" '[.slots[].actions[].packets, .root_actions[].packets, .total_actions[].packets] | add')" 0
expect_eq "json: reasons empty after clear" "$(jfield "$json" '.reasons | length')" 0
expect_eq "root still attached after clear" "$(xdp_prog_id)" "$root_id"

echo "# IPv6 passes through the root as well"
in_cli sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.eth0.disable_ipv6=0
in_cli ip addr add "$CLI_IP6/64" dev eth0 nodad 2>/dev/null
expect_eq "3 IPv6 pings pass" \
	"$(in_cli ping -6 -c 3 -i 0.05 -W 1 -q "$SRV_IP6" 2>/dev/null | sed -n 's/.* \([0-9]\+\) received.*/\1/p')" 3
expect_ge "IPv6 echo requests ended the chain" "$(slot_count root XDP_PASS)" 3

echo "# 4. detach: nothing remains"
run_tool d xdp_root_loader --detach --interface eth0
expect_eq "detach exits 0" "$d_rc" 0
expect_eq "detach says so" "$d_out" "xdp_root_loader: eth0: root detached"
lab_assert_clean "after detach"
expect_eq "pings pass without XDP" "$(ping_count 3)" 3
