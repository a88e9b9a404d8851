/* csvout.c -- RFC 4180 CSV writing and ';'-list handling of cells (csvout.h). */
#include "caascan/csvout.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

cs_err cs_strbuf_reserve(cs_strbuf *b, size_t extra)
{
    if (extra > SIZE_MAX / 2 - b->len)
        return CS_ENOMEM;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return CS_OK;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p)
        return CS_ENOMEM;
    b->data = p;
    b->cap = cap;
    return CS_OK;
}

cs_err cs_strbuf_append(cs_strbuf *b, const char *s, size_t n)
{
    if (cs_strbuf_reserve(b, n) != CS_OK)
        return CS_ENOMEM;
    if (n)
        memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return CS_OK;
}

cs_err cs_strbuf_puts(cs_strbuf *b, const char *s)
{
    return cs_strbuf_append(b, s, strlen(s));
}

cs_err cs_strbuf_printf(cs_strbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || cs_strbuf_reserve(b, (size_t)n) != CS_OK)
        return CS_ENOMEM;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return CS_OK;
}

void cs_strbuf_clear(cs_strbuf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void cs_strbuf_free(cs_strbuf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

bool cs_csv_needs_quotes(const char *s)
{
    return s[strcspn(s, ",\"\r\n")] != '\0';
}

cs_err cs_csv_append_field(cs_strbuf *b, const char *s)
{
    if (!cs_csv_needs_quotes(s))
        return cs_strbuf_puts(b, s);
    if (cs_strbuf_append(b, "\"", 1) != CS_OK)
        return CS_ENOMEM;
    const char *p = s;
    for (;;) {
        const char *q = strchr(p, '"');
        if (!q)
            break;
        /* Copy up to and including the quote, then double it. */
        if (cs_strbuf_append(b, p, (size_t)(q - p) + 1) != CS_OK ||
            cs_strbuf_append(b, "\"", 1) != CS_OK)
            return CS_ENOMEM;
        p = q + 1;
    }
    if (cs_strbuf_puts(b, p) != CS_OK || cs_strbuf_append(b, "\"", 1) != CS_OK)
        return CS_ENOMEM;
    return CS_OK;
}

cs_err cs_csv_append_row(cs_strbuf *b, const char *const *fields, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i && cs_strbuf_append(b, ",", 1) != CS_OK)
            return CS_ENOMEM;
        if (cs_csv_append_field(b, fields[i] ? fields[i] : "") != CS_OK)
            return CS_ENOMEM;
    }
    return cs_strbuf_append(b, "\r\n", 2);
}

bool cs_csv_formula_risk(const char *s)
{
    return s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL;
}

cs_err cs_csv_append_cell(cs_strbuf *b, const char *s, bool raw)
{
    if (raw || !cs_csv_formula_risk(s))
        return cs_csv_append_field(b, s);
    /* "'" + s, quoted whatever it holds, inner quotes doubled. */
    if (cs_strbuf_append(b, "\"'", 2) != CS_OK)
        return CS_ENOMEM;
    for (const char *p = s; *p; p++)
        if (cs_strbuf_append(b, p, 1) != CS_OK ||
            (*p == '"' && cs_strbuf_append(b, "\"", 1) != CS_OK))
            return CS_ENOMEM;
    return cs_strbuf_append(b, "\"", 1);
}

cs_err cs_csv_append_cells(cs_strbuf *b, const char *const *fields, size_t n, bool raw)
{
    for (size_t i = 0; i < n; i++) {
        if (i && cs_strbuf_append(b, ",", 1) != CS_OK)
            return CS_ENOMEM;
        if (cs_csv_append_cell(b, fields[i] ? fields[i] : "", raw) != CS_OK)
            return CS_ENOMEM;
    }
    return cs_strbuf_append(b, "\r\n", 2);
}

bool cs_list_next(const char *cell, size_t *pos, const char **item, size_t *len)
{
    size_t i = *pos;
    for (;;) {
        if (cell[i] == '\0') {
            *pos = i;
            return false;
        }
        while (cell[i] == ' ' || cell[i] == '\t')
            i++;
        size_t start = i;
        bool quoted = false;
        while (cell[i] != '\0' && (quoted || cell[i] != ';')) {
            if (cell[i] == '"')
                quoted = !quoted;
            else if (cell[i] == '\\' && quoted && cell[i + 1] != '\0')
                i++;
            i++;
        }
        size_t end = i;
        while (end > start && (cell[end - 1] == ' ' || cell[end - 1] == '\t'))
            end--;
        if (cell[i] == ';')
            i++;
        if (end > start) {
            *item = cell + start;
            *len = end - start;
            *pos = i;
            return true;
        }
    }
}

size_t cs_list_count(const char *cell)
{
    size_t pos = 0, n = 0, len;
    const char *item;
    while (cs_list_next(cell, &pos, &item, &len))
        n++;
    return n;
}

struct span {
    const char *p;
    size_t n;
};

static int span_cmp(const void *a, const void *b)
{
    const struct span *x = a, *y = b;
    size_t n = x->n < y->n ? x->n : y->n;
    int c = memcmp(x->p, y->p, n);
    if (c)
        return c;
    return (x->n > y->n) - (x->n < y->n);
}

static struct span *list_sorted(const char *cell, size_t *count)
{
    size_t n = cs_list_count(cell);
    struct span *v = calloc(n ? n : 1, sizeof(*v));
    if (!v)
        return NULL;
    size_t pos = 0, i = 0;
    while (i < n && cs_list_next(cell, &pos, &v[i].p, &v[i].n))
        i++;
    qsort(v, n, sizeof(*v), span_cmp);
    *count = n;
    return v;
}

bool cs_list_same_set(const char *a, const char *b)
{
    if (strcmp(a, b) == 0)
        return true;
    size_t na, nb;
    struct span *va = list_sorted(a, &na), *vb = list_sorted(b, &nb);
    bool same = va && vb && na == nb;
    for (size_t i = 0; same && i < na; i++)
        same = span_cmp(&va[i], &vb[i]) == 0;
    if (!va || !vb)
        same = false; /* out of memory: report a change rather than hide one */
    free(va);
    free(vb);
    return same;
}
