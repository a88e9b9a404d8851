/*
 * export.c -- a table of a run as one sorted CSV, JSON-lines or xlsx table, or as one file per
 * value of a column (export.h). Every writer streams a k-way merge of the shards (merge.h).
 *
 * CSV is for people: cells a spreadsheet would take for a formula are neutralised (csvout.h)
 * unless --raw. JSON lines carry the exact values. A workbook writes every cell as text, number or
 * date-time (xlsx.h), so it needs no neutralising.
 */
#include "caascan/export.h"

#include <errno.h>
#include <fcntl.h>
#include <idn2.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "caascan/csvout.h"
#include "caascan/fail_model.h"
#include "caascan/fileio.h"
#include "caascan/merge.h"
#include "caascan/result.h"
#include "caascan/strmap.h"
#include "caascan/xlsx.h"

cs_err cs_status_filter_parse(const char *spec, bool sel[CS_ST_COUNT], char *err, size_t errlen)
{
    for (int i = 0; i < CS_ST_COUNT; i++)
        sel[i] = false;
    const char *p = spec;
    bool any = false;
    while (*p) {
        size_t n = strcspn(p, ",");
        char word[32];
        if (n == 0 || n >= sizeof(word)) {
            snprintf(err, errlen, "--status: bad list \"%s\"", spec);
            return CS_EINVAL;
        }
        for (size_t i = 0; i < n; i++)
            word[i] = (char)(p[i] >= 'a' && p[i] <= 'z' ? p[i] - 32 : p[i]);
        word[n] = '\0';
        if (strcmp(word, "FAIL") == 0) {
            for (int i = 0; i < CS_ST_COUNT; i++)
                if (i != CS_ST_OK)
                    sel[i] = true;
        } else {
            cs_status st = cs_status_parse(word);
            if (st == CS_ST_COUNT) {
                snprintf(err, errlen, "--status: unknown status \"%.*s\"", (int)n, p);
                return CS_EINVAL;
            }
            sel[st] = true;
        }
        any = true;
        p += n;
        if (*p == ',')
            p++;
    }
    if (!any) {
        snprintf(err, errlen, "--status: empty list");
        return CS_EINVAL;
    }
    return CS_OK;
}

bool cs_export_is_list_column(const char *column)
{
    return strcmp(column, "problems") == 0 || strcmp(column, "fix") == 0 ||
           strcmp(column, "caa") == 0 || strcmp(column, "nameservers") == 0 ||
           strcmp(column, "sources") == 0;
}

size_t cs_export_first_kept(const char *const *header, size_t n)
{
    int last_fixed = cs_header_find(header, n, "checked_at");
    return last_fixed < 0 ? n : (size_t)last_fixed + 1;
}

/* A JSON string of the n bytes at s; invalid UTF-8 bytes become '?' rather than losing the row. */
static json_t *json_str_lossy(const char *s, size_t n)
{
    json_t *v = json_stringn(s, n);
    if (v)
        return v;
    char *copy = malloc(n + 1);
    if (!copy)
        return NULL;
    for (size_t i = 0; i < n; i++)
        copy[i] = (unsigned char)s[i] >= 0x80 || s[i] == '\0' ? '?' : s[i];
    copy[n] = '\0';
    v = json_stringn(copy, n);
    free(copy);
    return v;
}

/* The fail_pct cell as a JSON number (58.4, 100), null when empty (INVALID rows) or not a
 * percentage. */
static json_t *pct_json(const char *cell)
{
    double pct;
    if (!cs_fm_parse_pct(cell, &pct))
        return json_null();
    long tenths = lround(pct * 10.0);
    return tenths % 10 ? json_real((double)tenths / 10.0) : json_integer(tenths / 10);
}

static json_t *row_json(const char *const *header, const bool *is_list, const char *const *f,
                        size_t n)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        json_t *v;
        if (is_list[i]) {
            v = json_array();
            size_t pos = 0, len;
            const char *item;
            while (v && cs_list_next(f[i], &pos, &item, &len))
                if (json_array_append_new(v, json_str_lossy(item, len)) != 0) {
                    json_decref(v);
                    v = NULL;
                }
        } else if (strcmp(header[i], "fail_pct") == 0) {
            v = pct_json(f[i]);
        } else {
            v = json_str_lossy(f[i], strlen(f[i]));
        }
        if (!v || json_object_set_new(o, header[i], v) != 0) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

/* ------------------------------------------------------------ the table being exported */

struct src {
    const char *dir;
    const cs_export_opts *o;
    cs_merge *mg;
    cs_manifest *man; /* NULL for an incomplete run */
    const char *const *h;
    size_t n;
    int scol;      /* status column of the result table, -1 for the per-server table */
    bool *is_list; /* JSON arrays */
};

static void src_close(struct src *s)
{
    cs_merge_free(s->mg);
    cs_manifest_free(s->man);
    free(s->is_list);
    memset(s, 0, sizeof(*s));
}

static cs_err src_open(struct src *s, const char *dir, const cs_export_opts *o, char *err,
                       size_t errlen)
{
    memset(s, 0, sizeof(*s));
    s->dir = dir;
    s->o = o;
    cs_err rc = cs_merge_open_run(&s->mg, dir, o->table, o->allow_incomplete, &s->man, err, errlen);
    if (rc == CS_ENOTFOUND && o->table == CS_TABLE_SERVERS)
        snprintf(err, errlen, "%s: the run has no per-server table", dir);
    if (rc != CS_OK)
        return rc;
    s->h = cs_merge_header(s->mg, &s->n);
    s->scol = -1;
    if (o->table == CS_TABLE_RESULTS) {
        s->scol = cs_header_find(s->h, s->n, "status");
        if (s->scol < 0) {
            snprintf(err, errlen, "%s: the result table has no status column", dir);
            src_close(s);
            return CS_ECORRUPT;
        }
    }
    s->is_list = calloc(s->n ? s->n : 1, sizeof(bool));
    if (!s->is_list) {
        src_close(s);
        return CS_ENOMEM;
    }
    /* A kept input column holds the values seen for the name, ';'-joined: an array of them. */
    size_t kept = o->table == CS_TABLE_RESULTS ? cs_export_first_kept(s->h, s->n) : s->n;
    for (size_t i = 0; i < s->n; i++)
        s->is_list[i] =
            cs_export_is_list_column(s->h[i]) || strcmp(s->h[i], "findings") == 0 || i >= kept;
    return CS_OK;
}

/* The next row; *selected tells whether the status filter takes it. */
static cs_err src_next(struct src *s, bool *have, const char *const **f, bool *selected,
                       cs_status *st, char *err, size_t errlen)
{
    cs_err rc = cs_merge_next(s->mg, have, f, err, errlen);
    if (rc != CS_OK || !*have)
        return rc;
    *selected = true;
    *st = CS_ST_COUNT;
    if (s->scol >= 0) {
        *st = cs_status_parse((*f)[s->scol]);
        if (*st == CS_ST_COUNT) {
            snprintf(err, errlen, "%s: name %s: unknown status \"%s\"", s->dir, (*f)[0],
                     (*f)[s->scol]);
            return CS_ECORRUPT;
        }
        *selected = s->o->select[*st];
    }
    return CS_OK;
}

/* The text of one row (CSV record or JSON line) in b. */
static cs_err row_text(const struct src *s, cs_strbuf *b, const char *const *f)
{
    cs_strbuf_clear(b);
    if (s->o->format == CS_EXPORT_CSV)
        return cs_csv_append_cells(b, f, s->n, s->o->raw);
    if (s->o->format == CS_EXPORT_XLSX) { /* a split's spool: every field NUL-terminated */
        for (size_t i = 0; i < s->n; i++)
            if (cs_strbuf_append(b, f[i], strlen(f[i]) + 1) != CS_OK)
                return CS_ENOMEM;
        return CS_OK;
    }
    json_t *j = row_json(s->h, s->is_list, f, s->n);
    char *line =
        j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10)) : NULL;
    json_decref(j);
    if (!line)
        return CS_ENOMEM;
    cs_err rc = cs_strbuf_puts(b, line);
    free(line);
    return rc == CS_OK ? cs_strbuf_append(b, "\n", 1) : rc;
}

/* The header text (and BOM) of a CSV file in b; nothing for JSON lines. */
static cs_err head_text(const struct src *s, cs_strbuf *b)
{
    cs_strbuf_clear(b);
    if (s->o->format != CS_EXPORT_CSV)
        return CS_OK;
    if (s->o->bom && cs_strbuf_puts(b, CS_UTF8_BOM) != CS_OK)
        return CS_ENOMEM;
    return cs_csv_append_cells(b, s->h, s->n, s->o->raw);
}

cs_err cs_export_run(const char *dir, const cs_export_opts *o, FILE *out, uint64_t *rows, char *err,
                     size_t errlen)
{
    if (rows)
        *rows = 0;
    if (o->format == CS_EXPORT_XLSX) {
        snprintf(err, errlen, "--format xlsx writes a file: use cs_export_xlsx()");
        return CS_EINVAL;
    }
    struct src s;
    cs_err rc = src_open(&s, dir, o, err, errlen);
    if (rc != CS_OK)
        return rc;
    cs_strbuf b = {0};
    if ((rc = head_text(&s, &b)) != CS_OK)
        goto done;
    if (b.len)
        fwrite(b.data, 1, b.len, out);
    for (;;) {
        bool have, selected;
        const char *const *f;
        cs_status st;
        if ((rc = src_next(&s, &have, &f, &selected, &st, err, errlen)) != CS_OK || !have)
            break;
        if (!selected)
            continue;
        if ((rc = row_text(&s, &b, f)) != CS_OK)
            break;
        fwrite(b.data, 1, b.len, out);
        if (rows)
            (*rows)++;
        if (ferror(out)) {
            rc = CS_EIO;
            break;
        }
    }
    if (rc == CS_OK && (fflush(out) != 0 || ferror(out)))
        rc = CS_EIO;
    if (rc == CS_EIO)
        cs_io_error(err, errlen, "output", "write failed", errno ? errno : EIO);
done:
    if (rc == CS_ENOMEM)
        snprintf(err, errlen, "%s: out of memory", dir);
    cs_strbuf_free(&b);
    src_close(&s);
    return rc;
}

/* ---------------------------------------------------------------------------- xlsx */

/* The Unicode form of an IDN (malloc'ed), or NULL when name has no "xn--" label or is not one. */
static char *unicode_name(const char *name)
{
    if (!strstr(name, "xn--"))
        return NULL;
    const char *n = strncmp(name, "*.", 2) == 0 ? name + 2 : name;
    char *u = NULL;
    if (idn2_to_unicode_8z8z(n, &u, 0) != IDN2_OK) {
        free(u);
        return NULL;
    }
    char *r = NULL;
    if (asprintf(&r, "%s%s", n == name ? "" : "*.", u) < 0)
        r = NULL;
    idn2_free(u);
    return r;
}

/* The kind of a column in a workbook, by its header name. */
static cs_xlsx_kind kind_of(const char *col)
{
    if (strcmp(col, "status") == 0 || strcmp(col, "old_status") == 0 ||
        strcmp(col, "new_status") == 0)
        return CS_XK_STATUS;
    if (strcmp(col, "checked_at") == 0)
        return CS_XK_DATETIME;
    if (strcmp(col, "serial") == 0 || strcmp(col, "rtt_ms") == 0 || strcmp(col, "queries") == 0 ||
        strcmp(col, "fail_pct") == 0)
        return CS_XK_NUMBER;
    return CS_XK_TEXT;
}

/* The columns of a table's sheet: for the result table the kept input columns first, then the
 * name, its Unicode form, and the other fixed columns; any other table as it is. */
struct layout {
    size_t n;
    int *from; /* source column of each sheet column; -1: the name in Unicode */
    const char **head, **cell;
    cs_xlsx_kind *kinds;
    char *uname;
};

static void layout_free(struct layout *L)
{
    free(L->from);
    free(L->head);
    free(L->cell);
    free(L->kinds);
    free(L->uname);
    memset(L, 0, sizeof(*L));
}

static cs_err layout_init(struct layout *L, const char *const *h, size_t n, bool results)
{
    memset(L, 0, sizeof(*L));
    size_t kept = results ? cs_export_first_kept(h, n) : n;
    L->n = n + (results ? 1 : 0);
    L->from = calloc(L->n, sizeof(int));
    L->head = calloc(L->n, sizeof(char *));
    L->cell = calloc(L->n, sizeof(char *));
    L->kinds = calloc(L->n, sizeof(*L->kinds));
    if (!L->from || !L->head || !L->cell || !L->kinds) {
        layout_free(L);
        return CS_ENOMEM;
    }
    size_t k = 0;
    if (results) {
        for (size_t i = kept; i < n; i++)
            L->from[k++] = (int)i;
        L->from[k++] = 0;
        L->from[k++] = -1;
        for (size_t i = 1; i < kept; i++)
            L->from[k++] = (int)i;
    } else {
        for (size_t i = 0; i < n; i++)
            L->from[k++] = (int)i;
    }
    for (size_t c = 0; c < L->n; c++) {
        L->head[c] = L->from[c] < 0 ? "name_unicode" : h[L->from[c]];
        L->kinds[c] = L->from[c] < 0 ? CS_XK_TEXT : kind_of(h[L->from[c]]);
    }
    return CS_OK;
}

/* The sheet's cells of row f (valid until the next call). */
static const char *const *layout_row(struct layout *L, const char *const *f)
{
    free(L->uname);
    L->uname = NULL;
    for (size_t c = 0; c < L->n; c++) {
        if (L->from[c] >= 0) {
            L->cell[c] = f[L->from[c]];
        } else {
            L->uname = unicode_name(f[0]);
            L->cell[c] = L->uname ? L->uname : "";
        }
    }
    return L->cell;
}

/* Writes the per-server table of dir to a new sheet. CS_OK when the run has none. */
static cs_err servers_sheet(cs_xlsx *x, const char *dir, const cs_export_opts *o, uint64_t *rows,
                            char *err, size_t errlen)
{
    cs_export_opts so = *o;
    so.table = CS_TABLE_SERVERS;
    struct src s;
    cs_err rc = src_open(&s, dir, &so, err, errlen);
    if (rc == CS_ENOTFOUND) {
        err[0] = '\0';
        return CS_OK;
    }
    if (rc != CS_OK)
        return rc;
    cs_xlsx_kind *kinds = calloc(s.n, sizeof(*kinds));
    if (!kinds) {
        src_close(&s);
        return CS_ENOMEM;
    }
    for (size_t i = 0; i < s.n; i++)
        kinds[i] = kind_of(s.h[i]);
    cs_xlsx_sheet *sh = cs_xlsx_add_table(x, "servers", s.h, kinds, s.n);
    free(kinds);
    if (!sh)
        rc = CS_EIO;
    while (rc == CS_OK) {
        bool have, selected;
        const char *const *f;
        cs_status st;
        if ((rc = src_next(&s, &have, &f, &selected, &st, err, errlen)) != CS_OK || !have)
            break;
        rc = cs_xlsx_add_row(sh, f);
        if (rows)
            (*rows)++;
    }
    src_close(&s);
    return rc;
}

/* Adds one (section, item, value) row to the summary sheet. */
static cs_err summary_row(cs_xlsx_sheet *sh, const char *section, const char *item,
                          const char *value)
{
    const char *cells[3] = {section, item, value};
    return cs_xlsx_add_row(sh, cells);
}

static cs_err summary_num(cs_xlsx_sheet *sh, const char *section, const char *item, uint64_t v)
{
    char num[24];
    snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
    return summary_row(sh, section, item, num);
}

/* The run's facts from its manifest: directory, tool, times, CA, resolvers, options. */
static cs_err summary_run(cs_xlsx_sheet *sh, const char *dir, const cs_manifest *man)
{
    cs_err rc = summary_row(sh, "run", "directory", dir);
    if (!man)
        return rc == CS_OK ? summary_row(sh, "run", "complete", "no (no manifest.json)") : rc;
    const json_t *j = cs_manifest_json(man);
    static const char *const keys[] = {"tool_version", "started_at", "finished_at", "ca"};
    for (size_t i = 0; rc == CS_OK && i < sizeof(keys) / sizeof(keys[0]); i++) {
        const char *v = json_string_value(json_object_get(j, keys[i]));
        if (v)
            rc = summary_row(sh, "run", keys[i], v);
    }
    cs_strbuf b = {0};
    size_t k;
    json_t *r;
    json_array_foreach(json_object_get(j, "resolvers"), k, r)
    {
        if (json_is_string(r))
            cs_strbuf_printf(&b, "%s%s", b.len ? " " : "", json_string_value(r));
    }
    if (rc == CS_OK)
        rc = summary_row(sh, "run", "resolvers", b.data ? b.data : "");
    cs_strbuf_free(&b);
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)json_object_get(j, "options"), key, v)
    {
        if (rc != CS_OK)
            break;
        char *text = json_is_string(v) ? strdup(json_string_value(v))
                                       : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        if (!text)
            return CS_ENOMEM;
        rc = summary_row(sh, "option", key, text);
        free(text);
    }
    return rc;
}

cs_err cs_export_xlsx(const char *dir, const cs_export_opts *o, const char *path, uint64_t *rows,
                      char *err, size_t errlen)
{
    if (rows)
        *rows = 0;
    if (errlen)
        err[0] = '\0';
    cs_xlsx *x;
    cs_err rc = cs_xlsx_open(&x, path, err, errlen);
    if (rc != CS_OK)
        return rc;
    struct src s;
    if ((rc = src_open(&s, dir, o, err, errlen)) != CS_OK) {
        cs_xlsx_close(x, false, NULL, 0);
        return rc;
    }
    bool results = o->table == CS_TABLE_RESULTS;
    struct layout L;
    uint64_t status_count[CS_ST_COUNT] = {0}, problem_count[CS_PB_COUNT] = {0}, other_problems = 0;
    uint64_t total = 0, written = 0;
    cs_xlsx_sheet *sh = NULL, *sum = NULL;
    if ((rc = layout_init(&L, s.h, s.n, results)) != CS_OK) {
        cs_xlsx_close(x, false, NULL, 0);
        src_close(&s);
        snprintf(err, errlen, "%s: out of memory", dir);
        return rc;
    }
    int pcol = results ? cs_header_find(s.h, s.n, "problems") : -1;
    sh = cs_xlsx_add_table(x, results ? "results" : "servers", L.head, L.kinds, L.n);
    if (!sh) {
        rc = CS_EIO;
        goto done;
    }
    for (;;) {
        bool have, selected;
        const char *const *f;
        cs_status st;
        if ((rc = src_next(&s, &have, &f, &selected, &st, err, errlen)) != CS_OK || !have)
            break;
        total++;
        if (results) {
            status_count[st]++;
            size_t pos = 0, len;
            const char *item;
            while (pcol >= 0 && cs_list_next(f[pcol], &pos, &item, &len)) {
                cs_problem pb = cs_problem_parse_n(item, len);
                if (pb < CS_PB_COUNT)
                    problem_count[pb]++;
                else
                    other_problems++;
            }
        }
        if (!selected)
            continue;
        if ((rc = cs_xlsx_add_row(sh, layout_row(&L, f))) != CS_OK)
            break;
        written++;
    }
    if (rc == CS_OK && results)
        rc = servers_sheet(x, dir, o, NULL, err, errlen);
    if (rc != CS_OK)
        goto done;
    static const char *const sum_head[3] = {"section", "item", "value"};
    static const cs_xlsx_kind sum_kinds[3] = {CS_XK_TEXT, CS_XK_TEXT, CS_XK_AUTO};
    if (!(sum = cs_xlsx_add_table(x, "summary", sum_head, sum_kinds, 3))) {
        rc = CS_EIO;
        goto done;
    }
    rc = summary_run(sum, dir, s.man);
    if (rc == CS_OK)
        rc = summary_num(sum, "export", results ? "names in the run" : "rows in the run", total);
    if (rc == CS_OK)
        rc = summary_num(sum, "export", "rows in this workbook's table", written);
    for (int i = 0; results && rc == CS_OK && i < CS_ST_COUNT; i++)
        rc = summary_num(sum, "names per status", cs_status_name((cs_status)i), status_count[i]);
    for (int i = 0; results && rc == CS_OK && i < CS_PB_COUNT; i++)
        if (problem_count[i])
            rc = summary_num(sum, "names per problem", cs_problem_name((cs_problem)i),
                             problem_count[i]);
    if (results && rc == CS_OK && other_problems)
        rc = summary_num(sum, "names per problem", "(other codes)", other_problems);
done:
    if (rc == CS_ENOMEM && !err[0])
        snprintf(err, errlen, "%s: out of memory", dir);
    if (rc == CS_EIO && !err[0])
        snprintf(err, errlen, "%s: writing the workbook failed", path);
    char cerr[1024] = "";
    cs_err crc = cs_xlsx_close(x, rc == CS_OK, cerr, sizeof(cerr));
    if (rc == CS_OK && crc != CS_OK) {
        rc = crc;
        snprintf(err, errlen, "%s", cerr);
    }
    if (rc == CS_OK && rows)
        *rows = written;
    layout_free(&L);
    src_close(&s);
    return rc;
}

/* ----------------------------------------------------------------------- split-by */

char *cs_export_safe_name(const char *value, size_t len, char *buf, size_t size)
{
    size_t max = size - 1 < 100 ? size - 1 : 100, o = 0;
    for (size_t i = 0; i < len && o < max;) {
        unsigned char c = (unsigned char)value[i];
        size_t n = c < 0x80 ? 1 : c >= 0xF8 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
        if (i + n > len)
            n = 1; /* a sequence cut short: its lead byte alone */
        for (size_t k = 1; k < n; k++)
            if (((unsigned char)value[i + k] & 0xC0) != 0x80)
                n = 1; /* not UTF-8: never copy what follows as part of it (it may be a '/') */
        if (o + n > max)
            break;
        if (n == 1 && (c < 0x20 || c == 0x7F || strchr("/\\:*?\"<>|", c) || c >= 0x80))
            buf[o++] = '_';
        else {
            memcpy(buf + o, value + i, n);
            o += n;
        }
        i += n;
    }
    buf[o] = '\0';
    if (o == 0)
        snprintf(buf, size, "(empty)");
    else if (buf[0] == '.' || buf[0] == '-')
        buf[0] = '_';
    return buf;
}

#define SPLIT_OPEN_MAX 256 /* files kept open at once; the others are reopened to append */

struct part {
    char *value; /* the cell value (map key) */
    char *lower; /* file name in lower case (to detect names equal in another case) */
    char *path, *tmp;
    char *done; /* workbooks: written here, renamed to path when all are */
    FILE *fp;
    uint64_t rows;
    struct part *newer, *older; /* the list of open files, most recently used first */
};

struct split {
    struct cs_strmap by_value, by_name;
    struct part **v;
    size_t n, cap, open;
    struct part *newest, *oldest;       /* open files, most recently used first */
    const char *outdir, *ext, *tmp_ext; /* tmp_ext: ".tmp", or ".spool.tmp" for workbooks */
};

static void lru_unlink(struct split *sp, struct part *p)
{
    if (p->newer)
        p->newer->older = p->older;
    else
        sp->newest = p->older;
    if (p->older)
        p->older->newer = p->newer;
    else
        sp->oldest = p->newer;
    p->newer = p->older = NULL;
}

static void lru_push(struct split *sp, struct part *p)
{
    p->older = sp->newest;
    p->newer = NULL;
    if (sp->newest)
        sp->newest->newer = p;
    sp->newest = p;
    if (!sp->oldest)
        sp->oldest = p;
}

static void split_free(struct split *sp, bool remove_tmp)
{
    for (size_t i = 0; i < sp->n; i++) {
        struct part *p = sp->v[i];
        if (p->fp)
            fclose(p->fp);
        if (remove_tmp && p->tmp)
            unlink(p->tmp);
        if (remove_tmp && p->done)
            unlink(p->done);
        free(p->done);
        free(p->value);
        free(p->lower);
        free(p->path);
        free(p->tmp);
        free(p);
    }
    free(sp->v);
    cs_strmap_free(&sp->by_value, NULL);
    cs_strmap_free(&sp->by_name, NULL);
}

/* Closes the least recently used open file. CS_OK or CS_EIO (err says why). */
static cs_err close_oldest(struct split *sp, char *err, size_t errlen)
{
    struct part *lru = sp->oldest;
    lru_unlink(sp, lru);
    sp->open--;
    int rc = fclose(lru->fp);
    lru->fp = NULL;
    if (rc != 0) {
        cs_io_error(err, errlen, lru->tmp, "write failed", errno);
        return CS_EIO;
    }
    return CS_OK;
}

/* The file of value (len bytes), created (with its header) when new and opened. */
static cs_err split_part(struct split *sp, const char *value, size_t len, const cs_strbuf *head,
                         struct part **out, char *err, size_t errlen)
{
    char *key = strndup(value, len);
    if (!key)
        return CS_ENOMEM;
    struct part *p = cs_strmap_get(&sp->by_value, key);
    bool fresh = p == NULL;
    if (p) {
        free(key);
    } else {
        char base[128], name[160];
        cs_export_safe_name(value, len, base, sizeof(base));
        p = calloc(1, sizeof(*p));
        if (!p) {
            free(key);
            return CS_ENOMEM;
        }
        p->value = key;
        for (unsigned k = 1;; k++) {
            if (k == 1)
                snprintf(name, sizeof(name), "%s", base);
            else
                snprintf(name, sizeof(name), "%s~%u", base, k);
            free(p->lower);
            p->lower = strdup(name);
            if (!p->lower)
                break;
            for (char *c = p->lower; *c; c++)
                if (*c >= 'A' && *c <= 'Z')
                    *c = (char)(*c + 32);
            if (!cs_strmap_get(&sp->by_name, p->lower))
                break;
        }
        if (!p->lower || asprintf(&p->path, "%s/%s.%s", sp->outdir, name, sp->ext) < 0 ||
            asprintf(&p->tmp, "%s%s", p->path, sp->tmp_ext) < 0) {
            free(p->value);
            free(p->lower);
            free(p);
            return CS_ENOMEM;
        }
        if (sp->n == sp->cap) {
            size_t cap = sp->cap ? sp->cap * 2 : 64;
            struct part **v = realloc(sp->v, cap * sizeof(*v));
            if (!v) {
                free(p->value), free(p->lower), free(p->path), free(p->tmp), free(p);
                return CS_ENOMEM;
            }
            sp->v = v;
            sp->cap = cap;
        }
        sp->v[sp->n++] = p;
        if (cs_strmap_put(&sp->by_value, p->value, p) != CS_OK ||
            cs_strmap_put(&sp->by_name, p->lower, p) != CS_OK)
            return CS_ENOMEM;
    }
    if (p->fp) {
        lru_unlink(sp, p);
        lru_push(sp, p);
    } else {
        if (sp->open >= SPLIT_OPEN_MAX && close_oldest(sp, err, errlen) != CS_OK)
            return CS_EIO;
        p->fp = fopen(p->tmp, fresh ? "we" : "ae");
        /* Out of file descriptors (a low ulimit -n): close more of ours and try again. */
        while (!p->fp && (errno == EMFILE || errno == ENFILE) && sp->open > 0) {
            if (close_oldest(sp, err, errlen) != CS_OK)
                return CS_EIO;
            p->fp = fopen(p->tmp, fresh ? "we" : "ae");
        }
        if (!p->fp) {
            cs_io_error(err, errlen, p->tmp, "cannot create", errno);
            return CS_EIO;
        }
        sp->open++;
        lru_push(sp, p);
        if (fresh && head->len && fwrite(head->data, 1, head->len, p->fp) != head->len) {
            cs_io_error(err, errlen, p->tmp, "write failed", errno);
            return CS_EIO;
        }
    }
    *out = p;
    return CS_OK;
}

/* Whether item (len bytes) already appears among the first k items of cell. */
static bool seen_before(const char *cell, const char *item, size_t len)
{
    size_t pos = 0, n;
    const char *it;
    while (cs_list_next(cell, &pos, &it, &n) && it < item)
        if (n == len && memcmp(it, item, len) == 0)
            return true;
    return false;
}

/* syncfs() of the file system that holds dir. CS_OK or CS_EIO with err saying why. */
static cs_err sync_dir_fs(const char *dir, char *err, size_t errlen)
{
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 || syncfs(dfd) != 0) {
        cs_io_error(err, errlen, dir, "sync failed", errno);
        if (dfd >= 0)
            close(dfd);
        return CS_EIO;
    }
    close(dfd);
    return CS_OK;
}

/* Writes part p's workbook from its spool (rows of NUL-terminated fields), then removes the
 * spool: a sheet of the rows laid out as cs_export_xlsx() does, and a summary sheet. */
static cs_err spool_to_workbook(const struct src *s, struct part *p, const char *column, char *err,
                                size_t errlen)
{
    int fd = open(p->tmp, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        cs_io_error(err, errlen, p->tmp, "cannot read", errno);
        if (fd >= 0)
            close(fd);
        return CS_EIO;
    }
    size_t size = (size_t)st.st_size;
    char *data = malloc(size + 1);
    size_t got = 0;
    while (data && got < size) {
        ssize_t r = read(fd, data + got, size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (!data || got != size) {
        free(data);
        if (!data)
            return CS_ENOMEM;
        cs_io_error(err, errlen, p->tmp, "read failed", errno ? errno : EIO);
        return CS_EIO;
    }
    data[size] = '\0';
    struct layout L;
    const char **f = calloc(s->n, sizeof(char *));
    cs_err rc = f ? layout_init(&L, s->h, s->n, s->o->table == CS_TABLE_RESULTS) : CS_ENOMEM;
    if (rc != CS_OK) {
        free(f);
        free(data);
        return rc;
    }
    cs_xlsx *x;
    if (asprintf(&p->done, "%s.done.tmp", p->path) < 0) {
        p->done = NULL;
        rc = CS_ENOMEM;
    } else {
        rc = cs_xlsx_open(&x, p->done, err, errlen);
        if (rc == CS_OK)
            cs_xlsx_defer_sync(x); /* one syncfs() for all the workbooks */
    }
    if (rc == CS_OK) {
        cs_xlsx_sheet *sh = cs_xlsx_add_table(
            x, s->o->table == CS_TABLE_RESULTS ? "results" : "servers", L.head, L.kinds, L.n);
        rc = sh ? CS_OK : CS_EIO;
        size_t pos = 0;
        uint64_t nrows = 0;
        while (rc == CS_OK && pos < size) {
            for (size_t i = 0; i < s->n; i++) {
                f[i] = pos < size ? data + pos : "";
                pos += strlen(f[i]) + 1;
            }
            rc = cs_xlsx_add_row(sh, layout_row(&L, f));
            nrows++;
        }
        static const char *const head[2] = {"item", "value"};
        static const cs_xlsx_kind kinds[2] = {CS_XK_TEXT, CS_XK_AUTO};
        cs_xlsx_sheet *sum = rc == CS_OK ? cs_xlsx_add_table(x, "summary", head, kinds, 2) : NULL;
        char num[24];
        snprintf(num, sizeof(num), "%llu", (unsigned long long)nrows);
        const char *rows[4][2] = {
            {"run", s->dir}, {"split by", column}, {"value", p->value}, {"rows", num}};
        if (rc == CS_OK && !sum)
            rc = CS_EIO;
        for (size_t i = 0; rc == CS_OK && i < 4; i++)
            rc = cs_xlsx_add_row(sum, rows[i]);
        char cerr[1024] = "";
        cs_err crc = cs_xlsx_close(x, rc == CS_OK, cerr, sizeof(cerr));
        if (rc == CS_OK && crc != CS_OK) {
            snprintf(err, errlen, "%s", cerr);
            rc = crc;
        } else if (rc != CS_OK && rc != CS_ENOMEM) {
            snprintf(err, errlen, "%s: writing the workbook failed", p->path);
        }
    }
    if (rc == CS_OK)
        unlink(p->tmp);
    layout_free(&L);
    free(f);
    free(data);
    return rc;
}

cs_err cs_export_split(const char *dir, const cs_export_opts *o, const char *column,
                       const char *outdir, uint64_t *files, uint64_t *rows, char *err,
                       size_t errlen)
{
    if (files)
        *files = 0;
    if (rows)
        *rows = 0;
    struct src s;
    cs_err rc = src_open(&s, dir, o, err, errlen);
    if (rc != CS_OK)
        return rc;
    bool xlsx = o->format == CS_EXPORT_XLSX;
    struct split sp = {
        .outdir = outdir,
        .ext = xlsx                         ? "xlsx"
               : o->format == CS_EXPORT_CSV ? "csv"
                                            : "jsonl",
        .tmp_ext = xlsx ? ".spool.tmp" : ".tmp",
    };
    cs_strbuf head = {0}, b = {0};
    int col = cs_header_find(s.h, s.n, column);
    if (col < 0) {
        snprintf(err, errlen, "--split-by: %s has no column \"%s\"", dir, column);
        rc = CS_EINVAL;
        goto done;
    }
    bool list = s.is_list[col] ||
                (o->table == CS_TABLE_RESULTS && (size_t)col >= cs_export_first_kept(s.h, s.n));
    if (mkdir(outdir, 0777) != 0 && errno != EEXIST) {
        cs_io_error(err, errlen, outdir, "cannot create the directory", errno);
        rc = CS_EIO;
        goto done;
    }
    if ((rc = head_text(&s, &head)) != CS_OK)
        goto done;
    for (;;) {
        bool have, selected;
        const char *const *f;
        cs_status st;
        if ((rc = src_next(&s, &have, &f, &selected, &st, err, errlen)) != CS_OK || !have)
            break;
        if (!selected)
            continue;
        if ((rc = row_text(&s, &b, f)) != CS_OK)
            break;
        const char *cellv = f[col];
        size_t pos = 0, len;
        const char *item;
        bool any = false;
        for (;;) {
            if (list) {
                if (!cs_list_next(cellv, &pos, &item, &len)) {
                    if (any)
                        break;
                    item = "";
                    len = 0;
                } else if (seen_before(cellv, item, len)) {
                    continue;
                }
            } else {
                if (any)
                    break;
                item = cellv;
                len = strlen(cellv);
            }
            any = true;
            struct part *p;
            if ((rc = split_part(&sp, item, len, &head, &p, err, errlen)) != CS_OK)
                break;
            if (fwrite(b.data, 1, b.len, p->fp) != b.len) {
                cs_io_error(err, errlen, p->tmp, "write failed", errno);
                rc = CS_EIO;
                break;
            }
            p->rows++;
            if (list && len == 0)
                break; /* the empty cell's file */
        }
        if (rc != CS_OK)
            break;
        if (rows)
            (*rows)++;
    }
    /* Complete every file (those still open are closed; the others were closed without error
     * when they made room), make them durable with one syncfs() of the file system instead of
     * an fsync() per file (thousands of customers), then rename them all into place. */
    for (size_t i = 0; i < sp.n; i++) {
        struct part *p = sp.v[i];
        if (!p->fp)
            continue;
        int e = 0;
        if (fflush(p->fp) != 0 || ferror(p->fp))
            e = errno ? errno : EIO;
        if (fclose(p->fp) != 0 && !e)
            e = errno ? errno : EIO;
        p->fp = NULL;
        if (e && rc == CS_OK) {
            cs_io_error(err, errlen, p->tmp, "write failed", e);
            rc = CS_EIO;
        }
    }
    sp.open = 0;
    sp.newest = sp.oldest = NULL;
    /* With xlsx each spool becomes its workbook, one at a time. */
    for (size_t i = 0; xlsx && rc == CS_OK && i < sp.n; i++)
        rc = spool_to_workbook(&s, sp.v[i], column, err, errlen);
    /* The finished files (the workbooks, or the CSV spools themselves) renamed into place. */
    if (rc == CS_OK)
        rc = sync_dir_fs(outdir, err, errlen);
    for (size_t i = 0; rc == CS_OK && i < sp.n; i++) {
        if (rename(xlsx ? sp.v[i]->done : sp.v[i]->tmp, sp.v[i]->path) != 0) {
            cs_io_error(err, errlen, sp.v[i]->path, "rename failed", errno);
            rc = CS_EIO;
        }
    }
    if (rc == CS_OK && cs_fsync_dir(outdir) != CS_OK) {
        cs_io_error(err, errlen, outdir, "sync failed", errno);
        rc = CS_EIO;
    }
    if (rc == CS_OK && files)
        *files = sp.n;
done:
    if (rc == CS_ENOMEM)
        snprintf(err, errlen, "%s: out of memory", dir);
    split_free(&sp, true);
    cs_strbuf_free(&head);
    cs_strbuf_free(&b);
    src_close(&s);
    return rc;
}
