/* debugger/xfmt.c — x/NFU parsing and unit formatting. */
#include "debugger/xfmt.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

int xfmt_parse(const char **s, struct xfmt *f, char *err, size_t errlen)
{
    const char *p = *s;
    f->count = 1;
    if (isdigit((unsigned char)*p)) {
        unsigned long n = 0;
        while (isdigit((unsigned char)*p)) {
            n = n * 10 + (unsigned)(*p++ - '0');
            if (n > 1u << 20) {
                snprintf(err, errlen, "count too large");
                return -1;
            }
        }
        f->count = (unsigned)n;
    }
    bool size_given = false;
    for (; isalpha((unsigned char)*p); p++) {
        switch (*p) {
        case 'b': f->size = 1; size_given = true; break;
        case 'h': f->size = 2; size_given = true; break;
        case 'w': f->size = 4; size_given = true; break;
        case 'g': f->size = 8; size_given = true; break;
        case 'x': case 'd': case 'u': case 'o': case 't': case 'a': case 'c': case 'f':
        case 's': case 'i':
            f->fmt = *p;
            break;
        default:
            snprintf(err, errlen, "undefined output format \"%c\"", *p);
            return -1;
        }
    }
    if (!size_given) {
        if (f->fmt == 'a')
            f->size = 8;
        else if (f->fmt == 'c')
            f->size = 1;
        else if (f->fmt == 'f' && f->size != 4 && f->size != 8)
            f->size = 8;
    }
    if (f->fmt == 'f' && f->size != 4 && f->size != 8) {
        snprintf(err, errlen, "floating-point format needs size w or g");
        return -1;
    }
    if (!f->size)
        f->size = 4;
    *s = p;
    return 0;
}

unsigned xfmt_per_line(const struct xfmt *f)
{
    if (f->fmt == 'c' || f->size == 1 || f->size == 2)
        return 8;
    return f->size == 4 ? 4 : 2;
}

void xfmt_value(char *buf, size_t n, char fmt, unsigned size, u64 v)
{
    unsigned bits = 8 * size;
    u64 mask = bits == 64 ? ~0ull : (1ull << bits) - 1;
    v &= mask;
    i64 sv = bits == 64 ? (i64)v : (v >> (bits - 1)) ? (i64)(v | ~mask) : (i64)v;
    switch (fmt) {
    case 'x':
        snprintf(buf, n, "0x%0*llx", (int)(2 * size), (unsigned long long)v);
        break;
    case 'd':
        snprintf(buf, n, "%lld", (long long)sv);
        break;
    case 'u':
        snprintf(buf, n, "%llu", (unsigned long long)v);
        break;
    case 'o':
        snprintf(buf, n, v ? "0%llo" : "0", (unsigned long long)v);
        break;
    case 't': {
        if (n <= bits) {
            snprintf(buf, n, "?");
            break;
        }
        for (unsigned i = 0; i < bits; i++)
            buf[i] = (v >> (bits - 1 - i)) & 1 ? '1' : '0';
        buf[bits] = 0;
        break;
    }
    case 'a':
        snprintf(buf, n, "0x%llx", (unsigned long long)v);
        break;
    case 'c': {
        int ch = (int)(i8)(u8)v;
        if (isprint(ch) && ch != '\'' && ch != '\\')
            snprintf(buf, n, "%d '%c'", ch, ch);
        else
            snprintf(buf, n, "%d '\\%03o'", ch, (unsigned)(u8)v);
        break;
    }
    case 'f':
        if (size == 4) {
            float fl;
            u32 w = (u32)v;
            memcpy(&fl, &w, 4);
            snprintf(buf, n, "%g", (double)fl);
        } else {
            double d;
            memcpy(&d, &v, 8);
            snprintf(buf, n, "%g", d);
        }
        break;
    default:
        snprintf(buf, n, "0x%llx", (unsigned long long)v);
        break;
    }
}
