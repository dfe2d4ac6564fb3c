/* debugger/rsp.c — gdb remote protocol framing and hex. */
#include "debugger/rsp.h"

#include <string.h>

u8 rsp_checksum(const char *p, size_t n)
{
    u8 s = 0;
    for (size_t i = 0; i < n; i++)
        s += (u8)p[i];
    return s;
}

static const char hexdig[] = "0123456789abcdef";

size_t rsp_frame(char *out, size_t cap, const char *payload, size_t n)
{
    size_t o = 0;
    u8 sum = 0;
    if (cap < 5)
        return 0;
    out[o++] = '$';
    for (size_t i = 0; i < n; i++) {
        char ch = payload[i];
        if (ch == '$' || ch == '#' || ch == '}' || ch == '*') {
            if (o + 2 > cap - 4)
                return 0;
            out[o++] = '}';
            sum += '}';
            ch ^= 0x20;
        } else if (o + 1 > cap - 4) {
            return 0;
        }
        out[o++] = ch;
        sum += (u8)ch;
    }
    out[o++] = '#';
    out[o++] = hexdig[sum >> 4];
    out[o++] = hexdig[sum & 15];
    out[o] = 0;
    return o;
}

int hex_nibble(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

enum rsp_event rsp_feed(struct rsp_decoder *d, u8 b)
{
    int h;
    switch (d->state) {
    case 0:
        if (b == '$') {
            d->state = 1;
            d->len = 0;
            d->sum = 0;
            d->overflow = false;
            return RSP_NONE;
        }
        return b == 3 ? RSP_INTERRUPT : b == '+' ? RSP_ACK : b == '-' ? RSP_NAK : RSP_NONE;
    case 1:
    case 2:
        if (b == '#' && d->state == 1) {
            d->state = 3;
            return RSP_NONE;
        }
        if (b == '$') {   /* a new packet inside a broken one: start over */
            d->len = 0;
            d->sum = 0;
            d->overflow = false;
            d->state = 1;
            return RSP_NONE;
        }
        d->sum += b;
        if (d->state == 1 && b == '}') {
            d->state = 2;
            return RSP_NONE;
        }
        if (d->state == 2) {
            b ^= 0x20;
            d->state = 1;
        }
        if (d->len < RSP_MAX)
            d->buf[d->len++] = (char)b;
        else
            d->overflow = true;
        return RSP_NONE;
    case 3:
        h = hex_nibble((char)b);
        d->cks = (u8)(h < 0 ? 0 : h << 4);
        d->state = h < 0 ? 0 : 4;
        return h < 0 ? RSP_BAD : RSP_NONE;
    default:
        h = hex_nibble((char)b);
        d->state = 0;
        d->buf[d->len] = 0;
        if (h < 0 || (u8)(d->cks | h) != d->sum || d->overflow)
            return RSP_BAD;
        return RSP_PACKET;
    }
}

void hex_encode(char *out, const void *in, size_t n)
{
    const u8 *p = in;
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hexdig[p[i] >> 4];
        out[2 * i + 1] = hexdig[p[i] & 15];
    }
    out[2 * n] = 0;
}

int hex_decode(const char *s, void *out, size_t n)
{
    u8 *p = out;
    for (size_t i = 0; i < n; i++) {
        int hi = hex_nibble(s[2 * i]), lo = hi < 0 ? -1 : hex_nibble(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        p[i] = (u8)(hi << 4 | lo);
    }
    return 0;
}

bool hex_u64(const char **s, u64 *v)
{
    const char *p = *s;
    u64 n = 0;
    int digits = 0, h;
    while ((h = hex_nibble(*p)) >= 0) {
        if (++digits > 16)
            return false;
        n = n << 4 | (u64)h;
        p++;
    }
    if (!digits)
        return false;
    *s = p;
    *v = n;
    return true;
}
