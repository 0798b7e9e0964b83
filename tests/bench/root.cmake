# The root dispatcher: ns/packet by test_run, and live frames over the lab veth.
include(${CMAKE_CURRENT_LIST_DIR}/bench.cmake)
ecbpf_bench(bench_root ${CMAKE_CURRENT_LIST_DIR}/bench_root.c)
ecbpf_bench_script(${CMAKE_CURRENT_LIST_DIR}/root_live.sh)
