# shellcheck shell=bash
# Helpers shared by the sampler integration tests (sourced after lib/lab.sh).

TMPD=$(mktemp -d /tmp/ecbpf-sampler-test.XXXXXX)
_sampler_cleanup() { rm -rf "$TMPD"; }

# Path of a built tool.
tool_path() { find "$BUILD" -maxdepth 3 -type f -name "$1" -perm -u+x | head -1; }

# Bring the lab up, removing the test's files on exit too.
sampler_lab_up() {
	lab_up || return 1
	trap 'lab_down; _sampler_cleanup; lab_summary_exit' EXIT
}

# Root + a DROP test slot in slot 3 on the server's eth0; quiet the client's IPv6
# so the only IP traffic is what the test sends.
sampler_attach() {
	in_cli sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1
	tool xdp_root_loader --attach --interface eth0 >/dev/null || return 1
	tool ecbpf_test_slot --attach --interface eth0 --slot 3 --action drop || return 1
	# Resolve ARP now (ARP passes the root; the ping itself is dropped).
	in_cli ping -c 1 -W 1 "$SRV_IP" >/dev/null 2>&1
	return 0
}

# Start xdp_sampler in the server namespace in the background; wait until it reads.
# Sets SAMPLER_PID; its stderr goes to $TMPD/sampler.err.
sampler_start() {
	# nsenter execs the tool, so $! is the sampler itself.
	rm -f "$TMPD/sampler.err"
	nsenter --net=/run/netns/"$SRV" "$(tool_path xdp_sampler)" "$@" 2>"$TMPD/sampler.err" &
	SAMPLER_PID=$!
	lab_bg "$SAMPLER_PID"
	wait_for_line "$TMPD/sampler.err" "sampling 1 in"
}

# wait_for_line FILE TEXT: up to 10 s.
wait_for_line() {
	for _ in $(seq 100); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "# timed out waiting for '$2' in $1:" && sed 's/^/#   /' "$1"
	return 1
}

# Stop a background process with SIGTERM; its exit code in RC.
stop_rc() {
	kill -TERM "$1" 2>/dev/null
	wait "$1"
	RC=$?
}

# Ping once at a time (200-byte payload, so these are told apart from the test's
# own pings) until CONDITION (a command) holds: the way to know that a ZeroMQ
# subscriber has joined. Up to 50 tries.
ping_until() {
	for _ in $(seq 50); do
		"$@" && return 0
		in_cli ping -c 1 -s 200 -W 0.2 "$SRV_IP" >/dev/null 2>&1
	done
	return 1
}

# File size in bytes (0 if missing).
fsize() { stat -c %s "$1" 2>/dev/null || echo 0; }
