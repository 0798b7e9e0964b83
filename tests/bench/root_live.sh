#!/bin/bash
# Live-frame benchmark of the root: frames redirected into the lab veth are
# received by the root with 4 pass-through slots and a DROP slot, against a
# bare XDP_DROP. Runs in its own netns lab, removed on exit.
# shellcheck source=../lib/lab.sh
. "${SRC:-$(dirname "$0")/../..}/tests/lib/lab.sh"
need_kernel 5.18 "live frames (BPF_F_TEST_XDP_LIVE_FRAMES)"
lab_up || exit 1
# No IPv6 chatter from the client: the DROP count is then exactly the frames sent.
in_cli sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.eth0.disable_ipv6=1
"$BUILD/tests/bench/bench_root" --live "$SRV" "$CLI" "$@"
check "live-frame benchmark ran" test $? -eq 0
