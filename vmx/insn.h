/* vmx/insn.h — handlers of the VMX instructions (bound by cpu/dispatch.c). */
#ifndef HVSIM_VMX_INSN_H
#define HVSIM_VMX_INSN_H

#include "cpu/insn.h"

insn_fn exec_vmxon, exec_vmxoff, exec_vmclear, exec_vmptrld, exec_vmptrst, exec_vmread,
    exec_vmwrite, exec_vmlaunch, exec_vmresume, exec_vmcall, exec_invept, exec_invvpid,
    exec_vmfunc;

#endif
