/*
 * inventory.c -- the merged, de-duplicated set of names (see inventory.h).
 *
 * Layout, chosen so that a million names cost well under 100 bytes each:
 *   strtab   an interning table: NUL-terminated strings in one arena, 32-bit offsets, 16-bit
 *            lengths, stored 32-bit hashes, and an open-addressing index (linear probing,
 *            power-of-two size, at most half full) of id+1 values. One holds the entry keys
 *            (valid names as printed; invalid texts prefixed by "\1" and the reason), another
 *            the repeated strings (kept values, certificate fields).
 *   entries  parallel to the key table: first/last source, source count, reason, flags.
 *   sources  one array of 24-byte records, chained per entry by index.
 *   kept     n_keep string ids per source that carries kept columns.
 *   certs    crt.sh certificates, indexed by an open-addressing table on the id.
 */
#include "caascan/inventory.h"
#include "caascan/hash.h"

#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX

struct strtab {
    char *arena;
    size_t alen, acap;
    uint32_t *off;
    uint16_t *len;
    uint32_t *hash;
    uint32_t n, cap;
    uint32_t *slots; /* id + 1; 0 is empty */
    uint32_t nslots;
};

struct entry {
    uint32_t first, last, nsrc;
    uint8_t reason, flags;
};

struct source {
    uint32_t next;
    uint16_t file;
    uint8_t flags;
    uint32_t line;
    uint32_t kept; /* index into kept[] of n_keep ids, or NONE */
    uint64_t crtsh_id;
};

struct cert {
    uint64_t id;
    uint32_t cn, issuer, not_after; /* string ids or NONE */
};

struct cs_inventory {
    struct strtab keys, strings;
    struct entry *entries;
    size_t nentries_cap;
    size_t ninvalid;
    struct source *sources;
    uint32_t nsources, cap_sources;
    uint32_t *kept;
    size_t nkept, cap_kept;
    char **keep_names;
    size_t n_keep;
    struct cs_inventory_file *files;
    size_t nfiles;
    unsigned long reasons[CS_NAME_REASON_COUNT];
    struct cert *certs;
    uint32_t ncerts, cap_certs;
    uint32_t *cert_slots;
    uint32_t ncert_slots;
};

static uint32_t hash_bytes(const void *p, size_t n)
{
    /* FNV-1a, 64 bit, folded: fast on short names and good enough with linear probing. */
    uint64_t h = cs_fnv1a64(p, n);
    return (uint32_t)(h ^ (h >> 32));
}

static uint32_t hash_u64(uint64_t v)
{
    v ^= v >> 33;
    v *= 0xff51afd7ed558ccdULL;
    v ^= v >> 33;
    return (uint32_t)v;
}

static bool grow(void **p, size_t elem, size_t need, size_t *cap)
{
    if (need <= *cap)
        return true;
    size_t c = *cap ? *cap : 64;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * elem);
    if (!q)
        return false;
    *p = q;
    *cap = c;
    return true;
}

static void strtab_free(struct strtab *t)
{
    free(t->arena);
    free(t->off);
    free(t->len);
    free(t->hash);
    free(t->slots);
}

static const char *strtab_str(const struct strtab *t, uint32_t id)
{
    return t->arena + t->off[id];
}

static cs_err strtab_rehash(struct strtab *t, uint32_t nslots)
{
    uint32_t *slots = calloc(nslots, sizeof(*slots));
    if (!slots)
        return CS_ENOMEM;
    for (uint32_t id = 0; id < t->n; id++) {
        uint32_t s = t->hash[id] & (nslots - 1);
        while (slots[s])
            s = (s + 1) & (nslots - 1);
        slots[s] = id + 1;
    }
    free(t->slots);
    t->slots = slots;
    t->nslots = nslots;
    return CS_OK;
}

static bool strtab_lookup(const struct strtab *t, const char *s, size_t len, uint32_t h,
                          uint32_t *id, uint32_t *slot)
{
    if (t->nslots == 0)
        return false;
    uint32_t i = h & (t->nslots - 1);
    while (t->slots[i]) {
        uint32_t c = t->slots[i] - 1;
        if (t->hash[c] == h && t->len[c] == len && memcmp(strtab_str(t, c), s, len) == 0) {
            *id = c;
            return true;
        }
        i = (i + 1) & (t->nslots - 1);
    }
    if (slot)
        *slot = i;
    return false;
}

/* Interns s (len <= 65535); *added tells whether it is new. */
static cs_err strtab_intern(struct strtab *t, const char *s, size_t len, uint32_t *id, bool *added)
{
    uint32_t h = hash_bytes(s, len);
    *added = false;
    if (len > UINT16_MAX)
        return CS_ETOOLONG;
    if (strtab_lookup(t, s, len, h, id, NULL))
        return CS_OK;
    if (t->n == NONE - 1 || t->alen + len + 1 > UINT32_MAX)
        return CS_ENOSPACE;
    if ((size_t)(t->n + 1) * 2 > t->nslots) {
        cs_err err = strtab_rehash(t, t->nslots ? t->nslots * 2 : 1024);
        if (err != CS_OK)
            return err;
    }
    size_t cap = t->cap;
    if (!grow((void **)&t->arena, 1, t->alen + len + 1, &t->acap))
        return CS_ENOMEM;
    if (t->n + 1 > cap) {
        size_t c1 = cap, c2 = cap, c3 = cap;
        if (!grow((void **)&t->off, sizeof(*t->off), t->n + 1, &c1) ||
            !grow((void **)&t->len, sizeof(*t->len), t->n + 1, &c2) ||
            !grow((void **)&t->hash, sizeof(*t->hash), t->n + 1, &c3))
            return CS_ENOMEM;
        t->cap = (uint32_t)(c1 < c2 ? (c1 < c3 ? c1 : c3) : (c2 < c3 ? c2 : c3));
    }
    memcpy(t->arena + t->alen, s, len);
    t->arena[t->alen + len] = '\0';
    uint32_t n = t->n;
    t->off[n] = (uint32_t)t->alen;
    t->len[n] = (uint16_t)len;
    t->hash[n] = h;
    t->alen += len + 1;
    uint32_t slot = h & (t->nslots - 1);
    while (t->slots[slot])
        slot = (slot + 1) & (t->nslots - 1);
    t->slots[slot] = n + 1;
    t->n++;
    *id = n;
    *added = true;
    return CS_OK;
}

struct cs_inventory *cs_inventory_new(const char *const *keep_columns, size_t n_keep)
{
    struct cs_inventory *inv = calloc(1, sizeof(*inv));
    if (!inv)
        return NULL;
    if (n_keep > 0) {
        inv->keep_names = calloc(n_keep, sizeof(char *));
        if (!inv->keep_names) {
            free(inv);
            return NULL;
        }
        inv->n_keep = n_keep;
        for (size_t k = 0; k < n_keep; k++)
            if (!(inv->keep_names[k] = strdup(keep_columns[k]))) {
                cs_inventory_free(inv);
                return NULL;
            }
    }
    return inv;
}

void cs_inventory_free(struct cs_inventory *inv)
{
    if (!inv)
        return;
    strtab_free(&inv->keys);
    strtab_free(&inv->strings);
    free(inv->entries);
    free(inv->sources);
    free(inv->kept);
    for (size_t k = 0; k < inv->n_keep; k++)
        free(inv->keep_names[k]);
    free(inv->keep_names);
    for (size_t f = 0; f < inv->nfiles; f++)
        free((char *)inv->files[f].path);
    free(inv->files);
    free(inv->certs);
    free(inv->cert_slots);
    free(inv);
}

cs_err cs_inventory_add_file(struct cs_inventory *inv, const char *path, cs_input_format format,
                             size_t *file)
{
    if (inv->nfiles > UINT16_MAX)
        return CS_ENOSPACE;
    struct cs_inventory_file *files = realloc(inv->files, (inv->nfiles + 1) * sizeof(*files));
    if (!files)
        return CS_ENOMEM;
    inv->files = files;
    struct cs_inventory_file *f = &files[inv->nfiles];
    memset(f, 0, sizeof(*f));
    if (!(f->path = strdup(path)))
        return CS_ENOMEM;
    f->format = format;
    *file = inv->nfiles++;
    return CS_OK;
}

void cs_inventory_set_lines(struct cs_inventory *inv, size_t file, unsigned long lines)
{
    if (file < inv->nfiles)
        inv->files[file].lines = lines;
}

/* Interns a printable, trimmed form of a value; "" and NULL give NONE. */
static cs_err intern_value(struct cs_inventory *inv, const char *s, uint32_t *id)
{
    *id = NONE;
    if (!s)
        return CS_OK;
    size_t len = strlen(s);
    while (len > 0 && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    if (len == 0)
        return CS_OK;
    char buf[CS_NAME_DISPLAY_MAX + 4];
    size_t n = cs_name_display(s, len, buf, sizeof(buf));
    bool added;
    return strtab_intern(&inv->strings, buf, n, id, &added);
}

static bool cert_find(const struct cs_inventory *inv, uint64_t id, uint32_t *idx, uint32_t *slot)
{
    if (inv->ncert_slots == 0)
        return false;
    uint32_t i = hash_u64(id) & (inv->ncert_slots - 1);
    while (inv->cert_slots[i]) {
        uint32_t c = inv->cert_slots[i] - 1;
        if (inv->certs[c].id == id) {
            *idx = c;
            return true;
        }
        i = (i + 1) & (inv->ncert_slots - 1);
    }
    if (slot)
        *slot = i;
    return false;
}

static cs_err cert_add(struct cs_inventory *inv, const struct cs_input_record *rec)
{
    uint32_t idx, slot = 0;
    if (cert_find(inv, rec->crtsh_id, &idx, NULL))
        return CS_OK;
    if ((size_t)(inv->ncerts + 1) * 2 > inv->ncert_slots) {
        uint32_t n = inv->ncert_slots ? inv->ncert_slots * 2 : 256;
        uint32_t *slots = calloc(n, sizeof(*slots));
        if (!slots)
            return CS_ENOMEM;
        for (uint32_t c = 0; c < inv->ncerts; c++) {
            uint32_t i = hash_u64(inv->certs[c].id) & (n - 1);
            while (slots[i])
                i = (i + 1) & (n - 1);
            slots[i] = c + 1;
        }
        free(inv->cert_slots);
        inv->cert_slots = slots;
        inv->ncert_slots = n;
    }
    size_t cap = inv->cap_certs;
    if (!grow((void **)&inv->certs, sizeof(*inv->certs), inv->ncerts + 1, &cap))
        return CS_ENOMEM;
    inv->cap_certs = (uint32_t)cap;
    struct cert c = {.id = rec->crtsh_id};
    cs_err err;
    if ((err = intern_value(inv, rec->common_name, &c.cn)) != CS_OK ||
        (err = intern_value(inv, rec->issuer_name, &c.issuer)) != CS_OK ||
        (err = intern_value(inv, rec->not_after, &c.not_after)) != CS_OK)
        return err;
    cert_find(inv, rec->crtsh_id, &idx, &slot);
    inv->certs[inv->ncerts] = c;
    inv->cert_slots[slot] = inv->ncerts + 1;
    inv->ncerts++;
    return CS_OK;
}

static unsigned long clamp_line(unsigned long line)
{
    return line > UINT32_MAX ? UINT32_MAX : line;
}

cs_err cs_inventory_add(struct cs_inventory *inv, size_t file, const struct cs_input_record *rec)
{
    if (file >= inv->nfiles)
        return CS_EINVAL;
    struct cs_inventory_file *f = &inv->files[file];
    const struct cs_name *n = &rec->name;
    bool valid = n->reason == CS_NAME_OK;
    char key[CS_NAME_DISPLAY_MAX + 8];
    size_t klen;
    if (valid) {
        memcpy(key, n->text, n->len);
        klen = n->len;
    } else {
        if ((unsigned)n->reason >= CS_NAME_REASON_COUNT)
            return CS_EINVAL;
        key[0] = '\1';
        key[1] = (char)('A' + n->reason);
        const char *o = rec->original ? rec->original : "";
        size_t olen = rec->original ? rec->original_len : 0;
        while (olen > 0 && (*o == ' ' || *o == '\t')) {
            o++;
            olen--;
        }
        while (olen > 0 && (o[olen - 1] == ' ' || o[olen - 1] == '\t' || o[olen - 1] == '\r'))
            olen--;
        klen = 2 + cs_name_display(o, olen, key + 2, sizeof(key) - 2);
    }

    if (inv->nsources == NONE - 1)
        return CS_ENOSPACE;
    if (!grow((void **)&inv->entries, sizeof(*inv->entries), (size_t)inv->keys.n + 1,
              &inv->nentries_cap))
        return CS_ENOMEM;
    uint32_t id;
    bool added;
    cs_err err = strtab_intern(&inv->keys, key, klen, &id, &added);
    if (err != CS_OK)
        return err;
    if (added) {
        inv->entries[id] = (struct entry){NONE, NONE, 0, (uint8_t)n->reason, 0};
        if (!valid)
            inv->ninvalid++;
    }
    struct entry *e = &inv->entries[id];

    f->names++;
    if (!valid) {
        f->invalid++;
        f->reasons[n->reason]++;
        inv->reasons[n->reason]++;
    } else if (!added) {
        f->duplicates++;
    }
    if (rec->crtsh_id) {
        if ((err = cert_add(inv, rec)) != CS_OK)
            return err;
        /* The same certificate naming the same name twice is one source. */
        if (e->last != NONE && inv->sources[e->last].crtsh_id == rec->crtsh_id &&
            inv->sources[e->last].file == file)
            return CS_OK;
    }

    uint32_t kept = NONE;
    if (rec->kept && inv->n_keep > 0) {
        if (!grow((void **)&inv->kept, sizeof(*inv->kept), inv->nkept + inv->n_keep,
                  &inv->cap_kept))
            return CS_ENOMEM;
        if (inv->nkept + inv->n_keep > UINT32_MAX)
            return CS_ENOSPACE;
        for (size_t k = 0; k < inv->n_keep; k++)
            if ((err = intern_value(inv, rec->kept[k], &inv->kept[inv->nkept + k])) != CS_OK)
                return err;
        kept = (uint32_t)inv->nkept;
        inv->nkept += inv->n_keep;
    }

    size_t cap = inv->cap_sources;
    if (!grow((void **)&inv->sources, sizeof(*inv->sources), (size_t)inv->nsources + 1, &cap))
        return CS_ENOMEM;
    inv->cap_sources = (uint32_t)(cap > UINT32_MAX ? UINT32_MAX : cap);
    uint32_t s = inv->nsources++;
    inv->sources[s] = (struct source){
        .next = NONE,
        .file = (uint16_t)file,
        .flags = (uint8_t)n->flags,
        .line = (uint32_t)clamp_line(rec->line),
        .kept = kept,
        .crtsh_id = rec->crtsh_id,
    };
    if (e->last == NONE)
        e->first = s;
    else
        inv->sources[e->last].next = s;
    e->last = s;
    e->nsrc++;
    e->flags |= (uint8_t)n->flags;
    return CS_OK;
}

cs_err cs_inventory_read(struct cs_inventory *inv, const char *path,
                         const struct cs_input_options *opt, char *err, size_t errsize)
{
    struct cs_input_options o = opt ? *opt : (struct cs_input_options){0};
    o.keep_columns = (const char *const *)inv->keep_names;
    o.n_keep = inv->n_keep;
    struct cs_input *in;
    cs_err e = cs_input_open(&in, path, &o, err, errsize);
    if (e != CS_OK)
        return e;
    size_t file;
    e = cs_inventory_add_file(inv, path, cs_input_format_of(in), &file);
    const struct cs_input_record *rec;
    while (e == CS_OK && (e = cs_input_next(in, &rec)) == CS_OK && rec)
        e = cs_inventory_add(inv, file, rec);
    if (e != CS_OK && err && errsize > 0) {
        if (cs_input_error(in)[0])
            snprintf(err, errsize, "%s", cs_input_error(in));
        else
            snprintf(err, errsize, "%s: %s", path, cs_strerror(e));
    }
    if (e == CS_OK)
        cs_inventory_set_lines(inv, file, cs_input_lines(in));
    cs_input_close(in);
    return e;
}

size_t cs_inventory_count(const struct cs_inventory *inv)
{
    return inv->keys.n;
}

size_t cs_inventory_invalid_count(const struct cs_inventory *inv)
{
    return inv->ninvalid;
}

void cs_inventory_get(const struct cs_inventory *inv, size_t i, struct cs_inventory_entry *out)
{
    const struct entry *e = &inv->entries[i];
    const char *k = strtab_str(&inv->keys, (uint32_t)i);
    size_t len = inv->keys.len[i];
    out->reason = (cs_name_reason)e->reason;
    out->flags = e->flags;
    out->n_sources = e->nsrc;
    if (e->reason == CS_NAME_OK) {
        out->name = k;
        out->name_len = len;
        out->wildcard = len >= 2 && k[0] == '*' && k[1] == '.';
    } else {
        out->name = k + 2;
        out->name_len = len - 2;
        out->wildcard = false;
    }
}

bool cs_inventory_find(const struct cs_inventory *inv, const char *name, size_t *index)
{
    size_t len = strlen(name);
    uint32_t id;
    if (len == 0 || name[0] == '\1')
        return false;
    if (!strtab_lookup(&inv->keys, name, len, hash_bytes(name, len), &id, NULL))
        return false;
    *index = id;
    return true;
}

void cs_inventory_sources(const struct cs_inventory *inv, size_t i,
                          struct cs_inventory_source_iter *it)
{
    it->inv = inv;
    it->next = inv->entries[i].first;
}

bool cs_inventory_source_next(struct cs_inventory_source_iter *it, struct cs_inventory_source *out)
{
    if (it->next == NONE)
        return false;
    const struct source *s = &it->inv->sources[it->next];
    out->file = it->inv->files[s->file].path;
    out->format = it->inv->files[s->file].format;
    out->line = s->line;
    out->crtsh_id = s->crtsh_id;
    out->flags = s->flags;
    it->next = s->next;
    return true;
}

/* Appends text to buf like snprintf would, tracking the full length in *pos. */
static void put_text(char *buf, size_t size, size_t *pos, const char *text, size_t len)
{
    if (*pos < size) {
        size_t room = size - 1 - *pos;
        memcpy(buf + *pos, text, len < room ? len : room);
        buf[*pos + (len < room ? len : room)] = '\0';
    }
    *pos += len;
}

size_t cs_inventory_format_sources(const struct cs_inventory *inv, size_t i, char *buf, size_t size)
{
    size_t pos = 0;
    if (size > 0)
        buf[0] = '\0';
    for (uint32_t s = inv->entries[i].first; s != NONE; s = inv->sources[s].next) {
        const struct source *src = &inv->sources[s];
        char item[64];
        int n;
        if (src->crtsh_id) {
            /* Each certificate once, even when a JSON and a CSV export both name it. */
            bool seen = false;
            for (uint32_t t = inv->entries[i].first; t != s && !seen; t = inv->sources[t].next)
                seen = inv->sources[t].crtsh_id == src->crtsh_id;
            if (seen)
                continue;
            n = snprintf(item, sizeof(item), "crtsh:%llu", (unsigned long long)src->crtsh_id);
        } else {
            n = snprintf(item, sizeof(item), ":%lu", (unsigned long)src->line);
        }
        if (pos > 0)
            put_text(buf, size, &pos, ";", 1);
        if (!src->crtsh_id) {
            const char *path = inv->files[src->file].path;
            put_text(buf, size, &pos, path, strlen(path));
        }
        put_text(buf, size, &pos, item, (size_t)n);
    }
    return pos;
}

size_t cs_inventory_keep_count(const struct cs_inventory *inv)
{
    return inv->n_keep;
}

const char *cs_inventory_keep_name(const struct cs_inventory *inv, size_t k)
{
    return k < inv->n_keep ? inv->keep_names[k] : NULL;
}

size_t cs_inventory_format_kept(const struct cs_inventory *inv, size_t i, size_t k, char *buf,
                                size_t size)
{
    size_t pos = 0;
    if (size > 0)
        buf[0] = '\0';
    if (k >= inv->n_keep)
        return 0;
    for (uint32_t s = inv->entries[i].first; s != NONE; s = inv->sources[s].next) {
        if (inv->sources[s].kept == NONE)
            continue;
        uint32_t v = inv->kept[inv->sources[s].kept + k];
        if (v == NONE)
            continue;
        bool seen = false;
        for (uint32_t t = inv->entries[i].first; t != s && !seen; t = inv->sources[t].next)
            seen = inv->sources[t].kept != NONE && inv->kept[inv->sources[t].kept + k] == v;
        if (seen)
            continue;
        if (pos > 0)
            put_text(buf, size, &pos, ";", 1);
        put_text(buf, size, &pos, strtab_str(&inv->strings, v), inv->strings.len[v]);
    }
    return pos;
}

size_t cs_inventory_file_count(const struct cs_inventory *inv)
{
    return inv->nfiles;
}

const struct cs_inventory_file *cs_inventory_file(const struct cs_inventory *inv, size_t file)
{
    return file < inv->nfiles ? &inv->files[file] : NULL;
}

const unsigned long *cs_inventory_reason_counts(const struct cs_inventory *inv)
{
    return inv->reasons;
}

bool cs_inventory_cert(const struct cs_inventory *inv, uint64_t id, struct cs_inventory_cert *out)
{
    uint32_t c;
    if (!cert_find(inv, id, &c, NULL))
        return false;
    const struct cert *ce = &inv->certs[c];
    out->id = ce->id;
    out->common_name = ce->cn == NONE ? NULL : strtab_str(&inv->strings, ce->cn);
    out->issuer_name = ce->issuer == NONE ? NULL : strtab_str(&inv->strings, ce->issuer);
    out->not_after = ce->not_after == NONE ? NULL : strtab_str(&inv->strings, ce->not_after);
    return true;
}
