#include "machine/multiboot.h"

#include <stdio.h>
#include <string.h>

#define MB_MAGIC 0x1badb002u
#define MB_SEARCH 8192
#define MB_AREA_LO 0x9000ull        /* MBI, mmap, module list, strings */
#define MB_AREA_HI 0x20000ull
#define MB_MMAP 0x9000u
#define MB_INFO 0x9500u
#define MB_NAME 0x9600u
#define MB_MODS 0x9700u
#define MB_STRINGS 0xa000u

static u32 rd32(const u8 *p) { u32 v; memcpy(&v, p, 4); return v; }
static u16 rd16(const u8 *p) { u16 v; memcpy(&v, p, 2); return v; }
static u64 rd64(const u8 *p) { u64 v; memcpy(&v, p, 8); return v; }

/* [off, off+len) inside [0, size)? (overflow-safe) */
static bool in_file(u64 off, u64 len, u64 size)
{
    return off <= size && len <= size - off;
}

static int load_segment(const struct mb_mem *mem, const u8 *image, u64 size, u64 off, u64 filesz,
                        u64 memsz, u64 pa, const char *path, char *err, size_t errlen)
{
    if (filesz > memsz) {
        snprintf(err, errlen, "%s: segment at %#llx has file size larger than memory size", path,
                 (unsigned long long)pa);
        return -1;
    }
    if (!in_file(off, filesz, size)) {
        snprintf(err, errlen, "%s: segment at %#llx extends past the end of the file", path,
                 (unsigned long long)pa);
        return -1;
    }
    if (pa + memsz < pa || pa + memsz > (1ull << 32)) {
        snprintf(err, errlen, "%s: segment at %#llx+%#llx is outside loadable RAM", path,
                 (unsigned long long)pa, (unsigned long long)memsz);
        return -1;
    }
    if ((filesz && mem->write(mem->opaque, pa, image + off, filesz)) ||
        (memsz > filesz && mem->zero(mem->opaque, pa + filesz, memsz - filesz))) {
        snprintf(err, errlen, "%s: segment at %#llx+%#llx is outside RAM", path,
                 (unsigned long long)pa, (unsigned long long)memsz);
        return -1;
    }
    return 0;
}

/* Load the PT_LOAD segments of an ELF32 or ELF64 file; [*start, *end) spans them. */
static int load_elf(const u8 *img, u64 size, const char *path, const struct mb_mem *mem,
                    u32 *entry, u64 *start, u64 *end, char *err, size_t errlen)
{
    if (size < 52 || memcmp(img, "\x7f" "ELF", 4)) {
        snprintf(err, errlen, "%s: not an ELF file and no a.out kludge in its Multiboot header", path);
        return -1;
    }
    bool is64 = img[4] == 2;
    if ((img[4] != 1 && img[4] != 2) || img[5] != 1) {
        snprintf(err, errlen, "%s: unsupported ELF class or byte order", path);
        return -1;
    }
    u16 machine = rd16(img + 18);
    if ((!is64 && machine != 3) || (is64 && machine != 62)) {
        snprintf(err, errlen, "%s: ELF machine %u is not x86", path, machine);
        return -1;
    }
    u64 e_entry, phoff;
    u16 phentsize, phnum;
    if (is64) {
        if (size < 64) {
            snprintf(err, errlen, "%s: truncated ELF64 header", path);
            return -1;
        }
        e_entry = rd64(img + 24);
        phoff = rd64(img + 32);
        phentsize = rd16(img + 54);
        phnum = rd16(img + 56);
    } else {
        e_entry = rd32(img + 24);
        phoff = rd32(img + 28);
        phentsize = rd16(img + 42);
        phnum = rd16(img + 44);
    }
    if (phentsize < (is64 ? 56 : 32) || !in_file(phoff, (u64)phentsize * phnum, size)) {
        snprintf(err, errlen, "%s: program header table is outside the file", path);
        return -1;
    }
    if (e_entry >> 32) {
        snprintf(err, errlen, "%s: entry point %#llx is above 4 GiB", path, (unsigned long long)e_entry);
        return -1;
    }
    unsigned loaded = 0;
    *end = 0;
    *start = ~0ull;
    for (unsigned i = 0; i < phnum; i++) {
        const u8 *ph = img + phoff + (u64)i * phentsize;
        u32 type = rd32(ph);
        if (type != 1)
            continue;
        u64 off, pa, filesz, memsz;
        if (is64) {
            off = rd64(ph + 8); pa = rd64(ph + 24); filesz = rd64(ph + 32); memsz = rd64(ph + 40);
        } else {
            off = rd32(ph + 4); pa = rd32(ph + 12); filesz = rd32(ph + 16); memsz = rd32(ph + 20);
        }
        if (load_segment(mem, img, size, off, filesz, memsz, pa, path, err, errlen))
            return -1;
        if (pa + memsz > *end)
            *end = pa + memsz;
        if (memsz && pa < *start)
            *start = pa;
        loaded++;
    }
    if (!loaded) {
        snprintf(err, errlen, "%s: ELF file has no loadable segment", path);
        return -1;
    }
    *entry = (u32)e_entry;
    return 0;
}

int mb_load(const u8 *img, u64 size, const char *path, const char *append,
            const struct mb_module *mods, unsigned nmods, const struct mb_range *map,
            unsigned nmap, const struct mb_mem *mem, struct mb_boot *out, char *err, size_t errlen)
{
    /* The header: magic, flags, checksum, 4-byte aligned in the first 8 KiB. */
    u64 hdr = ~0ull;
    for (u64 off = 0; off + 12 <= size && off < MB_SEARCH; off += 4) {
        if (rd32(img + off) == MB_MAGIC && (u32)(rd32(img + off) + rd32(img + off + 4) + rd32(img + off + 8)) == 0) {
            hdr = off;
            break;
        }
    }
    if (hdr == ~0ull) {
        snprintf(err, errlen, "%s: not a Multiboot kernel (no valid header in the first %d bytes)", path, MB_SEARCH);
        return -1;
    }
    u32 flags = rd32(img + hdr + 4);
    if (flags & 0xfff8u) {
        snprintf(err, errlen, "%s: Multiboot header requests unsupported features (flags %#x)", path, flags);
        return -1;
    }
    u32 entry;
    u64 start, end;
    if (flags & (1u << 16)) {
        /* a.out kludge: header_addr load_addr load_end_addr bss_end_addr entry_addr */
        if (!in_file(hdr, 32, size)) {
            snprintf(err, errlen, "%s: truncated Multiboot a.out header", path);
            return -1;
        }
        u32 header_addr = rd32(img + hdr + 12), load_addr = rd32(img + hdr + 16);
        u32 load_end = rd32(img + hdr + 20), bss_end = rd32(img + hdr + 24);
        entry = rd32(img + hdr + 28);
        if (load_addr > header_addr || header_addr - load_addr > hdr) {
            snprintf(err, errlen, "%s: inconsistent Multiboot a.out addresses", path);
            return -1;
        }
        u64 foff = hdr - (header_addr - load_addr);
        u64 filesz = load_end ? (u64)load_end - load_addr : size - foff;
        if (load_end && load_end < load_addr) {
            snprintf(err, errlen, "%s: load_end_addr below load_addr", path);
            return -1;
        }
        u64 memsz = bss_end ? (u64)bss_end - load_addr : filesz;
        if (bss_end && bss_end < load_addr + filesz) {
            snprintf(err, errlen, "%s: bss_end_addr below load_end_addr", path);
            return -1;
        }
        if (load_segment(mem, img, size, foff, filesz, memsz, load_addr, path, err, errlen))
            return -1;
        start = load_addr;
        end = load_addr + memsz;
    } else if (load_elf(img, size, path, mem, &entry, &start, &end, err, errlen)) {
        return -1;
    }
    /* The information area normally sits at 0x9000; an image loaded over it (kvm-unit-tests'
       realmode.flat lives at 0x8000) moves it to the first page after the image, as QEMU
       places its Multiboot buffer after the kernel. */
    u64 delta = 0;
    if (start < MB_AREA_HI && end > MB_AREA_LO)
        delta = ((end + 0xfff) & ~0xfffull) - MB_AREA_LO;

    /* Multiboot info (spec §3.3). */
    u8 info[88] = {0};
    u32 mbflags = 1u << 0 | 1u << 1 | 1u << 2 | 1u << 3 | 1u << 6 | 1u << 9;
    u64 lower = 0, upper = 0;
    for (unsigned i = 0; i < nmap; i++) {
        if (map[i].type != 1)
            continue;
        if (map[i].base == 0)
            lower = map[i].len / 1024;
        if (map[i].base == 0x100000)
            upper = map[i].len / 1024;
    }
    if (lower > 640) lower = 640;
    if (upper > 0xffffffffull) upper = 0xffffffffull;
    u32 v;
#define PUT(off, val) (v = (u32)(val), memcpy(info + (off), &v, 4))
    PUT(0, mbflags);
    PUT(4, lower);
    PUT(8, upper);
    PUT(12, 0x8000ffffu);   /* boot_device, as QEMU */
    /* Strings: the command line as QEMU passes it ("<kernel> <append>"), module names. */
    u64 sp = MB_STRINGS + delta;
    char cmd[4096];
    int n = snprintf(cmd, sizeof cmd, "%s%s%s", path, append && *append ? " " : "", append ? append : "");
    if (n < 0 || (size_t)n >= sizeof cmd) {
        snprintf(err, errlen, "%s: command line too long", path);
        return -1;
    }
    if (mem->write(mem->opaque, sp, cmd, (u64)n + 1))
        goto noram;
    PUT(16, sp);
    sp += (u64)n + 1;
    /* Modules page-aligned after the image. */
    u64 mod_pa = delta ? MB_AREA_HI + delta : (end + 0xfff) & ~0xfffull;
    if (nmods > 16) {
        snprintf(err, errlen, "%s: too many modules", path);
        return -1;
    }
    for (unsigned i = 0; i < nmods; i++) {
        size_t nl = strlen(mods[i].name) + 1;
        if (sp + nl > MB_AREA_HI + delta || mem->write(mem->opaque, sp, mods[i].name, nl))
            goto noram;
        if (mod_pa + mods[i].len > (1ull << 32) ||
            (mods[i].len && mem->write(mem->opaque, mod_pa, mods[i].data, mods[i].len))) {
            snprintf(err, errlen, "%s: module %s does not fit in RAM below 4 GiB", path, mods[i].name);
            return -1;
        }
        u32 ent[4] = {(u32)mod_pa, (u32)(mod_pa + mods[i].len), (u32)sp, 0};
        if (mem->write(mem->opaque, MB_MODS + delta + 16 * i, ent, sizeof ent))
            goto noram;
        sp += nl;
        mod_pa = (mod_pa + mods[i].len + 0xfff) & ~0xfffull;
    }
    PUT(20, nmods);
    PUT(24, MB_MODS + delta);
    /* Memory map: {size=20, base, length, type}. */
    u8 ent[24];
    unsigned nm = nmap > 40 ? 40 : nmap;
    for (unsigned i = 0; i < nm; i++) {
        u32 s20 = 20;
        memcpy(ent, &s20, 4);
        memcpy(ent + 4, &map[i].base, 8);
        memcpy(ent + 12, &map[i].len, 8);
        memcpy(ent + 20, &map[i].type, 4);
        if (mem->write(mem->opaque, MB_MMAP + delta + 24 * i, ent, 24))
            goto noram;
    }
    PUT(44, 24 * nm);
    PUT(48, MB_MMAP + delta);
    if (mem->write(mem->opaque, MB_NAME + delta, "hvsim", 6))
        goto noram;
    PUT(64, MB_NAME + delta);
#undef PUT
    if (mem->write(mem->opaque, MB_INFO + delta, info, sizeof info))
        goto noram;
    out->entry = entry;
    out->mbi_pa = MB_INFO + delta;
    return 0;
noram:
    snprintf(err, errlen, "%s: no RAM for the Multiboot information at %#llx", path, MB_AREA_LO + delta);
    return -1;
}
