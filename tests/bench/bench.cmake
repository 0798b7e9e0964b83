# Benchmark harness shared by every component (not pass/fail, not in ctest).
# `cmake --build BUILD --target bench` builds and runs, one after another,
# every benchmark registered with:
#   ecbpf_bench(NAME SOURCES... [LIBS ...] [ARGS ...])  a C benchmark (bench_lib.h)
#   ecbpf_bench_script(SCRIPT)                          a bash benchmark (BUILD, SRC set)
# A component's tests/bench/<comp>.cmake includes this file first.
include_guard(GLOBAL)

set(ECBPF_BENCH_DIR ${PROJECT_BINARY_DIR}/tests/bench)
add_custom_target(bench
	COMMAND ${CMAKE_COMMAND} -E env BUILD=${PROJECT_BINARY_DIR} SRC=${PROJECT_SOURCE_DIR}
		bash ${CMAKE_CURRENT_LIST_DIR}/run_benches.sh
		"$<TARGET_PROPERTY:bench,ECBPF_BENCH_CMDS>"
	COMMAND_EXPAND_LISTS USES_TERMINAL VERBATIM
	COMMENT "Running benchmarks (noisy on a shared machine: compare ratios, not ns)")

function(ecbpf_bench name)
	cmake_parse_arguments(B "" "" "LIBS;ARGS" ${ARGN})
	add_executable(${name} ${B_UNPARSED_ARGUMENTS})
	target_include_directories(${name} PRIVATE ${ECBPF_TEST_SKEL_DIR}
		${CMAKE_CURRENT_BINARY_DIR} ${PROJECT_SOURCE_DIR}/tests/lib
		${PROJECT_SOURCE_DIR}/tests/bench)
	target_compile_definitions(${name} PRIVATE _GNU_SOURCE)
	target_link_libraries(${name} PRIVATE ecbpf ${B_LIBS})
	add_dependencies(${name} test_skels)
	set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${ECBPF_BENCH_DIR}
		EXCLUDE_FROM_ALL FALSE)
	add_dependencies(bench ${name})
	set(cmd ${ECBPF_BENCH_DIR}/${name})
	foreach(a IN LISTS B_ARGS)
		string(APPEND cmd "\t${a}")
	endforeach()
	set_property(TARGET bench APPEND PROPERTY ECBPF_BENCH_CMDS "${cmd}")
endfunction()

function(ecbpf_bench_script script)
	set_property(TARGET bench APPEND PROPERTY ECBPF_BENCH_CMDS "${script}")
endfunction()
