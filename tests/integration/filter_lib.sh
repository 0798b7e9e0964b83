# shellcheck shell=bash
# Helpers for the xdp_filter integration tests (sourced after tests/lib/lab.sh).

# A veth delivers XDP_TX frames only to a peer that runs XDP itself (GRO on the
# peer is not enough on this kernel): the client gets a bare XDP_PASS program.
filter_lab_up() {
	lab_up || return 1
	ip -n "$CLI" link set dev eth0 xdpdrv obj "$BUILD/tests/tools/test_bare.bpf.o" \
		sec xdp program bare_pass || return 1
	tool xdp_root_loader --attach --interface eth0 >/dev/null 2>&1 || return 1
}

# filter_stat NAME: one counter from the filter's status JSON.
filter_stat() {
	tool xdp_filter --status --json --interface eth0 | jq -r ".interfaces[0].stats.$1"
}

# filter_json FILTER: one jq expression over the first interface of the status JSON.
filter_json() {
	tool xdp_filter --status --json --interface eth0 | jq -r ".interfaces[0]$1"
}

# client_snmp PROTO FIELD: a counter of /proc/net/snmp in the client namespace.
client_snmp() {
	# shellcheck disable=SC2016  # awk program, not shell
	in_cli awk -v p="$1:" -v f="$2" '
		$1 == p && !h { for (i = 2; i <= NF; i++) idx[$i] = i; h = 1; next }
		$1 == p && h { print $idx[f]; exit }' /proc/net/snmp
}
