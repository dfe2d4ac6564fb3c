hvsim_library(hvsim_mmu paging.c ept.c tlb.c phys.c)
target_link_libraries(hvsim_mmu PUBLIC hvsim_base)
