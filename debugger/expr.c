/* debugger/expr.c — recursive-descent integer expressions. */
#include "debugger/expr.h"

#include <ctype.h>
#include <stdio.h>

struct ex {
    const char *p;
    expr_reg_fn *reg;
    void *opaque;
    char *err;
    size_t errlen;
    int depth;
};

static void skip(struct ex *x)
{
    while (*x->p == ' ' || *x->p == '\t')
        x->p++;
}

static int fail(struct ex *x, const char *what)
{
    snprintf(x->err, x->errlen, "%s at '%.20s'", what, x->p);
    return -1;
}

static int binary(struct ex *x, int level, u64 *v);

static int primary(struct ex *x, u64 *v)
{
    skip(x);
    if (++x->depth > 64)
        return fail(x, "expression too deep");
    int rc = 0;
    char ch = *x->p;
    if (ch == '(') {
        x->p++;
        if (binary(x, 0, v))
            return -1;
        skip(x);
        if (*x->p != ')')
            return fail(x, "missing ')'");
        x->p++;
    } else if (ch == '-' || ch == '~' || ch == '!' || ch == '+') {
        x->p++;
        if (primary(x, v))
            return -1;
        *v = ch == '-' ? -*v : ch == '~' ? ~*v : ch == '!' ? !*v : *v;
    } else if (ch == '$') {
        const char *n = ++x->p;
        while (isalnum((unsigned char)*x->p) || *x->p == '_')
            x->p++;
        if (x->p == n || !x->reg || !x->reg(x->opaque, n, (size_t)(x->p - n), v)) {
            x->p = n - 1;
            return fail(x, "unknown register");
        }
    } else if (isdigit((unsigned char)ch)) {
        unsigned base = 10;
        if (ch == '0' && (x->p[1] == 'x' || x->p[1] == 'X'))
            base = 16, x->p += 2;
        else if (ch == '0' && (x->p[1] == 'b' || x->p[1] == 'B'))
            base = 2, x->p += 2;
        u64 n = 0;
        unsigned digits = 0;
        for (;; x->p++, digits++) {
            int d = isdigit((unsigned char)*x->p) ? *x->p - '0'
                  : isxdigit((unsigned char)*x->p) ? (tolower((unsigned char)*x->p) - 'a' + 10) : 99;
            if (d >= (int)base)
                break;
            if (n > (UINT64_MAX - (u64)d) / base)
                return fail(x, "number too large");
            n = n * base + (u64)d;
        }
        if (!digits || isalnum((unsigned char)*x->p))
            return fail(x, "bad number");
        *v = n;
    } else {
        rc = fail(x, ch ? "expected a number or $register" : "expected a number or $register at end");
    }
    x->depth--;
    return rc;
}

/* Binary operators by level (C precedence, lowest first). */
static const char *const ops[][3] = {
    {"|"}, {"^"}, {"&"}, {"<<", ">>"}, {"+", "-"}, {"*", "/", "%"},
};

static int binary(struct ex *x, int level, u64 *v)
{
    if (level == (int)ARRAY_SIZE(ops))
        return primary(x, v);
    if (binary(x, level + 1, v))
        return -1;
    for (;;) {
        skip(x);
        const char *op = NULL;
        for (int i = 0; i < 3 && ops[level][i]; i++) {
            const char *o = ops[level][i];
            size_t l = o[1] ? 2 : 1;
            /* '|' and '&' are not '||' / '&&'; '<' alone is not an operator here. */
            if (x->p[0] == o[0] && (l == 1 || x->p[1] == o[1]) && !(l == 1 && (o[0] == '|' || o[0] == '&') && x->p[1] == o[0]))
                op = o;
        }
        if (!op)
            return 0;
        x->p += op[1] ? 2 : 1;
        u64 r;
        if (binary(x, level + 1, &r))
            return -1;
        switch (op[0]) {
        case '|': *v |= r; break;
        case '^': *v ^= r; break;
        case '&': *v &= r; break;
        case '<': *v = r >= 64 ? 0 : *v << r; break;
        case '>': *v = r >= 64 ? 0 : *v >> r; break;
        case '+': *v += r; break;
        case '-': *v -= r; break;
        case '*': *v *= r; break;
        case '/':
        case '%':
            if (!r)
                return fail(x, "division by zero");
            *v = op[0] == '/' ? *v / r : *v % r;
            break;
        }
    }
}

int expr_parse(const char **s, u64 *v, expr_reg_fn *reg, void *opaque, char *err, size_t errlen)
{
    struct ex x = {*s, reg, opaque, err, errlen, 0};
    if (binary(&x, 0, v))
        return -1;
    skip(&x);
    *s = x.p;
    return 0;
}
