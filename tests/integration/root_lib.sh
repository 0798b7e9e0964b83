# shellcheck shell=bash
# Helpers for the root's integration tests (sourced, not run): the lab, plus
# status readers that check one field at a time.
# shellcheck source=../lib/lab.sh
. "${SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}/tests/lib/lab.sh"

# The client sends no IPv6 (router solicitations, MLD reports): then every IP
# packet the server's XDP sees is one the test sent, and counters are exact.
quiet_client_ipv6() {
	in_cli sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.eth0.disable_ipv6=1
}

status_json() { tool xdp_root_loader --status --json --interface eth0; }

# jfield JSON FILTER: one field of interface 0 ("$(jfield "$json" .slots[3].program.name)").
jfield() { jq -r ".interfaces[0] | $2" <<<"$1"; }

# tfield TABLE ROW COLUMN: a cell of the status table (ROW: 0-7, root or all;
# COLUMN: 1 SLOT, 2 ID, 3 NAME, 4 LOAD TIME, 5 ABORTED, 6 DROP, 7 PASS, 8 TX, 9 REDIRECT).
tfield() {
	awk -F'|' -v r="$2" -v c="$3" '
		{ k = $1; gsub(/^ +| +$/, "", k) }
		k == r { v = $c; gsub(/^ +| +$/, "", v); print v; exit }' <<<"$1"
}

# Id of the XDP program attached to the server's eth0 (empty if none).
xdp_prog_id() { ip -n "$SRV" link show eth0 | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p'; }
xdp_prog_name() { ip -n "$SRV" link show eth0 | sed -n 's/.*prog\/xdp id [0-9]* name \([^ ]*\).*/\1/p'; }

# The server's eth0 pin directory (empty if none).
pin_dir() { find "$ECBPF_PIN_ROOT" -name root_array -printf '%h\n' 2>/dev/null | head -1; }

# Pins of the root, sorted, one line.
root_pins() { local d; d=$(pin_dir); [ -n "$d" ] && find "$d" -maxdepth 1 -type f -printf '%f\n' | sort | tr '\n' ' '; }
ROOT_PINS="ecbpf_cfg ecbpf_sampler ecbpf_samples ecbpf_scratch root_array xdp_reasons xdp_root_prog xdp_stats xdpcap_hook "

# run_tool VAR TOOL ARGS...: run a tool in the server namespace; VAR_rc and VAR_out (stdout+stderr).
run_tool() {
	local var=$1 out rc
	shift
	out=$(tool "$@" 2>&1)
	rc=$?
	printf -v "${var}_rc" '%s' "$rc"
	printf -v "${var}_out" '%s' "$out"
}
