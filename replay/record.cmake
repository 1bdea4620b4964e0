# `mmreplay record` (replay/record*.c), included from replay/CMakeLists.txt.
# record_post.c compresses the finished trace with libzstd, which
# mr_replay already links.
target_sources(mr_replay PRIVATE ${CMAKE_CURRENT_LIST_DIR}/record.c
                                 ${CMAKE_CURRENT_LIST_DIR}/record_watch.c
                                 ${CMAKE_CURRENT_LIST_DIR}/record_post.c
                                 ${CMAKE_CURRENT_LIST_DIR}/record_fault.c)
