#!/bin/bash
# Live-frame benchmark of xdp_fw: frames redirected into the lab veth are
# dropped on the server by the root + fw with 4,096 rules, by a bare XDP_DROP,
# and by an nftables netdev-ingress drop rule (behind a bare XDP_PASS, which
# the veth needs to take redirected frames). Its own netns lab, removed on exit.
# shellcheck source=../lib/lab.sh
. "${SRC:-$(dirname "$0")/../..}/tests/lib/lab.sh"
need_kernel 5.18 "live frames (BPF_F_TEST_XDP_LIVE_FRAMES)"
lab_up || exit 1
in_cli sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.eth0.disable_ipv6=1
in_srv sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.eth0.disable_ipv6=1
in_srv nft -f - <<'NFT' || { fail "nftables rule"; exit 1; }
table netdev fw_bench {
	chain ingress {
		type filter hook ingress device "eth0" priority 0; policy accept;
		udp dport 9 counter drop
	}
}
NFT
"$BUILD/tests/bench/bench_fw" --live "$SRV" "$CLI" "$@"
check "live-frame benchmark ran" test $? -eq 0
nft_drops=$(in_srv nft list chain netdev fw_bench ingress | sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
echo "frames the nftables rule dropped: $nft_drops"
