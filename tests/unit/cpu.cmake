# Execution-engine tests: a bare CPU over flat RAM (cpu_harness.c).
if(TARGET hvsim_cpu)
  add_library(hvsim_cpu_harness STATIC cpu_harness.c)
  target_include_directories(hvsim_cpu_harness PUBLIC ${PROJECT_SOURCE_DIR})
  target_compile_options(hvsim_cpu_harness PRIVATE ${HVSIM_WARNINGS} ${HVSIM_SAN_FLAGS})
  target_link_libraries(hvsim_cpu_harness PUBLIC hvsim_cpu)
  hvsim_unit_test(test_decode SOURCES test_decode.c LIBS hvsim_cpu_harness)
  hvsim_unit_test(test_cpu_exec SOURCES test_cpu_exec.c LIBS hvsim_cpu_harness)
endif()
