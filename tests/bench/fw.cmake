# xdp_fw: ns/packet with 8..4096 rules, compile time, and live-frame drops vs XDP_DROP and nftables.
include(${CMAKE_CURRENT_LIST_DIR}/bench.cmake)
ecbpf_bench(bench_fw ${CMAKE_CURRENT_LIST_DIR}/bench_fw.c LIBS fw_loader)
ecbpf_bench_script(${CMAKE_CURRENT_LIST_DIR}/fw_live.sh)
