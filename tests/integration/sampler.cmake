# xdp_sampler, xdp_sampler_to_pcap, the Python decoder and ecbpf_exporter in the netns lab.
ecbpf_shell_test(integration_sampler_pcap ${CMAKE_CURRENT_SOURCE_DIR}/integration/sampler_pcap.sh integration)
ecbpf_shell_test(integration_sampler_zmq ${CMAKE_CURRENT_SOURCE_DIR}/integration/sampler_zmq.sh integration)
ecbpf_shell_test(integration_sampler_exporter ${CMAKE_CURRENT_SOURCE_DIR}/integration/sampler_exporter.sh integration)
