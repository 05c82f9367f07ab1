# A doctest case whose name holds a ';' becomes two CTest tests that match
# no case and pass without running anything (CMake splits lists at ';').
# Run as: cmake -DTESTS_DIR=... -P check_test_names.cmake
file(GLOB_RECURSE sources "${TESTS_DIR}/*.cpp")
set(bad "")
foreach(source IN LISTS sources)
  file(STRINGS "${source}" lines REGEX "TEST_CASE\\(\"")
  foreach(line IN LISTS lines)
    # (file(STRINGS) keeps a line whole, its ';' escaped.)
    if(line MATCHES "TEST_CASE\\(\"[^\"]*;")
      string(APPEND bad "\n  ${source}: ${line}")
    endif()
  endforeach()
endforeach()
if(bad)
  message(FATAL_ERROR "test case names must not contain ';' (CTest would never run them):${bad}")
endif()
