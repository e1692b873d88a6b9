# End-to-end scenarios: every scenarios/library/**/*.yaml and scenarios/quickstart.yaml is a CTest entry
# that runs `daxsim run` and passes when it exits 0 (all expectations held). Files under
# tests/scenarios/invalid/ must be rejected with exit 2 (see scenario_cli_test.cpp).
file(GLOB_RECURSE DAXSIM_SCENARIO_FILES CONFIGURE_DEPENDS
     ${PROJECT_SOURCE_DIR}/scenarios/library/*.yaml)
list(PREPEND DAXSIM_SCENARIO_FILES ${PROJECT_SOURCE_DIR}/scenarios/quickstart.yaml)
foreach(file IN LISTS DAXSIM_SCENARIO_FILES)
  if(NOT EXISTS ${file})
    continue()
  endif()
  file(RELATIVE_PATH rel ${PROJECT_SOURCE_DIR} ${file})
  add_test(NAME "scenario: ${rel}" COMMAND daxsim run ${file} --quiet)
  set_tests_properties("scenario: ${rel}" PROPERTIES ENVIRONMENT "SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1" TIMEOUT 300)
endforeach()
