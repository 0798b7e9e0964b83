# Compile a BPF C source with clang and generate its libbpf skeleton with
# bpftool. ecbpf_bpf_skeleton(NAME SRC) produces ${CMAKE_CURRENT_BINARY_DIR}/NAME.skel.h
# and a target NAME_skel that depends on it.
find_program(CLANG clang REQUIRED)
find_program(BPFTOOL bpftool PATHS /usr/sbin /sbin REQUIRED)
execute_process(COMMAND dpkg-architecture -qDEB_HOST_MULTIARCH
	OUTPUT_VARIABLE ECBPF_MULTIARCH OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT ECBPF_MULTIARCH)
	set(ECBPF_MULTIARCH "${CMAKE_LIBRARY_ARCHITECTURE}")
endif()

function(ecbpf_bpf_skeleton name src)
	set(obj ${CMAKE_CURRENT_BINARY_DIR}/${name}.bpf.o)
	set(skel ${CMAKE_CURRENT_BINARY_DIR}/${name}.skel.h)
	get_filename_component(abs_src ${src} ABSOLUTE)
	get_filename_component(src_dir ${abs_src} DIRECTORY)
	file(GLOB_RECURSE bpf_headers
		${PROJECT_SOURCE_DIR}/libecbpf/include/ecbpf/*.h ${src_dir}/*.h)
	add_custom_command(OUTPUT ${obj}
		COMMAND ${CLANG} -target bpf -mcpu=v3 -O2 -g -Wall -Wextra -Werror
			-Wno-unused-parameter -Wno-unused-function
			-D__TARGET_ARCH_x86
			-I/usr/include/${ECBPF_MULTIARCH}
			-I${PROJECT_SOURCE_DIR}/libecbpf/include
			-I${src_dir} ${ECBPF_BPF_CFLAGS}
			-c ${abs_src} -o ${obj}
		DEPENDS ${abs_src} ${bpf_headers}
		COMMENT "BPF ${name}.bpf.o"
		VERBATIM)
	add_custom_command(OUTPUT ${skel}
		COMMAND ${BPFTOOL} gen skeleton ${obj} name ${name} > ${skel}
		DEPENDS ${obj}
		COMMENT "skeleton ${name}.skel.h"
		VERBATIM)
	add_custom_target(${name}_skel DEPENDS ${skel})
	set(${name}_OBJ ${obj} PARENT_SCOPE)
endfunction()
