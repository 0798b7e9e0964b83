ecbpf_check_test(test_bpf_root bpf ${CMAKE_CURRENT_SOURCE_DIR}/bpf/test_root.c)
