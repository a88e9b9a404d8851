/* strmap.c -- a table from names to pointers (strmap.h). */
#include "caascan/strmap.h"
#include "caascan/hash.h"

#include <stdlib.h>
#include <string.h>

void **cs_strmap_slot(const struct cs_strmap *m, const char *key)
{
    if (!m->size)
        return NULL;
    for (struct cs_strmap_ent *e = m->b[cs_fnv1a64_str(key) & (m->size - 1)]; e; e = e->next)
        if (strcmp(e->key, key) == 0)
            return &e->val;
    return NULL;
}

void *cs_strmap_get(const struct cs_strmap *m, const char *key)
{
    void **v = cs_strmap_slot(m, key);
    return v ? *v : NULL;
}

cs_err cs_strmap_put(struct cs_strmap *m, const char *key, void *val)
{
    if (m->count + 1 > m->size / 2) {
        size_t nsize = m->size ? m->size * 2 : 256;
        struct cs_strmap_ent **nb = calloc(nsize, sizeof(*nb));
        if (!nb)
            return CS_ENOMEM;
        for (size_t i = 0; i < m->size; i++) {
            struct cs_strmap_ent *e = m->b[i], *next;
            for (; e; e = next) {
                next = e->next;
                size_t k = cs_fnv1a64_str(e->key) & (nsize - 1);
                e->next = nb[k];
                nb[k] = e;
            }
        }
        free(m->b);
        m->b = nb;
        m->size = nsize;
    }
    struct cs_strmap_ent *e = malloc(sizeof(*e));
    if (!e)
        return CS_ENOMEM;
    e->key = key;
    e->val = val;
    size_t k = cs_fnv1a64_str(key) & (m->size - 1);
    e->next = m->b[k];
    m->b[k] = e;
    m->count++;
    return CS_OK;
}

void cs_strmap_remove(struct cs_strmap *m, const char *key)
{
    if (!m->size)
        return;
    for (struct cs_strmap_ent **pp = &m->b[cs_fnv1a64_str(key) & (m->size - 1)]; *pp;
         pp = &(*pp)->next)
        if (strcmp((*pp)->key, key) == 0) {
            struct cs_strmap_ent *e = *pp;
            *pp = e->next;
            free(e);
            m->count--;
            return;
        }
}

void cs_strmap_foreach(const struct cs_strmap *m, void (*fn)(void *val, void *arg), void *arg)
{
    for (size_t i = 0; i < m->size; i++)
        for (struct cs_strmap_ent *e = m->b[i]; e; e = e->next)
            fn(e->val, arg);
}

void cs_strmap_free(struct cs_strmap *m, void (*fn)(void *val))
{
    for (size_t i = 0; i < m->size; i++) {
        struct cs_strmap_ent *e = m->b[i], *next;
        for (; e; e = next) {
            next = e->next;
            if (fn)
                fn(e->val);
            free(e);
        }
    }
    free(m->b);
    memset(m, 0, sizeof(*m));
}
