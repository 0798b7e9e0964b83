#!/bin/bash
# Lossless updates: during a steady UDP flood, --update swaps 100 times between
# two rule sets. Both drop port 9000 (at different rule numbers) and neither
# drops port 5000. No packet to 9000 may ever reach the server (no gap, no
# half-loaded set), nothing else may be dropped, and the hit counter of the
# unchanged 9000 rule must carry every drop across all 100 generations.
source "$SRC/tests/lib/lab.sh"
source "$SRC/tests/integration/fw_lib.sh"

lab_up || { fail "lab up"; exit 1; }
TMPD=$(mktemp -d)
trap 'rm -rf "$TMPD"; lab_down; lab_summary_exit' EXIT

cat >"$TMPD/a.rules" <<'RULES'
ip from any to any udp dport 9000 name "flood"
ip from any to any udp dport 7777 name "a only"
RULES
cat >"$TMPD/b.rules" <<'RULES'
ip from any to any udp dport 7778 name "b only"
ip from any to any udp dport 9000 name "flood"
ip6 from any to any udp dport 9000 name "b v6"
RULES

tool xdp_root_loader --attach --interface eth0 >/dev/null 2>&1 || { fail "root attach"; exit 1; }
tool xdp_fw --attach --rules "$TMPD/a.rules" --interface eth0 2>/dev/null || { fail "fw attach"; exit 1; }

# Server: count what arrives on 9000 and 5000 until told to stop.
nsenter --net=/run/netns/"$SRV" /usr/bin/python3 -c '
import select, signal, socket, sys
socks = {}
for port in (9000, 5000):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind((sys.argv[1], port))
    socks[s] = port
counts = {9000: 0, 5000: 0}
running = True
def stop(*_):
    global running
    running = False
signal.signal(signal.SIGTERM, stop)
open(sys.argv[2] + ".ready", "w").close()
while running:
    try:
        ready = select.select(list(socks), [], [], 0.2)[0]
    except InterruptedError:
        ready = []
    for s in ready:
        while True:
            try:
                s.recv(64, socket.MSG_DONTWAIT)
            except BlockingIOError:
                break
            counts[socks[s]] += 1
open(sys.argv[2], "w").write("%d %d\n" % (counts[9000], counts[5000]))
' "$SRV_IP" "$TMPD/recv" &
recv_pid=$!
lab_bg $recv_pid
for _ in $(seq 50); do [ -e "$TMPD/recv.ready" ] && break; sleep 0.1; done

# Client: alternate 9000 and 5000 as fast as it can until told to stop.
nsenter --net=/run/netns/"$CLI" /usr/bin/python3 -c '
import signal, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sent = [0, 0]
running = True
def stop(*_):
    global running
    running = False
signal.signal(signal.SIGTERM, stop)
while running:
    for i, port in enumerate((9000, 5000)):
        try:
            s.sendto(b"flood", (sys.argv[1], port))
            sent[i] += 1
        except OSError:
            pass
open(sys.argv[2], "w").write("%d %d\n" % tuple(sent))
' "$SRV_IP" "$TMPD/sent" &
flood_pid=$!
lab_bg $flood_pid
sleep 0.5

failed_updates=0
start=$(date +%s.%N)
for i in $(seq 100); do
	if [ $((i % 2)) -eq 1 ]; then set=b; else set=a; fi
	tool xdp_fw --update --rules "$TMPD/$set.rules" --interface eth0 2>/dev/null ||
		failed_updates=$((failed_updates + 1))
done
echo "# 100 updates in $(echo "$(date +%s.%N) - $start" | bc) s"
sleep 0.5
kill -TERM $flood_pid
wait $flood_pid 2>/dev/null
sleep 0.5
kill -TERM $recv_pid
wait $recv_pid 2>/dev/null

sent9000=0 sent5000=0 recv9000=-1 recv5000=0
read -r sent9000 sent5000 <"$TMPD/sent"
read -r recv9000 recv5000 <"$TMPD/recv"
echo "# sent 9000: $sent9000, 5000: $sent5000; received 9000: $recv9000, 5000: $recv5000"
expect_eq "100 updates succeeded" "$failed_updates" 0
expect_eq "generation 101 is live" "$(fw_json .generation)" 101
expect_ge "the flood ran (packets to 9000 sent)" "$sent9000" 1000
expect_eq "no packet to 9000 passed unfiltered" "$recv9000" 0
expect_ge "port 5000 traffic was delivered" "$recv5000" 1
drops=$(reason_count fw_rule)
expect_ge "the firewall dropped the flood" "$drops" 1000
# Rule set b is live (update 100 loaded a): "flood" is rule 1 of a.
expect_eq "every fw drop is a hit of the 9000 rule, carried over 100 updates" "$(fw_hits 1)" "$drops"
expect_eq "rule 'a only' was never hit" "$(fw_hits 2)" 0
expect_eq "slot 5 drops = fw_rule drops" "$(slot_count 5 XDP_DROP)" "$drops"
expect_eq "no root aborts" "$(slot_count root XDP_ABORTED)" 0

tool xdp_fw --detach --interface eth0 2>/dev/null
tool xdp_root_loader --detach --interface eth0 >/dev/null 2>&1
lab_assert_clean "after detach"
