# xdp_fw in the netns lab: real traffic, lossless updates under a flood, detach.
foreach(t basic update)
	ecbpf_shell_test(integration_fw_${t} ${CMAKE_CURRENT_SOURCE_DIR}/integration/fw_${t}.sh
		integration)
endforeach()
