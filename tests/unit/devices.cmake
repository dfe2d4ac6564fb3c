hvsim_unit_test(test_devices SOURCES test_devices.c LIBS hvsim_devices)
