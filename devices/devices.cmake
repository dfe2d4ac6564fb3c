hvsim_library(hvsim_devices uart16550.c debugport.c pic8259.c fwcfg.c lapic.c apicbus.c ioapic.c)
target_link_libraries(hvsim_devices PUBLIC hvsim_base)
# PC platform devices (CMOS/RTC, PIT, i8042, port 0x92, pc-testdev, PCI, ACPI, HPET).
target_sources(hvsim_devices PRIVATE cmos.c pit8254.c i8042.c port92.c pctestdev.c pci.c
               pci_testdev.c acpi_tables.c acpi_pm.c hpet.c)
# VGA text mode: registers and memory window, the pure renderer, the generated font.
target_sources(hvsim_devices PRIVATE vga_text.c vga_render.c vga_font.c)
