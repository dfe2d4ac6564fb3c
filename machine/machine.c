/* machine/machine.c — the PC board: RAM below the PCI hole and above 4 GiB, the memory and
 * port maps, COM1, the debug ports, the vCPUs, Multiboot loading and the run loop. */
#include "machine/machine.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "base/iomap.h"
#include "base/log.h"
#include "cpu/cpu.h"
#include "cpu/icache.h"
#include "devices/debugport.h"
#include "devices/fwcfg.h"
#include "devices/uart16550.h"
#include "devices/vga_text.h"
#include "machine/multiboot.h"
#include "machine/pc_devices.h"
#include "machine/pc_irq.h"
#include "mmu/phys.h"
#include "vmx/hooks.h"

#define LOWMEM_MAX 0xc0000000ull    /* RAM below 4 GiB ends where the PCI hole begins */
#define SLICE 100000                /* instructions per vCPU turn (deterministic interleave) */
#define SLICE_CHATTY 2000           /* ... while vCPUs exchange IPIs, so round trips stay short */
#define CHATTY_ROUNDS 64            /* rounds of short slices after the last IPI */
#define FRONTEND_PERIOD (1.0 / 60)  /* host seconds between display refreshes */

struct machine {
    struct machine_config cfg;
    struct log log;
    struct iomap mem, io;
    struct phys phys;
    u8 *ram;                 /* one mapping: [0, lowmem) then [4 GiB, 4 GiB + highmem) */
    u64 ram_bytes, lowmem, highmem;
    struct uart16550 uart;
    struct debugport dbg;
    struct fwcfg fw;
    FILE *serial_out;
    struct cpu *cpus;
    unsigned ncpus;
    struct pc_irq irq;
    u64 seen_ipis;           /* irq.ipis at the end of the last round */
    unsigned chatty;         /* rounds left with short slices */
    struct pc_devices dev;   /* CMOS, PIT, i8042, port 0x92, pc-testdev, PCI, ACPI, HPET */
    unsigned cur;            /* the vCPU running now: devices see its modelled time */
    bool s3_pending;         /* ACPI S3 entered: resume through the FACS waking vector */
    u64 now;                 /* modelled time (cycles) the machine has reached: max over vCPUs */
    bool exited;
    int status;
    enum machine_exit why;
    char msg[256];
    double host_seconds;         /* wall-clock time spent in machine_run */
    double cpu_seconds;          /* process CPU time spent in machine_run */
    struct machine_frontend fe;  /* display front end (refresh NULL: none) */
    double fe_next;              /* host time of the next refresh */
    struct vga_text vga;         /* the legacy VGA window 0xa0000-0xbffff and ports 0x3b0-0x3df */
    struct machine_debugger dbg_poll;  /* debugger poll (poll NULL: none) */
    bool paused;                 /* machine_pause: the run returns MEXIT_PAUSED */
    unsigned resume_cpu;         /* after a pause the round continues with this vCPU */
};

static void serial_tx(void *opaque, u8 b)
{
    struct machine *m = opaque;
    if (m->serial_out) {
        fputc(b, m->serial_out);
        if (b == '\n')
            fflush(m->serial_out);
    }
}

static void stop_all(struct machine *m)
{
    for (unsigned i = 0; i < m->ncpus; i++) {
        m->cpus[i].stop_request = true;
        m->cpus[i].stop_reason = STOP_REQUEST;
        m->cpus[i].attention = true;
    }
}

static void on_debug_exit(void *opaque, u32 value)
{
    struct machine *m = opaque;
    m->exited = true;
    m->why = MEXIT_DEBUG_EXIT;
    m->status = (int)((value << 1) | 1) & 0xff;
    snprintf(m->msg, sizeof m->msg, "guest exited through port 0xf4 with value %u", value);
    stop_all(m);
}

static void on_code_page(void *opaque, pa_t page)
{
    struct machine *m = opaque;
    for (unsigned i = 0; i < m->ncpus; i++)
        tlb_protect_pa(&m->cpus[i].tlb, page);   /* not a TLB invalidation: translations stay */
}

/* Device clock: the current vCPU's modelled time, but never behind the furthest point the
   machine has reached, so devices see a monotonic clock although vCPUs run a slice apart. */
static u64 machine_time_ns(const struct machine *m)
{
    u64 cyc = m->cpus[m->cur].cycles;
    return clock_cycles_to_ns(cyc > m->now ? cyc : m->now);
}

static u64 machine_now_ns(void *opaque)
{
    return machine_time_ns(opaque);
}

/* Reset requests (i8042 0xfe, port 0x92, 0xcf9). There is no firmware to reboot into, so the run
   stops either way; with -no-reboot that is also what QEMU does. */
static void on_reset_request(void *opaque, const char *why)
{
    struct machine *m = opaque;
    m->exited = true;
    m->why = MEXIT_SHUTDOWN;
    m->status = 0;
    snprintf(m->msg, sizeof m->msg, "%s: %s", why,
             m->cfg.no_reboot ? "machine stopped (-no-reboot)"
                              : "hvsim has no firmware to reboot into, so the machine stopped");
    log_printf(&m->log, LOG_CPU_RESET, "%s", m->msg);
    stop_all(m);
}

/* ACPI PM1a_CNT.SLP_EN: S5 powers off; S3 stops every vCPU and resumes at the FACS waking
   vector (machine_resume_s3) as if an RTC alarm had woken the machine at once. */
static void on_sleep(void *opaque, unsigned slp_typ)
{
    struct machine *m = opaque;
    if (slp_typ == ACPI_SLP_TYP_S3) {
        log_printf(&m->log, LOG_CPU_RESET, "ACPI S3 sleep: resuming at once through the FACS waking vector");
        m->s3_pending = true;
        stop_all(m);
        return;
    }
    m->exited = true;
    m->why = MEXIT_SHUTDOWN;
    m->status = 0;
    if (slp_typ == ACPI_SLP_TYP_S5)
        snprintf(m->msg, sizeof m->msg, "guest powered off (ACPI S5)");
    else
        snprintf(m->msg, sizeof m->msg, "guest entered unsupported ACPI sleep type %u: machine stopped", slp_typ);
    stop_all(m);
}

/* pc-testdev port 0xe4: drop a page from every vCPU's TLB. */
static void on_flush_page(void *opaque, u64 gpa)
{
    struct machine *m = opaque;
    for (unsigned i = 0; i < m->ncpus; i++)
        tlb_flush_pa(&m->cpus[i].tlb, gpa);
}

static void on_unclaimed(void *opaque, u64 addr, unsigned size, bool write, u64 value)
{
    struct machine *m = opaque;
    log_printf(&m->log, LOG_UNIMP, "unclaimed %s %s %#llx (size %u, value %#llx)",
               write ? "write" : "read", "port", (unsigned long long)addr, size,
               (unsigned long long)value);
}

/* ---- loader glue ---- */

static u8 *ram_ptr(struct machine *m, u64 pa, u64 len)
{
    if (pa + len < pa)
        return NULL;
    if (pa + len <= m->lowmem)
        return m->ram + pa;
    if (pa >= (1ull << 32) && pa + len <= (1ull << 32) + m->highmem)
        return m->ram + m->lowmem + (pa - (1ull << 32));
    return NULL;
}

static void note_code_writes(struct machine *m, u64 pa, u64 len)
{
    for (u64 p = pa & ~0xfffull; p < pa + len; p += 0x1000)
        if (p < m->phys.limit)
            phys_note_write(&m->phys, p, 0x1000 - 1);
}

static int mem_write(void *opaque, u64 pa, const void *src, u64 len)
{
    struct machine *m = opaque;
    u8 *p = ram_ptr(m, pa, len);
    if (!p)
        return -1;
    memcpy(p, src, len);
    note_code_writes(m, pa, len);
    return 0;
}

static int mem_zero(void *opaque, u64 pa, u64 len)
{
    struct machine *m = opaque;
    u8 *p = ram_ptr(m, pa, len);
    if (!p)
        return -1;
    memset(p, 0, len);
    note_code_writes(m, pa, len);
    return 0;
}

static u8 *read_file(const char *path, u64 *size, const char *what, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s %s: %s", what, path, strerror(errno));
        return NULL;
    }
    u8 *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 1 << 20;
            if (cap > (1u << 30)) {
                snprintf(err, errlen, "%s %s: larger than 1 GiB", what, path);
                break;
            }
            u8 *nb = realloc(buf, cap);
            if (!nb) {
                snprintf(err, errlen, "%s %s: out of memory", what, path);
                break;
            }
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f)) {
                snprintf(err, errlen, "%s %s: read error", what, path);
                break;
            }
            fclose(f);
            *size = n;
            return buf;
        }
    }
    fclose(f);
    free(buf);
    return NULL;
}

/* Multiboot entry state (spec §3.2): 32-bit protected mode, paging off, flat 4 GiB CS and
 * data segments, A20 on, IF = 0, EAX = magic, EBX = info. */
static void cpu_enter_multiboot(struct cpu *c, const struct mb_boot *b)
{
    c->cr0 = CR0_PE | CR0_ET;
    struct seg code = {.sel = 0x10, .base = 0, .limit = 0xffffffff, .ar = 0x9b | SEG_AR_DB | SEG_AR_G};
    struct seg data = {.sel = 0x18, .base = 0, .limit = 0xffffffff, .ar = 0x93 | SEG_AR_DB | SEG_AR_G};
    for (int s = 0; s < SEG_COUNT; s++)
        c->seg[s] = s == SEG_CS ? code : data;
    c->rflags = RFLAGS_FIXED1;
    c->gpr[RAX] = 0x2badb002;
    c->gpr[RBX] = b->mbi_pa;
    c->rip = b->entry;
    c->cpl = 0;
    tlb_flush_all(&c->tlb);
    cpu_update_mode(c);
}

struct machine *machine_create(const struct machine_config *cfg, char *err, size_t errlen)
{
    struct machine *m = calloc(1, sizeof(*m));
    if (!m) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    m->cfg = *cfg;
    m->cfg.model.nr_cpus = cfg->smp;
    m->log.mask = cfg->log_mask;
    if (cfg->log_file) {
        m->log.out = fopen(cfg->log_file, "w");
        if (!m->log.out) {
            snprintf(err, errlen, "-D %s: %s", cfg->log_file, strerror(errno));
            free(m);
            return NULL;
        }
    }
    iomap_init(&m->mem, "memory");
    iomap_init(&m->io, "ports");
    m->io.unclaimed = on_unclaimed;
    m->io.unclaimed_opaque = m;

    /* RAM: lazily committed anonymous memory. */
    m->ram_bytes = cfg->ram_size;
    m->lowmem = cfg->ram_size < LOWMEM_MAX ? cfg->ram_size : LOWMEM_MAX;
    m->highmem = cfg->ram_size - m->lowmem;
    void *ram = mmap(NULL, m->ram_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (ram == MAP_FAILED) {
        snprintf(err, errlen, "cannot allocate %llu MiB of guest RAM", (unsigned long long)(cfg->ram_size >> 20));
        goto fail;
    }
    m->ram = ram;
    /* Transparent huge pages where the host allows them (a hint; failure is harmless): guest
       code that touches much RAM at random (page-table walks, big working sets) then costs far
       fewer host TLB misses. */
    madvise(ram, m->ram_bytes, MADV_HUGEPAGE);
    /* The legacy VGA window 0xa0000-0xbffff belongs to the VGA device, not to RAM. */
    vga_text_init(&m->vga, &m->log);
    if (iomap_add_ram(&m->mem, 0, VGA_MEM_BASE, m->ram, false, "ram-low", err, errlen) ||
        vga_text_register(&m->vga, &m->mem, &m->io, err, errlen) ||
        iomap_add_ram(&m->mem, VGA_MEM_BASE + VGA_MEM_SIZE, m->lowmem - (VGA_MEM_BASE + VGA_MEM_SIZE),
                      m->ram + VGA_MEM_BASE + VGA_MEM_SIZE, false, "ram-low-upper", err, errlen) ||
        (m->highmem && iomap_add_ram(&m->mem, 1ull << 32, m->highmem, m->ram + m->lowmem, false,
                                     "ram-high", err, errlen)))
        goto fail;
    pa_t limit = m->highmem ? (1ull << 32) + m->highmem : m->lowmem;
    if (phys_init(&m->phys, &m->mem, limit)) {
        snprintf(err, errlen, "out of memory for code-page tracking");
        goto fail;
    }
    m->phys.on_code_page = on_code_page;
    m->phys.opaque = m;

    /* Devices. */
    if (cfg->serial == SERIAL_STDIO)
        m->serial_out = stdout;
    else if (cfg->serial == SERIAL_FILE) {
        m->serial_out = fopen(cfg->serial_path, "w");
        if (!m->serial_out) {
            snprintf(err, errlen, "-serial file:%s: %s", cfg->serial_path, strerror(errno));
            goto fail;
        }
    }
    /* vCPUs. */
    m->cpus = calloc(cfg->smp, sizeof(*m->cpus));
    if (!m->cpus) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    struct cpu_bus bus = {.phys = &m->phys, .io = &m->io, .log = &m->log, .opaque = m};
    for (unsigned i = 0; i < cfg->smp; i++) {
        if (cpu_init(&m->cpus[i], (int)i, &m->cfg.model, &bus)) {
            snprintf(err, errlen, "out of memory for vCPU %u", i);
            goto fail;
        }
        m->ncpus++;
        if (i > 0)
            m->cpus[i].state = CPU_WAIT_SIPI;
    }

    if (pc_irq_init(&m->irq, m->cpus, m->ncpus, &m->mem, &m->io, &m->log, err, errlen))
        goto fail;
    uart16550_init(&m->uart, pc_irq_isa_line(&m->irq, 4), serial_tx, m);
    m->dbg = (struct debugport){.on_exit = on_debug_exit, .console = serial_tx, .opaque = m};
    if (uart16550_register(&m->uart, &m->io, 0x3f8, err, errlen) ||
        debugport_register(&m->dbg, &m->io, err, errlen))
        goto fail;
    if (fwcfg_init(&m->fw, &m->log, (u16)cfg->smp, cfg->ram_size)) {
        snprintf(err, errlen, "out of memory for fw_cfg");
        goto fail;
    }
    if (fwcfg_register(&m->fw, &m->io, FWCFG_PORT, err, errlen))
        goto fail;
    struct pc_devices_config dcfg = {
        .mem = &m->mem, .io = &m->io, .irq = &m->irq,
        .clock = {.now_ns = machine_now_ns, .opaque = m},
        .ram_low = m->ram, .below_4g = m->lowmem, .above_4g = m->highmem, .ncpus = m->ncpus,
        .rtc_epoch = PC_RTC_EPOCH_DEFAULT, .log = &m->log, .reset = on_reset_request,
        .sleep = on_sleep, .flush_page = on_flush_page, .opaque = m,
    };
    if (pc_devices_init(&m->dev, &dcfg, err, errlen))
        goto fail;

    /* Kernel and modules. */
    u64 ksize = 0, isize = 0;
    u8 *kernel = read_file(cfg->kernel, &ksize, "-kernel", err, errlen);
    if (!kernel)
        goto fail;
    u8 *initrd = NULL;
    if (cfg->initrd && !(initrd = read_file(cfg->initrd, &isize, "-initrd", err, errlen))) {
        free(kernel);
        goto fail;
    }
    struct mb_range map[4];
    unsigned nmap = 0;
    map[nmap++] = (struct mb_range){0, 0x9fc00, 1};
    map[nmap++] = (struct mb_range){0xf0000, 0x10000, 2};
    map[nmap++] = (struct mb_range){0x100000, m->lowmem - 0x100000, 1};
    if (m->highmem)
        map[nmap++] = (struct mb_range){1ull << 32, m->highmem, 1};
    struct mb_module mod = {cfg->initrd, initrd, isize};
    struct mb_mem mem = {m, mem_write, mem_zero};
    struct mb_boot boot;
    int rc = mb_load(kernel, ksize, cfg->kernel, cfg->append, &mod, initrd ? 1 : 0, map, nmap,
                     &mem, &boot, err, errlen);
    free(kernel);
    free(initrd);
    if (rc)
        goto fail;
    cpu_enter_multiboot(&m->cpus[0], &boot);
    return m;
fail:
    machine_destroy(m);
    return NULL;
}

void machine_destroy(struct machine *m)
{
    if (!m)
        return;
    for (unsigned i = 0; i < m->ncpus; i++)
        cpu_destroy(&m->cpus[i]);
    free(m->cpus);
    pc_irq_destroy(&m->irq);
    fwcfg_destroy(&m->fw);
    if (m->serial_out && m->serial_out != stdout)
        fclose(m->serial_out);
    else if (m->serial_out)
        fflush(m->serial_out);
    if (m->log.out)
        fclose(m->log.out);
    phys_destroy(&m->phys);
    iomap_destroy(&m->mem);
    iomap_destroy(&m->io);
    if (m->ram)
        munmap(m->ram, m->ram_bytes);
    free(m);
}

static double clock_seconds(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double now_seconds(void)
{
    return clock_seconds(CLOCK_MONOTONIC);
}

/* Stop the run with `why`, `status` and a message. */
static void machine_end(struct machine *m, enum machine_exit why, int status)
{
    m->exited = true;
    m->why = why;
    m->status = status;
}

/* A vCPU that is not running (halted, waiting for SIPI) lets modelled time pass: it catches up
   with the machine, but no further than its own next timer event. */
static void cpu_catch_up(const struct machine *m, struct cpu *c)
{
    if (c->state == CPU_RUNNING)
        return;
    u64 t = m->now < c->timer_at ? m->now : c->timer_at;
    if (c->cycles < t)
        c->cycles = t;
}

/* When every vCPU is idle, jump modelled time to the earliest timer event that can wake a halted
   vCPU (the APIC timer is a maskable interrupt, so only with IF = 1). Returns false when there is
   none: nothing can ever wake the machine again. */
static bool machine_skip_idle(struct machine *m)
{
    u64 next = UINT64_MAX;
    for (unsigned i = 0; i < m->ncpus; i++)
        if (m->cpus[i].state == CPU_HALTED && (m->cpus[i].rflags & RFLAGS_IF) &&
            m->cpus[i].timer_at < next)
            next = m->cpus[i].timer_at;
    /* Device timers (PIT, RTC, PM timer, HPET) can wake a vCPU halted with IF = 1 too. */
    u64 dev = pc_devices_next_event(&m->dev);
    if (dev != UINT64_MAX) {
        bool wakeable = false;
        for (unsigned i = 0; i < m->ncpus; i++)
            wakeable |= m->cpus[i].state == CPU_HALTED && (m->cpus[i].rflags & RFLAGS_IF);
        u64 at = clock_ns_to_cycles(dev);
        if (at <= m->now)
            at = m->now + 1;
        if (wakeable && at < next)
            next = at;
    }
    if (next == UINT64_MAX)
        return false;
    if (m->now < next)
        m->now = next;
    return true;
}

/* Wake from S3 (ACPI 6.4 §16.3): every vCPU is reset, the APs wait for SIPI and the BSP starts
   in real mode at the 32-bit FACS firmware waking vector (CS = vector >> 4, IP = vector & 0xf). */
static void machine_resume_s3(struct machine *m)
{
    m->s3_pending = false;
    u32 vec = pc_devices_waking_vector(&m->dev, m->ram);
    for (unsigned i = 0; i < m->ncpus; i++) {
        struct cpu *c = &m->cpus[i];
        cpu_reset(c, false);
        if (i > 0)
            c->state = CPU_WAIT_SIPI;
    }
    /* As at power-on, firmware's resume path leaves the BSP's LINT0 in ExtINT mode (pc_irq_init). */
    m->irq.lapics[0].s.lvt[LVT_LINT0] = APIC_DM_EXTINT << 8;
    struct cpu *bsp = &m->cpus[0];
    bsp->seg[SEG_CS].sel = (u16)(vec >> 4);
    bsp->seg[SEG_CS].base = vec & ~0xfu;
    bsp->rip = vec & 0xf;
    tlb_flush_all(&bsp->tlb);
    cpu_update_mode(bsp);
    acpi_pm_raise(&m->dev.pm, ACPI_PM1_WAK);
    log_printf(&m->log, LOG_CPU_RESET, "ACPI S3 resume at %04x:%04x", vec >> 4, vec & 0xf);
}

/* Run one vCPU for up to one slice (and at most `budget` instructions); false when the machine
   must stop or pause. */
static bool machine_run_cpu(struct machine *m, unsigned i, bool *ran, u64 budget)
{
    struct cpu *c = &m->cpus[i];
    u64 slice = m->chatty ? SLICE_CHATTY : SLICE;
    if (budget < slice)
        slice = budget;
    if (m->cfg.max_insns) {
        if (c->insns >= m->cfg.max_insns) {
            machine_end(m, MEXIT_INSN_LIMIT, 124);
            snprintf(m->msg, sizeof m->msg, "stopped after %llu instructions (-max-insns)",
                     (unsigned long long)c->insns);
            return false;
        }
        if (m->cfg.max_insns - c->insns < slice)
            slice = m->cfg.max_insns - c->insns;
    }
    cpu_catch_up(m, c);
    m->cur = i;
    pc_devices_run(&m->dev, machine_time_ns(m));
    /* Hand control back when another vCPU has work or its timer falls due. */
    c->pause_yields = false;
    c->horizon = UINT64_MAX;
    for (unsigned j = 0; j < m->ncpus; j++) {
        const struct cpu *o = &m->cpus[j];
        if (j == i)
            continue;
        if (o->state == CPU_RUNNING || o->attention)
            c->pause_yields = true;
        else if (o->timer_at < c->horizon)
            c->horizon = o->timer_at;
    }
    u64 dev_next = pc_devices_next_event(&m->dev);
    if (dev_next != UINT64_MAX && clock_ns_to_cycles(dev_next) < c->horizon)
        c->horizon = clock_ns_to_cycles(dev_next);
    u64 before = c->insns;
    c->paused = false;
    enum cpu_stop st = cpu_run(c, slice);
    if (c->insns != before)
        *ran = true;
    /* A vCPU that gave up its slice spinning on PAUSE spent the time the others ran spinning:
       its clock catches up, so a delay loop on its TSC ends after the modelled time it asks
       for, not after thousands of rounds. */
    if (c->paused && c->cycles < m->now)
        c->cycles = m->now;
    if (c->cycles > m->now)
        m->now = c->cycles;
    pc_devices_run(&m->dev, machine_time_ns(m));
    if (m->s3_pending)
        machine_resume_s3(m);
    if (m->exited)
        return false;
    if (m->paused) {
        m->resume_cpu = i;
        return false;
    }
    switch (st) {
    case STOP_SHUTDOWN:
        machine_end(m, MEXIT_SHUTDOWN, 0);
        snprintf(m->msg, sizeof m->msg, "vCPU %u triple-faulted at rip=%#llx: machine shut down", i,
                 (unsigned long long)c->rip);
        return false;
    case STOP_UNIMPLEMENTED:
        machine_end(m, MEXIT_UNIMPLEMENTED, 6);
        snprintf(m->msg, sizeof m->msg, "vCPU %u at rip=%#llx: %s", i, (unsigned long long)c->rip,
                 c->stop_msg);
        return false;
    case STOP_BUDGET:
    case STOP_HALT:
    case STOP_REQUEST:
        return true;
    }
    return true;
}

/* Give the display front end its turn when FRONTEND_PERIOD of host time has passed (and before
   the first round). Host time decides only when the picture is drawn, never what the guest
   sees. Returns false when the front end stopped the machine. */
static bool machine_refresh_frontend(struct machine *m)
{
    double t = now_seconds();
    if (t < m->fe_next)
        return true;
    m->fe_next = t + FRONTEND_PERIOD;
    if (m->fe.refresh(m->fe.opaque))
        return true;
    machine_end(m, MEXIT_FRONTEND, 0);
    snprintf(m->msg, sizeof m->msg, "display window closed: machine stopped");
    stop_all(m);
    return false;
}

/* Deterministic round robin: each vCPU runs a slice (or until it halts or sends an IPI); slices
   are short for a while after any IPI, so vCPUs that talk to each other see quick replies. */
enum machine_exit machine_run(struct machine *m)
{
    double t0 = now_seconds(), cpu0 = clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
    m->paused = false;
    while (!m->exited) {
        if (unlikely(m->fe.refresh != NULL) && !machine_refresh_frontend(m))
            break;
        if (unlikely(m->dbg_poll.poll != NULL) && m->dbg_poll.poll(m->dbg_poll.opaque))
            m->paused = true;
        if (m->paused)
            break;
        bool ran = false;
        for (unsigned i = m->resume_cpu; i < m->ncpus; i++)
            if (!machine_run_cpu(m, i, &ran, UINT64_MAX))
                break;
        if (m->paused)
            break;
        m->resume_cpu = 0;
        if (m->irq.ipis != m->seen_ipis) {
            m->seen_ipis = m->irq.ipis;
            m->chatty = CHATTY_ROUNDS;
        } else if (m->chatty) {
            m->chatty--;
        }
        if (m->exited || ran)
            continue;
        if (!machine_skip_idle(m)) {
            machine_end(m, MEXIT_HALTED, 4);
            snprintf(m->msg, sizeof m->msg, "all vCPUs halted with nothing left to wake them (rip=%#llx)",
                     (unsigned long long)m->cpus[0].rip);
        }
    }
    m->host_seconds += now_seconds() - t0;
    m->cpu_seconds += clock_seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
    if (m->serial_out)
        fflush(m->serial_out);
    return m->exited ? m->why : MEXIT_PAUSED;
}

enum machine_exit machine_step(struct machine *m, unsigned idx, u64 n)
{
    struct cpu *c = &m->cpus[idx];
    u64 end = c->insns + n;
    m->paused = false;
    while (!m->exited && !m->paused && c->insns < end) {
        if (unlikely(m->dbg_poll.poll != NULL) && m->dbg_poll.poll(m->dbg_poll.opaque))
            break;
        bool ran = false;
        if (!machine_run_cpu(m, idx, &ran, end - c->insns) || ran)
            continue;
        /* vCPU idx is halted or waits for SIPI: the others run a round (they may wake it). */
        for (unsigned i = 0; i < m->ncpus && !m->exited && !m->paused; i++)
            if (i != idx)
                machine_run_cpu(m, i, &ran, UINT64_MAX);
        if (ran || m->exited || m->paused)
            continue;
        if (!machine_skip_idle(m)) {
            machine_end(m, MEXIT_HALTED, 4);
            snprintf(m->msg, sizeof m->msg, "all vCPUs halted with nothing left to wake them (rip=%#llx)",
                     (unsigned long long)c->rip);
        }
    }
    m->paused = false;
    if (m->serial_out)
        fflush(m->serial_out);
    return m->exited ? m->why : MEXIT_PAUSED;
}

void machine_pause(struct machine *m)
{
    m->paused = true;
    stop_all(m);
}

void machine_set_debugger(struct machine *m, const struct machine_debugger *d)
{
    m->dbg_poll = d && d->poll ? *d : (struct machine_debugger){0};
}

unsigned machine_ncpus(const struct machine *m)
{
    return m->ncpus;
}

bool machine_exited(const struct machine *m)
{
    return m->exited;
}

int machine_exit_status(const struct machine *m)
{
    return m->status;
}

const char *machine_exit_message(const struct machine *m)
{
    return m->msg;
}

struct cpu *machine_cpu(struct machine *m, unsigned idx)
{
    return idx < m->ncpus ? &m->cpus[idx] : NULL;
}

void machine_set_frontend(struct machine *m, const struct machine_frontend *fe)
{
    m->fe = fe && fe->refresh ? *fe : (struct machine_frontend){0};
    m->fe_next = 0;
}

const struct vga_text *machine_vga(const struct machine *m)
{
    return &m->vga;
}

/* -stats: TLB misses by side and flush operations by cause (only causes that happened). */
static void print_tlb_stats(const struct cpu *c, FILE *out)
{
    fprintf(out, "  TLB (%s): misses %llu root, %llu non-root; flushes:", tlb_mode_name(c->tlb.mode),
            (unsigned long long)(c->tlb_misses - c->tlb_misses_nonroot),
            (unsigned long long)c->tlb_misses_nonroot);
    bool any = false;
    for (unsigned i = 0; i < TLB_CAUSES; i++)
        if (c->tlb.by_cause[i]) {
            fprintf(out, "%s %s %llu", any ? "," : "", tlb_cause_name(i), (unsigned long long)c->tlb.by_cause[i]);
            any = true;
        }
    fprintf(out, "%s\n", any ? "" : " none");
}

void machine_print_stats(const struct machine *m, FILE *out)
{
    u64 insns = 0, cycles = 0;
    for (unsigned i = 0; i < m->ncpus; i++) {
        const struct cpu *c = &m->cpus[i];
        u64 hits, misses;
        icache_stats(c->icache, &hits, &misses);
        static const char *const state[] = {[CPU_RUNNING] = "running", [CPU_HALTED] = "halted",
                                            [CPU_WAIT_SIPI] = "wait-for-SIPI", [CPU_SHUTDOWN] = "shutdown"};
        fprintf(out, "cpu%u: %llu instructions, %llu modelled cycles, %llu TLB misses (%llu walk refs), "
                     "decode cache %llu hits / %llu misses; %s at rip=%#llx\n",
                i, (unsigned long long)c->insns, (unsigned long long)c->cycles,
                (unsigned long long)c->tlb_misses, (unsigned long long)c->walk_refs,
                (unsigned long long)hits, (unsigned long long)misses, state[c->state],
                (unsigned long long)c->rip);
        print_tlb_stats(c, out);
        vmx_print_stats(c, out);
        insns += c->insns;
        cycles += c->cycles;
    }
    fprintf(out, "total: %llu instructions in %.3f s host time, %.3f s CPU time (%.1f MIPS of host time)\n",
            (unsigned long long)insns, m->host_seconds, m->cpu_seconds,
            m->host_seconds > 0 ? insns / m->host_seconds / 1e6 : 0.0);
}
