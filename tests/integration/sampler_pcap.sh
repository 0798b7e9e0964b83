#!/bin/bash
# xdp_sampler --write: pings dropped by a slot at --rate 1 land in a pcapng file
# with their verdict; tcpdump and tshark read it; errors and shutdown behave.
source "$SRC/tests/lib/lab.sh"
source "$SRC/tests/integration/sampler_lib.sh"

sampler_lab_up || exit 1

# Before any root: a clear error and EX_UNAVAILABLE (69), no file left half-made.
err=$(tool xdp_sampler --interface eth0 --write "$TMPD/none.pcapng" 2>&1)
expect_eq "no root: exit code 69" "$?" 69
expect_contains "no root: says the root array is missing" "$err" "root array missing for eth0"
check "no root: no file written" test ! -e "$TMPD/none.pcapng"
tool xdp_sampler --interface eth0 >/dev/null 2>&1
expect_eq "no output: usage error 64" "$?" 64
tool xdp_sampler --interface eth0 --write - --snaplen 2000 >/dev/null 2>&1
expect_eq "snap length over 1522: usage error 64" "$?" 64

sampler_attach || { fail "root and drop slot attached"; exit 1; }
sampler_start --interface eth0 --rate 1 --snaplen 1522 --write "$TMPD/s.pcapng" --interval 1 ||
	fail "xdp_sampler starts"
expect_eq "rate 1 set in the interface config" \
	"$(tool xdp_root_loader --status --json --interface eth0 | jq -r '.interfaces[0].sampling.rate')" 1
expect_eq "pings are dropped by slot 3" "$(ping_count 5)" 0
# A second reader on the same interface is refused.
tool xdp_sampler --interface eth0 --write - >/dev/null 2>"$TMPD/second.err"
expect_eq "second reader refused with 73" "$?" 73
expect_contains "second reader: says why" "$(cat "$TMPD/second.err")" "another xdp_sampler"
sleep 1.2	# one statistics interval
stop_rc "$SAMPLER_PID"
expect_eq "SIGTERM: exit code 0" "$RC" 0
expect_contains "statistics line on stderr" "$(cat "$TMPD/sampler.err")" "samples/s"
expect_contains "lost per second on stderr" "$(cat "$TMPD/sampler.err")" "lost/s"

icmp=$(tcpdump -n -r "$TMPD/s.pcapng" icmp 2>/dev/null)
expect_eq "tcpdump: exactly the 5 pings" "$(echo "$icmp" | grep -c .)" 5
expect_eq "tcpdump: all echo requests client -> server" \
	"$(echo "$icmp" | grep -c "IP $CLI_IP > $SRV_IP: ICMP echo request")" 5
expect_eq "tcpdump: sequence numbers 1-5 (CPUs' buffers may interleave)" \
	"$(echo "$icmp" | sed -n 's/.*seq \([0-9]*\),.*/\1/p' | sort -n | tr '\n' ' ')" "1 2 3 4 5 "
comments=$(tshark -r "$TMPD/s.pcapng" -Y icmp -T fields -e frame.comment 2>/dev/null | sort -u)
[ -n "$comments" ] || comments=$(tshark -r "$TMPD/s.pcapng" -Y icmp -T fields \
	-e frame.comment.comment 2>/dev/null | sort -u)
expect_eq "tshark: verdict metadata on every ping" "$comments" \
	"slot=3 action=XDP_DROP reason=test meta=32343"
expect_eq "tshark: interface name" \
	"$(tshark -r "$TMPD/s.pcapng" -Y icmp -T fields -e frame.interface_name 2>/dev/null | sort -u)" eth0
expect_eq "tshark: whole frame captured (98 bytes)" \
	"$(tshark -r "$TMPD/s.pcapng" -Y icmp -T fields -e frame.cap_len 2>/dev/null | sort -u)" 98
now=$(date +%s)
first=$(tshark -r "$TMPD/s.pcapng" -Y icmp -T fields -e frame.time_epoch 2>/dev/null | head -1)
first=${first%.*}
expect_le "timestamps are wall clock (within 60 s of now)" "$(( now - ${first:-0} ))" 60
expect_ge "timestamps are not in the future" "$(( now - ${first:-0} ))" 0
sent=$(tool xdp_root_loader --status --json --interface eth0 | jq -r '.interfaces[0].sampling.sent')
expect_ge "kernel counted the samples sent" "$sent" 5

# Classic pcap with a short snap length, to stdout.
sampler_start --interface eth0 --rate 1 --snaplen 64 --format pcap --write - --quiet \
	>"$TMPD/s.pcap"
ping_count 3 >/dev/null
kill -INT "$SAMPLER_PID"
wait "$SAMPLER_PID"
expect_eq "SIGINT with stdout output: exit 0" "$?" 0
expect_eq "pcap to stdout: 3 pings" "$(tcpdump -n -r "$TMPD/s.pcap" icmp 2>/dev/null | grep -c 'echo request')" 3
expect_eq "pcap: snap length 64 kept, wire length 98" \
	"$(tshark -r "$TMPD/s.pcap" -Y icmp -T fields -e frame.cap_len -e frame.len 2>/dev/null | sort -u | tr '\t' ' ')" "64 98"

# --count: stops by itself after N samples, exit 0.
sampler_start --interface eth0 --rate 1 --count 2 --write "$TMPD/c.pcapng" --quiet
ping_count 4 >/dev/null
wait "$SAMPLER_PID"
expect_eq "--count 2: exit 0 by itself" "$?" 0
expect_eq "--count 2: 2 packets written" "$(tcpdump -n -r "$TMPD/c.pcapng" 2>/dev/null | grep -c .)" 2

# --rate 0 turns sampling off in the kernel.
sampler_start --interface eth0 --rate 0 --write "$TMPD/off.pcapng" --quiet
ping_count 3 >/dev/null
stop_rc "$SAMPLER_PID"
expect_eq "rate 0: nothing sampled" "$(tcpdump -n -r "$TMPD/off.pcapng" 2>/dev/null | grep -c .)" 0

# The root detached under a running sampler: it stops with 69, not 0.
sampler_start --interface eth0 --write "$TMPD/gone.pcapng" --interval 1 --quiet
tool ecbpf_test_slot --detach --interface eth0 --slot 3
tool xdp_root_loader --detach --interface eth0 >/dev/null
for _ in $(seq 50); do kill -0 "$SAMPLER_PID" 2>/dev/null || break; sleep 0.1; done
stop_rc "$SAMPLER_PID"
expect_eq "root detached while sampling: exit code 69" "$RC" 69
expect_contains "root detached while sampling: says so" "$(cat "$TMPD/sampler.err")" \
	"root was detached or replaced"
lab_assert_clean "after detach"
