# The root under BPF_PROG_TEST_RUN (private stacks, no pins, no interface).
ecbpf_bpf_skeleton(test_xdpcap_hook ${CMAKE_CURRENT_SOURCE_DIR}/bpf/test_xdpcap_hook.bpf.c)
ecbpf_check_test(test_bpf_root bpf ${CMAKE_CURRENT_SOURCE_DIR}/bpf/test_root.c
	DEPENDS test_xdpcap_hook_skel)
# Loads the verifier refuses: the one-line report and the whole log on request.
ecbpf_bpf_skeleton(test_verifier ${CMAKE_CURRENT_SOURCE_DIR}/bpf/test_verifier.bpf.c)
ecbpf_check_test(test_bpf_verifier_log bpf ${CMAKE_CURRENT_SOURCE_DIR}/bpf/test_verifier_log.c
	DEPENDS test_verifier_skel)
