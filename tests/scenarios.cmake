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

# A real one-node Slurm cluster (munged, slurmctld, slurmd started and stopped by the script, all in a
# temp dir): `sweep --slurm` submitted with sbatch --wait and collected equals the local sweep. Exit 77
# (skipped, with the reason) without Slurm or munge, without root, or when a daemon is refused permission.
set(daxsim_slurm_cluster_test "scenarios/slurm_cluster_test:a slurm sweep run by sbatch on a one-node cluster collects the local sweep csv")
add_test(NAME "${daxsim_slurm_cluster_test}"
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/scenarios/slurm_cluster_test.sh $<TARGET_FILE:daxsim> ${PROJECT_SOURCE_DIR})
set_tests_properties("${daxsim_slurm_cluster_test}" PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120
                     ENVIRONMENT "SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1")
