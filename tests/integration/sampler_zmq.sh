#!/bin/bash
# xdp_sampler --publish: samples travel over ZeroMQ to xdp_sampler_to_pcap (to a
# file, and to stdout into tcpdump -r -) and to the Python decoder.
source "$SRC/tests/lib/lab.sh"
source "$SRC/tests/integration/sampler_lib.sh"

sampler_lab_up || exit 1
sampler_attach || { fail "root and drop slot attached"; exit 1; }
EP=tcp://127.0.0.1:5556
TO_PCAP=$(tool_path xdp_sampler_to_pcap)
DECODER=$SRC/xdp_sampler/ecbpf_sample_decode.py

tool xdp_sampler_to_pcap --output - >/dev/null 2>&1
expect_eq "to_pcap without --connect: usage error 64" "$?" 64

sampler_start --interface eth0 --rate 1 --publish "$EP" --quiet || fail "xdp_sampler publishes"

# To a file: every message is flushed, so its size shows the subscriber has joined.
nsenter --net=/run/netns/"$SRV" "$TO_PCAP" --connect "$EP" --output "$TMPD/z.pcap" &
TO_PID=$!
lab_bg "$TO_PID"
check "to_pcap receives samples" ping_until eval '[ "$(fsize "$TMPD/z.pcap")" -gt 24 ]'
expect_eq "the 5 pings are dropped" "$(ping_count 5)" 0
stop_rc "$TO_PID"
expect_eq "to_pcap: SIGTERM exit code 0" "$RC" 0
pings=$(tcpdump -n -r "$TMPD/z.pcap" 'icmp and len = 98' 2>/dev/null)
expect_eq "to_pcap file: exactly the 5 pings" "$(echo "$pings" | grep -c "IP $CLI_IP > $SRV_IP: ICMP echo request")" 5
expect_eq "to_pcap file: sequence numbers 1-5" \
	"$(echo "$pings" | sed -n 's/.*seq \([0-9]*\),.*/\1/p' | sort -n | tr '\n' ' ')" "1 2 3 4 5 "

# To stdout into tcpdump, stopping by itself after --count 3.
( nsenter --net=/run/netns/"$SRV" "$TO_PCAP" --connect "$EP" --output - --count 3 2>"$TMPD/to_pcap.err"; echo $? >"$TMPD/to_pcap.rc" ) |
	tcpdump -n -r - >"$TMPD/tcpdump.txt" 2>/dev/null &
PIPE_PID=$!
lab_bg "$PIPE_PID"
ping_until test -s "$TMPD/to_pcap.rc"
wait "$PIPE_PID"
expect_eq "to_pcap --count 3 | tcpdump -r -: exit 0" "$(cat "$TMPD/to_pcap.rc")" 0
expect_eq "tcpdump -r - read 3 echo requests" \
	"$(grep -c "IP $CLI_IP > $SRV_IP: ICMP echo request" "$TMPD/tcpdump.txt")" 3

# The Python decoder (Debian's python3 with python3-zmq).
nsenter --net=/run/netns/"$SRV" /usr/bin/python3 "$DECODER" --connect "$EP" --count 2 >"$TMPD/decoded.txt" 2>"$TMPD/decoder.err" &
DEC_PID=$!
lab_bg "$DEC_PID"
ping_until eval '! kill -0 '"$DEC_PID"' 2>/dev/null'
wait "$DEC_PID"
expect_eq "decoder: exit 0 after --count 2" "$?" 0
expect_eq "decoder: 2 samples" "$(grep -c . "$TMPD/decoded.txt")" 2
expect_contains "decoder: interface, verdict, reason, metadata and lengths" \
	"$(head -1 "$TMPD/decoded.txt")" "eth0 slot=3 action=XDP_DROP reason=test meta=32343 len=242 cap=242 $CLI_IP > $SRV_IP icmp"
expect_contains "decoder: wall-clock time" "$(head -1 "$TMPD/decoded.txt")" "$(date -u +%Y-%m-%dT)"

nsenter --net=/run/netns/"$SRV" /usr/bin/python3 "$DECODER" --connect "$EP" --count 1 --json >"$TMPD/decoded.json" 2>&1 &
DEC_PID=$!
lab_bg "$DEC_PID"
ping_until eval '! kill -0 '"$DEC_PID"' 2>/dev/null'
wait "$DEC_PID"
expect_eq "decoder --json: reason code" "$(jq -r .reason_code "$TMPD/decoded.json")" 56
expect_eq "decoder --json: ifindex of eth0" "$(jq -r .ifindex "$TMPD/decoded.json")" \
	"$(ip -n "$SRV" -o link show eth0 | cut -d: -f1)"

stop_rc "$SAMPLER_PID"
expect_eq "xdp_sampler: SIGTERM exit code 0" "$RC" 0
tool ecbpf_test_slot --detach --interface eth0 --slot 3
tool xdp_root_loader --detach --interface eth0 >/dev/null
lab_assert_clean "after detach"
