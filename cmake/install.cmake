# `cmake --install BUILD [--prefix PREFIX]`: parley and the simulators, the example
# configurations, and the systemd unit (docs/operations.md, Packaging and installation).
include(GNUInstallDirs)

install(TARGETS parley voipbin-sim llm-sim RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

set(PARLEY_DATA_DIR ${CMAKE_INSTALL_DATADIR}/parley)
install(FILES deploy/parley.example.ini deploy/tools.example.json deploy/secrets.env.example
        DESTINATION ${PARLEY_DATA_DIR})
install(FILES deploy/examples/openai.ini deploy/examples/local-openai-compatible.ini deploy/examples/anthropic.ini
        DESTINATION ${PARLEY_DATA_DIR}/examples)

# The unit's ExecStart names the installed binary. It is written at install time, not at
# configure time, so that `cmake --install --prefix` elsewhere gets a unit naming that prefix
# (DESTDIR, a staging root, leaves the prefix and so the unit as they are). It goes straight to
# its place: nothing is written into the build directory, which may not be the installer's.
if(IS_ABSOLUTE "${CMAKE_INSTALL_BINDIR}")
  set(PARLEY_UNIT_BINDIR "${CMAKE_INSTALL_BINDIR}")
else()
  set(PARLEY_UNIT_BINDIR "\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}")
endif()
install(CODE "
  set(PARLEY_BINDIR \"${PARLEY_UNIT_BINDIR}\")
  set(unit \"\${CMAKE_INSTALL_PREFIX}/lib/systemd/system/parley.service\")
  message(STATUS \"Installing: \$ENV{DESTDIR}\${unit}\")
  configure_file(\"${PROJECT_SOURCE_DIR}/deploy/parley.service.in\" \"\$ENV{DESTDIR}\${unit}\" @ONLY)
  list(APPEND CMAKE_INSTALL_MANIFEST_FILES \"\${unit}\")  # as file(INSTALL) does: without DESTDIR
")
