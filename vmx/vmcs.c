/* vmx/vmcs.c — the field table and encoding lookup generated from vmx/vmcs_fields.def. */
#include "vmx/vmcs.h"

#include <stddef.h>
#include <string.h>

const struct vmcs_field_info vmcs_fields[VMCS_NFIELDS] = {
#define VMCS_FIELD(enc, NAME, member, w, t, cap) \
    {enc, #NAME, (u16)offsetof(struct vmcs, member), w, t, cap},
#include "vmx/vmcs_fields.def"
#undef VMCS_FIELD
};

/* Encoding -> field id + 1, indexed by (width << 2 | type) * 64 + index. Every index in the
 * SDM's list is below 64; the build checks it. */
#define LOOKUP_INDEX_MAX 64
#define LOOKUP_SLOT(enc) (((((enc) >> 13) & 3) << 2 | (((enc) >> 10) & 3)) * LOOKUP_INDEX_MAX + (((enc) >> 1) & 0x1ff))

#define VMCS_FIELD(enc, NAME, member, w, t, cap) \
    _Static_assert((((enc) >> 1) & 0x1ff) < LOOKUP_INDEX_MAX, "index fits the lookup table");
#include "vmx/vmcs_fields.def"
#undef VMCS_FIELD

static const u8 lookup[16 * LOOKUP_INDEX_MAX] = {
#define VMCS_FIELD(enc, NAME, member, w, t, cap) [LOOKUP_SLOT(enc)] = VMCS_ID_##NAME + 1,
#include "vmx/vmcs_fields.def"
#undef VMCS_FIELD
};
_Static_assert(VMCS_NFIELDS < 255, "field ids fit in u8");

const struct vmcs_field_info *vmcs_field_lookup(u32 enc, bool *high)
{
    /* Bits 31:15 and 12 are reserved (SDM 3C §25.11.2). */
    if (enc & 0xffff9000u)
        return NULL;
    u32 index = (enc >> 1) & 0x1ff;
    if (index >= LOOKUP_INDEX_MAX)
        return NULL;
    u8 id = lookup[LOOKUP_SLOT(enc)];
    if (!id)
        return NULL;
    const struct vmcs_field_info *f = &vmcs_fields[id - 1];
    *high = enc & 1;
    if (*high && f->width != W64)
        return NULL;
    return f;
}

/* Access-rights fields keep type, S, DPL, P, AVL, L, D/B, G and unusable. */
#define VMCS_AR_STORED 0x1f0ffu

static bool is_ar(const struct vmcs_field_info *f)
{
    return f->enc >= VMCS_GUEST_ES_AR_BYTES && f->enc <= VMCS_GUEST_TR_AR_BYTES;
}

u64 vmcs_get(const struct vmcs *v, const struct vmcs_field_info *f)
{
    const u8 *p = (const u8 *)v + f->offset;
    switch (f->width) {
    case W16: { u16 x; memcpy(&x, p, 2); return x; }
    case W32: { u32 x; memcpy(&x, p, 4); return x; }
    default: { u64 x; memcpy(&x, p, 8); return x; }
    }
}

void vmcs_set(struct vmcs *v, const struct vmcs_field_info *f, u64 val)
{
    u8 *p = (u8 *)v + f->offset;
    switch (f->width) {
    case W16: { u16 x = (u16)val; memcpy(p, &x, 2); break; }
    case W32: {
        u32 x = (u32)val;
        if (is_ar(f))
            x &= VMCS_AR_STORED;
        memcpy(p, &x, 4);
        break;
    }
    default: memcpy(p, &val, 8); break;
    }
}
