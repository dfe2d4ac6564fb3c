hvsim_unit_test(test_walk SOURCES test_walk.c LIBS hvsim_mmu)
hvsim_unit_test(test_tlb_scopes SOURCES test_tlb.c LIBS hvsim_mmu)
hvsim_unit_test(test_ept SOURCES test_ept.c LIBS hvsim_mmu)
hvsim_unit_test(test_walk_matrix SOURCES test_walk_matrix.c LIBS hvsim_mmu)
