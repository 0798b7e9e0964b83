# shellcheck shell=bash
# Helpers for the xdp_fw integration tests (sourced after tests/lib/lab.sh).

# fw_json FILTER: a jq expression over the first interface of xdp_fw --stats --json.
fw_json() {
	tool xdp_fw --stats --json --interface eth0 | jq -r ".interfaces[0]$1"
}

# fw_hits N: hits of rule N (1-based).
fw_hits() {
	fw_json ".rules[$(($1 - 1))].hits"
}

# reason_count NAME: packets of one reason in the root status JSON (0 if absent).
reason_count() {
	tool xdp_root_loader --status --json --interface eth0 |
		jq -r ".interfaces[0].reasons.$1.packets // 0"
}

# server_snmp PROTO FIELD: a counter of /proc/net/snmp in the server namespace.
server_snmp() {
	in_srv awk -v p="$1:" -v f="$2" '
		$1 == p && !h { for (i = 2; i <= NF; i++) idx[$i] = i; h = 1; next }
		$1 == p && h { print $idx[f]; exit }' /proc/net/snmp
}

# client_udp PORT N: send N UDP datagrams from the client to the server's PORT.
client_udp() {
	in_cli /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(int(sys.argv[3])):
    s.sendto(b"fw-test", (sys.argv[1], int(sys.argv[2])))
' "$SRV_IP" "$1" "$2"
}
