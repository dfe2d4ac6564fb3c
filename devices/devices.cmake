hvsim_library(hvsim_devices uart16550.c debugport.c)
target_link_libraries(hvsim_devices PUBLIC hvsim_base)
