hvsim_unit_test(test_walk SOURCES test_walk.c LIBS hvsim_mmu)
