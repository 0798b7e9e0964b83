# The sampler: root cost with sampling 1/2500 against off, and how many samples
# per second reach a pcapng file at rate 1 with zero loss.
include(${CMAKE_CURRENT_LIST_DIR}/bench.cmake)
find_package(Threads REQUIRED)
ecbpf_bench(bench_sampler ${CMAKE_CURRENT_LIST_DIR}/bench_sampler.c LIBS ecbpf_sample Threads::Threads)
