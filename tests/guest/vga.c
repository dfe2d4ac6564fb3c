/* Guest test: VGA text mode as a firmware-less kernel uses it — the text buffer at 0xb8000
 * (plain stores, string stores, read-back), the rest of the 0xa0000-0xbffff window, the CRTC
 * cursor and start-address registers through 0x3d4/0x3d5 (8- and 16-bit writes), the misc
 * output register, input status 1 retrace polling and the attribute controller flip-flop. */
#include "guest.h"

#define TEXT ((volatile uint16_t *)0xb8000)

static uint8_t crtc_read(uint8_t reg)
{
    outb(0x3d4, reg);
    return inb(0x3d5);
}

static void test_text_buffer(void)
{
    for (unsigned i = 0; i < 80 * 25; i++)
        TEXT[i] = (uint16_t)(((i & 0x7f) << 8) | (uint8_t)('A' + i % 26));
    bool ok = true;
    for (unsigned i = 0; i < 80 * 25; i++)
        ok &= TEXT[i] == (uint16_t)(((i & 0x7f) << 8) | (uint8_t)('A' + i % 26));
    report(ok, "80x25 cells written and read back at 0xb8000");
    /* String store (REP STOSW) over a row, then the last byte of the 32 KiB text area. */
    uint16_t fill = 0x1f20;
    void *dst = (void *)(0xb8000 + 160 * 24);
    unsigned long n = 80;
    __asm__ volatile("rep stosw" : "+D"(dst), "+c"(n) : "a"(fill) : "memory");
    report(TEXT[24 * 80] == 0x1f20 && TEXT[24 * 80 + 79] == 0x1f20 && TEXT[23 * 80 + 79] != 0x1f20,
           "REP STOSW fills one row");
    *(volatile uint8_t *)0xbffff = 0x5a;
    *(volatile uint32_t *)0xa0000 = 0x12345678;
    report(*(volatile uint8_t *)0xbffff == 0x5a && *(volatile uint32_t *)0xa0000 == 0x12345678,
           "0xa0000 and 0xbffff (VGA window) read back");
}

static void test_crtc(void)
{
    report(inb(0x3cc) == 0x67, "misc output reads 0x67 (colour, mode 3)");
    report(crtc_read(0x0a) == 0x0d && crtc_read(0x0b) == 0x0e, "cursor scan lines 13-14 after reset");
    outb(0x3d4, 0x0e);
    outb(0x3d5, 0x03);
    outb(0x3d4, 0x0f);
    outb(0x3d5, 0x21);
    report(crtc_read(0x0e) == 0x03 && crtc_read(0x0f) == 0x21, "cursor location through 8-bit writes");
    outw(0x3d4, 0x070e);   /* index 0x0e, data 0x07 in one 16-bit write */
    outw(0x3d4, 0xd00f);
    report(crtc_read(0x0e) == 0x07 && crtc_read(0x0f) == 0xd0, "cursor location through 16-bit writes");
    outw(0x3d4, 0x500d);
    report(crtc_read(0x0c) == 0x00 && crtc_read(0x0d) == 0x50, "start address register");
    outw(0x3d4, 0x000d);
    report(inb(0x3d4) == 0x0d, "CRTC index reads back");
}

static void test_status_and_attr(void)
{
    /* The classic wait for the start of vertical retrace, bounded. */
    unsigned i = 0;
    while ((inb(0x3da) & 8) && i < 100)
        i++;
    while (!(inb(0x3da) & 8) && i < 200)
        i++;
    report(i < 200, "input status 1 bit 3 leaves and enters retrace (%u reads)", i);
    inb(0x3da);                 /* reset the flip-flop: next 0x3c0 write is an index */
    outb(0x3c0, 0x30);          /* attribute mode control, palette address source on */
    uint8_t mode = inb(0x3c1);
    outb(0x3c0, 0x04);          /* data: blink off */
    inb(0x3da);
    outb(0x3c0, 0x30);
    report(mode == 0x0c && inb(0x3c1) == 0x04, "attribute mode control %#x -> 0x04 through the flip-flop", mode);
    outb(0x3c0, mode);
}

int main(void)
{
    if (inb(0x3cc) == 0xff) {   /* no VGA (QEMU -nodefaults) */
        report_skip("no VGA at 0x3c0-0x3df");
        return report_summary();
    }
    test_text_buffer();
    test_crtc();
    test_status_and_attr();
    return report_summary();
}
