#!/usr/bin/env bash
# Run every test tier: install dependencies, build (plain, and with ASan/UBSan
# for the unit and BPF tests), then ctest. As root on Debian 12.
#   scripts/test.sh            all tiers
#   scripts/test.sh -L unit    only tests whose label matches (passed to ctest)
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/bootstrap.sh" || exit 1

build=${ECBPF_BUILD_DIR:-$top/build}
asan=${ECBPF_ASAN_DIR:-$top/build-asan}
jobs=$(nproc)

echo "== build ($build)"
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || exit 1
cmake --build "$build" -j"$jobs" >"$build.log" 2>&1 || { tail -50 "$build.log"; exit 1; }
echo "== build with ASan/UBSan ($asan)"
cmake -S "$top" -B "$asan" -DCMAKE_BUILD_TYPE=Debug -DECBPF_SANITIZE=ON >/dev/null || exit 1
cmake --build "$asan" -j"$jobs" >"$asan.log" 2>&1 || { tail -50 "$asan.log"; exit 1; }

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
rc=0
if [ $# -gt 0 ]; then
	(cd "$build" && ctest --output-on-failure "$@") || rc=1
	exit $rc
fi
echo "== unit and BPF tests (ASan/UBSan)"
(cd "$asan" && ctest --output-on-failure -L 'unit|bpf') || rc=1
echo "== integration and system tests"
(cd "$build" && ctest --output-on-failure -L 'integration|system') || rc=1
exit $rc
