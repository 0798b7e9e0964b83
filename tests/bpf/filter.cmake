# xdp_filter under BPF_PROG_TEST_RUN behind a private root.
ecbpf_check_test(test_bpf_filter bpf ${CMAKE_CURRENT_SOURCE_DIR}/bpf/test_filter.c
	LIBS xdp_filter_lib DEPENDS xdp_filter_skel)
target_include_directories(test_bpf_filter PRIVATE ${XDP_FILTER_SKEL_DIR}
	${PROJECT_SOURCE_DIR}/xdp_filter)
