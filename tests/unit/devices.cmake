hvsim_unit_test(test_devices SOURCES test_devices.c LIBS hvsim_devices)
# PC platform devices.
foreach(t cmos pit8254 kbc_port92 pctestdev pci acpi hpet platform_fuzz)
  if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/test_${t}.c)
    hvsim_unit_test(test_${t} SOURCES test_${t}.c LIBS hvsim_devices)
  endif()
endforeach()
# VGA text mode: registers, memory window, renderer pixels.
hvsim_unit_test(test_vga SOURCES test_vga.c LIBS hvsim_devices)
