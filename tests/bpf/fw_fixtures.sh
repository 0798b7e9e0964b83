#!/bin/bash
# xdp_fw --test over the committed pcap/pcapng fixtures (tests/bpf/fw_fixtures/,
# written by make_fixtures.py): every frame meets its expectation, and a
# rules file with a wrong expectation makes --test fail.
set -uo pipefail
FW=$BUILD/xdp_fw/xdp_fw
DIR=$SRC/tests/bpf/fw_fixtures
PASSED=0
FAILED=0
ok() { PASSED=$((PASSED + 1)); echo "ok - $*"; }
fail() { FAILED=$((FAILED + 1)); echo "not ok - $*"; }

for cap in fw_fixture.pcap fw_fixture.pcapng; do
	out=$("$FW" --test "$DIR/$cap" --rules "$DIR/fw_fixture.rules")
	rc=$?
	[ $rc -eq 0 ] && ok "$cap: exit 0" || fail "$cap: exit $rc"
	summary=$(tail -1 <<<"$out")
	want="30 frames: 14 XDP_PASS, 13 XDP_DROP, 3 XDP_ABORTED, 0 other; 30 expectations, 0 failed"
	[ "$summary" == "$want" ] && ok "$cap: summary" || fail "$cap: summary '$summary'"
	n=$(grep -c ' ok$\| ok (' <<<"$out")
	[ "$n" -eq 30 ] && ok "$cap: 30 frames met their expectation" || fail "$cap: $n frames ok"
	# A few lines field by field: the rule number is the lowest matching one.
	grep -q '^frame 3 sha1 fd755cdaaec4d161cebf3d4b2a112fd95c82206b len 50 XDP_DROP rule 2 expected XDP_DROP ok$' <<<"$out" &&
		ok "$cap: wildcard rule after a specific one" || fail "$cap: frame 3 line"
	grep -q '^frame 9 .* XDP_DROP rule 3 expected XDP_DROP ok$' <<<"$out" &&
		ok "$cap: ipv6 extension header judged" || fail "$cap: frame 9 line"
	grep -q '^frame 24 .* XDP_PASS expected XDP_PASS ok$' <<<"$out" &&
		ok "$cap: later fragment goes on" || fail "$cap: frame 24 line"
done

out=$("$FW" --test "$DIR/fw_fixture.pcap" --rules "$DIR/fw_fixture_wrong.rules")
rc=$?
[ $rc -eq 1 ] && ok "wrong expectation: exit 1" || fail "wrong expectation: exit $rc"
grep -q '^frame 1 .* XDP_DROP rule 1 expected XDP_PASS FAILED$' <<<"$out" &&
	ok "wrong expectation: reported" || fail "wrong expectation: no FAILED line"
grep -q 'expectations, 1 failed$' <<<"$out" && ok "wrong expectation: summary" ||
	fail "wrong expectation: summary"

bad=$(mktemp --suffix=.rules)
trap 'rm -f "$bad"' EXIT
printf 'ip from any to any udp\nip from 10.0.0.300 to any udp\n' >"$bad"
err=$("$FW" --test "$DIR/fw_fixture.pcap" --rules "$bad" 2>&1 >/dev/null)
rc=$?
[ $rc -eq 65 ] && ok "bad rules file: EX_DATAERR" || fail "bad rules file: exit $rc"
[ "$err" == "xdp_fw: $bad:2:9: '10.0.0.300' is not an IPv4 address" ] &&
	ok "bad rules file: FILE:line:col message" || fail "bad rules file: '$err'"

# Captures --test cannot read: not a capture at all, and one cut off in a frame.
notcap=$(mktemp --suffix=.pcap)
cut=$(mktemp --suffix=.pcap)
errf=$(mktemp)
trap 'rm -f "$bad" "$notcap" "$cut" "$errf"' EXIT
cp "$DIR/fw_fixture.rules" "$notcap"
err=$("$FW" --test "$notcap" --rules "$DIR/fw_fixture.rules" 2>&1 >/dev/null)
rc=$?
[ $rc -eq 66 ] && [ "$err" == "xdp_fw: $notcap: unknown file format" ] &&
	ok "not a capture: EX_NOINPUT, file named" || fail "not a capture: exit $rc, '$err'"
size=$(stat -c %s "$DIR/fw_fixture.pcap")
head -c $((size - 10)) "$DIR/fw_fixture.pcap" >"$cut"
out=$("$FW" --test "$cut" --rules "$DIR/fw_fixture.rules" 2>"$errf")
rc=$?
err=$(cat "$errf")
[ $rc -eq 65 ] && [[ "$err" == "xdp_fw: $cut: truncated dump file"* ]] &&
	ok "capture cut off in a frame: EX_DATAERR, file named once" || fail "cut capture: exit $rc, '$err'"
[ "$(grep -c '^frame ' <<<"$out")" -eq 29 ] && ok "cut capture: the whole frames before it were run" ||
	fail "cut capture: $(grep -c '^frame ' <<<"$out") frames run"

# Command line: help, usage errors, nothing on stdout for errors.
out=$("$FW" --help)
[ $? -eq 0 ] && [[ "$out" == "Usage: xdp_fw --attach|--update --rules FILE"* ]] && ok "--help" ||
	fail "--help"
err=$("$FW" 2>&1 >/dev/null)
[ $? -eq 64 ] && ok "no operation: EX_USAGE" || fail "no operation"
err=$("$FW" --validate 2>&1 >/dev/null)
[ $? -eq 64 ] && [ "$err" == "xdp_fw: --rules FILE is required" ] && ok "--validate without --rules" ||
	fail "--validate without --rules: '$err'"
err=$("$FW" --attach --rules "$DIR/fw_fixture.rules" 2>&1 >/dev/null)
[ $? -eq 64 ] && [ "$err" == "xdp_fw: --interface LIST is required" ] && ok "--attach without --interface" ||
	fail "--attach without --interface: '$err'"
out=$("$FW" --validate --rules /nonexistent.rules 2>/dev/null)
[ $? -eq 66 ] && [ -z "$out" ] && ok "missing rules file: EX_NOINPUT, no stdout" || fail "missing rules file"
out=$("$FW" --test /nonexistent.pcap --rules "$DIR/fw_fixture.rules" 2>/dev/null)
[ $? -eq 66 ] && [ -z "$out" ] && ok "missing capture: EX_NOINPUT, no stdout" || fail "missing capture"

# The example rule files: valid, and their canonical form re-parses to itself.
for ex in "$SRC"/xdp_fw/examples/*.rules; do
	name=$(basename "$ex")
	canon=$("$FW" --validate --rules "$ex" 2>/dev/null)
	rc=$?
	[ $rc -eq 0 ] && ok "example $name: valid" || fail "example $name: exit $rc"
	printf '%s\n' "$canon" >"$bad"
	again=$("$FW" --validate --rules "$bad" 2>/dev/null)
	[ "$again" == "$canon" ] && ok "example $name: canonical form round trip" ||
		fail "example $name: canonical form changes when re-parsed"
done
out=$("$FW" --test "$DIR/fw_fixture.pcap" --rules "$SRC/xdp_fw/examples/expectations.rules")
rc=$?
[ $rc -eq 0 ] && [[ "$(tail -1 <<<"$out")" == *"2 expectations, 0 failed" ]] &&
	ok "example expectations.rules passes on the fixture" || fail "example expectations.rules: exit $rc"

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
