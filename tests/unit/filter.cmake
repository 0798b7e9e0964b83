# xdp_filter without a kernel: CIDR and ips-file parsing, status text and JSON.
ecbpf_check_test(test_unit_filter unit ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_filter_lib.c
	LIBS xdp_filter_lib PkgConfig::JANSSON)
