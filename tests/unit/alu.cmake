# ALU semantics (cpu/alu.c): pure functions, no CPU.
if(TARGET hvsim_alu)
  hvsim_unit_test(test_alu SOURCES test_alu.c LIBS hvsim_alu)
  hvsim_unit_test(test_alu_bmi SOURCES test_alu_bmi.c LIBS hvsim_alu)
  hvsim_unit_test(test_alu_host SOURCES test_alu_host.c LIBS hvsim_alu)
endif()
