hvsim_unit_test(test_lapic SOURCES test_lapic.c apic_fixture.c LIBS hvsim_devices)
hvsim_unit_test(test_ioapic SOURCES test_ioapic.c apic_fixture.c LIBS hvsim_devices)
