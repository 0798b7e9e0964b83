#!/bin/bash
# Bad input gets one clear line on stderr and a sysexits code, and changes
# nothing: unknown interface, no root for --status/--detach/a slot, a pin root
# off bpffs. Without bpffs mounted, attach mounts it itself.
. "$(dirname "$0")/root_lib.sh"
lab_up || exit 1
quiet_client_ipv6
LOADER=$(find "$BUILD" -maxdepth 3 -type f -name xdp_root_loader -perm -u+x | head -1)
SLOTTOOL=$(find "$BUILD" -maxdepth 3 -type f -name ecbpf_test_slot -perm -u+x | head -1)

echo "# unknown interface: exit 66"
for op in --attach --detach --status; do
	run_tool u xdp_root_loader $op --interface nosuch0
	expect_eq "$op unknown interface exits 66" "$u_rc" 66
	expect_eq "$op unknown interface says so" "$u_out" "xdp_root_loader: unknown interface 'nosuch0'"
done
run_tool u xdp_root_loader --attach --interface eth0,nosuch0
expect_eq "one unknown interface in a list exits 66" "$u_rc" 66
expect_eq "and attaches nothing to the others" "$(xdp_prog_id)" ""
run_tool u ecbpf_test_slot --attach --interface nosuch0 --slot 3 --action drop
expect_eq "slot tool, unknown interface exits 66" "$u_rc" 66

echo "# no root: --status reports it, --detach and slots refuse"
run_tool s xdp_root_loader --status --interface eth0
expect_eq "--status without root exits 0" "$s_rc" 0
expect_eq "--status without root says so" "$s_out" "Interface eth0 status:
Root array not attached to interface eth0."
json=$(tool xdp_root_loader --status --json --interface eth0)
expect_eq "--status --json without root: attached false" "$(jfield "$json" .attached)" false
expect_eq "--status --json without root: no slots" "$(jfield "$json" .slots)" null
run_tool d xdp_root_loader --detach --interface eth0
expect_eq "--detach without root exits 69" "$d_rc" 69
expect_eq "--detach without root says so" "$d_out" "xdp_root_loader: Root array not attached to interface eth0."
run_tool m xdp_root_loader --monitor 3 --interface eth0
expect_eq "--monitor without root exits 69" "$m_rc" 69
run_tool t ecbpf_test_slot --attach --interface eth0 --slot 3 --action drop
expect_eq "slot attach without root exits 69" "$t_rc" 69
expect_contains "slot attach without root says what to run" "$t_out" \
	"root array missing for eth0"
expect_contains "slot attach without root names the loader" "$t_out" \
	"run 'xdp_root_loader --attach --interface eth0' first"
expect_eq "one line" "$(wc -l <<<"$t_out")" 1
lab_assert_clean "after refusals"

echo "# pin root not on bpffs: exit 78, nothing created or attached"
tmp=$(mktemp -d)
u_out=$(ECBPF_PIN_ROOT=$tmp/pins in_srv "$LOADER" --attach --interface eth0 2>&1)
u_rc=$?
expect_eq "pin root off bpffs exits 78" "$u_rc" 78
expect_eq "pin root off bpffs says so" "$u_out" "xdp_root_loader: pin root $tmp/pins is not on a bpf filesystem"
expect_eq "nothing created under it" "$(find "$tmp" -mindepth 1 | wc -l)" 0
expect_eq "nothing attached" "$(xdp_prog_id)" ""
u_out=$(in_srv "$LOADER" --attach --pin-root "$tmp/pins" --interface eth0 2>&1)
expect_eq "--pin-root off bpffs exits 78" "$?" 78
rm -rf "$tmp"

echo "# no bpffs mounted (private mount namespace): attach mounts it"
out=$(unshare -m env LOADER="$LOADER" SLOTTOOL="$SLOTTOOL" SRV="$SRV" CLI="$CLI" SRV_IP="$SRV_IP" bash -c '
	while mountpoint -q /sys/fs/bpf; do umount /sys/fs/bpf || exit 9; done
	echo "unmounted=$(mountpoint -q /sys/fs/bpf && echo no || echo yes)"
	srv() { nsenter --net=/run/netns/$SRV "$@"; }
	srv "$LOADER" --attach --interface eth0 2>&1; echo "attach_rc=$?"
	echo "mounted=$(stat -f -c %T /sys/fs/bpf)"
	echo "attached=$(srv "$LOADER" --status --json --interface eth0 | jq -r ".interfaces[0].attached")"
	srv "$SLOTTOOL" --attach --interface eth0 --slot 3 --action drop; echo "slot_rc=$?"
	echo "pings=$(nsenter --net=/run/netns/$CLI ping -c 3 -i 0.05 -W 1 -q $SRV_IP | sed -n "s/.* \([0-9]\+\) received.*/\1/p")"
	echo "drops=$(srv "$LOADER" --status --json --interface eth0 | jq -r ".interfaces[0].slots[3].actions.XDP_DROP.packets")"
	srv "$LOADER" --detach --interface eth0 2>&1; echo "detach_rc=$?"
' 2>&1)
echo "$out" | sed 's/^/#   /'
expect_contains "bpffs unmounted in the private namespace" "$out" "unmounted=yes"
expect_contains "attach without bpffs exits 0" "$out" "attach_rc=0"
expect_contains "attach mounted bpffs" "$out" "mounted=bpf_fs"
expect_contains "the root is attached" "$out" "attached=true"
expect_contains "a slot attaches" "$out" "slot_rc=0"
expect_contains "the slot drops pings" "$out" "pings=0"
expect_contains "and counts them" "$out" "drops=3"
expect_contains "detach exits 0" "$out" "detach_rc=0"
check "host bpffs still mounted" mountpoint -q /sys/fs/bpf
lab_assert_clean "after the private-namespace run"
