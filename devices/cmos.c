/* devices/cmos.c — MC146818A RTC and CMOS RAM (see cmos.h). */
#include "devices/cmos.h"

#include <string.h>

enum { NS_PER_S = 1000000000, UIP_NS = 244000 };

static i64 floor_div(i64 a, i64 b) { return a / b - (a % b != 0 && ((a < 0) != (b < 0))); }

i64 cmos_days_from_civil(i64 y, unsigned m, unsigned d)
{
    /* Days since 1970-01-01, counting years from March so the leap day is last. */
    y -= m <= 2;
    i64 era = floor_div(y, 400);
    i64 yoe = y - era * 400;
    i64 doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    i64 doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void cmos_civil_from_days(i64 days, i64 *y, unsigned *m, unsigned *d)
{
    days += 719468;
    i64 era = floor_div(days, 146097);
    i64 doe = days - era * 146097;
    i64 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    i64 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    i64 mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static bool cmos_binary(const struct cmos *c) { return c->s.ram[CMOS_REG_B] & CMOS_B_DM_BINARY; }

static u8 to_reg(const struct cmos *c, unsigned v)
{
    return cmos_binary(c) ? (u8)v : (u8)(((v / 10) << 4) | (v % 10));
}

static unsigned from_reg(const struct cmos *c, u8 v)
{
    return cmos_binary(c) ? v : (unsigned)((v >> 4) * 10 + (v & 15));
}

static u8 hour_to_reg(const struct cmos *c, unsigned h)
{
    if (c->s.ram[CMOS_REG_B] & CMOS_B_24H)
        return to_reg(c, h);
    unsigned h12 = h % 12 ? h % 12 : 12;
    return (u8)(to_reg(c, h12) | (h >= 12 ? 0x80 : 0));
}

static unsigned hour_from_reg(const struct cmos *c, u8 v)
{
    if (c->s.ram[CMOS_REG_B] & CMOS_B_24H)
        return from_reg(c, v) % 24;
    unsigned h = from_reg(c, v & 0x7f) % 12;
    return h + (v & 0x80 ? 12 : 0);
}

static i64 guest_seconds(const struct cmos *c, u64 now_ns)
{
    return (i64)c->epoch + c->s.offset + (i64)(now_ns / NS_PER_S);
}

/* Write the calendar for guest time `t` into the time registers. */
static void time_to_ram(struct cmos *c, i64 t)
{
    i64 days = floor_div(t, 86400), sod = t - days * 86400, y;
    unsigned m, d;
    cmos_civil_from_days(days, &y, &m, &d);
    u8 *r = c->s.ram;
    r[CMOS_SECONDS] = to_reg(c, (unsigned)(sod % 60));
    r[CMOS_MINUTES] = to_reg(c, (unsigned)(sod / 60 % 60));
    r[CMOS_HOURS] = hour_to_reg(c, (unsigned)(sod / 3600));
    r[CMOS_WEEKDAY] = to_reg(c, (unsigned)(((days % 7) + 11) % 7 + 1));   /* 1 = Sunday */
    r[CMOS_DAY] = to_reg(c, d);
    r[CMOS_MONTH] = to_reg(c, m);
    if (y < 0)
        y = 0;
    r[CMOS_YEAR] = to_reg(c, (unsigned)(y % 100));
    r[CMOS_CENTURY] = to_reg(c, (unsigned)(y / 100 % 100));
}

/* Guest seconds the time registers describe (out-of-range fields are clamped). */
static i64 ram_to_time(const struct cmos *c)
{
    const u8 *r = c->s.ram;
    unsigned m = from_reg(c, r[CMOS_MONTH]), d = from_reg(c, r[CMOS_DAY]);
    m = m < 1 ? 1 : m > 12 ? 12 : m;
    d = d < 1 ? 1 : d > 31 ? 31 : d;
    i64 y = (i64)from_reg(c, r[CMOS_CENTURY]) * 100 + from_reg(c, r[CMOS_YEAR]);
    return cmos_days_from_civil(y, m, d) * 86400 + hour_from_reg(c, r[CMOS_HOURS]) * 3600 +
           (from_reg(c, r[CMOS_MINUTES]) % 60) * 60 + from_reg(c, r[CMOS_SECONDS]) % 60;
}

static bool clock_running(const struct cmos *c)
{
    return !(c->s.ram[CMOS_REG_B] & CMOS_B_SET) && (c->s.ram[CMOS_REG_A] & 0x60) != 0x60;
}

/* Periodic interrupt rate as a power of two: period = 2^shift / 65536 s, or -1 if off. */
static int periodic_shift(const struct cmos *c)
{
    unsigned rs = c->s.ram[CMOS_REG_A] & 15;
    if (rs == 0)
        return -1;
    return rs <= 2 ? (int)rs + 7 : (int)rs;
}

/* First periodic tick strictly after t (ticks are at k * 2^shift / 65536 s of modelled time). */
static u64 next_tick(u64 t, int shift)
{
    u128 unit = (u128)NS_PER_S << shift;                   /* period * 65536 in ns */
    u128 k = (u128)t * 65536 / unit + 1;
    return (u64)((k * unit + 65535) / 65536);
}

static u64 next_second(u64 t) { return (t / NS_PER_S + 1) * NS_PER_S; }

static bool alarm_matches(const struct cmos *c)
{
    const u8 *r = c->s.ram;
    for (int i = 0; i < 3; i++) {
        u8 alarm = r[CMOS_SECONDS_ALARM + 2 * i];
        if (alarm < 0xc0 && alarm != r[CMOS_SECONDS + 2 * i])
            return false;
    }
    return true;
}

static void update_irq(struct cmos *c)
{
    u8 *rc = &c->s.ram[CMOS_REG_C];
    u8 enabled = c->s.ram[CMOS_REG_B] & (CMOS_B_PIE | CMOS_B_AIE | CMOS_B_UIE);
    if (*rc & enabled)   /* the B enable bits line up with the C flag bits */
        *rc |= CMOS_C_IRQF;
    irq_set(&c->irq, (*rc & CMOS_C_IRQF) != 0);
}

void cmos_run(struct cmos *c, u64 now)
{
    if (now <= c->s.seen_ns)
        return;
    u64 from = c->s.seen_ns;
    int shift = periodic_shift(c);
    if (shift >= 0 && (c->s.ram[CMOS_REG_A] & 0x70) == 0x20 && next_tick(from, shift) <= now)
        c->s.ram[CMOS_REG_C] |= CMOS_C_PF;
    if (clock_running(c) && next_second(from) <= now) {
        c->s.ram[CMOS_REG_C] |= CMOS_C_UF;
        time_to_ram(c, guest_seconds(c, now));
        if (alarm_matches(c))
            c->s.ram[CMOS_REG_C] |= CMOS_C_AF;
    }
    c->s.seen_ns = now;
    update_irq(c);
}

u64 cmos_next_event(const struct cmos *c)
{
    const u8 *r = c->s.ram;
    if (r[CMOS_REG_C] & CMOS_C_IRQF)   /* the line is already up; flags catch up on read */
        return UINT64_MAX;
    u64 next = UINT64_MAX;
    int shift = periodic_shift(c);
    if ((r[CMOS_REG_B] & CMOS_B_PIE) && shift >= 0 && (r[CMOS_REG_A] & 0x70) == 0x20)
        next = next_tick(c->s.seen_ns, shift);
    if ((r[CMOS_REG_B] & (CMOS_B_AIE | CMOS_B_UIE)) && clock_running(c)) {
        u64 s = next_second(c->s.seen_ns);
        if (s < next)
            next = s;
    }
    return next;
}

static bool is_time_reg(u8 i) { return i <= CMOS_YEAR || i == CMOS_CENTURY; }
static bool is_alarm_reg(u8 i) { return i == CMOS_SECONDS_ALARM || i == CMOS_MINUTES_ALARM || i == CMOS_HOURS_ALARM; }

u8 cmos_read_reg(struct cmos *c, u8 index)
{
    index &= 0x7f;
    u64 now = vclock_now(&c->clock);
    u8 *r = c->s.ram;
    if (is_time_reg(index) && !is_alarm_reg(index)) {
        if (clock_running(c))
            time_to_ram(c, guest_seconds(c, now));
        return r[index];
    }
    switch (index) {
    case CMOS_REG_A: {
        bool uip = clock_running(c) && now % NS_PER_S >= NS_PER_S - UIP_NS;
        return (u8)((r[CMOS_REG_A] & 0x7f) | (uip ? CMOS_A_UIP : 0));
    }
    case CMOS_REG_C: {
        cmos_run(c, now);
        u8 v = r[CMOS_REG_C];
        r[CMOS_REG_C] = 0;
        irq_set(&c->irq, 0);
        return v;
    }
    case CMOS_REG_D:
        return CMOS_D_VRT;
    default:
        return r[index];
    }
}

void cmos_write_reg(struct cmos *c, u8 index, u8 v)
{
    index &= 0x7f;
    u64 now = vclock_now(&c->clock);
    u8 *r = c->s.ram;
    cmos_run(c, now);
    if (is_time_reg(index) && !is_alarm_reg(index)) {
        if (index == CMOS_WEEKDAY) {   /* not part of the derived clock: keep as written */
            r[index] = v;
            return;
        }
        bool running = clock_running(c);
        if (running)
            time_to_ram(c, guest_seconds(c, now));
        r[index] = v;
        if (running)
            c->s.offset += ram_to_time(c) - guest_seconds(c, now);
        return;
    }
    switch (index) {
    case CMOS_REG_A:
        r[CMOS_REG_A] = v & 0x7f;   /* UIP is read-only */
        break;
    case CMOS_REG_B: {
        bool was_running = clock_running(c);
        if (was_running && (v & CMOS_B_SET))
            time_to_ram(c, guest_seconds(c, now));   /* freeze the current time */
        if (v & CMOS_B_SET)
            v &= (u8)~CMOS_B_UIE;                     /* data sheet: SET clears UIE */
        r[CMOS_REG_B] = v;
        if (!was_running && clock_running(c))
            c->s.offset += ram_to_time(c) - guest_seconds(c, now);
        if (v & CMOS_B_DSE)
            log_printf(c->log, LOG_UNIMP, "cmos: daylight-saving enable (DSE) not modelled");
        update_irq(c);
        break;
    }
    case CMOS_REG_C:
    case CMOS_REG_D:
        log_printf(c->log, LOG_GUEST_ERRORS, "cmos: write %#x to read-only register %#x", v, index);
        break;
    default:
        r[index] = v;   /* alarm registers and NVRAM */
        break;
    }
}

static u64 cmos_port_read(void *opaque, u64 off, unsigned size)
{
    struct cmos *c = opaque;
    (void)size;
    if (off == 0)
        return 0xff;   /* the index register is write-only on the AT */
    return cmos_read_reg(c, c->s.index);
}

static void cmos_port_write(void *opaque, u64 off, u64 v, unsigned size)
{
    struct cmos *c = opaque;
    (void)size;
    if (off == 0) {
        c->s.index = (u8)v & 0x7f;
        c->s.nmi_masked = v & 0x80;
    } else {
        cmos_write_reg(c, c->s.index, (u8)v);
    }
}

void cmos_init(struct cmos *c, const struct log *log, struct vclock clock, u64 epoch,
               struct irq_line irq)
{
    memset(c, 0, sizeof(*c));
    c->log = log;
    c->clock = clock;
    c->epoch = epoch;
    c->irq = irq;
    c->s.ram[CMOS_REG_A] = 0x26;
    c->s.ram[CMOS_REG_B] = CMOS_B_24H;
    c->s.ram[CMOS_REG_D] = CMOS_D_VRT;
    c->s.seen_ns = vclock_now(&clock);
    time_to_ram(c, guest_seconds(c, c->s.seen_ns));
}

void cmos_reset(struct cmos *c)
{
    c->s.ram[CMOS_REG_B] &= (u8)~(CMOS_B_PIE | CMOS_B_AIE | CMOS_B_UIE | CMOS_B_SQWE);
    c->s.ram[CMOS_REG_C] = 0;
    irq_set(&c->irq, 0);
}

int cmos_register(struct cmos *c, struct iomap *ports, u64 base, char *err, size_t errlen)
{
    return iomap_add_device(ports, base, 2, "cmos-rtc", c, cmos_port_read, cmos_port_write,
                            IOMAP_W8, err, errlen);
}

bool cmos_nmi_masked(const struct cmos *c)
{
    return c->s.nmi_masked;
}

void cmos_set_byte(struct cmos *c, u8 index, u8 value)
{
    if (index >= 0x0e && index < CMOS_SIZE && index != CMOS_CENTURY)
        c->s.ram[index] = value;
}

void cmos_set_memory_size(struct cmos *c, u64 below_4g, u64 above_4g)
{
    u8 *r = c->s.ram;
    u64 base_kib = below_4g >= 640 * 1024 ? 640 : below_4g / 1024;
    r[0x15] = (u8)base_kib, r[0x16] = (u8)(base_kib >> 8);
    u64 ext = below_4g > 1024 * 1024 ? (below_4g - 1024 * 1024) / 1024 : 0;
    if (ext > 65535)
        ext = 65535;
    r[0x17] = r[0x30] = (u8)ext;
    r[0x18] = r[0x31] = (u8)(ext >> 8);
    u64 ext16 = below_4g > 16 * 1024 * 1024 ? (below_4g - 16 * 1024 * 1024) / 65536 : 0;
    if (ext16 > 65535)
        ext16 = 65535;
    r[0x34] = (u8)ext16, r[0x35] = (u8)(ext16 >> 8);
    u64 high = above_4g / 65536;
    r[0x5b] = (u8)high, r[0x5c] = (u8)(high >> 8), r[0x5d] = (u8)(high >> 16);
}
