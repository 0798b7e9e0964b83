# The root in the netns lab (root_lib.sh holds their shared helpers).
foreach(t basic modes bad_input upgrade concurrent)
	ecbpf_shell_test(integration_root_${t} ${CMAKE_CURRENT_SOURCE_DIR}/integration/root_${t}.sh
		integration)
endforeach()
