/* guest/runtime/print.c — a small printf: %s %c %d %i %u %x %p %% with l/ll, width, '0'
 * (zero pad), '-' (left-justify) and '#' (0x prefix). Output is formatted into a buffer first
 * so a line reaches the serial port in one piece. */
#include "guest.h"

struct out {
    char *buf;
    size_t n, len;
};

static void put(struct out *o, char c)
{
    if (o->len + 1 < o->n)
        o->buf[o->len] = c;
    o->len++;
}

static void pad(struct out *o, int n)
{
    for (; n > 0; n--)
        put(o, ' ');
}

static void put_num(struct out *o, uint64_t v, unsigned base, bool neg, int width, bool zero, bool alt,
                    bool left)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    int len = n + neg + (alt ? 2 : 0);
    if (!zero && !left)
        pad(o, width - len);
    if (neg)
        put(o, '-');
    if (alt) {
        put(o, '0');
        put(o, 'x');
    }
    if (zero)
        for (; width > len; width--)
            put(o, '0');
    while (n)
        put(o, tmp[--n]);
    if (left)
        pad(o, width - len);
}

int guest_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
    struct out o = {buf, n, 0};
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            put(&o, *fmt);
            continue;
        }
        fmt++;
        bool alt = false, zero = false, left = false;
        int width = 0, longs = 0;
        for (;; fmt++) {
            if (*fmt == '#') alt = true;
            else if (*fmt == '0') zero = true;
            else if (*fmt == '-') left = true;
            else break;
        }
        if (left)
            zero = false;
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        while (*fmt == 'l') { longs++; fmt++; }
        if (!*fmt)   /* a lone '%' at the end: stop at the terminator, don't read past it */
            break;
        switch (*fmt) {
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            int len = (int)strlen(s);
            if (!left)
                pad(&o, width - len);
            while (*s)
                put(&o, *s++);
            if (left)
                pad(&o, width - len);
            break;
        }
        case 'c': put(&o, (char)va_arg(ap, int)); break;
        case 'd': case 'i': {
            int64_t v = longs ? va_arg(ap, int64_t) : va_arg(ap, int);
            put_num(&o, v < 0 ? -(uint64_t)v : (uint64_t)v, 10, v < 0, width, zero, false, left);
            break;
        }
        case 'u': put_num(&o, longs ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 10, false, width, zero, false, left); break;
        case 'x': put_num(&o, longs ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 16, false, width, zero, alt, left); break;
        case 'p': put_num(&o, (uint64_t)(uintptr_t)va_arg(ap, void *), 16, false, width, zero, true, left); break;
        case '%': put(&o, '%'); break;
        default: put(&o, '?'); break;
        }
    }
    if (n)
        buf[o.len < n ? o.len : n - 1] = 0;
    return (int)o.len;
}

int guest_printf(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = guest_vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    guest_puts(buf);
    return n;
}
