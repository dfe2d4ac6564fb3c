/* debugger/rsp.h — the gdb remote serial protocol's framing: $payload#checksum with '}'
 * escapes, acks, and the out-of-band Ctrl-C byte; plus hex helpers. Pure: no sockets. */
#ifndef HVSIM_DEBUGGER_RSP_H
#define HVSIM_DEBUGGER_RSP_H

#include <stdbool.h>
#include <stddef.h>

#include "base/types.h"

#define RSP_MAX 16384   /* largest payload accepted (we advertise PacketSize=4000) */

/* Sum of the bytes mod 256. */
u8 rsp_checksum(const char *p, size_t n);

/* Frame payload as $...#xx into out, escaping $ # } * as '}' + (byte ^ 0x20). Returns the
 * framed length (NUL-terminated), or 0 if it does not fit in cap. */
size_t rsp_frame(char *out, size_t cap, const char *payload, size_t n);

enum rsp_event {
    RSP_NONE,        /* need more bytes */
    RSP_PACKET,      /* a packet with a good checksum: d->buf[0..d->len), NUL-terminated */
    RSP_BAD,         /* a packet with a bad checksum, bad digits or too long: answer '-' */
    RSP_INTERRUPT,   /* the raw 0x03 byte outside a packet */
    RSP_ACK,         /* '+' */
    RSP_NAK,         /* '-': resend */
};

struct rsp_decoder {
    int state;       /* 0 outside, 1 payload, 2 after '}', 3/4 checksum digits */
    char buf[RSP_MAX + 1];
    size_t len;
    u8 sum, cks;
    bool overflow;
};

/* Feed one received byte. Stray bytes outside a packet are ignored. */
enum rsp_event rsp_feed(struct rsp_decoder *d, u8 byte);

/* Hex digit value, or -1. */
int hex_nibble(char c);
/* n bytes into 2n hex digits (lower case) + NUL. */
void hex_encode(char *out, const void *in, size_t n);
/* 2n hex digits into n bytes; -1 on a non-hex digit. */
int hex_decode(const char *s, void *out, size_t n);
/* A hex number at *s (at least one digit, at most 16); advance *s. false if none. */
bool hex_u64(const char **s, u64 *v);

#endif
