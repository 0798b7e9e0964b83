# shellcheck shell=bash
# The netns lab for integration tests: a "server" and a "client" namespace
# joined by a veth pair (eth0 on each side), the shape of the Vagrant
# environment. Source it, call lab_up, and everything it made is removed on
# exit, even when the test fails.
#
#   BUILD     build directory (tools are found under it)
#   LAB       name prefix, unique per test run (set here)
#   SRV, CLI  namespace names; SRV_IP, CLI_IP (and _IP6) addresses
#   ECBPF_PIN_ROOT  a private pin root under /sys/fs/bpf, removed on exit

set -uo pipefail

BUILD=${BUILD:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build}
LAB=${LAB:-e$$x$RANDOM}
SRV=$LAB-srv
CLI=$LAB-cli
SRV_IP=10.199.0.1
CLI_IP=10.199.0.2
SRV_IP6=fd00:199::1
CLI_IP6=fd00:199::2
export ECBPF_PIN_ROOT=/sys/fs/bpf/ecbpf-test-$LAB
PASSED=0
FAILED=0
_lab_pids=()

# Run a command in the server namespace, seeing the host's bpffs (unlike ip netns exec).
in_srv() { nsenter --net=/run/netns/"$SRV" "$@"; }
in_cli() { nsenter --net=/run/netns/"$CLI" "$@"; }

# Tools from the build tree, run in the server namespace.
tool() {
	local name=$1
	shift
	local path
	path=$(find "$BUILD" -maxdepth 3 -type f -name "$name" -perm -u+x | head -1)
	[ -n "$path" ] || { echo "lab: tool $name not built" >&2; return 127; }
	in_srv "$path" "$@"
}

lab_down() {
	local pid
	# `in_cli cmd &` makes $! a subshell: end its children (nsenter's command) too.
	for pid in "${_lab_pids[@]}"; do
		pkill -P "$pid" 2>/dev/null
		kill "$pid" 2>/dev/null
	done
	ip netns del "$SRV" 2>/dev/null
	ip netns del "$CLI" 2>/dev/null
	rm -rf "$ECBPF_PIN_ROOT"
}

# Remember a background process to kill on exit.
lab_bg() { _lab_pids+=("$1"); }

lab_up() {
	trap 'lab_down; lab_summary_exit' EXIT
	mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
	ip netns add "$SRV" && ip netns add "$CLI" || return 1
	ip link add eth0 netns "$SRV" type veth peer name eth0 netns "$CLI" || return 1
	ip -n "$SRV" addr add $SRV_IP/24 dev eth0
	ip -n "$CLI" addr add $CLI_IP/24 dev eth0
	ip -n "$SRV" addr add $SRV_IP6/64 dev eth0 nodad
	ip -n "$CLI" addr add $CLI_IP6/64 dev eth0 nodad
	for ns in "$SRV" "$CLI"; do
		ip -n "$ns" link set lo up
		ip -n "$ns" link set eth0 up
	done
}

ok() { PASSED=$((PASSED + 1)); echo "ok - $*"; }
fail() { FAILED=$((FAILED + 1)); echo "not ok - $*"; }

# check NAME CMD...: pass when the command succeeds.
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else fail "$name"; fi
}

# expect_eq NAME ACTUAL EXPECTED
expect_eq() {
	if [ "$2" == "$3" ]; then ok "$1"; else fail "$1: got '$2', expected '$3'"; fi
}

# expect_contains NAME HAYSTACK NEEDLE
expect_contains() {
	if [[ "$2" == *"$3"* ]]; then ok "$1"; else fail "$1: '$3' not in output:"; echo "$2" | sed 's/^/#   /'; fi
}

# expect_ge NAME ACTUAL MIN
expect_ge() {
	if [ "$2" -ge "$3" ] 2>/dev/null; then ok "$1"; else fail "$1: got '$2', expected >= $3"; fi
}

# expect_le NAME ACTUAL MAX
expect_le() {
	if [ "$2" -le "$3" ] 2>/dev/null; then ok "$1"; else fail "$1: got '$2', expected <= $3"; fi
}

# ping_count N: echo how many of N pings from the client got a reply.
ping_count() {
	in_cli ping -c "$1" -i 0.05 -W 1 -q "$SRV_IP" 2>/dev/null |
		sed -n 's/.* \([0-9]\+\) received.*/\1/p'
}

# Packets counted for SLOT (0-7, or "root") and ACTION in the root status JSON.
slot_count() {
	local slot=$1 action=$2 field=${3:-packets}
	if [ "$slot" == root ]; then
		tool xdp_root_loader --status --json --interface eth0 |
			jq -r ".interfaces[0].root_actions.$action.$field"
	else
		tool xdp_root_loader --status --json --interface eth0 |
			jq -r ".interfaces[0].slots[$slot].actions.$action.$field"
	fi
}

# No XDP program and no pins of ours may remain.
# Exit 0 with a printed skip when the kernel is older than VERSION (WHAT needs it).
need_kernel() { # VERSION WHAT
	local have
	have=$(uname -r | sed -E 's/^([0-9]+\.[0-9]+).*/\1/')
	if [ "$(printf '%s\n%s\n' "$1" "$have" | sort -V | head -1)" != "$1" ]; then
		echo "skip: $2 needs Linux $1 or later (this kernel: $(uname -r))"
		exit 0
	fi
}

lab_assert_clean() {
	local what=${1:-clean}
	local left
	left=$(find "$ECBPF_PIN_ROOT" -mindepth 1 2>/dev/null | head -5)
	expect_eq "$what: no pins remain" "$left" ""
	if ip -n "$SRV" link show eth0 | grep -q 'prog/xdp'; then
		fail "$what: no XDP program attached"
	else
		ok "$what: no XDP program attached"
	fi
}

lab_summary_exit() {
	local rc=$?
	echo "$PASSED passed, $FAILED failed"
	[ "$FAILED" -eq 0 ] && [ "$rc" -eq 0 ] && exit 0
	exit 1
}
