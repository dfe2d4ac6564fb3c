# VMX tests: VMCS fields, VMX instructions, VM-entry checks, VM entry/exit (test_vmx.c).
if(TARGET hvsim_vmx AND TARGET hvsim_cpu_harness)
  hvsim_unit_test(test_vmx SOURCES test_vmx.c LIBS hvsim_cpu_harness hvsim_vmx)
endif()
# TLB modes and the TLB across VM entry/exit (test_tlb_modes.c, vmx/vpid.c).
if(TARGET hvsim_vmx AND TARGET hvsim_cpu_harness)
  hvsim_unit_test(test_tlb_modes SOURCES test_tlb_modes.c LIBS hvsim_cpu_harness hvsim_vmx)
endif()
