#!/bin/bash
# Upgrade the root 25 times while a UDP flood runs into a DROP slot: every
# upgrade is an atomic replace that keeps the pinned root array, so no flood
# packet may reach the server's socket and slot 3 never empties.
. "$(dirname "$0")/root_lib.sh"
lab_up || exit 1
quiet_client_ipv6
PY=/usr/bin/python3
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"; lab_down; lab_summary_exit' EXIT
UPGRADES=25

run_tool a xdp_root_loader --attach --interface eth0
expect_eq "attach exits 0" "$a_rc" 0
run_tool s ecbpf_test_slot --attach --interface eth0 --slot 3 --action drop
expect_eq "DROP slot 3 attached" "$s_rc" 0
json=$(status_json)
slot_id=$(jfield "$json" .slots[3].program.id)
first_root=$(jfield "$json" .root.id)

# The server counts the datagrams that reach its socket; the client floods until told to stop.
in_srv $PY -c '
import os, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 9999))
s.settimeout(0.2)
open(sys.argv[2] + "/listening", "w").close()
n = 0
while not os.path.exists(sys.argv[2] + "/stop-listener"):
    try:
        s.recv(2048)
        n += 1
    except socket.timeout:
        pass
open(sys.argv[2] + "/received", "w").write(str(n))
' "$SRV_IP" "$WORK" &
lab_bg $!
in_cli $PY -c '
import os, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
payload = b"x" * 22
n = 0
while not os.path.exists(sys.argv[2] + "/stop-sender"):
    for _ in range(256):
        try:
            s.sendto(payload, (sys.argv[1], 9999))
            n += 1
        except OSError:
            pass
open(sys.argv[2] + "/sent", "w").write(str(n))
' "$SRV_IP" "$WORK" &
lab_bg $!
for _ in $(seq 50); do [ -e "$WORK/listening" ] && break; sleep 0.1; done
sleep 0.5

upgraded=0 kept=0
for i in $(seq $UPGRADES); do
	out=$(tool xdp_root_loader --attach --interface eth0 2>&1) &&
		[[ "$out" == *"root upgraded in place, slots kept (native mode)"* ]] &&
		upgraded=$((upgraded + 1))
	[ "$(jfield "$(status_json)" .slots[3].program.id)" == "$slot_id" ] && kept=$((kept + 1))
done
sleep 0.3
touch "$WORK/stop-sender"
for _ in $(seq 50); do [ -e "$WORK/sent" ] && break; sleep 0.1; done
sleep 0.5
touch "$WORK/stop-listener"
for _ in $(seq 50); do [ -e "$WORK/received" ] && break; sleep 0.1; done
sent=$(cat "$WORK/sent" 2>/dev/null)
received=$(cat "$WORK/received" 2>/dev/null)
echo "# sent $sent datagrams during $UPGRADES upgrades"

expect_eq "all $UPGRADES upgrades exit 0 and keep the slots" "$upgraded" "$UPGRADES"
expect_eq "slot 3 held the same program after every upgrade" "$kept" "$UPGRADES"
expect_ge "the flood ran (datagrams sent)" "${sent:-0}" 10000
expect_eq "no flood datagram reached the server" "$received" 0
json=$(status_json)
drops=$(jfield "$json" .slots[3].actions.XDP_DROP.packets)
expect_ge "slot 3 dropped every datagram sent" "$drops" "${sent:-1}"
expect_eq "no IP packet ended the chain unfiltered" "$(jfield "$json" '.reasons.end_of_chain.packets // 0')" 0
expect_eq "the root aborted nothing" "$(jfield "$json" .root_actions.XDP_ABORTED.packets)" 0
root=$(jfield "$json" .root.id)
check "the root program was replaced" test "$root" != "$first_root"
expect_eq "the attached program is the pinned root" "$(xdp_prog_id)" "$root"
expect_eq "pins complete" "$(root_pins)" "$ROOT_PINS"
run_tool d xdp_root_loader --detach --interface eth0
expect_eq "detach exits 0" "$d_rc" 0
lab_assert_clean "after detach"
