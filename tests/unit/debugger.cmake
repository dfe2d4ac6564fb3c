# The debugger's pure parts: command lookup, expressions, x/FMT, RSP framing, hex; and its
# command-line options.
if(TARGET hvsim_debugger)
  hvsim_unit_test(test_debugger SOURCES test_debugger.c LIBS hvsim_debugger)
endif()
