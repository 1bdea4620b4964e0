# mr_workload: the seeded memory-syscall storm (bench/README.md), included
# from bench/CMakeLists.txt. Plain libc, no project libraries.
add_executable(mr_workload ${CMAKE_CURRENT_LIST_DIR}/workload.c)
