#!/usr/bin/env bash
# The ecbpf demo: build if needed, make the netns lab (a "server" and a
# "client" namespace joined by a veth pair, as in the Vagrant environment),
# attach the root and every component that is built, send real traffic from
# the client, and print what each tool reports. Everything is removed at the
# end unless --keep is given.
#
#   scripts/demo.sh [--keep] [--generic]
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
keep=0
mode=()
for arg in "$@"; do
	case $arg in
	--keep) keep=1 ;;
	--generic) mode=(--generic) ;;
	-h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "demo: unknown option $arg" >&2; exit 64 ;;
	esac
done

"$top/scripts/bootstrap.sh" >/dev/null || exit 1
build=${ECBPF_BUILD_DIR:-$top/build}
echo "== building into $build"
"$top/scripts/build.sh" >/dev/null || { echo "demo: build failed" >&2; exit 1; }

SRV=ecbpf-demo-server
CLI=ecbpf-demo-client
SRV_IP=10.200.0.1
CLI_IP=10.200.0.2
export ECBPF_PIN_ROOT=/sys/fs/bpf/ecbpf-demo
work=$(mktemp -d /tmp/ecbpf-demo.XXXXXX)
sampler_pid=

bin() { find "$build" -maxdepth 3 -type f -name "$1" -perm -u+x | head -1; }
srv() { nsenter --net=/run/netns/$SRV "$@"; }
cli() { nsenter --net=/run/netns/$CLI "$@"; }
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '\033[2m# %s\033[0m\n' "$*"; "$@"; }

cleanup() {
	[ -n "$sampler_pid" ] && kill "$sampler_pid" 2>/dev/null && wait "$sampler_pid" 2>/dev/null
	if [ $keep -eq 1 ]; then
		echo
		echo "Lab kept: nsenter --net=/run/netns/$SRV $build/xdp_root/xdp_root_loader --status"
		echo "Remove it with: ip netns del $SRV; ip netns del $CLI; rm -rf $ECBPF_PIN_ROOT $work"
		return
	fi
	ip netns del $SRV 2>/dev/null
	ip netns del $CLI 2>/dev/null
	rm -rf "$ECBPF_PIN_ROOT" "$work"
}
trap cleanup EXIT

ROOT=$(bin xdp_root_loader)
FILTER=$(bin xdp_filter)
FW=$(bin xdp_fw)
SAMPLER=$(bin xdp_sampler)
TEST_SLOT=$(bin ecbpf_test_slot)

say "lab: $SRV ($SRV_IP, eth0) <-veth-> $CLI ($CLI_IP, eth0)"
ip netns del $SRV 2>/dev/null; ip netns del $CLI 2>/dev/null
ip netns add $SRV && ip netns add $CLI || exit 1
ip link add eth0 netns $SRV type veth peer name eth0 netns $CLI || exit 1
ip -n $SRV addr add $SRV_IP/24 dev eth0
ip -n $CLI addr add $CLI_IP/24 dev eth0
for ns in $SRV $CLI; do ip -n $ns link set lo up; ip -n $ns link set eth0 up; done
# A veth accepts the server's XDP_TX replies (packet-too-big) only if it runs
# XDP itself: the client gets a bare XDP_PASS program.
ip -n $CLI link set dev eth0 xdpdrv obj "$build/tests/tools/test_bare.bpf.o" sec xdp program bare_pass

say "attach the root on the server's eth0"
run srv "$ROOT" --attach --interface eth0 "${mode[@]}" || exit 1

if [ -n "$FILTER" ]; then
	say "xdp_filter: drop fragments (answer with packet-too-big) and black-hole 198.51.100.0/24"
	run srv "$FILTER" --attach --interface eth0 --frags-drop --ptb-max-pps 100
	run srv "$FILTER" --drop --ips 198.51.100.0/24 --tags demo-blackhole --interface eth0
fi
if [ -n "$FW" ]; then
	say "xdp_fw: drop UDP to port 9999 and TCP SYNs to port 23"
	cat >"$work/demo.rules" <<-EOF
	# demo rule set
	ip from any to any udp dport { 9999 } name "demo: udp 9999"
	ip from any to any tcp dport { 23 } flags { syn } mask { syn, ack } name "demo: telnet syn"
	EOF
	run cat "$work/demo.rules"
	run srv "$FW" --attach --rules "$work/demo.rules" --interface eth0
fi
if [ -z "$FILTER$FW" ] && [ -n "$TEST_SLOT" ]; then
	say "no filter or fw built: a test DROP program goes in slot 3"
	run srv "$TEST_SLOT" --attach --interface eth0 --slot 3 --action drop
fi
if [ -n "$SAMPLER" ]; then
	say "xdp_sampler: sample every packet into $work/samples.pcapng"
	# nsenter execs the tool, so $! is the sampler itself (a function would be a subshell).
	nsenter --net=/run/netns/$SRV "$SAMPLER" --interface eth0 --rate 1 \
		--write "$work/samples.pcapng" 2>"$work/sampler.log" &
	sampler_pid=$!
	sleep 1
fi

say "traffic from the client"
run cli ping -c 5 -i 0.2 -q $SRV_IP
if [ -n "$FILTER" ]; then
	echo "# a 2000-byte ping is fragmented: the filter answers the first fragment with 'Frag needed'"
	run cli ping -c 2 -i 0.3 -W 1 -s 2000 $SRV_IP
	echo "# 3 pings from 198.51.100.7, a source on the filter's drop list: no replies"
	ip -n $CLI addr add 198.51.100.7/32 dev eth0
	run cli ping -c 3 -i 0.2 -W 1 -q -I 198.51.100.7 $SRV_IP
fi
echo "# 20 UDP datagrams to port 9999 and 20 to port 5353"
cli bash -c "for i in \$(seq 20); do echo x >/dev/udp/$SRV_IP/9999; echo y >/dev/udp/$SRV_IP/5353; done"
sleep 0.5

say "xdp_root_loader --status"
run srv "$ROOT" --status --interface eth0
if [ -n "$FILTER" ]; then
	say "xdp_filter --status"
	run srv "$FILTER" --status --interface eth0
fi
if [ -n "$FW" ]; then
	say "xdp_fw --stats"
	run srv "$FW" --stats --interface eth0
fi
if [ -n "$sampler_pid" ]; then
	kill -INT "$sampler_pid"
	wait "$sampler_pid" 2>/dev/null
	sampler_pid=
	say "samples written by xdp_sampler: count per verdict, then the dropped packets"
	if command -v tshark >/dev/null; then
		tshark -r "$work/samples.pcapng" -T fields -e frame.comment 2>/dev/null |
			sort | uniq -c | sort -rn
		echo
		tshark -r "$work/samples.pcapng" -Y 'frame.comment contains "XDP_DROP" or frame.comment contains "XDP_TX"' \
			-T fields -e frame.number -e ip.src -e ip.dst -e _ws.col.Info -e frame.comment \
			2>/dev/null | head -8
	else
		tcpdump -nr "$work/samples.pcapng" 2>/dev/null | head -10
	fi
fi

say "xdp_root_loader --status --json (interface totals)"
srv "$ROOT" --status --json --interface eth0 | jq '.interfaces[0].total_actions | map_values(.packets)'

say "detach"
[ -n "$FW" ] && run srv "$FW" --detach --interface eth0
[ -n "$FILTER" ] && run srv "$FILTER" --detach --purge --interface eth0
run srv "$ROOT" --detach --interface eth0
echo
echo "demo finished"
