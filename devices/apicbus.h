/* devices/apicbus.h — the APIC bus (SDM 3A §11.6): interrupt messages from local APICs (IPIs) and
 * I/O APICs reach the local APICs that match their destination; EOIs of level-triggered vectors
 * are broadcast back to the I/O APICs. Lowest-priority delivery picks the matching APIC with the
 * lowest arbitration priority, ties going to the lowest index (deterministic). */
#ifndef HVSIM_DEVICES_APICBUS_H
#define HVSIM_DEVICES_APICBUS_H

#include "devices/lapic.h"

enum apic_shorthand { APIC_SH_NONE, APIC_SH_SELF, APIC_SH_ALL, APIC_SH_OTHERS };

struct apic_msg {
    u32 dest;
    bool logical;
    bool x2;                       /* 32-bit (x2APIC) destination format */
    enum apic_shorthand shorthand;
    enum apic_dm dm;
    u8 vector;
    bool level_trig;
};

typedef void apicbus_eoi_fn(void *opaque, u8 vector);

struct apicbus {
    struct lapic **lapics;         /* one per vCPU, owned by the machine */
    unsigned count;
    apicbus_eoi_fn *eoi;           /* I/O APIC EOI broadcast (may be NULL) */
    void *eoi_opaque;
    void (*on_ipi)(void *opaque, struct lapic *src);   /* the board may end the sender's slice */
    void *ipi_opaque;
};

/* Deliver a message; `src` is the sending local APIC (NULL for an I/O APIC). */
void apicbus_send(struct apicbus *b, const struct apic_msg *m, struct lapic *src);
void apicbus_broadcast_eoi(struct apicbus *b, u8 vector);

#endif
