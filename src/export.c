/* export.c -- the result table of a run as one sorted CSV or JSON-lines table (export.h). */
#include "caascan/export.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "caascan/csvout.h"
#include "caascan/fileio.h"
#include "caascan/merge.h"
#include "caascan/result.h"

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
    return strcmp(column, "problems") == 0 || strcmp(column, "caa") == 0 ||
           strcmp(column, "nameservers") == 0 || strcmp(column, "sources") == 0;
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

cs_err cs_export_run(const char *dir, const cs_export_opts *o, FILE *out, uint64_t *rows, char *err,
                     size_t errlen)
{
    if (rows)
        *rows = 0;
    cs_merge *mg;
    cs_err rc =
        cs_merge_open_run(&mg, dir, CS_TABLE_RESULTS, o->allow_incomplete, NULL, err, errlen);
    if (rc != CS_OK)
        return rc;
    size_t n;
    const char *const *header = cs_merge_header(mg, &n);
    int scol = cs_header_find(header, n, "status");
    bool *is_list = calloc(n, sizeof(bool));
    cs_strbuf b = {0};
    if (!is_list) {
        rc = CS_ENOMEM;
        goto done;
    }
    if (scol < 0) {
        snprintf(err, errlen, "%s: the result table has no status column", dir);
        rc = CS_ECORRUPT;
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        is_list[i] = cs_export_is_list_column(header[i]);
    if (o->format == CS_EXPORT_CSV) {
        if (cs_csv_append_row(&b, header, n) != CS_OK) {
            rc = CS_ENOMEM;
            goto done;
        }
        fwrite(b.data, 1, b.len, out);
    }
    for (;;) {
        bool have;
        const char *const *f;
        if ((rc = cs_merge_next(mg, &have, &f, err, errlen)) != CS_OK || !have)
            break;
        cs_status st = cs_status_parse(f[scol]);
        if (st == CS_ST_COUNT) {
            snprintf(err, errlen, "%s: name %s: unknown status \"%s\"", dir, f[0], f[scol]);
            rc = CS_ECORRUPT;
            break;
        }
        if (!o->select[st])
            continue;
        if (o->format == CS_EXPORT_CSV) {
            cs_strbuf_clear(&b);
            if (cs_csv_append_row(&b, f, n) != CS_OK) {
                rc = CS_ENOMEM;
                break;
            }
            fwrite(b.data, 1, b.len, out);
        } else {
            json_t *j = row_json(header, is_list, f, n);
            if (!j || json_dumpf(j, out, JSON_COMPACT | JSON_PRESERVE_ORDER) != 0) {
                json_decref(j);
                rc = j ? CS_EIO : CS_ENOMEM;
                break;
            }
            json_decref(j);
            fputc('\n', out);
        }
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
    if (rc == CS_ENOMEM)
        snprintf(err, errlen, "%s: out of memory", dir);
done:
    cs_strbuf_free(&b);
    free(is_list);
    cs_merge_free(mg);
    return rc;
}
