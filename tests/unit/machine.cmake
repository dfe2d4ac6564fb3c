if(TARGET hvsim_machine)
  hvsim_unit_test(test_multiboot SOURCES test_multiboot.c LIBS hvsim_machine)
  hvsim_unit_test(test_cli SOURCES test_cli.c LIBS hvsim_machine)
endif()
