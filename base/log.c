#include "base/log.h"

#include <stdarg.h>
#include <string.h>

static const struct {
    const char *name;
    u32 bit;
} log_items[] = {
    {"int", LOG_INT},     {"cpu_reset", LOG_CPU_RESET},       {"unimp", LOG_UNIMP},
    {"io", LOG_IO},       {"guest_errors", LOG_GUEST_ERRORS}, {"vmx", LOG_VMX},
    {"svm", LOG_SVM},     {"exec", LOG_EXEC},                 {"mmu", LOG_MMU},
};

void log_printf(const struct log *l, enum log_item item, const char *fmt, ...)
{
    if (!(l->mask & item))
        return;
    FILE *f = l->out ? l->out : stderr;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fputc('\n', f);
}

int log_parse_items(const char *items, u32 *mask, char *err, size_t errlen)
{
    u32 m = 0;
    const char *p = items;
    while (*p) {
        size_t n = strcspn(p, ",");
        bool found = false;
        for (size_t i = 0; i < sizeof(log_items) / sizeof(log_items[0]); i++) {
            if (strlen(log_items[i].name) == n && !strncmp(log_items[i].name, p, n)) {
                m |= log_items[i].bit;
                found = true;
            }
        }
        if (!found) {
            snprintf(err, errlen, "%.*s", (int)n, p);
            return -1;
        }
        p += n;
        if (*p == ',')
            p++;
    }
    *mask = m;
    return 0;
}

const char *log_item_names(void)
{
    return "int, cpu_reset, unimp, io, guest_errors, vmx, svm, exec, mmu";
}
