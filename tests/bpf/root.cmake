# The root under BPF_PROG_TEST_RUN (private stacks, no pins, no interface).
ecbpf_bpf_skeleton(test_xdpcap_hook ${CMAKE_CURRENT_SOURCE_DIR}/bpf/test_xdpcap_hook.bpf.c)
ecbpf_check_test(test_bpf_root bpf ${CMAKE_CURRENT_SOURCE_DIR}/bpf/test_root.c
	DEPENDS test_xdpcap_hook_skel)
