/* devices/fwcfg.c — QEMU fw_cfg, legacy PIO. Behaviour matches QEMU hw/nvram/fw_cfg.c for the
 * x86 "comb" port pair: a 16-bit write at base selects; an 8-bit read at either port returns
 * the next data byte; 8-bit writes (the pre-2.4 data-write path) are ignored. */
#include "devices/fwcfg.h"

#include <stdlib.h>
#include <string.h>

static void fwcfg_put_be32(u8 *p, u32 v)
{
    p[0] = (u8)(v >> 24), p[1] = (u8)(v >> 16), p[2] = (u8)(v >> 8), p[3] = (u8)v;
}

static void fwcfg_put_be16(u8 *p, u16 v)
{
    p[0] = (u8)(v >> 8), p[1] = (u8)v;
}

/* Store a copy of data as item [arch][idx]. */
static int fwcfg_set_item(struct fwcfg *fw, int arch, unsigned idx, const void *data, u32 len)
{
    u8 *copy = malloc(len ? len : 1);
    if (!copy)
        return -1;
    if (len)
        memcpy(copy, data, len);
    free(fw->items[arch][idx].data);
    fw->items[arch][idx] = (struct fwcfg_item){.data = copy, .len = len};
    return 0;
}

/* Rebuild the directory item from the file items and names, in key order. */
static int fwcfg_build_dir(struct fwcfg *fw)
{
    u32 len = 4 + fw->nfiles * (u32)sizeof(struct fwcfg_file);
    u8 *dir = calloc(1, len);
    if (!dir)
        return -1;
    fwcfg_put_be32(dir, fw->nfiles);
    for (unsigned i = 0; i < fw->nfiles; i++) {
        u8 *e = dir + 4 + i * sizeof(struct fwcfg_file);
        fwcfg_put_be32(e + offsetof(struct fwcfg_file, size_be),
                       fw->items[0][FWCFG_FILE_FIRST + i].len);
        fwcfg_put_be16(e + offsetof(struct fwcfg_file, select_be), (u16)(FWCFG_FILE_FIRST + i));
        memcpy(e + offsetof(struct fwcfg_file, name), fw->file_names[i], FWCFG_FILE_NAME_MAX);
    }
    free(fw->items[0][FWCFG_FILE_DIR].data);
    fw->items[0][FWCFG_FILE_DIR] = (struct fwcfg_item){.data = dir, .len = len};
    return 0;
}

int fwcfg_init(struct fwcfg *fw, const struct log *log, u16 nb_cpus, u64 ram_size)
{
    memset(fw, 0, sizeof(*fw));
    fw->log = log;
    if (fwcfg_add_bytes(fw, FWCFG_SIGNATURE, "QEMU", 4) ||
        fwcfg_add_u32(fw, FWCFG_ID, 1) ||   /* bit 0: traditional interface; no DMA (bit 1) */
        fwcfg_add_u64(fw, FWCFG_RAM_SIZE, ram_size) ||
        fwcfg_add_u16(fw, FWCFG_NB_CPUS, nb_cpus) ||
        fwcfg_add_u16(fw, FWCFG_MAX_CPUS, nb_cpus) ||
        fwcfg_add_u64(fw, FWCFG_MAX_RAM, 0) ||
        fwcfg_build_dir(fw))
        return -1;
    fwcfg_reset(fw);
    return 0;
}

void fwcfg_destroy(struct fwcfg *fw)
{
    for (int arch = 0; arch < 2; arch++)
        for (unsigned i = 0; i < FWCFG_MAX_ENTRY; i++) {
            free(fw->items[arch][i].data);
            fw->items[arch][i] = (struct fwcfg_item){0};
        }
    fw->nfiles = 0;
}

/* Select `key`: offset back to 0; keys beyond the table select nothing (reads give 0). */
static void fwcfg_select(struct fwcfg *fw, u16 key)
{
    fw->s.key = key;
    fw->s.offset = 0;
    fw->s.valid = (key & FWCFG_ENTRY_MASK) < FWCFG_MAX_ENTRY;
}

void fwcfg_reset(struct fwcfg *fw)
{
    fwcfg_select(fw, FWCFG_SIGNATURE);
}

int fwcfg_add_bytes(struct fwcfg *fw, u16 key, const void *data, u32 len)
{
    unsigned idx = key & FWCFG_ENTRY_MASK;
    if ((key & FWCFG_WRITE_CHANNEL) || idx >= FWCFG_FILE_FIRST || idx == FWCFG_FILE_DIR)
        return -1;
    return fwcfg_set_item(fw, !!(key & FWCFG_ARCH_LOCAL), idx, data, len);
}

int fwcfg_add_u16(struct fwcfg *fw, u16 key, u16 value)
{
    u8 b[2] = {(u8)value, (u8)(value >> 8)};
    return fwcfg_add_bytes(fw, key, b, sizeof(b));
}

int fwcfg_add_u32(struct fwcfg *fw, u16 key, u32 value)
{
    u8 b[4];
    for (unsigned i = 0; i < 4; i++)
        b[i] = (u8)(value >> (8 * i));
    return fwcfg_add_bytes(fw, key, b, sizeof(b));
}

int fwcfg_add_u64(struct fwcfg *fw, u16 key, u64 value)
{
    u8 b[8];
    for (unsigned i = 0; i < 8; i++)
        b[i] = (u8)(value >> (8 * i));
    return fwcfg_add_bytes(fw, key, b, sizeof(b));
}

int fwcfg_add_file(struct fwcfg *fw, const char *name, const void *data, u32 len)
{
    size_t n = strlen(name);
    if (n == 0 || n >= FWCFG_FILE_NAME_MAX || fw->nfiles >= FWCFG_FILE_SLOTS)
        return -1;
    for (unsigned i = 0; i < fw->nfiles; i++)
        if (!strcmp(fw->file_names[i], name))
            return -1;
    unsigned slot = fw->nfiles;
    if (fwcfg_set_item(fw, 0, FWCFG_FILE_FIRST + slot, data, len))
        return -1;
    memset(fw->file_names[slot], 0, FWCFG_FILE_NAME_MAX);
    memcpy(fw->file_names[slot], name, n);
    fw->nfiles++;
    if (fwcfg_build_dir(fw)) {
        fw->nfiles--;
        free(fw->items[0][FWCFG_FILE_FIRST + slot].data);
        fw->items[0][FWCFG_FILE_FIRST + slot] = (struct fwcfg_item){0};
        return -1;
    }
    return 0;
}

static u8 fwcfg_read_byte(struct fwcfg *fw)
{
    if (!fw->s.valid)
        return 0;
    const struct fwcfg_item *it =
        &fw->items[!!(fw->s.key & FWCFG_ARCH_LOCAL)][fw->s.key & FWCFG_ENTRY_MASK];
    if (!it->data || fw->s.offset >= it->len)
        return 0;
    return it->data[fw->s.offset++];
}

static u64 fwcfg_read(void *opaque, u64 off, unsigned size)
{
    struct fwcfg *fw = opaque;
    if (size != 1) {
        log_printf(fw->log, LOG_GUEST_ERRORS, "fw_cfg: %u-byte read of port base+%u rejected",
                   size, (unsigned)off);
        return 0xffff;
    }
    return fwcfg_read_byte(fw);
}

static void fwcfg_write(void *opaque, u64 off, u64 v, unsigned size)
{
    struct fwcfg *fw = opaque;
    if (size == 2 && off == 0)
        fwcfg_select(fw, (u16)v);
    else
        log_printf(fw->log, LOG_GUEST_ERRORS,
                   "fw_cfg: %u-byte write 0x%llx to port base+%u ignored (data writes are "
                   "not supported)", size, (unsigned long long)v, (unsigned)off);
}

int fwcfg_register(struct fwcfg *fw, struct iomap *ports, u64 base, char *err, size_t errlen)
{
    return iomap_add_device(ports, base, 2, "fw_cfg", fw, fwcfg_read, fwcfg_write,
                            IOMAP_W8 | IOMAP_W16, err, errlen);
}
