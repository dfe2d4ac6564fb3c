/* debugger/cmdtab.c — command name lookup by unique prefix. */
#include "debugger/cmdtab.h"

#include <ctype.h>
#include <string.h>

const struct dbg_cmd *cmdtab_lookup(const struct dbg_cmd_table *tabs, size_t ntabs, const char *word,
                                    size_t len, unsigned *ncand)
{
    const struct dbg_cmd *found = NULL;
    unsigned n = 0;
    *ncand = 0;
    if (!len)
        return NULL;
    for (size_t t = 0; t < ntabs; t++)
        for (size_t i = 0; i < tabs[t].n; i++) {
            const struct dbg_cmd *c = &tabs[t].cmds[i];
            if (strlen(c->name) == len && !memcmp(c->name, word, len)) {
                *ncand = 1;
                return c;
            }
        }
    for (size_t t = 0; t < ntabs; t++)
        for (size_t i = 0; i < tabs[t].n; i++) {
            const struct dbg_cmd *c = &tabs[t].cmds[i];
            if (!(c->flags & CMD_ALIAS) && !strncmp(c->name, word, len)) {
                if (!found || found->fn != c->fn)   /* two names of one command are not ambiguous */
                    n++;
                found = c;
            }
        }
    *ncand = n;
    return n == 1 ? found : NULL;
}

const char *cmdtab_word(const char *s, size_t *len, const char **rest)
{
    while (*s == ' ' || *s == '\t')
        s++;
    const char *e = s;
    while (isalnum((unsigned char)*e) || *e == '_' || *e == '-')
        e++;
    *len = (size_t)(e - s);
    while (*e == ' ' || *e == '\t')
        e++;
    *rest = e;
    return s;
}

const char *cmdtab_complete(const struct dbg_cmd_table *tabs, size_t ntabs, const char *prefix, unsigned i)
{
    size_t len = strlen(prefix);
    for (size_t t = 0; t < ntabs; t++)
        for (size_t k = 0; k < tabs[t].n; k++) {
            const struct dbg_cmd *c = &tabs[t].cmds[k];
            if (!(c->flags & CMD_ALIAS) && !strncmp(c->name, prefix, len) && i-- == 0)
                return c->name;
        }
    return NULL;
}
