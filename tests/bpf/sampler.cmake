# The sampler offer of the shared exit path, read back through the perf buffer.
ecbpf_check_test(test_bpf_sampler bpf ${CMAKE_CURRENT_SOURCE_DIR}/bpf/test_sampler.c)
