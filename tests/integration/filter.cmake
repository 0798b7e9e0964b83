# xdp_filter in the netns lab with real ping traffic and the real tool.
ecbpf_shell_test(integration_filter_ptb ${CMAKE_CURRENT_SOURCE_DIR}/integration/filter_ptb.sh integration)
ecbpf_shell_test(integration_filter_cli ${CMAKE_CURRENT_SOURCE_DIR}/integration/filter_cli.sh integration)
