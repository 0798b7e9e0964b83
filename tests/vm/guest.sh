#!/bin/bash
# What the kernel matrix runs on each kernel (scripts/vmtest.sh's default):
# the unit and BPF tiers of the build in $BUILD, then the veth smoke test.
# ctest's JUnit report and the smoke's output go to $VMTEST_OUT when set.
set -uo pipefail
: "${BUILD:?set BUILD to the build directory}" "${SRC:?set SRC to the repository}"
outdir=${VMTEST_OUT:-/tmp}
rc=0

echo "== $(uname -r): unit and BPF tiers"
(cd "$BUILD" && ctest --output-on-failure -L 'unit|bpf' --output-junit "$outdir/ctest.xml") || rc=1

echo "== $(uname -r): integration smoke on a veth pair"
bash "$SRC/tests/vm/smoke.sh" 2>&1 | tee "$outdir/smoke.log"
[ "${PIPESTATUS[0]}" -eq 0 ] || rc=1

echo "== $(uname -r): $([ $rc -eq 0 ] && echo passed || echo FAILED)"
exit $rc
