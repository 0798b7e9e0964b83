#!/usr/bin/env bash
# ecbpf_service_handler's command line: exit codes, "FILE: key: problem" lines
# and, with --dry-run, the exact loader command lines each operation runs.
# Needs no privileges: nothing is attached.
set -uo pipefail
H=$BUILD/systemd/ecbpf_service_handler
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

check() {	# NAME EXPECTED ACTUAL
	if [ "$2" == "$3" ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		printf 'FAIL %s\n--- expected\n%s\n--- got\n%s\n' "$1" "$2" "$3"
	fi
}

# Fake loaders: the handler checks they are installed before running anything.
mkdir "$tmp/sbin" "$tmp/run"
for t in xdp_root_loader xdp_filter xdp_fw xdp_sampler ecbpf_exporter; do
	printf '#!/bin/sh\necho "%s $*" >> %s/ran\n' "$t" "$tmp" > "$tmp/sbin/$t"
	chmod +x "$tmp/sbin/$t"
done
export ECBPF_LOADER_DIR=$tmp/sbin ECBPF_RUN_DIR=$tmp/run
export ECBPF_PROC_NET_ROUTE=$SRC/tests/unit/fixtures/systemd/route4-no-default
export ECBPF_PROC_NET_IPV6_ROUTE=$SRC/tests/unit/fixtures/systemd/route6-no-default
echo "10.1.0.0/16 attack" > "$tmp/drop.txt"
: > "$tmp/fw.rules"
cat > "$tmp/good.conf" <<EOF
{
	"interfaces": ["lo"],
	"xdp_mode": "generic",
	"root": { "enabled": true, "nop_on_detach": true },
	"filter": { "enabled": true, "slot": 3, "frags_drop": true, "ptb_max_pps": 50,
		    "drop_file": "$tmp/drop.txt" },
	"fw": { "enabled": true, "rules": "$tmp/fw.rules", "monitor": true },
	"sampler": { "enabled": true, "rate": 100, "write": "$tmp/s.pcapng",
		     "publish": "tcp://127.0.0.1:5556" },
	"exporter": { "enabled": false }
}
EOF

out=$($H -c "$tmp/good.conf" check 2>&1); rc=$?
check "check good: exit" 0 $rc
check "check good: summary" \
	"$tmp/good.conf: ok: interfaces lo, generic mode, enabled: root, filter, fw, sampler" "$out"

S=$tmp/sbin
out=$($H -c "$tmp/good.conf" -n start root 2>&1)
check "start root" "$S/xdp_root_loader --attach --interface lo --generic" "$out"
out=$($H -c "$tmp/good.conf" -n reload root 2>&1)
check "reload root is the same in-place attach" \
	"$S/xdp_root_loader --attach --interface lo --generic" "$out"
out=$($H -c "$tmp/good.conf" -n stop root 2>&1)
check "stop root" "$S/xdp_root_loader --detach --interface lo --nop" "$out"
out=$($H -c "$tmp/good.conf" -n start filter 2>&1)
check "start filter" "$S/xdp_filter --attach --interface lo --slot 3 --frags-drop --ptb-max-pps 50
$S/xdp_filter --drop --ips-file $tmp/drop.txt --interface lo" "$out"
out=$($H -c "$tmp/good.conf" -n stop filter 2>&1)
check "stop filter" "$S/xdp_filter --detach --purge --interface lo" "$out"
out=$($H -c "$tmp/good.conf" -n start fw 2>&1)
check "start fw" "$S/xdp_fw --attach --rules $tmp/fw.rules --interface lo --monitor --slot 5" "$out"
out=$($H -c "$tmp/good.conf" -n reload fw 2>&1)
check "reload fw updates" "$S/xdp_fw --update --rules $tmp/fw.rules --interface lo --monitor" "$out"
out=$($H -c "$tmp/good.conf" -n start sampler 2>&1)
check "start sampler" "$S/xdp_sampler --interface lo --rate 100 --snaplen 256 --write $tmp/s.pcapng --format pcapng --publish tcp://127.0.0.1:5556" "$out"
out=$($H -c "$tmp/good.conf" -n start exporter 2>&1); rc=$?
check "disabled exporter: start does nothing" "0:ecbpf_service_handler: exporter is disabled in $tmp/good.conf: nothing to do" "$rc:$out"

cat > "$tmp/exp.conf" <<EOF
{ "interfaces": ["lo"], "exporter": { "enabled": true },
  "fw": { "enabled": true, "rules": "$tmp/fw.rules" } }
EOF
out=$($H -c "$tmp/exp.conf" -n start exporter 2>&1)
check "exporter serves on loopback by default" "$S/ecbpf_exporter --interface lo --listen 127.0.0.1:9771" "$out"
out=$($H -c "$tmp/exp.conf" -n reload fw 2>&1)
check "fw reload leaves monitor mode explicitly" "$S/xdp_fw --update --rules $tmp/fw.rules --interface lo --enforce" "$out"
cat > "$tmp/exp.conf" <<EOF
{ "interfaces": ["lo"], "exporter": { "enabled": true, "textfile": "$tmp/m.prom", "interval": 30 } }
EOF
out=$($H -c "$tmp/exp.conf" -n start exporter 2>&1)
check "exporter pushes a textfile" "$S/ecbpf_exporter --interface lo --textfile $tmp/m.prom --interval 30" "$out"

$H -c "$tmp/good.conf" enabled fw 2>/dev/null; check "enabled fw" 0 $?
$H -c "$tmp/good.conf" enabled exporter 2>/dev/null; check "enabled exporter (disabled)" 1 $?

# The filter drop list follows the file: additions first, then removals.
rm -f "$tmp/ran"
$H -c "$tmp/good.conf" start filter 2>/dev/null; check "start filter runs" 0 $?
printf '10.2.0.0/16\n# comment\n\n192.0.2.1 tagged\n' > "$tmp/drop.txt"
$H -c "$tmp/good.conf" reload filter 2>/dev/null; check "reload filter runs" 0 $?
check "reload filter: add then remove" "xdp_filter --attach --interface lo --slot 3 --frags-drop --ptb-max-pps 50
xdp_filter --drop --ips-file $tmp/drop.txt --interface lo
xdp_filter --attach --interface lo --slot 3 --frags-drop --ptb-max-pps 50
xdp_filter --drop --ips-file $tmp/drop.txt --interface lo
xdp_filter --no-drop --ips-file $tmp/run/filter.drop-removed --interface lo" "$(cat "$tmp/ran")"
check "applied drop list recorded" "$(cat "$tmp/drop.txt")" "$(cat "$tmp/run/filter.drop-applied")"
check "interfaces recorded for stop" "lo" "$(cat "$tmp/run/filter.ifaces")"

# Stop uses the interfaces recorded at start, even when the file is now broken.
rm -f "$tmp/ran"
echo '{ broken' > "$tmp/broken.conf"
$H -c "$tmp/broken.conf" stop filter 2>/dev/null; check "stop with broken config" 0 $?
check "stop ran on recorded interfaces" "xdp_filter --detach --purge --interface lo" "$(cat "$tmp/ran")"
check "stop forgets its state" "" "$(ls "$tmp/run")"

# A bad config: every problem on stdout, exit 78, nothing run.
rm -f "$tmp/ran"
cat > "$tmp/bad.conf" <<EOF
{ "interfaces": ["lo", "nosuchif0"], "filter": { "enabled": true, "slot": 9 },
  "fw": { "enabled": true, "rules": "$tmp/missing.rules" } }
EOF
out=$($H -c "$tmp/bad.conf" check 2>/dev/null); rc=$?
check "check bad: exit 78" 78 $rc
check "check bad: problems" "$tmp/bad.conf: filter.slot: expected a slot from 0 to 7
$tmp/bad.conf: interfaces[1]: no interface 'nosuchif0' on this host
$tmp/bad.conf: fw.rules: cannot read $tmp/missing.rules: No such file or directory" "$out"
$H -c "$tmp/bad.conf" start root >/dev/null 2>&1; check "start with bad config: 78" 78 $?
$H -c "$tmp/bad.conf" enabled root >/dev/null 2>&1; check "enabled with bad config: 255" 255 $?
err=$($H -c "$tmp/bad.conf" start root 2>&1 >/dev/null | tail -1)
check "start says nothing changed" "ecbpf_service_handler: root: $tmp/bad.conf is invalid: nothing changed" "$err"
check "nothing ran" "no" "$([ -e "$tmp/ran" ] && echo yes || echo no)"

# No interfaces and no default route.
echo '{}' > "$tmp/noroute.conf"
out=$($H -c "$tmp/noroute.conf" check 2>/dev/null); rc=$?
check "no default route" "78:$tmp/noroute.conf: interfaces: none given and no default route to take one from (no default route)" "$rc:$out"

# Usage errors.
$H >/dev/null 2>&1; check "no operation: 64" 64 $?
$H start >/dev/null 2>&1; check "no component: 64" 64 $?
$H start bypass2 >/dev/null 2>&1; check "unknown component: 64" 64 $?
$H -c "$tmp/good.conf" reload sampler >/dev/null 2>&1; check "reload without reload op: 64" 64 $?
$H --help | grep -q '^Usage: ecbpf_service_handler'; check "help" 0 $?

# The generated units: systemd-analyze verify is silent, and the hardening
# keeps each unit's exposure at 2.5 or below.
if command -v systemd-analyze >/dev/null; then
	mkdir "$tmp/units"
	for u in "$BUILD"/systemd/ecbpf-*.service; do
		sed "s|/[^ ]*/ecbpf_service_handler|$H|" "$u" >"$tmp/units/$(basename "$u")"
	done
	for u in "$tmp"/units/*.service; do
		n=$(basename "$u")
		out=$(systemd-analyze verify --man=no "$u" 2>&1)
		check "$n: systemd-analyze verify" "" "$out"
		exp=$(systemd-analyze security --offline=yes "$u" 2>/dev/null |
			sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
		check "$n: exposure $exp <= 2.5" yes "$(awk -v e="${exp:-99}" 'BEGIN { print (e <= 2.5) ? "yes" : "no" }')"
	done
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
