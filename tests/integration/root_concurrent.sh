#!/bin/bash
# Loaders started at once on one interface serialise on the interface lock:
# every one exits 0 and the result is one root, complete pins and the slots.
. "$(dirname "$0")/root_lib.sh"
lab_up || exit 1
quiet_client_ipv6
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"; lab_down; lab_summary_exit' EXIT

# spawn NAME CMD...: run a tool in the background, its rc in $WORK/NAME.rc, its output in $WORK/NAME.out.
spawn() {
	local name=$1
	shift
	( tool "$@" >"$WORK/$name.out" 2>&1; echo $? >"$WORK/$name.rc" ) &
}
rcs() { cat "$WORK"/$1*.rc | sort | uniq -c | awk '{print $2 "x" $1}' | tr '\n' ' '; }

# One pin directory with every root pin, and the attached program is the pinned root.
assert_consistent() {
	local what=$1 json
	json=$(status_json)
	expect_eq "$what: attached" "$(jfield "$json" .attached)" true
	expect_eq "$what: one XDP program, the pinned root" "$(xdp_prog_id)" "$(jfield "$json" .root.id)"
	expect_eq "$what: one pin directory" "$(find "$ECBPF_PIN_ROOT" -name root_array | wc -l)" 1
	expect_eq "$what: pins complete" "$(root_pins)" "$ROOT_PINS"
}

echo "# 10 attaches at once on a fresh interface"
for i in $(seq 10); do spawn attach$i xdp_root_loader --attach --interface eth0; done
wait
expect_eq "all 10 attaches exit 0" "$(rcs attach)" "0x10 "
expect_eq "exactly one attached" "$(cat "$WORK"/attach*.out | grep -c 'root attached (native mode)')" 1
expect_eq "the others upgraded in place" "$(cat "$WORK"/attach*.out | grep -c 'root upgraded in place')" 9
assert_consistent "after 10 attaches"
rm -f "$WORK"/*

echo "# 10 attaches and 10 slot loaders at once on a running root"
tool ecbpf_test_slot --attach --interface eth0 --slot 3 --action drop
for i in $(seq 10); do
	spawn attach$i xdp_root_loader --attach --interface eth0
	spawn slot$i ecbpf_test_slot --attach --interface eth0 --slot $((3 + i % 2)) \
		--action "$([ $((i % 2)) == 0 ] && echo drop || echo through)"
done
wait
expect_eq "all 10 attaches exit 0" "$(rcs attach)" "0x10 "
expect_eq "all 10 slot loaders exit 0" "$(rcs slot)" "0x10 "
assert_consistent "after the mixed run"
json=$(status_json)
expect_eq "slot 3 holds test_slot" "$(jfield "$json" .slots[3].program.name)" test_slot
expect_eq "slot 4 holds test_slot" "$(jfield "$json" .slots[4].program.name)" test_slot
expect_eq "no other slot occupied" \
	"$(jfield "$json" '[.slots[].program] | map(select(. != null)) | length')" 2
before=$(jfield "$json" .slots[3].actions.XDP_DROP.packets)
expect_eq "pings are dropped by slot 3" "$(ping_count 4)" 0
expect_eq "slot 3 counted the 4 pings" "$(slot_count 3 XDP_DROP)" $((before + 4))
rm -f "$WORK"/*

echo "# 5 detaches at once: one detaches, the others find no root"
for i in $(seq 5); do spawn detach$i xdp_root_loader --detach --interface eth0; done
wait
expect_eq "one detach exits 0, four exit 69" "$(rcs detach)" "0x1 69x4 "
lab_assert_clean "after concurrent detaches"
