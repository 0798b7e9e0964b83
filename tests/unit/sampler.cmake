# pcapng/pcap writer (read back with libpcap), message layout, metrics rendering.
pkg_check_modules(PCAP REQUIRED IMPORTED_TARGET libpcap)
ecbpf_check_test(test_unit_sampler unit ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_sampler.c
	LIBS ecbpf_sample ecbpf_metrics PkgConfig::PCAP)
