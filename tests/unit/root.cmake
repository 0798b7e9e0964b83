# libecbpf and xdp_root_loader without the kernel: parsers, names, status rendering, option errors.
ecbpf_check_test(test_unit_libecbpf unit ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_libecbpf.c
	LIBS PkgConfig::JANSSON)
ecbpf_check_test(test_unit_root_loader_options unit
	${CMAKE_CURRENT_SOURCE_DIR}/unit/test_root_loader_options.c DEPENDS xdp_root_loader)
# The verifier's first error picked out of sample logs, and log lines longer than 1 KiB.
ecbpf_check_test(test_unit_verifier_log unit ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_verifier_log.c)
