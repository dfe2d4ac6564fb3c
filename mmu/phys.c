#include "mmu/phys.h"

#include <stdlib.h>

int phys_init(struct phys *p, struct iomap *mem, pa_t limit)
{
    p->mem = mem;
    p->limit = (limit + 0xfff) & ~0xfffull;
    p->code = calloc(p->limit >> 12 ? p->limit >> 12 : 1, sizeof(*p->code));
    p->on_code_page = NULL;
    p->opaque = NULL;
    return p->code ? 0 : -1;
}

void phys_destroy(struct phys *p)
{
    free(p->code);
    p->code = NULL;
}

void phys_mark_code(struct phys *p, pa_t pa, unsigned len)
{
    if (pa >= p->limit || !len)
        return;
    struct code_page *cp = &p->code[pa >> 12];
    unsigned first = (pa & 0xfff) >> 6, last = ((pa & 0xfff) + len - 1) >> 6;
    if (last > 63)
        last = 63;
    bool was_clean = cp->chunks == 0;
    for (unsigned i = first; i <= last; i++)
        cp->chunks |= 1ull << i;
    if (was_clean && p->on_code_page)
        p->on_code_page(p->opaque, pa & ~0xfffull);
}
