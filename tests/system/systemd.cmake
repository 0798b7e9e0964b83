# The .deb in a booted bookworm container (debootstrap + systemd-nspawn).
ecbpf_shell_test(system_deb_nspawn ${CMAKE_CURRENT_SOURCE_DIR}/system/ecbpf_system.sh system)
