# xdp_fw: rule language parser and compiler.
ecbpf_check_test(test_unit_fw_parser unit ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_fw_parser.c
	LIBS fw_lang)
ecbpf_check_test(test_unit_fw_compile unit ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_fw_compile.c
	LIBS fw_lang)
