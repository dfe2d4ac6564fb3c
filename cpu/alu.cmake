hvsim_library(hvsim_alu alu.c alu_bmi.c)
target_link_libraries(hvsim_alu PUBLIC hvsim_base)
