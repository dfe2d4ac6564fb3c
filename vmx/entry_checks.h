/* vmx/entry_checks.h — VM-entry checks on controls, host state and guest state (SDM 3C
 * §27.2-27.3) as pure functions over a struct vmcs. Each failed check yields a structured
 * record (stable id, SDM section, field, value) for the debugger and tests; the guest only
 * sees the architectural result. */
#ifndef HVSIM_VMX_ENTRY_CHECKS_H
#define HVSIM_VMX_ENTRY_CHECKS_H

#include "vmx/caps.h"
#include "vmx/vmcs.h"

enum vmx_check_id {
    VMX_CHECK_NONE,
#define VMX_CHECK(id, sec, desc) VMX_CHECK_##id,
#include "vmx/entry_checks.def"
#undef VMX_CHECK
    VMX_CHECK_COUNT
};

struct vmx_check_failure {
    enum vmx_check_id id;
    u32 field;        /* VMCS encoding involved (0 if none) */
    u64 value;        /* its value */
};

/* What the checks need besides the VMCS. */
struct vmx_check_env {
    const struct vmx_caps *caps;
    bool cpu_ia32e;                  /* processor in IA-32e mode at the VM entry */
    u8 la_width;                     /* 48 or 57 */
    /* Guest-physical reads (link-pointer revision, PDPTEs); false: not memory. */
    bool (*read_phys)(void *opaque, u64 pa, unsigned size, u64 *v);
    void *opaque;
};

const char *vmx_check_name(enum vmx_check_id id);
const char *vmx_check_section(enum vmx_check_id id);
const char *vmx_check_desc(enum vmx_check_id id);

/* §27.2.1 (failure: VMfailValid 7) and §27.2.2-27.2.4 (VMfailValid 8). True if all pass. */
bool vmx_check_controls(const struct vmx_check_env *env, const struct vmcs *v, struct vmx_check_failure *f);
bool vmx_check_host(const struct vmx_check_env *env, const struct vmcs *v, struct vmx_check_failure *f);

/* §27.3.1 guest state (failure: VM-entry failure, exit reason 33). *qual gets the exit
 * qualification (0, 2 = PDPTE, 4 = VMCS link pointer). pdptes[] receives the PDPTEs when
 * the guest uses PAE paging. */
bool vmx_check_guest(const struct vmx_check_env *env, const struct vmcs *v, struct vmx_check_failure *f,
                     u64 *qual, u64 pdptes[4]);

#endif
