hvsim_library(hvsim_alu alu.c)
target_link_libraries(hvsim_alu PUBLIC hvsim_base)
