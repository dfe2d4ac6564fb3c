hvsim_library(hvsim_devices uart16550.c debugport.c pic8259.c fwcfg.c lapic.c apicbus.c ioapic.c)
target_link_libraries(hvsim_devices PUBLIC hvsim_base)
