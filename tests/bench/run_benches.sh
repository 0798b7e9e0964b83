#!/bin/bash
# Run the benchmarks registered with ecbpf_bench/ecbpf_bench_script, one at a
# time (they must not compete for the CPU). Each argument is an executable
# with tab-separated arguments, or a .sh script.
rc=0
for cmd in "$@"; do
	[ -n "$cmd" ] || continue
	IFS=$'\t' read -r -a argv <<<"$cmd"
	echo "=== ${argv[*]##*/}"
	case ${argv[0]} in
	*.sh) bash "${argv[@]}" || rc=1 ;;
	*) "${argv[@]}" || rc=1 ;;
	esac
done
exit $rc
