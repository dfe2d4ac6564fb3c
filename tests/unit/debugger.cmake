# The debugger's pure parts: command lookup, expressions, x/FMT, RSP framing, hex; and its
# command-line options.
if(TARGET hvsim_debugger)
  hvsim_unit_test(test_debugger SOURCES test_debugger.c LIBS hvsim_debugger)
  # The VMX commands' pure parts: qualification decoding, explanations from a fake VMCS.
  hvsim_unit_test(test_debugger_vmx SOURCES test_debugger_vmx.c LIBS hvsim_debugger)
endif()
# The machine API the debugger runs on: exact stepping, pause and resume.
if(TARGET hvsim_machine AND TARGET demo-hello)
  hvsim_unit_test(test_machine_step SOURCES test_machine_step.c LIBS hvsim_machine)
  target_compile_definitions(test_machine_step PRIVATE GUEST_IMAGE="${PROJECT_BINARY_DIR}/guest/demo-hello.elf")
  add_dependencies(test_machine_step demo-hello)
endif()
