# The execution engine: state, decode adapter, decoded-instruction cache, memory access,
# events and the instruction handlers.
if(TARGET hvsim_mmu AND TARGET hvsim_alu AND EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/exec_alu.c)
  hvsim_library(hvsim_cpu
    cpu.c access.c seg.c events.c debug.c decode.c dispatch.c icache.c model.c cpuid.c msr.c pmu.c
    exec_mov.c exec_branch.c exec_far.c exec_system.c exec_alu.c exec_string.c exec_desc.c
    exec_sse.c exec_fast.c task.c gate.c exec_bmi.c)
  target_link_libraries(hvsim_cpu PUBLIC hvsim_mmu hvsim_alu hvsim_base Zydis::Zydis)
endif()
