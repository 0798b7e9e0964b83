# xdp_filter: ns/packet by test_run on non-matching traffic, empty and 10,000-prefix tries.
include(${CMAKE_CURRENT_LIST_DIR}/bench.cmake)
ecbpf_bench(bench_filter ${CMAKE_CURRENT_LIST_DIR}/bench_filter.c LIBS xdp_filter_lib)
add_dependencies(bench_filter xdp_filter_skel)
target_include_directories(bench_filter PRIVATE ${XDP_FILTER_SKEL_DIR} ${PROJECT_SOURCE_DIR}/xdp_filter)
