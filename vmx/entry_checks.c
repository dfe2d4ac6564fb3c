/* vmx/entry_checks.c — VM-entry checks in SDM order (SDM 3C §27.2, §27.3.1). Each check is
 * one line: FAIL_IF(condition, ID, field, value). */
#include "vmx/entry_checks.h"

#include "cpu/regs.h"
#include "mmu/ept.h"
#include "vmx/controls.h"

static const struct {
    const char *name, *section, *desc;
} check_info[VMX_CHECK_COUNT] = {
    [VMX_CHECK_NONE] = {"NONE", "", "no failure"},
#define VMX_CHECK(id, sec, d) [VMX_CHECK_##id] = {#id, sec, d},
#include "vmx/entry_checks.def"
#undef VMX_CHECK
};

const char *vmx_check_name(enum vmx_check_id id) { return id < VMX_CHECK_COUNT ? check_info[id].name : "?"; }
const char *vmx_check_section(enum vmx_check_id id) { return id < VMX_CHECK_COUNT ? check_info[id].section : "?"; }
const char *vmx_check_desc(enum vmx_check_id id) { return id < VMX_CHECK_COUNT ? check_info[id].desc : "?"; }

#define FAIL_IF(cond, ID, fld, val)                                  \
    do {                                                             \
        if (cond) {                                                  \
            *f = (struct vmx_check_failure){VMX_CHECK_##ID, (fld), (u64)(val)}; \
            return false;                                            \
        }                                                            \
    } while (0)

static bool addr_bad(const struct vmx_check_env *env, u64 a, u64 align)
{
    return (a & (align - 1)) || (a >> env->caps->maxphyaddr);
}

/* An MSR area of `count` 16-byte entries at `a` (SDM 3C §27.2.1.2). */
static bool msr_area_bad(const struct vmx_check_env *env, u64 a, u32 count)
{
    if (count == 0)
        return (a & 0xf) || (a >> env->caps->maxphyaddr);
    return (a & 0xf) || (a >> env->caps->maxphyaddr) || ((a + 16ull * count - 1) >> env->caps->maxphyaddr);
}

static bool canonical(const struct vmx_check_env *env, u64 a)
{
    return bits_is_canonical(a, env->la_width);
}

static bool pat_bad(u64 pat)
{
    for (int i = 0; i < 8; i++) {
        u64 t = (pat >> (8 * i)) & 0xff;
        if (t == 2 || t == 3 || t > 7)
            return true;
    }
    return false;
}

/* EFER bits VM entry allows (SCE, LME, LMA, NXE). */
#define EFER_VMX_VALID (EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE)

bool vmx_check_controls(const struct vmx_check_env *env, const struct vmcs *v, struct vmx_check_failure *f)
{
    const struct vmx_caps *caps = env->caps;
    u32 pin = v->pin_controls, proc = v->proc_controls, exit = v->exit_controls, entry = v->entry_controls;
    u32 proc2 = (proc & PROC_SECONDARY) ? v->proc2_controls : 0;
    /* §27.2.1.1 */
    FAIL_IF(!vmx_caps_ctl_ok(vmx_caps_ctl(caps, MSR_IA32_VMX_PINBASED_CTLS), pin), PIN_RESERVED, VMCS_PIN_BASED_VM_EXEC_CONTROL, pin);
    FAIL_IF(!vmx_caps_ctl_ok(vmx_caps_ctl(caps, MSR_IA32_VMX_PROCBASED_CTLS), proc), PROC_RESERVED, VMCS_CPU_BASED_VM_EXEC_CONTROL, proc);
    FAIL_IF(!vmx_caps_ctl_ok(vmx_caps_msr(caps, MSR_IA32_VMX_PROCBASED_CTLS2), proc2), PROC2_RESERVED, VMCS_SECONDARY_VM_EXEC_CONTROL, proc2);
    FAIL_IF(v->cr3_target_count > 4, CR3_TARGET_COUNT, VMCS_CR3_TARGET_COUNT, v->cr3_target_count);
    FAIL_IF((proc & PROC_IO_BITMAPS) && addr_bad(env, v->io_bitmap_a, 4096), IO_BITMAP_A, VMCS_IO_BITMAP_A, v->io_bitmap_a);
    FAIL_IF((proc & PROC_IO_BITMAPS) && addr_bad(env, v->io_bitmap_b, 4096), IO_BITMAP_B, VMCS_IO_BITMAP_B, v->io_bitmap_b);
    FAIL_IF((proc & PROC_MSR_BITMAPS) && addr_bad(env, v->msr_bitmap, 4096), MSR_BITMAP, VMCS_MSR_BITMAP, v->msr_bitmap);
    FAIL_IF(!(pin & PIN_NMI) && (pin & PIN_VIRTUAL_NMIS), VNMI_NEEDS_NMI_EXIT, VMCS_PIN_BASED_VM_EXEC_CONTROL, pin);
    FAIL_IF(!(pin & PIN_VIRTUAL_NMIS) && (proc & PROC_NMI_WINDOW), NMI_WINDOW_NEEDS_VNMI, VMCS_CPU_BASED_VM_EXEC_CONTROL, proc);
    FAIL_IF((proc2 & PROC2_VPID) && v->vpid == 0, VPID_ZERO, VMCS_VIRTUAL_PROCESSOR_ID, v->vpid);
    FAIL_IF((proc2 & PROC2_EPT) && !ept_eptp_valid(v->ept_pointer, vmx_caps_msr(caps, MSR_IA32_VMX_EPT_VPID_CAP), caps->maxphyaddr),
            EPTP, VMCS_EPT_POINTER, v->ept_pointer);
    FAIL_IF((proc2 & PROC2_PML) && !(proc2 & PROC2_EPT), PML_NEEDS_EPT, VMCS_SECONDARY_VM_EXEC_CONTROL, proc2);
    FAIL_IF((proc2 & PROC2_PML) && addr_bad(env, v->pml_address, 4096), PML_ADDRESS, VMCS_PML_ADDRESS, v->pml_address);
    FAIL_IF((proc2 & PROC2_UNRESTRICTED) && !(proc2 & PROC2_EPT), UNRESTRICTED_NEEDS_EPT, VMCS_SECONDARY_VM_EXEC_CONTROL, proc2);
    FAIL_IF((proc2 & PROC2_MBEC) && !(proc2 & PROC2_EPT), MBEC_NEEDS_EPT, VMCS_SECONDARY_VM_EXEC_CONTROL, proc2);
    if (proc2 & PROC2_VMFUNC) {
        u64 fn = v->vm_function_control;
        FAIL_IF(fn & ~vmx_caps_msr(caps, MSR_IA32_VMX_VMFUNC), VMFUNC_RESERVED, VMCS_VM_FUNCTION_CONTROL, fn);
        FAIL_IF((fn & VMFUNC_EPTP_SWITCHING) && !(proc2 & PROC2_EPT), EPTP_SWITCHING_NEEDS_EPT, VMCS_SECONDARY_VM_EXEC_CONTROL, proc2);
        FAIL_IF((fn & VMFUNC_EPTP_SWITCHING) && addr_bad(env, v->eptp_list_address, 4096), EPTP_LIST_ADDRESS,
                VMCS_EPTP_LIST_ADDRESS, v->eptp_list_address);
    }
    FAIL_IF((proc2 & PROC2_EPT_VE) && addr_bad(env, v->ve_info_address, 4096), VE_INFO_ADDRESS, VMCS_VE_INFO_ADDRESS, v->ve_info_address);
    /* §27.2.1.2 */
    FAIL_IF(!vmx_caps_ctl_ok(vmx_caps_ctl(caps, MSR_IA32_VMX_EXIT_CTLS), exit), EXIT_RESERVED, VMCS_VM_EXIT_CONTROLS, exit);
    FAIL_IF(!(pin & PIN_PREEMPT_TIMER) && (exit & EXIT_SAVE_PREEMPT), EXIT_SAVE_PREEMPT, VMCS_VM_EXIT_CONTROLS, exit);
    FAIL_IF(msr_area_bad(env, v->exit_msr_store_addr, v->exit_msr_store_count), EXIT_MSR_STORE_ADDR, VMCS_VM_EXIT_MSR_STORE_ADDR, v->exit_msr_store_addr);
    FAIL_IF(msr_area_bad(env, v->exit_msr_load_addr, v->exit_msr_load_count), EXIT_MSR_LOAD_ADDR, VMCS_VM_EXIT_MSR_LOAD_ADDR, v->exit_msr_load_addr);
    /* §27.2.1.3 */
    FAIL_IF(!vmx_caps_ctl_ok(vmx_caps_ctl(caps, MSR_IA32_VMX_ENTRY_CTLS), entry), ENTRY_RESERVED, VMCS_VM_ENTRY_CONTROLS, entry);
    u32 ii = v->entry_intr_info;
    if (ii & INTR_INFO_VALID) {
        unsigned type = (ii & INTR_INFO_TYPE) >> INTR_INFO_TYPE_SHIFT, vec = ii & INTR_INFO_VECTOR;
        bool mtf = (vmx_caps_msr(caps, MSR_IA32_VMX_PROCBASED_CTLS) >> 32) & PROC_MTF;
        FAIL_IF(type == 1 || (type == INTR_TYPE_OTHER && !mtf), ENTRY_INTR_TYPE, VMCS_VM_ENTRY_INTR_INFO, ii);
        FAIL_IF((type == INTR_TYPE_NMI && vec != EXC_NMI) || (type == INTR_TYPE_HW_EXC && vec > 31) ||
                (type == INTR_TYPE_OTHER && vec != 0), ENTRY_INTR_VECTOR, VMCS_VM_ENTRY_INTR_INFO, ii);
        bool ug = (proc & PROC_SECONDARY) && (proc2 & PROC2_UNRESTRICTED);
        bool want_err = (!ug || (v->guest_cr0 & CR0_PE)) && type == INTR_TYPE_HW_EXC &&
                        (vec == EXC_DF || vec == EXC_TS || vec == EXC_NP || vec == EXC_SS ||
                         vec == EXC_GP || vec == EXC_PF || vec == EXC_AC);
        FAIL_IF(!!(ii & INTR_INFO_HAS_ERROR) != want_err, ENTRY_INTR_ERROR_BIT, VMCS_VM_ENTRY_INTR_INFO, ii);
        FAIL_IF(ii & GENMASK(30, 12), ENTRY_INTR_RESERVED, VMCS_VM_ENTRY_INTR_INFO, ii);
        FAIL_IF((ii & INTR_INFO_HAS_ERROR) && (v->entry_exception_error_code & GENMASK(31, 16)), ENTRY_ERROR_CODE,
                VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE, v->entry_exception_error_code);
        bool len0 = vmx_caps_msr(caps, MSR_IA32_VMX_MISC) & VMX_MISC_INJECT_LEN0;
        FAIL_IF((type == INTR_TYPE_SW_INT || type == INTR_TYPE_PRIV_SW_EXC || type == INTR_TYPE_SW_EXC) &&
                (v->entry_instruction_len > 15 || (v->entry_instruction_len == 0 && !len0)),
                ENTRY_INSN_LEN, VMCS_VM_ENTRY_INSTRUCTION_LEN, v->entry_instruction_len);
    }
    FAIL_IF(msr_area_bad(env, v->entry_msr_load_addr, v->entry_msr_load_count), ENTRY_MSR_LOAD_ADDR, VMCS_VM_ENTRY_MSR_LOAD_ADDR, v->entry_msr_load_addr);
    return true;
}

bool vmx_check_host(const struct vmx_check_env *env, const struct vmcs *v, struct vmx_check_failure *f)
{
    const struct vmx_caps *caps = env->caps;
    bool host64 = v->exit_controls & EXIT_HOST_ADDR64;
    /* §27.2.2 */
    FAIL_IF(!vmx_caps_cr0_ok(caps, v->host_cr0), HOST_CR0, VMCS_HOST_CR0, v->host_cr0);
    FAIL_IF(!vmx_caps_cr4_ok(caps, v->host_cr4), HOST_CR4, VMCS_HOST_CR4, v->host_cr4);
    FAIL_IF(v->host_cr3 >> caps->maxphyaddr, HOST_CR3, VMCS_HOST_CR3, v->host_cr3);
    FAIL_IF(!canonical(env, v->host_sysenter_esp), HOST_SYSENTER_ESP, VMCS_HOST_IA32_SYSENTER_ESP, v->host_sysenter_esp);
    FAIL_IF(!canonical(env, v->host_sysenter_eip), HOST_SYSENTER_EIP, VMCS_HOST_IA32_SYSENTER_EIP, v->host_sysenter_eip);
    FAIL_IF((v->exit_controls & EXIT_LOAD_PERF_GLOBAL) && (v->host_perf_global_ctrl & ~env->caps->perf_global_valid),
            HOST_PERF_GLOBAL, VMCS_HOST_IA32_PERF_GLOBAL_CTRL, v->host_perf_global_ctrl);
    FAIL_IF((v->exit_controls & EXIT_LOAD_PAT) && pat_bad(v->host_pat), HOST_PAT, VMCS_HOST_IA32_PAT, v->host_pat);
    if (v->exit_controls & EXIT_LOAD_EFER) {
        FAIL_IF(v->host_efer & ~EFER_VMX_VALID, HOST_EFER_RESERVED, VMCS_HOST_IA32_EFER, v->host_efer);
        FAIL_IF(!!(v->host_efer & EFER_LMA) != host64, HOST_EFER_LMA, VMCS_HOST_IA32_EFER, v->host_efer);
        FAIL_IF(!!(v->host_efer & EFER_LME) != host64, HOST_EFER_LME, VMCS_HOST_IA32_EFER, v->host_efer);
    }
    /* §27.2.3 */
    FAIL_IF((v->host_es_sel | v->host_cs_sel | v->host_ss_sel | v->host_ds_sel | v->host_fs_sel |
             v->host_gs_sel | v->host_tr_sel) & 7, HOST_SEL_RPL_TI, 0, 0);
    FAIL_IF(v->host_cs_sel == 0, HOST_CS_NULL, VMCS_HOST_CS_SELECTOR, 0);
    FAIL_IF(v->host_tr_sel == 0, HOST_TR_NULL, VMCS_HOST_TR_SELECTOR, 0);
    FAIL_IF(!host64 && v->host_ss_sel == 0, HOST_SS_NULL, VMCS_HOST_SS_SELECTOR, 0);
    FAIL_IF(!canonical(env, v->host_fs_base), HOST_BASE_CANONICAL, VMCS_HOST_FS_BASE, v->host_fs_base);
    FAIL_IF(!canonical(env, v->host_gs_base), HOST_BASE_CANONICAL, VMCS_HOST_GS_BASE, v->host_gs_base);
    FAIL_IF(!canonical(env, v->host_gdtr_base), HOST_BASE_CANONICAL, VMCS_HOST_GDTR_BASE, v->host_gdtr_base);
    FAIL_IF(!canonical(env, v->host_idtr_base), HOST_BASE_CANONICAL, VMCS_HOST_IDTR_BASE, v->host_idtr_base);
    FAIL_IF(!canonical(env, v->host_tr_base), HOST_BASE_CANONICAL, VMCS_HOST_TR_BASE, v->host_tr_base);
    /* §27.2.4 */
    FAIL_IF(!env->cpu_ia32e && ((v->entry_controls & ENTRY_IA32E) || host64), HOST_ADDR_OUTSIDE_IA32E, VMCS_VM_EXIT_CONTROLS, v->exit_controls);
    FAIL_IF(env->cpu_ia32e && !host64, HOST_ADDR_IA32E, VMCS_VM_EXIT_CONTROLS, v->exit_controls);
    if (!host64) {
        FAIL_IF(v->entry_controls & ENTRY_IA32E, HOST_ADDR_OUTSIDE_IA32E, VMCS_VM_ENTRY_CONTROLS, v->entry_controls);
        FAIL_IF(v->host_cr4 & CR4_PCIDE, HOST_ADDR32_PCIDE, VMCS_HOST_CR4, v->host_cr4);
        FAIL_IF(v->host_rip >> 32, HOST_ADDR32_RIP, VMCS_HOST_RIP, v->host_rip);
    } else {
        FAIL_IF(!(v->host_cr4 & CR4_PAE), HOST_ADDR64_PAE, VMCS_HOST_CR4, v->host_cr4);
        FAIL_IF(!canonical(env, v->host_rip), HOST_ADDR64_RIP, VMCS_HOST_RIP, v->host_rip);
    }
    return true;
}

/* One of CS, SS, DS, ES, FS, GS in the guest-state area. */
struct gseg {
    u16 sel;
    u64 base;
    u32 limit, ar;
    u32 enc_ar;
};

static bool limit_g_bad(u32 limit, u32 ar)
{
    /* §27.3.1.2: limit[11:0] not all ones -> G = 0; limit[31:20] not all zeros -> G = 1. */
    if ((limit & 0xfff) != 0xfff && (ar & SEG_AR_G))
        return true;
    if ((limit & 0xfff00000u) && !(ar & SEG_AR_G))
        return true;
    return false;
}

#define AR_RESERVED (GENMASK(11, 8) | GENMASK(31, 17))

bool vmx_check_guest(const struct vmx_check_env *env, const struct vmcs *v, struct vmx_check_failure *f,
                     u64 *qual, u64 pdptes[4])
{
    const struct vmx_caps *caps = env->caps;
    *qual = 0;
    u32 entry = v->entry_controls, proc = v->proc_controls;
    u32 proc2 = (proc & PROC_SECONDARY) ? v->proc2_controls : 0;
    bool ug = proc2 & PROC2_UNRESTRICTED;
    bool ia32e = entry & ENTRY_IA32E;
    u64 cr0 = v->guest_cr0, cr4 = v->guest_cr4;

    /* §27.3.1.1 */
    u64 cr0_check = ug ? cr0 | CR0_PE | CR0_PG : cr0;
    FAIL_IF(!vmx_caps_cr0_ok(caps, cr0_check), GUEST_CR0, VMCS_GUEST_CR0, cr0);
    FAIL_IF((cr0 & CR0_PG) && !(cr0 & CR0_PE), GUEST_CR0_PG_PE, VMCS_GUEST_CR0, cr0);
    FAIL_IF(!vmx_caps_cr4_ok(caps, cr4), GUEST_CR4, VMCS_GUEST_CR4, cr4);
    FAIL_IF((entry & ENTRY_LOAD_DEBUG) && (v->guest_debugctl & ~0x3ull), GUEST_DEBUGCTL, VMCS_GUEST_IA32_DEBUGCTL, v->guest_debugctl);
    FAIL_IF(ia32e && !(cr0 & CR0_PG), GUEST_IA32E_PG, VMCS_GUEST_CR0, cr0);
    FAIL_IF(ia32e && !(cr4 & CR4_PAE), GUEST_IA32E_PAE, VMCS_GUEST_CR4, cr4);
    FAIL_IF(!ia32e && (cr4 & CR4_PCIDE), GUEST_PCIDE, VMCS_GUEST_CR4, cr4);
    FAIL_IF(v->guest_cr3 >> caps->maxphyaddr, GUEST_CR3, VMCS_GUEST_CR3, v->guest_cr3);
    FAIL_IF((entry & ENTRY_LOAD_DEBUG) && (v->guest_dr7 >> 32), GUEST_DR7, VMCS_GUEST_DR7, v->guest_dr7);
    FAIL_IF(!canonical(env, v->guest_sysenter_esp), GUEST_SYSENTER_ESP, VMCS_GUEST_SYSENTER_ESP, v->guest_sysenter_esp);
    FAIL_IF(!canonical(env, v->guest_sysenter_eip), GUEST_SYSENTER_EIP, VMCS_GUEST_SYSENTER_EIP, v->guest_sysenter_eip);
    FAIL_IF((entry & ENTRY_LOAD_PERF_GLOBAL) && (v->guest_perf_global_ctrl & ~env->caps->perf_global_valid),
            GUEST_PERF_GLOBAL, VMCS_GUEST_IA32_PERF_GLOBAL_CTRL, v->guest_perf_global_ctrl);
    FAIL_IF((entry & ENTRY_LOAD_PAT) && pat_bad(v->guest_pat), GUEST_PAT, VMCS_GUEST_IA32_PAT, v->guest_pat);
    if (entry & ENTRY_LOAD_EFER) {
        FAIL_IF(v->guest_efer & ~EFER_VMX_VALID, GUEST_EFER_RESERVED, VMCS_GUEST_IA32_EFER, v->guest_efer);
        FAIL_IF(!!(v->guest_efer & EFER_LMA) != ia32e, GUEST_EFER_LMA, VMCS_GUEST_IA32_EFER, v->guest_efer);
        FAIL_IF((cr0 & CR0_PG) && !!(v->guest_efer & EFER_LME) != ia32e, GUEST_EFER_LME, VMCS_GUEST_IA32_EFER, v->guest_efer);
    }

    /* §27.3.1.2 */
    bool v86 = v->guest_rflags & RFLAGS_VM;
    struct gseg s[SEG_COUNT] = {
        [SEG_ES] = {v->guest_es_sel, v->guest_es_base, v->guest_es_limit, v->guest_es_ar, VMCS_GUEST_ES_AR_BYTES},
        [SEG_CS] = {v->guest_cs_sel, v->guest_cs_base, v->guest_cs_limit, v->guest_cs_ar, VMCS_GUEST_CS_AR_BYTES},
        [SEG_SS] = {v->guest_ss_sel, v->guest_ss_base, v->guest_ss_limit, v->guest_ss_ar, VMCS_GUEST_SS_AR_BYTES},
        [SEG_DS] = {v->guest_ds_sel, v->guest_ds_base, v->guest_ds_limit, v->guest_ds_ar, VMCS_GUEST_DS_AR_BYTES},
        [SEG_FS] = {v->guest_fs_sel, v->guest_fs_base, v->guest_fs_limit, v->guest_fs_ar, VMCS_GUEST_FS_AR_BYTES},
        [SEG_GS] = {v->guest_gs_sel, v->guest_gs_base, v->guest_gs_limit, v->guest_gs_ar, VMCS_GUEST_GS_AR_BYTES},
    };
    bool ldtr_usable = !(v->guest_ldtr_ar & SEG_AR_UNUSABLE);
    FAIL_IF(v->guest_tr_sel & 4, GUEST_TR_TI, VMCS_GUEST_TR_SELECTOR, v->guest_tr_sel);
    FAIL_IF(ldtr_usable && (v->guest_ldtr_sel & 4), GUEST_LDTR_TI, VMCS_GUEST_LDTR_SELECTOR, v->guest_ldtr_sel);
    FAIL_IF(!v86 && !ug && (s[SEG_SS].sel & 3) != (s[SEG_CS].sel & 3), GUEST_SS_CS_RPL, VMCS_GUEST_SS_SELECTOR, s[SEG_SS].sel);
    if (v86) {
        for (int i = 0; i < SEG_COUNT; i++) {
            FAIL_IF(s[i].base != (u64)s[i].sel << 4, GUEST_V86_BASE, VMCS_GUEST_ES_BASE + 2 * i, s[i].base);
            FAIL_IF(s[i].limit != 0xffff, GUEST_V86_LIMIT, VMCS_GUEST_ES_LIMIT + 2 * i, s[i].limit);
            FAIL_IF(s[i].ar != 0xf3, GUEST_V86_AR, s[i].enc_ar, s[i].ar);
        }
    }
    FAIL_IF(!canonical(env, v->guest_tr_base), GUEST_TR_BASE, VMCS_GUEST_TR_BASE, v->guest_tr_base);
    FAIL_IF(!canonical(env, v->guest_fs_base), GUEST_FS_GS_BASE, VMCS_GUEST_FS_BASE, v->guest_fs_base);
    FAIL_IF(!canonical(env, v->guest_gs_base), GUEST_FS_GS_BASE, VMCS_GUEST_GS_BASE, v->guest_gs_base);
    FAIL_IF(ldtr_usable && !canonical(env, v->guest_ldtr_base), GUEST_LDTR_BASE, VMCS_GUEST_LDTR_BASE, v->guest_ldtr_base);
    FAIL_IF(s[SEG_CS].base >> 32, GUEST_CS_BASE, VMCS_GUEST_CS_BASE, s[SEG_CS].base);
    for (int i = SEG_ES; i <= SEG_DS; i++)
        FAIL_IF(i != SEG_CS && !(s[i].ar & SEG_AR_UNUSABLE) && (s[i].base >> 32), GUEST_SEG_BASE,
                VMCS_GUEST_ES_BASE + 2 * i, s[i].base);
    if (!v86) {
        unsigned cs_type = s[SEG_CS].ar & SEG_AR_TYPE;
        unsigned ss_dpl = (s[SEG_SS].ar >> SEG_AR_DPL_SHIFT) & 3, cs_dpl = (s[SEG_CS].ar >> SEG_AR_DPL_SHIFT) & 3;
        FAIL_IF(!(cs_type == 9 || cs_type == 11 || cs_type == 13 || cs_type == 15 || (ug && cs_type == 3)),
                GUEST_CS_TYPE, VMCS_GUEST_CS_AR_BYTES, s[SEG_CS].ar);
        bool ss_usable = !(s[SEG_SS].ar & SEG_AR_UNUSABLE);
        unsigned ss_type = s[SEG_SS].ar & SEG_AR_TYPE;
        FAIL_IF(ss_usable && ss_type != 3 && ss_type != 7, GUEST_SS_TYPE, VMCS_GUEST_SS_AR_BYTES, s[SEG_SS].ar);
        for (int i = 0; i < SEG_COUNT; i++) {
            if (i == SEG_CS || i == SEG_SS || (s[i].ar & SEG_AR_UNUSABLE))
                continue;
            unsigned t = s[i].ar & SEG_AR_TYPE;
            FAIL_IF(!(t & 1) || ((t & 8) && !(t & 2)), GUEST_DATA_TYPE, s[i].enc_ar, s[i].ar);
        }
        for (int i = 0; i < SEG_COUNT; i++)
            FAIL_IF((i == SEG_CS || !(s[i].ar & SEG_AR_UNUSABLE)) && !(s[i].ar & SEG_AR_S), GUEST_SEG_S, s[i].enc_ar, s[i].ar);
        FAIL_IF(cs_type == 3 && cs_dpl != 0, GUEST_CS_DPL, VMCS_GUEST_CS_AR_BYTES, s[SEG_CS].ar);
        FAIL_IF((cs_type == 9 || cs_type == 11) && cs_dpl != ss_dpl, GUEST_CS_DPL, VMCS_GUEST_CS_AR_BYTES, s[SEG_CS].ar);
        FAIL_IF((cs_type == 13 || cs_type == 15) && cs_dpl > ss_dpl, GUEST_CS_DPL, VMCS_GUEST_CS_AR_BYTES, s[SEG_CS].ar);
        FAIL_IF(!ug && ss_dpl != (s[SEG_SS].sel & 3u), GUEST_SS_DPL, VMCS_GUEST_SS_AR_BYTES, s[SEG_SS].ar);
        FAIL_IF((cs_type == 3 || !(cr0 & CR0_PE)) && ss_dpl != 0, GUEST_SS_DPL, VMCS_GUEST_SS_AR_BYTES, s[SEG_SS].ar);
        for (int i = 0; i < SEG_COUNT; i++) {
            if (i == SEG_CS || i == SEG_SS || (s[i].ar & SEG_AR_UNUSABLE))
                continue;
            unsigned t = s[i].ar & SEG_AR_TYPE, dpl = (s[i].ar >> SEG_AR_DPL_SHIFT) & 3;
            FAIL_IF(!ug && t <= 11 && dpl < (s[i].sel & 3u), GUEST_DATA_DPL, s[i].enc_ar, s[i].ar);
        }
        for (int i = 0; i < SEG_COUNT; i++) {
            bool usable = i == SEG_CS || !(s[i].ar & SEG_AR_UNUSABLE);
            if (!usable)
                continue;
            FAIL_IF(!(s[i].ar & SEG_AR_P), GUEST_SEG_P, s[i].enc_ar, s[i].ar);
            FAIL_IF(s[i].ar & AR_RESERVED, GUEST_SEG_AR_RESERVED, s[i].enc_ar, s[i].ar);
            if (i == SEG_CS)
                FAIL_IF(ia32e && (s[i].ar & SEG_AR_L) && (s[i].ar & SEG_AR_DB), GUEST_CS_L_DB, s[i].enc_ar, s[i].ar);
            FAIL_IF(limit_g_bad(s[i].limit, s[i].ar), GUEST_SEG_G, s[i].enc_ar, s[i].ar);
        }
    }
    unsigned tr_type = v->guest_tr_ar & SEG_AR_TYPE;
    FAIL_IF(ia32e ? tr_type != 11 : (tr_type != 3 && tr_type != 11), GUEST_TR_TYPE, VMCS_GUEST_TR_AR_BYTES, v->guest_tr_ar);
    FAIL_IF(v->guest_tr_ar & SEG_AR_S, GUEST_TR_S, VMCS_GUEST_TR_AR_BYTES, v->guest_tr_ar);
    FAIL_IF(!(v->guest_tr_ar & SEG_AR_P), GUEST_TR_P, VMCS_GUEST_TR_AR_BYTES, v->guest_tr_ar);
    FAIL_IF(v->guest_tr_ar & AR_RESERVED, GUEST_TR_AR_RESERVED, VMCS_GUEST_TR_AR_BYTES, v->guest_tr_ar);
    FAIL_IF(limit_g_bad(v->guest_tr_limit, v->guest_tr_ar), GUEST_TR_G, VMCS_GUEST_TR_AR_BYTES, v->guest_tr_ar);
    FAIL_IF(v->guest_tr_ar & SEG_AR_UNUSABLE, GUEST_TR_UNUSABLE, VMCS_GUEST_TR_AR_BYTES, v->guest_tr_ar);
    if (ldtr_usable) {
        FAIL_IF((v->guest_ldtr_ar & SEG_AR_TYPE) != 2, GUEST_LDTR_TYPE, VMCS_GUEST_LDTR_AR_BYTES, v->guest_ldtr_ar);
        FAIL_IF(v->guest_ldtr_ar & SEG_AR_S, GUEST_LDTR_S, VMCS_GUEST_LDTR_AR_BYTES, v->guest_ldtr_ar);
        FAIL_IF(!(v->guest_ldtr_ar & SEG_AR_P), GUEST_LDTR_P, VMCS_GUEST_LDTR_AR_BYTES, v->guest_ldtr_ar);
        FAIL_IF(v->guest_ldtr_ar & AR_RESERVED, GUEST_LDTR_AR_RESERVED, VMCS_GUEST_LDTR_AR_BYTES, v->guest_ldtr_ar);
        FAIL_IF(limit_g_bad(v->guest_ldtr_limit, v->guest_ldtr_ar), GUEST_LDTR_G, VMCS_GUEST_LDTR_AR_BYTES, v->guest_ldtr_ar);
    }

    /* §27.3.1.3 */
    FAIL_IF(!canonical(env, v->guest_gdtr_base), GUEST_DTR_BASE, VMCS_GUEST_GDTR_BASE, v->guest_gdtr_base);
    FAIL_IF(!canonical(env, v->guest_idtr_base), GUEST_DTR_BASE, VMCS_GUEST_IDTR_BASE, v->guest_idtr_base);
    FAIL_IF(v->guest_gdtr_limit >> 16, GUEST_DTR_LIMIT, VMCS_GUEST_GDTR_LIMIT, v->guest_gdtr_limit);
    FAIL_IF(v->guest_idtr_limit >> 16, GUEST_DTR_LIMIT, VMCS_GUEST_IDTR_LIMIT, v->guest_idtr_limit);

    /* §27.3.1.4 */
    bool cs_l = v->guest_cs_ar & SEG_AR_L;
    FAIL_IF((!ia32e || !cs_l) && (v->guest_rip >> 32), GUEST_RIP_HIGH, VMCS_GUEST_RIP, v->guest_rip);
    FAIL_IF(ia32e && cs_l && !canonical(env, v->guest_rip), GUEST_RIP_CANONICAL, VMCS_GUEST_RIP, v->guest_rip);
    u64 rfl = v->guest_rflags;
    FAIL_IF((rfl & (GENMASK(63, 22) | BIT(15) | BIT(5) | BIT(3))) || !(rfl & RFLAGS_FIXED1), GUEST_RFLAGS_RESERVED, VMCS_GUEST_RFLAGS, rfl);
    FAIL_IF((ia32e || !(cr0 & CR0_PE)) && (rfl & RFLAGS_VM), GUEST_RFLAGS_VM, VMCS_GUEST_RFLAGS, rfl);
    u32 ii = v->entry_intr_info;
    bool inject = ii & INTR_INFO_VALID;
    unsigned itype = (ii & INTR_INFO_TYPE) >> INTR_INFO_TYPE_SHIFT, ivec = ii & INTR_INFO_VECTOR;
    FAIL_IF(inject && itype == INTR_TYPE_EXT && !(rfl & RFLAGS_IF), GUEST_RFLAGS_IF, VMCS_GUEST_RFLAGS, rfl);

    /* §27.3.1.5 */
    u32 act = v->guest_activity_state, intr = v->guest_interruptibility;
    u64 misc = vmx_caps_msr(caps, MSR_IA32_VMX_MISC);
    FAIL_IF(act > 3 || (act != 0 && !(misc & BIT(5 + act))), GUEST_ACTIVITY, VMCS_GUEST_ACTIVITY_STATE, act);
    FAIL_IF(act == ACTIVITY_HLT && ((v->guest_ss_ar >> SEG_AR_DPL_SHIFT) & 3) != 0, GUEST_ACTIVITY_HLT_DPL, VMCS_GUEST_ACTIVITY_STATE, act);
    FAIL_IF(act != ACTIVITY_ACTIVE && (intr & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOVSS)), GUEST_ACTIVITY_BLOCKING,
            VMCS_GUEST_INTERRUPTIBILITY_INFO, intr);
    if (inject) {
        bool ok = true;
        if (act == ACTIVITY_HLT)
            ok = itype == INTR_TYPE_EXT || itype == INTR_TYPE_NMI || itype == INTR_TYPE_OTHER ||
                 (itype == INTR_TYPE_HW_EXC && (ivec == EXC_DB || ivec == EXC_MC));
        else if (act == ACTIVITY_SHUTDOWN)
            ok = itype == INTR_TYPE_NMI || (itype == INTR_TYPE_HW_EXC && ivec == EXC_MC);
        else if (act == ACTIVITY_WAIT_SIPI)
            ok = false;
        FAIL_IF(!ok, GUEST_ACTIVITY_INJECT, VMCS_VM_ENTRY_INTR_INFO, ii);
    }
    FAIL_IF(intr & GENMASK(31, 5), GUEST_INTR_RESERVED, VMCS_GUEST_INTERRUPTIBILITY_INFO, intr);
    FAIL_IF((intr & INTERRUPTIBILITY_STI) && (intr & INTERRUPTIBILITY_MOVSS), GUEST_INTR_STI_MOVSS, VMCS_GUEST_INTERRUPTIBILITY_INFO, intr);
    FAIL_IF(!(rfl & RFLAGS_IF) && (intr & INTERRUPTIBILITY_STI), GUEST_INTR_STI_IF, VMCS_GUEST_INTERRUPTIBILITY_INFO, intr);
    FAIL_IF(inject && (itype == INTR_TYPE_EXT || itype == INTR_TYPE_NMI) &&
            (intr & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOVSS)), GUEST_INTR_INJECT, VMCS_GUEST_INTERRUPTIBILITY_INFO, intr);
    FAIL_IF(intr & INTERRUPTIBILITY_SMI, GUEST_INTR_SMI, VMCS_GUEST_INTERRUPTIBILITY_INFO, intr);
    FAIL_IF((v->pin_controls & PIN_VIRTUAL_NMIS) && inject && itype == INTR_TYPE_NMI && (intr & INTERRUPTIBILITY_NMI),
            GUEST_INTR_VNMI, VMCS_GUEST_INTERRUPTIBILITY_INFO, intr);
    u64 pd = v->guest_pending_dbg;
    FAIL_IF(pd & (GENMASK(11, 4) | BIT(13) | BIT(15) | GENMASK(63, 17)), GUEST_PENDING_DBG, VMCS_GUEST_PENDING_DBG_EXCEPTIONS, pd);
    if ((intr & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOVSS)) || act == ACTIVITY_HLT) {
        bool btf = v->guest_debugctl & 2, tf = rfl & RFLAGS_TF, bs = pd & BIT(14);
        FAIL_IF((tf && !btf && !bs) || ((!tf || btf) && bs), GUEST_PENDING_DBG_BS, VMCS_GUEST_PENDING_DBG_EXCEPTIONS, pd);
    }
    u64 link = v->vmcs_link_pointer;
    if (link != UINT64_MAX) {
        u64 rev = 0;
        bool bad = (link & 0xfff) || (link >> caps->maxphyaddr) ||
                   !env->read_phys(env->opaque, link, 4, &rev) || (rev & 0x7fffffff) != VMX_REVISION ||
                   ((rev >> 31) & 1) != !!(proc2 & PROC2_SHADOW_VMCS);
        if (bad) {
            *qual = 4;
            FAIL_IF(true, GUEST_LINK_PTR, VMCS_VMCS_LINK_POINTER, link);
        }
    }

    /* §27.3.1.6: PAE paging outside IA-32e mode: the PDPTEs in memory at CR3, or with EPT
       the guest PDPTE fields; either failure has exit qualification 2. */
    if ((cr0 & CR0_PG) && (cr4 & CR4_PAE) && !ia32e) {
        u64 base = v->guest_cr3 & 0xffffffe0ull;
        const u64 fields[4] = {v->guest_pdpte0, v->guest_pdpte1, v->guest_pdpte2, v->guest_pdpte3};
        bool ept = proc2 & PROC2_EPT;
        for (int i = 0; i < 4; i++) {
            u64 e = fields[i];
            bool ok = ept || env->read_phys(env->opaque, base + 8 * i, 8, &e);
            bool bad = !ok || ((e & 1) && ((e & (GENMASK(2, 1) | GENMASK(8, 5))) || (e >> caps->maxphyaddr)));
            if (bad) {
                *qual = 2;
                FAIL_IF(true, GUEST_PDPTE, ept ? VMCS_GUEST_PDPTE0 + 2u * (unsigned)i : VMCS_GUEST_CR3, ept ? e : v->guest_cr3);
            }
            pdptes[i] = e;
        }
    }
    return true;
}
