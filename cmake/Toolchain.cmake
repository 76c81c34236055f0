# Warnings live on one INTERFACE target that every project target links; global flags stay clean.
add_library(stepstream_warnings INTERFACE)
target_compile_options(stepstream_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow)
if(STEPSTREAM_WERROR)
  target_compile_options(stepstream_warnings INTERFACE -Werror)
endif()

# Sanitizers must instrument every object, so they are the one thing applied globally.
if(STEPSTREAM_SANITIZE)
  list(JOIN STEPSTREAM_SANITIZE "," _sanitizers)
  add_compile_options(-fsanitize=${_sanitizers} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${_sanitizers})
  # moodycamel's queues order memory with std::atomic_thread_fence, which ThreadSanitizer does not
  # model, and GCC says so at every use (-Wtsan). What TSan may then report inside moodycamel is
  # suppressed by tests/tsan.supp; our own code's races are still reported.
  if("thread" IN_LIST STEPSTREAM_SANITIZE AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    add_compile_options(-Wno-tsan)
  endif()
endif()

if(STEPSTREAM_CLANG_TIDY)
  find_program(CLANG_TIDY_EXE NAMES clang-tidy clang-tidy-14)
  if(NOT CLANG_TIDY_EXE)
    stepstream_missing("clang-tidy" "clang-tidy")
  endif()
  # --warnings-as-errors comes from .clang-tidy, so a finding fails the build.
  set(STEPSTREAM_CLANG_TIDY_COMMAND ${CLANG_TIDY_EXE} --quiet)
endif()

# stepstream_target(name): the settings every project-owned target shares.
function(stepstream_target name)
  target_link_libraries(${name} PRIVATE stepstream_warnings)
  if(STEPSTREAM_CLANG_TIDY)
    set_target_properties(${name} PROPERTIES CXX_CLANG_TIDY "${STEPSTREAM_CLANG_TIDY_COMMAND}")
  endif()
endfunction()

# stepstream_use_mimalloc(name): the executable `name` and every library it loads (librdkafka
# among them) allocate with mimalloc, by symbol interposition: it is linked ahead of libc and kept
# even where the linker drops libraries it sees no direct use of. A no-op in sanitizer builds.
function(stepstream_use_mimalloc name)
  if(NOT STEPSTREAM_SANITIZE)
    target_link_libraries(${name} PRIVATE -Wl,--push-state,--no-as-needed mimalloc
                          -Wl,--pop-state)
  endif()
endfunction()
