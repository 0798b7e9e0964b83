# libecbpf and xdp_root_loader without the kernel: parsers, names, status rendering, option errors.
ecbpf_check_test(test_unit_libecbpf unit ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_libecbpf.c
	LIBS PkgConfig::JANSSON)
ecbpf_check_test(test_unit_root_loader_options unit
	${CMAKE_CURRENT_SOURCE_DIR}/unit/test_root_loader_options.c DEPENDS xdp_root_loader)
