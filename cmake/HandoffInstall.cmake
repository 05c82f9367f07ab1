include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(HANDOFF_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/handoff")

install(TARGETS handoff handoff_sqlite EXPORT handoff-targets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY include/handoff DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
if(TARGET handoff_cli)
  install(TARGETS handoff_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

install(EXPORT handoff-targets
  NAMESPACE handoff::
  FILE handoff-targets.cmake
  DESTINATION ${HANDOFF_CMAKE_DIR})

get_target_property(_handoff_type handoff TYPE)
if(_handoff_type STREQUAL "STATIC_LIBRARY")
  set(HANDOFF_STATIC ON)
else()
  set(HANDOFF_STATIC OFF)
endif()
configure_package_config_file(cmake/handoff-config.cmake.in
  "${PROJECT_BINARY_DIR}/handoff-config.cmake"
  INSTALL_DESTINATION ${HANDOFF_CMAKE_DIR})
write_basic_package_version_file("${PROJECT_BINARY_DIR}/handoff-config-version.cmake"
  COMPATIBILITY SameMinorVersion)
install(FILES
  "${PROJECT_BINARY_DIR}/handoff-config.cmake"
  "${PROJECT_BINARY_DIR}/handoff-config-version.cmake"
  DESTINATION ${HANDOFF_CMAKE_DIR})
