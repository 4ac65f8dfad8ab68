# Install and package (docs/install.md): `cmake --install build --prefix P` puts the executable in P/bin, the
# static libraries, headers and an exported, relocatable spikewormConfig.cmake in P/lib and P/include, and the
# data (configs, chips, energy tables, plot scripts, an example run) in P/share/spikeworm, where the executable
# finds it from its own location. `cpack` makes a Debian package of the same (scripts/package).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(SPIKEWORM_INSTALL_DATADIR ${CMAKE_INSTALL_DATADIR}/spikeworm)
set(SPIKEWORM_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/spikeworm)

set(spikeworm_libraries core models engine deploy envs learning app cli)
set(spikeworm_library_targets)
foreach(lib IN LISTS spikeworm_libraries)
  set_target_properties(spikeworm_${lib} PROPERTIES EXPORT_NAME ${lib})
  list(APPEND spikeworm_library_targets spikeworm_${lib})
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${lib}/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endforeach()
install(TARGETS spikeworm RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS ${spikeworm_library_targets} EXPORT spikewormTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT spikewormTargets NAMESPACE spikeworm:: DESTINATION ${SPIKEWORM_INSTALL_CMAKEDIR})
configure_package_config_file(cmake/spikewormConfig.cmake.in ${PROJECT_BINARY_DIR}/spikewormConfig.cmake
                              INSTALL_DESTINATION ${SPIKEWORM_INSTALL_CMAKEDIR}
                              PATH_VARS SPIKEWORM_INSTALL_DATADIR)
# 0.x: a minor version may change the interface.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/spikewormConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/spikewormConfig.cmake ${PROJECT_BINARY_DIR}/spikewormConfigVersion.cmake
        DESTINATION ${SPIKEWORM_INSTALL_CMAKEDIR})

# The data, in the source tree's layout so one lookup serves both (app/data_dir.hpp).
install(DIRECTORY configs/ DESTINATION ${SPIKEWORM_INSTALL_DATADIR}/configs FILES_MATCHING PATTERN "*.toml")
file(GLOB spikeworm_plot_scripts ${PROJECT_SOURCE_DIR}/scripts/plot_*.py)
install(PROGRAMS ${spikeworm_plot_scripts} DESTINATION ${SPIKEWORM_INSTALL_DATADIR}/scripts)
install(FILES README.md LICENSE CITATION.cff DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs)

# The example run: trained at build time by the executable just built (5 episodes, about 2 s), so its files
# always match the build's formats. Not in sanitizer builds, whose executables are slow and for tests only.
if(SPIKEWORM_SANITIZE STREQUAL "")
  set(SPIKEWORM_EXAMPLE ${PROJECT_BINARY_DIR}/examples/static_medium)
  add_custom_command(OUTPUT ${SPIKEWORM_EXAMPLE}/eval.json
                     COMMAND ${CMAKE_COMMAND} -DSPIKEWORM=$<TARGET_FILE:spikeworm> -DOUT=${SPIKEWORM_EXAMPLE}
                             -P ${PROJECT_SOURCE_DIR}/cmake/make_example.cmake
                     WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
                     DEPENDS spikeworm ${PROJECT_SOURCE_DIR}/cmake/make_example.cmake
                             ${PROJECT_SOURCE_DIR}/configs/spiking_static_medium.toml
                     COMMENT "Training the example run of share/spikeworm/examples")
  add_custom_target(spikeworm_example ALL DEPENDS ${SPIKEWORM_EXAMPLE}/eval.json)
  install(DIRECTORY ${SPIKEWORM_EXAMPLE} DESTINATION ${SPIKEWORM_INSTALL_DATADIR}/examples)
endif()

# The Debian package. Its runtime dependencies come from the executable's shared libraries (dpkg-shlibdeps);
# the -dev packages a program building against the libraries needs are suggested.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME spikeworm)
set(CPACK_PACKAGE_VENDOR "The spikeworm developers")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "event-driven spiking-neural-network simulator, trainer and deployment modeller")
set(CPACK_PACKAGE_DESCRIPTION "Simulates spiking networks event by event, trains spiking agents with surrogate-gradient \
BPTT and REINFORCE, and models their energy and their mapping onto neuromorphic chips. Built for \
${SPIKEWORM_CPU_BASELINE} processors.")
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "The spikeworm developers")
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "python3, python3-matplotlib")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "cmake, g++, libboost-graph-dev, libtbb-dev, libfmt-dev, libtomlplusplus-dev, \
libcli11-dev, nlohmann-json3-dev, libeigen3-dev, libmetis-dev, libhdf5-dev")
if(SPIKEWORM_HAVE_MPI)  # mpirun, and the headers a program building against the libraries needs (docs/scaling.md)
  set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "${CPACK_DEBIAN_PACKAGE_RECOMMENDS}, openmpi-bin")
  set(CPACK_DEBIAN_PACKAGE_SUGGESTS "${CPACK_DEBIAN_PACKAGE_SUGGESTS}, libopenmpi-dev")
endif()
include(CPack)
