/* machine/vcpu_apic.c — adapters between struct cpu and struct lapic (no logic of their own). */
#include "machine/vcpu_apic.h"

static bool a_intr_pending(void *o) { return lapic_intr_pending(o); }
static int a_intr_ack(void *o) { return lapic_intr_ack(o); }
static u8 a_read_cr8(void *o) { return lapic_read_cr8(o); }
static void a_write_cr8(void *o, u8 v) { lapic_write_cr8(o, v); }
static bool a_msr_read(void *o, u32 i, u64 *v, bool *ok) { return lapic_msr_read(o, i, v, ok); }
static bool a_msr_write(void *o, u32 i, u64 v, bool *ok) { return lapic_msr_write(o, i, v, ok); }
static u64 a_mmio_page(void *o) { return lapic_mmio_page(o); }
static u32 a_mmio_read(void *o, u32 off) { return lapic_mmio_read(o, off); }
static void a_mmio_write(void *o, u32 off, u32 v) { lapic_mmio_write(o, off, v); }
static u64 a_next_event(void *o) { return lapic_next_event(o); }
static void a_run_timers(void *o, u64 tsc) { lapic_run_timers(o, tsc); }
static void a_reset(void *o, bool init_only) { lapic_reset(o, init_only); }

static u64 h_now(void *o) { return cpu_read_tsc(o); }

static void h_signal(void *o, enum lapic_signal s, u8 vector)
{
    struct cpu *c = o;
    switch (s) {
    case LAPIC_SIG_INTR: cpu_signal(c, CPU_SIG_INTR, 0); break;
    case LAPIC_SIG_NMI: cpu_signal(c, CPU_SIG_NMI, 0); break;
    case LAPIC_SIG_INIT: cpu_signal(c, CPU_SIG_INIT, 0); break;
    case LAPIC_SIG_SIPI: cpu_signal(c, CPU_SIG_SIPI, vector); break;
    case LAPIC_SIG_SMI:
        log_printf(c->bus.log, LOG_UNIMP, "cpu%d: SMI ignored (no SMM)", c->id);
        break;
    }
}

void vcpu_apic_connect(struct cpu *c, struct lapic *l, struct apicbus *bus,
                       int (*extint_ack)(void *opaque), void *extint_opaque)
{
    struct lapic_config cfg = {
        .id = (u32)c->id, .bsp = c->id == 0, .x2apic = model_has(&c->model, FEAT_X2APIC),
        .tsc_deadline = model_has(&c->model, FEAT_TSC_DEADLINE), .maxphyaddr = c->model.maxphyaddr,
    };
    struct lapic_host host = {.now = h_now, .signal = h_signal, .opaque = c,
                              .extint_ack = extint_ack, .extint_opaque = extint_opaque};
    lapic_init(l, &cfg, bus, &host, c->bus.log);
    c->apic = (struct cpu_apic){
        .opaque = l, .intr_pending = a_intr_pending, .intr_ack = a_intr_ack,
        .read_cr8 = a_read_cr8, .write_cr8 = a_write_cr8, .msr_read = a_msr_read,
        .msr_write = a_msr_write, .mmio_page = a_mmio_page, .mmio_read = a_mmio_read,
        .mmio_write = a_mmio_write, .next_event = a_next_event, .run_timers = a_run_timers,
        .reset = a_reset,
    };
    c->msr.apic_base = l->s.base_msr;
    cpu_apic_changed(c);
}
