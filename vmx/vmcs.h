/* vmx/vmcs.h — the VMCS as hvsim caches it: struct vmcs generated from vmx/vmcs_fields.def,
 * the field table, the O(1) encoding lookup used by VMREAD/VMWRITE, and the serialized layout
 * of a VMCS region in guest memory (SDM 3C §25.2, Appendix B). Pure code: no CPU needed. */
#ifndef HVSIM_VMX_VMCS_H
#define HVSIM_VMX_VMCS_H

#include "base/types.h"

/* Field width, encoding bits 14:13 (SDM 3C §25.11.2). */
enum vmcs_width { W16 = 0, W64 = 1, W32 = 2, WN = 3 };
/* Field type, encoding bits 11:10. */
enum vmcs_type { CTL = 0, RO = 1, GUEST = 2, HOST = 3 };

/* What makes a field exist on the modelled processor. A field whose capability the
 * model lacks fails VMREAD/VMWRITE with error 12, as on hardware without the feature. */
enum vmx_fcap {
    FC_ALWAYS, FC_VPID, FC_POSTED, FC_EPT, FC_VE, FC_VID, FC_PML, FC_TPR, FC_APIC_ACCESS,
    FC_VMFUNC, FC_SHADOW, FC_XSAVES, FC_TSC_SCALE, FC_PLE, FC_PREEMPT, FC_PAT, FC_EFER,
    FC_PERF, FC_NEVER, FC_COUNT
};

/* Encodings: VMCS_GUEST_RIP etc. */
enum vmcs_encoding {
#define VMCS_FIELD(enc, NAME, member, w, t, cap) VMCS_##NAME = enc,
#include "vmx/vmcs_fields.def"
#undef VMCS_FIELD
};

/* Field ids: dense 0..VMCS_NFIELDS-1 in .def order. */
enum vmcs_field_id {
#define VMCS_FIELD(enc, NAME, member, w, t, cap) VMCS_ID_##NAME,
#include "vmx/vmcs_fields.def"
#undef VMCS_FIELD
    VMCS_NFIELDS
};

#define VMCS_CTYPE_W16 u16
#define VMCS_CTYPE_W32 u32
#define VMCS_CTYPE_W64 u64
#define VMCS_CTYPE_WN u64

/* The cached contents of one VMCS. */
struct vmcs {
#define VMCS_FIELD(enc, NAME, member, w, t, cap) VMCS_CTYPE_##w member;
#include "vmx/vmcs_fields.def"
#undef VMCS_FIELD
};

struct vmcs_field_info {
    u32 enc;
    const char *name;        /* "GUEST_RIP" */
    u16 offset;              /* within struct vmcs */
    u8 width, type, cap;     /* enum vmcs_width, vmcs_type, vmx_fcap */
};

extern const struct vmcs_field_info vmcs_fields[VMCS_NFIELDS];

/* The field an encoding names, or NULL (reserved bits set, unknown index, or a "high"
 * access to a field that is not 64-bit). *high is set for the upper half of a 64-bit field.
 * O(1): a table indexed by (width, type, index). */
const struct vmcs_field_info *vmcs_field_lookup(u32 enc, bool *high);

/* Read/write a field's stored value (zero-extended; writes truncate to the width; access
 * rights keep only the bits hardware stores, SDM 3C §25.4.1). */
u64 vmcs_get(const struct vmcs *v, const struct vmcs_field_info *f);
void vmcs_set(struct vmcs *v, const struct vmcs_field_info *f, u64 val);

/* VMCS region layout in guest memory (hvsim's own format, SDM 3C §25.2 leaves it to the
 * implementation): revision at 0, abort indicator at 4, launch state at 8, then one 8-byte
 * slot per field id from VMCS_REGION_FIELDS. */
#define VMCS_REGION_REVISION 0
#define VMCS_REGION_ABORT 4
#define VMCS_REGION_LAUNCH 8
#define VMCS_REGION_FIELDS 16
_Static_assert(VMCS_REGION_FIELDS + 8 * VMCS_NFIELDS <= 4096, "VMCS region fits in 4 KiB");

#endif
