# Service config parser/validator and the handler's command line (no root needed).
ecbpf_check_test(test_service_config unit ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_service_config.c
	LIBS ecbpf_service_config)
target_compile_definitions(test_service_config PRIVATE SRC_DIR="${PROJECT_SOURCE_DIR}")
ecbpf_shell_test(test_service_handler ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_service_handler.sh unit)
