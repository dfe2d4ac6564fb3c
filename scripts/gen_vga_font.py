#!/usr/bin/env python3
"""Generate devices/vga_font.c: the 256 code-page-437 glyphs of hvsim's VGA text mode, 9x16
cells, from the public-domain X11 "misc-fixed" 9x15 font (Debian package xfonts-base, file
/usr/share/fonts/X11/misc/9x15.pcf.gz, ISO 10646 encoded; its COPYING in font-misc-misc says
"Public domain font.  Share and enjoy.").

Usage: scripts/gen_vga_font.py [path/to/9x15.pcf.gz] > devices/vga_font.c
  Without a path it uses the installed font, or extracts it from `apt-get download xfonts-base`
  into a temporary directory.

Each glyph is placed with the font's baseline on row 12 of the 16-row cell (the 15 font rows
are rows 0-14); row 15 repeats row 14 for box-drawing and block characters (U+2500-U+259F) so
vertical lines join between text rows, and is blank otherwise. Code points the font lacks are
drawn as an empty cell. Each row is a u16 whose bit 8 is the leftmost of the 9 pixels.
"""
import gzip
import os
import struct
import subprocess
import sys
import tempfile

PCF_ACCELERATORS = 1 << 1
PCF_METRICS = 1 << 2
PCF_BITMAPS = 1 << 3
PCF_BDF_ENCODINGS = 1 << 5
PCF_BDF_ACCELERATORS = 1 << 8

# CP437 0x00-0x1f and 0x7f: the graphic characters a VGA ROM font shows there.
LOW = ("\u0020\u263a\u263b\u2665\u2666\u2663\u2660\u2022\u25d8\u25cb\u25d9\u2642\u2640\u266a\u266b\u263c"
       "\u25ba\u25c4\u2195\u203c\u00b6\u00a7\u25ac\u21a8\u2191\u2193\u2192\u2190\u221f\u2194\u25b2\u25bc")


def cp437(code):
    if code < 0x20:
        return ord(LOW[code])
    if code == 0x7f:
        return 0x2302
    return ord(bytes([code]).decode("cp437"))


class Pcf:
    def __init__(self, data):
        if data[:4] != b"\x01fcp":
            raise SystemExit("not a PCF font")
        (count,) = struct.unpack_from("<i", data, 4)
        self.data = data
        self.tables = {}
        for i in range(count):
            t, fmt, size, off = struct.unpack_from("<iiii", data, 8 + 16 * i)
            self.tables[t] = (fmt, off)

    def table(self, kind):
        fmt, off = self.tables[kind]
        (fmt2,) = struct.unpack_from("<i", self.data, off)
        big = ">" if fmt2 & 4 else "<"
        return fmt2, off + 4, big

    def metrics(self):
        fmt, p, e = self.table(PCF_METRICS)
        out = []
        if fmt & 0x100:   # compressed: five unsigned bytes, each biased by 0x80
            (n,) = struct.unpack_from(e + "h", self.data, p)
            p += 2
            for i in range(n):
                lsb, rsb, w, asc, desc = (b - 0x80 for b in self.data[p + 5 * i:p + 5 * i + 5])
                out.append((lsb, rsb, w, asc, desc))
        else:
            (n,) = struct.unpack_from(e + "i", self.data, p)
            p += 4
            for i in range(n):
                lsb, rsb, w, asc, desc, _ = struct.unpack_from(e + "hhhhhH", self.data, p + 12 * i)
                out.append((lsb, rsb, w, asc, desc))
        return out

    def bitmaps(self):
        fmt, p, e = self.table(PCF_BITMAPS)
        (n,) = struct.unpack_from(e + "i", self.data, p)
        offs = struct.unpack_from(e + "%di" % n, self.data, p + 4)
        sizes = struct.unpack_from(e + "4i", self.data, p + 4 + 4 * n)
        base = p + 4 + 4 * n + 16
        pad = 1 << (fmt & 3)
        msbit = bool(fmt & 8)
        return [base + o for o in offs], pad, msbit, sizes

    def encodings(self):
        fmt, p, e = self.table(PCF_BDF_ENCODINGS)
        min2, max2, min1, max1, _ = struct.unpack_from(e + "5h", self.data, p)
        n = (max2 - min2 + 1) * (max1 - min1 + 1)
        idx = struct.unpack_from(e + "%dH" % n, self.data, p + 10)
        enc = {}
        for b1 in range(min1, max1 + 1):
            for b2 in range(min2, max2 + 1):
                g = idx[(b1 - min1) * (max2 - min2 + 1) + (b2 - min2)]
                if g != 0xffff:
                    enc[(b1 << 8) | b2] = g
        return enc

    def ascent(self):
        kind = PCF_BDF_ACCELERATORS if PCF_BDF_ACCELERATORS in self.tables else PCF_ACCELERATORS
        fmt, p, e = self.table(kind)
        asc, desc = struct.unpack_from(e + "ii", self.data, p + 8)
        return asc, desc


def glyph_rows(pcf, metrics, bm, g, ascent):
    offs, pad, msbit, _ = bm
    lsb, rsb, _w, asc, desc = metrics[g]
    width = rsb - lsb
    stride = ((width + 7) // 8 + pad - 1) // pad * pad
    rows = [0] * 16
    for r in range(asc + desc):
        y = ascent - asc + r
        line = pcf.data[offs[g] + r * stride:offs[g] + (r + 1) * stride]
        for x in range(width):
            byte = line[x // 8]
            bit = (byte >> (7 - x % 8)) & 1 if msbit else (byte >> (x % 8)) & 1
            cx = lsb + x
            if bit and 0 <= y < 16 and 0 <= cx < 9:
                rows[y] |= 1 << (8 - cx)
    return rows


def load_font(path):
    if path:
        return gzip.open(path).read()
    sysfont = "/usr/share/fonts/X11/misc/9x15.pcf.gz"
    if os.path.exists(sysfont):
        return gzip.open(sysfont).read()
    with tempfile.TemporaryDirectory() as d:
        subprocess.run(["apt-get", "download", "xfonts-base"], cwd=d, check=True,
                       stdout=subprocess.DEVNULL)
        deb = [f for f in os.listdir(d) if f.endswith(".deb")][0]
        subprocess.run(["dpkg-deb", "-x", deb, "x"], cwd=d, check=True)
        return gzip.open(os.path.join(d, "x", sysfont.lstrip("/"))).read()


def main():
    pcf = Pcf(load_font(sys.argv[1] if len(sys.argv) > 1 else None))
    metrics, bm, enc = pcf.metrics(), pcf.bitmaps(), pcf.encodings()
    ascent, descent = pcf.ascent()
    if ascent + descent != 15:
        raise SystemExit("expected the 9x15 font (ascent + descent = 15)")
    out = []
    missing = []
    for code in range(256):
        u = cp437(code)
        g = enc.get(u)
        if g is None or code in (0x00, 0x20, 0xff):
            rows = [0] * 16
            if g is None and code not in (0x00, 0x20, 0xff):
                missing.append("%02x" % code)
        else:
            rows = glyph_rows(pcf, metrics, bm, g, ascent)
            if 0x2500 <= u <= 0x259f:
                rows[15] = rows[14]
        out.append((code, u, rows))
    print("/* devices/vga_font.c — GENERATED by scripts/gen_vga_font.py; do not edit.")
    print(" *")
    print(" * The VGA text-mode font of hvsim: code page 437 in 9x16 cells, converted from the X11")
    print(" * \"misc-fixed\" 9x15 font (-Misc-Fixed-Medium-R-Normal--15-140-75-75-C-90-ISO10646-1,")
    print(" * Debian package xfonts-base, 9x15.pcf.gz). License of that font (font-misc-misc COPYING):")
    print(" * \"Public domain font.  Share and enjoy.\" This table is public domain as well.")
    print(" * Rows: bit 8 is the leftmost pixel; baseline on row 12; row 15 extends box drawing.")
    if missing:
        print(" * Code points the source font lacks (drawn empty): %s." % " ".join(missing))
    print(" */")
    print('#include "devices/vga_font.h"')
    print()
    print("const u16 vga_font_9x16[256][16] = {")
    for code, u, rows in out:
        print("    [0x%02x] = {%s}, /* U+%04X */" % (code, ", ".join("0x%03x" % r for r in rows), u))
    print("};")


if __name__ == "__main__":
    main()
