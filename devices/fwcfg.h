/* devices/fwcfg.h — QEMU's firmware configuration device, legacy I/O-port interface
 * (QEMU docs/specs/fw_cfg.rst): a 16-bit selector write at base (0x510), then byte reads of
 * the selected item from base+1 (0x511), auto-incrementing; past the end, reads return 0.
 * No DMA interface (the ID item advertises only the traditional interface).
 *
 * Items are configuration, built by the machine before the guest runs; the guest-visible
 * state is just the selector and offset (struct fwcfg_state). Integers are stored
 * little-endian, the file directory big-endian, as QEMU does. */
#ifndef HVSIM_DEVICES_FWCFG_H
#define HVSIM_DEVICES_FWCFG_H

#include "base/iomap.h"
#include "base/log.h"

enum {
    FWCFG_PORT = 0x510,
    FWCFG_SIGNATURE = 0x0000,   /* "QEMU" */
    FWCFG_ID = 0x0001,          /* feature bitmap, u32: bit 0 traditional interface, bit 1 DMA */
    FWCFG_RAM_SIZE = 0x0003,    /* u64 */
    FWCFG_NB_CPUS = 0x0005,     /* u16 */
    FWCFG_MAX_CPUS = 0x000f,    /* u16 */
    FWCFG_MAX_RAM = 0x0011,     /* u64; 0 = no limit */
    FWCFG_FILE_DIR = 0x0019,    /* BE32 count, then struct fwcfg_file entries */
    FWCFG_FILE_FIRST = 0x0020,
    FWCFG_FILE_SLOTS = 0x0020,
    FWCFG_MAX_ENTRY = FWCFG_FILE_FIRST + FWCFG_FILE_SLOTS,
    FWCFG_WRITE_CHANNEL = 0x4000,
    FWCFG_ARCH_LOCAL = 0x8000,  /* x86: 0x8000 ACPI tables ... 0x8003 E820 */
    FWCFG_ENTRY_MASK = 0x3fff,
    FWCFG_FILE_NAME_MAX = 56,   /* including the terminating NUL */
};

/* One file-directory entry as the guest sees it (QEMU struct FWCfgFile). */
struct fwcfg_file {
    u32 size_be;
    u16 select_be;
    u16 reserved;
    char name[FWCFG_FILE_NAME_MAX];
};
_Static_assert(sizeof(struct fwcfg_file) == 64, "fw_cfg directory entry is 64 bytes");

struct fwcfg_item {
    u8 *data;      /* owned (malloc), NULL = no item */
    u32 len;
};

/* Guest-visible state; no pointers. */
struct fwcfg_state {
    u16 key;       /* selector as written */
    bool valid;    /* key names an entry slot */
    u32 offset;
};

struct fwcfg {
    struct fwcfg_state s;
    struct fwcfg_item items[2][FWCFG_MAX_ENTRY];   /* [0] generic, [1] arch-local */
    char file_names[FWCFG_FILE_SLOTS][FWCFG_FILE_NAME_MAX];
    unsigned nfiles;
    const struct log *log;
};

/* Construct with the signature, ID (= 1: traditional interface, no DMA), NB_CPUS and
 * MAX_CPUS (= nb_cpus), RAM_SIZE, MAX_RAM (= 0) and an empty file directory. `log` must not be
 * NULL. Returns 0, or -1 when out of memory (the device is then safe to destroy). */
int fwcfg_init(struct fwcfg *fw, const struct log *log, u16 nb_cpus, u64 ram_size) MUST_CHECK;

/* Free every item. */
void fwcfg_destroy(struct fwcfg *fw);

/* Reset the guest-visible state: the signature item selected, offset 0 (as QEMU does). */
void fwcfg_reset(struct fwcfg *fw);

/* Register the selector/data pair (2 ports) at `base`. Returns 0, or -1 with a message. */
int fwcfg_register(struct fwcfg *fw, struct iomap *ports, u64 base, char *err,
                   size_t errlen) MUST_CHECK;

/* Set item `key` (FWCFG_ARCH_LOCAL allowed; below FWCFG_FILE_FIRST after masking, as files
 * and the directory have their own API) to a copy of data[0..len), replacing any previous
 * value. Returns 0, or -1 for a bad key or when out of memory. */
int fwcfg_add_bytes(struct fwcfg *fw, u16 key, const void *data, u32 len) MUST_CHECK;

/* Convenience: a little-endian integer item. Same contract as fwcfg_add_bytes. */
int fwcfg_add_u16(struct fwcfg *fw, u16 key, u16 value) MUST_CHECK;
int fwcfg_add_u32(struct fwcfg *fw, u16 key, u32 value) MUST_CHECK;
int fwcfg_add_u64(struct fwcfg *fw, u16 key, u64 value) MUST_CHECK;

/* Add a named file (name up to 55 bytes, unique) with a copy of data[0..len): it gets the next
 * key from FWCFG_FILE_FIRST up and an entry, in insertion order, in the directory item 0x19.
 * Returns 0, or -1 for a bad or duplicate name, a full directory, or out of memory. */
int fwcfg_add_file(struct fwcfg *fw, const char *name, const void *data, u32 len) MUST_CHECK;

#endif
