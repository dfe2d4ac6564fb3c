/* base/irq.h — an interrupt line as a tiny value type: whoever owns the line's input
 * (PIC, IOAPIC, LAPIC LINTn) supplies the function; a device just calls irq_set(). */
#ifndef HVSIM_BASE_IRQ_H
#define HVSIM_BASE_IRQ_H

typedef void irq_set_fn(void *opaque, int n, int level);

struct irq_line {
    irq_set_fn *set;   /* NULL: not connected */
    void *opaque;
    int n;             /* input pin number at the receiver */
};

static inline void irq_set(const struct irq_line *l, int level)
{
    if (l->set)
        l->set(l->opaque, l->n, level);
}

#endif
