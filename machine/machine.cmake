hvsim_library(hvsim_machine machine.c cli.c multiboot.c vcpu_apic.c pc_irq.c)
target_link_libraries(hvsim_machine PUBLIC hvsim_cpu hvsim_devices hvsim_base)

add_executable(hvsim main.c)
target_compile_options(hvsim PRIVATE ${HVSIM_WARNINGS} ${HVSIM_SAN_FLAGS})
target_link_options(hvsim PRIVATE ${HVSIM_SAN_FLAGS})
target_link_libraries(hvsim PRIVATE hvsim_machine)
set_target_properties(hvsim PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR})
target_sources(hvsim_machine PRIVATE pc_devices.c)
# The -display sdl window: the only SDL user, linked into the hvsim program alone (no test
# links SDL or needs a display).
target_sources(hvsim PRIVATE display_sdl.c)
target_link_libraries(hvsim PRIVATE SDL2::SDL2)
