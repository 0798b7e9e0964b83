# xdp_fw under BPF_PROG_TEST_RUN: verdicts, reasons, counters, monitor mode; --test fixtures.
ecbpf_check_test(test_bpf_fw bpf ${CMAKE_CURRENT_SOURCE_DIR}/bpf/test_fw.c LIBS fw_loader)
ecbpf_shell_test(test_bpf_fw_fixtures ${CMAKE_CURRENT_SOURCE_DIR}/bpf/fw_fixtures.sh bpf)
