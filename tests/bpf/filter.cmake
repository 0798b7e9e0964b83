# xdp_filter under BPF_PROG_TEST_RUN behind a private root.
ecbpf_check_test(test_bpf_filter bpf ${CMAKE_CURRENT_SOURCE_DIR}/bpf/test_filter.c
	LIBS xdp_filter_lib DEPENDS xdp_filter_skel)
target_include_directories(test_bpf_filter PRIVATE ${XDP_FILTER_SKEL_DIR}
	${PROJECT_SOURCE_DIR}/xdp_filter)
if(ECBPF_SANITIZE)
	# pktbuild.h writes IP headers at frame offset 14 through struct pointers:
	# misaligned for UBSan, harmless on x86. Everything else stays checked.
	target_compile_options(test_bpf_filter PRIVATE -fno-sanitize=alignment)
endif()
