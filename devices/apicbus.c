/* devices/apicbus.c — message routing between local and I/O APICs (SDM 3A §11.6). */
#include "devices/apicbus.h"

void apicbus_send(struct apicbus *b, const struct apic_msg *m, struct lapic *src)
{
    if (m->dm == APIC_DM_LOWEST && m->shorthand == APIC_SH_NONE) {
        /* Lowest priority: one target, the lowest arbitration priority (SDM 3A §11.6.2.4). */
        struct lapic *best = NULL;
        for (unsigned i = 0; i < b->count; i++) {
            struct lapic *l = b->lapics[i];
            if (!lapic_match_dest(l, m->dest, m->logical, m->x2))
                continue;
            if (!best || lapic_arb_priority(l) < lapic_arb_priority(best))
                best = l;
        }
        if (best)
            lapic_accept(best, APIC_DM_FIXED, m->vector, m->level_trig);
    } else {
        for (unsigned i = 0; i < b->count; i++) {
            struct lapic *l = b->lapics[i];
            bool hit;
            switch (m->shorthand) {
            case APIC_SH_SELF: hit = l == src; break;
            case APIC_SH_ALL: hit = true; break;
            case APIC_SH_OTHERS: hit = l != src; break;
            default: hit = lapic_match_dest(l, m->dest, m->logical, m->x2); break;
            }
            if (hit)
                lapic_accept(l, m->dm == APIC_DM_LOWEST ? APIC_DM_FIXED : m->dm, m->vector, m->level_trig);
        }
    }
    if (src && b->on_ipi)
        b->on_ipi(b->ipi_opaque, src);
}

void apicbus_broadcast_eoi(struct apicbus *b, u8 vector)
{
    if (b->eoi)
        b->eoi(b->eoi_opaque, vector);
}
