/* machine/multiboot.h — Multiboot-1 loading (Multiboot 0.6.96 spec) of ELF32, ELF64 and
 * a.out-kludge kernels, as QEMU's -kernel does it. Pure code: memory is reached through
 * struct mb_mem, and every error is one human-readable line. */
#ifndef HVSIM_MACHINE_MULTIBOOT_H
#define HVSIM_MACHINE_MULTIBOOT_H

#include "base/types.h"

struct mb_mem {
    void *opaque;
    /* Return non-zero if [pa, pa+len) is not RAM. */
    int (*write)(void *opaque, u64 pa, const void *src, u64 len);
    int (*zero)(void *opaque, u64 pa, u64 len);
};

struct mb_range {
    u64 base, len;
    u32 type;   /* 1 = RAM, 2 = reserved */
};

struct mb_module {
    const char *name;
    const u8 *data;
    u64 len;
};

struct mb_boot {
    u32 entry;    /* EIP */
    u32 mbi_pa;   /* EBX; EAX = 0x2BADB002 */
};

/* Load `image` (named `path`) and build the Multiboot info. Returns 0, or -1 with one line in
 * err naming the file and the problem. */
int mb_load(const u8 *image, u64 size, const char *path, const char *append,
            const struct mb_module *mods, unsigned nmods, const struct mb_range *map,
            unsigned nmap, const struct mb_mem *mem, struct mb_boot *out, char *err,
            size_t errlen) MUST_CHECK;

#endif
