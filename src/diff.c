/* diff.c -- change table between two runs, a merge join on name (diff.h). */
#include "caascan/diff.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "caascan/export.h"
#include "caascan/fileio.h"
#include "caascan/merge.h"
#include "caascan/result.h"
#include "caascan/xlsx.h"

static const char *const change_names[CS_CH_COUNT] = {
    "",          "ADDED",          "REMOVED",     "NEW_FAILURE",
    "RECOVERED", "STATUS_CHANGED", "CAA_CHANGED", "PROBLEMS_CHANGED",
};

const char *cs_change_name(cs_change ch)
{
    if ((unsigned)ch >= CS_CH_COUNT)
        return NULL;
    return change_names[ch];
}

bool cs_status_is_failing(cs_status st)
{
    return st < CS_ST_AT_RISK;
}

static bool failing_name(const char *status)
{
    cs_status st = cs_status_parse(status);
    return st != CS_ST_COUNT && cs_status_is_failing(st);
}

cs_change cs_diff_classify(const cs_diff_side *old, const cs_diff_side *new)
{
    if (!old && !new)
        return CS_CH_NONE;
    if (!old)
        return CS_CH_ADDED;
    if (!new)
        return CS_CH_REMOVED;
    if (strcmp(old->status, new->status) != 0) {
        bool of = failing_name(old->status), nf = failing_name(new->status);
        if (!of && nf)
            return CS_CH_NEW_FAILURE;
        if (of && !nf)
            return CS_CH_RECOVERED;
        return CS_CH_STATUS_CHANGED;
    }
    if (!cs_list_same_set(old->caa, new->caa))
        return CS_CH_CAA_CHANGED;
    if (!cs_list_same_set(old->problems, new->problems))
        return CS_CH_PROBLEMS_CHANGED;
    return CS_CH_NONE;
}

static const char *or_none(const char *s)
{
    return s && *s ? s : "(none)";
}

cs_err cs_diff_detail(cs_strbuf *b, cs_change ch, const cs_diff_side *old, const cs_diff_side *new)
{
    cs_err rc = CS_OK;
    if (ch == CS_CH_NONE)
        return CS_OK;
    if (ch == CS_CH_ADDED) {
        rc = cs_strbuf_printf(b, "new name, status %s", new->status);
        if (rc == CS_OK && *new->problems)
            rc = cs_strbuf_printf(b, "; problems %s", new->problems);
        if (rc == CS_OK && failing_name(new->status) && new->detail &&*new->detail)
            rc = cs_strbuf_printf(b, "; now: %s", new->detail);
        return rc;
    }
    if (ch == CS_CH_REMOVED)
        return cs_strbuf_printf(b, "name no longer scanned (was %s)", old->status);
    const char *sep = "";
    if (strcmp(old->status, new->status) != 0) {
        rc = cs_strbuf_printf(b, "status %s -> %s", old->status, new->status);
        sep = "; ";
    }
    if (rc == CS_OK && !cs_list_same_set(old->caa, new->caa)) {
        rc = cs_strbuf_printf(b, "%sCAA changed from %s to %s", sep, or_none(old->caa),
                              or_none(new->caa));
        sep = "; ";
    }
    if (rc == CS_OK && !cs_list_same_set(old->problems, new->problems)) {
        rc = cs_strbuf_printf(b, "%sproblems changed from %s to %s", sep, or_none(old->problems),
                              or_none(new->problems));
        sep = "; ";
    }
    if (rc == CS_OK && failing_name(new->status) && new->detail &&*new->detail &&
        (ch == CS_CH_NEW_FAILURE || ch == CS_CH_STATUS_CHANGED))
        rc = cs_strbuf_printf(b, "%snow: %s", sep, new->detail);
    return rc;
}

/* Column indexes of the cells a diff reads. */
struct cols {
    int name, status, problems, caa, detail;
};

static cs_err find_cols(cs_merge *mg, const char *dir, struct cols *c, char *err, size_t errlen)
{
    size_t n;
    const char *const *h = cs_merge_header(mg, &n);
    c->name = cs_header_find(h, n, "name");
    c->status = cs_header_find(h, n, "status");
    c->problems = cs_header_find(h, n, "problems");
    c->caa = cs_header_find(h, n, "caa");
    c->detail = cs_header_find(h, n, "detail");
    if (c->name != 0 || c->status < 0 || c->problems < 0 || c->caa < 0 || c->detail < 0) {
        snprintf(err, errlen, "%s: the result table lacks name, status, problems, caa or detail",
                 dir);
        return CS_ECORRUPT;
    }
    return CS_OK;
}

static void side_of(const char *const *f, const struct cols *c, cs_diff_side *s)
{
    s->status = f[c->status];
    s->problems = f[c->problems];
    s->caa = f[c->caa];
    s->detail = f[c->detail];
}

#define DIFF_FIXED 9

/* The kept input columns of the output: NEW's, then those only OLD has. */
struct kept {
    const char **name;
    int *in_new, *in_old; /* column index in each run, -1 when the run lacks it */
    size_t n;
};

static cs_err kept_cols(cs_merge *mo, cs_merge *mn, struct kept *k)
{
    size_t no, nn;
    const char *const *ho = cs_merge_header(mo, &no), *const *hn = cs_merge_header(mn, &nn);
    size_t ko = cs_export_first_kept(ho, no), kn = cs_export_first_kept(hn, nn);
    size_t max = (nn - kn) + (no - ko);
    k->n = 0;
    k->name = calloc(max + 1, sizeof(char *));
    k->in_new = calloc(max + 1, sizeof(int));
    k->in_old = calloc(max + 1, sizeof(int));
    if (!k->name || !k->in_new || !k->in_old)
        return CS_ENOMEM;
    for (size_t i = kn; i < nn; i++) {
        k->name[k->n] = hn[i];
        k->in_new[k->n] = (int)i;
        k->in_old[k->n++] = cs_header_find(ho + ko, no - ko, hn[i]) < 0
                                ? -1
                                : (int)ko + cs_header_find(ho + ko, no - ko, hn[i]);
    }
    for (size_t i = ko; i < no; i++) {
        if (cs_header_find(hn + kn, nn - kn, ho[i]) >= 0)
            continue;
        k->name[k->n] = ho[i];
        k->in_new[k->n] = -1;
        k->in_old[k->n++] = (int)i;
    }
    return CS_OK;
}

static void kept_free(struct kept *k)
{
    free(k->name);
    free(k->in_new);
    free(k->in_old);
}

/* Where the rows go: CSV text to a stream, or a workbook sheet. */
struct sink {
    const cs_diff_opts *o;
    FILE *out;
    cs_xlsx *x;
    cs_xlsx_sheet *sheet;
    size_t n;      /* columns */
    size_t *order; /* workbook column c shows table column order[c] (kept columns first) */
    const char **cells;
    cs_strbuf line;
};

static cs_err sink_row(struct sink *k, const char *const *f)
{
    if (k->sheet) {
        for (size_t c = 0; c < k->n; c++)
            k->cells[c] = f[k->order[c]];
        return cs_xlsx_add_row(k->sheet, k->cells);
    }
    cs_strbuf_clear(&k->line);
    if (cs_csv_append_cells(&k->line, f, k->n, k->o->raw) != CS_OK)
        return CS_ENOMEM;
    if (fwrite(k->line.data, 1, k->line.len, k->out) != k->line.len)
        return CS_EIO;
    return CS_OK;
}

static cs_err sink_open(struct sink *k, const char *const *header, size_t nkept, char *err,
                        size_t errlen)
{
    if (!k->o->xlsx) {
        if (k->o->bom && fputs(CS_UTF8_BOM, k->out) == EOF)
            return CS_EIO;
        return sink_row(k, header);
    }
    cs_err rc = cs_xlsx_open(&k->x, k->o->xlsx, err, errlen);
    if (rc != CS_OK)
        return rc;
    k->order = calloc(k->n, sizeof(size_t));
    k->cells = calloc(k->n, sizeof(char *));
    cs_xlsx_kind *kinds = calloc(k->n, sizeof(*kinds));
    const char **head = calloc(k->n, sizeof(char *));
    if (!k->order || !k->cells || !kinds || !head) {
        free(kinds);
        free(head);
        return CS_ENOMEM;
    }
    size_t c = 0;
    for (size_t i = 0; i < nkept; i++)
        k->order[c++] = DIFF_FIXED + i;
    for (size_t i = 0; i < DIFF_FIXED; i++)
        k->order[c++] = i;
    for (c = 0; c < k->n; c++) {
        size_t t = k->order[c];
        head[c] = header[t];
        kinds[c] = t >= 1 && t <= 3 ? CS_XK_STATUS : CS_XK_TEXT;
    }
    k->sheet = cs_xlsx_add_table(k->x, "changes", head, kinds, k->n);
    free(kinds);
    free(head);
    return k->sheet ? CS_OK : CS_EIO;
}

/* A summary row (item, value) of the workbook. */
static cs_err sum_row(cs_xlsx_sheet *s, const char *item, const char *value)
{
    const char *cells[2] = {item, value};
    return cs_xlsx_add_row(s, cells);
}

static cs_err sum_num(cs_xlsx_sheet *s, const char *item, uint64_t v)
{
    char num[24];
    snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
    return sum_row(s, item, num);
}

static cs_err sum_run(cs_xlsx_sheet *s, const char *which, const char *dir, const cs_manifest *m)
{
    char item[64];
    snprintf(item, sizeof(item), "%s run", which);
    cs_err rc = sum_row(s, item, dir);
    const json_t *j = m ? cs_manifest_json(m) : NULL;
    const char *started = j ? json_string_value(json_object_get(j, "started_at")) : NULL;
    const char *ca = j ? json_string_value(json_object_get(j, "ca")) : NULL;
    snprintf(item, sizeof(item), "%s run started", which);
    if (rc == CS_OK)
        rc = sum_row(s, item, started ? started : "(incomplete run)");
    snprintf(item, sizeof(item), "%s run CA", which);
    if (rc == CS_OK && ca)
        rc = sum_row(s, item, ca);
    return rc;
}

/* Finishes the sink: the workbook's summary sheet and the file. */
static cs_err sink_close(struct sink *k, bool commit, const char *old_dir, const char *new_dir,
                         const cs_manifest *mo, const cs_manifest *mn, const cs_diff_stats *st,
                         char *err, size_t errlen)
{
    cs_err rc = CS_OK;
    if (k->x && commit) {
        static const char *const head[2] = {"item", "value"};
        static const cs_xlsx_kind kinds[2] = {CS_XK_TEXT, CS_XK_AUTO};
        cs_xlsx_sheet *s = cs_xlsx_add_table(k->x, "summary", head, kinds, 2);
        rc = s ? CS_OK : CS_EIO;
        if (rc == CS_OK)
            rc = sum_run(s, "old", old_dir, mo);
        if (rc == CS_OK)
            rc = sum_run(s, "new", new_dir, mn);
        if (rc == CS_OK)
            rc = sum_num(s, "names in the old run", st->old_rows);
        if (rc == CS_OK)
            rc = sum_num(s, "names in the new run", st->new_rows);
        for (int c = CS_CH_ADDED; rc == CS_OK && c < CS_CH_COUNT; c++)
            rc = sum_num(s, cs_change_name((cs_change)c), st->changes[c]);
    }
    if (k->x) {
        char cerr[1024] = "";
        cs_err crc = cs_xlsx_close(k->x, commit && rc == CS_OK, cerr, sizeof(cerr));
        if (commit && rc == CS_OK && crc != CS_OK) {
            snprintf(err, errlen, "%s", cerr);
            rc = crc;
        }
    }
    cs_strbuf_free(&k->line);
    free(k->order);
    free(k->cells);
    return rc;
}

static cs_err emit(struct sink *k, cs_strbuf *detail, const struct kept *kept, const char *name,
                   cs_change ch, const cs_diff_side *o, const cs_diff_side *n,
                   const char *const *fo, const char *const *fn, cs_diff_stats *st,
                   const char **fields)
{
    cs_strbuf_clear(detail);
    if (cs_diff_detail(detail, ch, o, n) != CS_OK)
        return CS_ENOMEM;
    const char *fixed[DIFF_FIXED] = {
        name,
        cs_change_name(ch),
        o ? o->status : "",
        n ? n->status : "",
        o ? o->problems : "",
        n ? n->problems : "",
        o ? o->caa : "",
        n ? n->caa : "",
        detail->data ? detail->data : "",
    };
    memcpy(fields, fixed, sizeof(fixed));
    for (size_t i = 0; i < kept->n; i++) {
        const char *v = "";
        if (fn && kept->in_new[i] >= 0)
            v = fn[kept->in_new[i]];
        else if (fo && kept->in_old[i] >= 0)
            v = fo[kept->in_old[i]];
        fields[DIFF_FIXED + i] = v;
    }
    cs_err rc = sink_row(k, fields);
    if (rc == CS_OK)
        st->changes[ch]++;
    return rc;
}

cs_err cs_diff_runs(const char *old_dir, const char *new_dir, bool allow_incomplete, FILE *out,
                    cs_diff_stats *st, char *err, size_t errlen)
{
    cs_diff_opts o = {.allow_incomplete = allow_incomplete};
    return cs_diff_write(old_dir, new_dir, &o, out, st, err, errlen);
}

cs_err cs_diff_write(const char *old_dir, const char *new_dir, const cs_diff_opts *o, FILE *out,
                     cs_diff_stats *st, char *err, size_t errlen)
{
    memset(st, 0, sizeof(*st));
    cs_merge *mo = NULL, *mn = NULL;
    cs_manifest *man_o = NULL, *man_n = NULL;
    cs_strbuf detail = {0};
    struct kept kept = {0};
    struct sink k = {.o = o, .out = out};
    const char **fields = NULL, **header = NULL;
    bool out_failed = false, sink_opened = false;
    if (errlen)
        err[0] = '\0';
    cs_err rc =
        cs_merge_open_run(&mo, old_dir, CS_TABLE_RESULTS, o->allow_incomplete, &man_o, err, errlen);
    if (rc != CS_OK)
        goto done;
    rc =
        cs_merge_open_run(&mn, new_dir, CS_TABLE_RESULTS, o->allow_incomplete, &man_n, err, errlen);
    if (rc != CS_OK)
        goto done;
    /* Schemas 2 and 3 only added the result table's fix and fail_pct columns, which diff does
     * not compare. */
    if (man_o && man_n && cs_manifest_schema(man_o) != cs_manifest_schema(man_n) &&
        (cs_manifest_schema(man_o) > 3 || cs_manifest_schema(man_n) > 3)) {
        snprintf(err, errlen, "%s has schema version %d, %s has %d: cannot compare", old_dir,
                 cs_manifest_schema(man_o), new_dir, cs_manifest_schema(man_n));
        rc = CS_EMISMATCH;
        goto done;
    }
    struct cols co, cn;
    if ((rc = find_cols(mo, old_dir, &co, err, errlen)) != CS_OK ||
        (rc = find_cols(mn, new_dir, &cn, err, errlen)) != CS_OK)
        goto done;
    if ((rc = kept_cols(mo, mn, &kept)) != CS_OK)
        goto done;
    static const char *const fixed_head[DIFF_FIXED] = {
        "name",         "change",  "old_status", "new_status", "old_problems",
        "new_problems", "old_caa", "new_caa",    "detail",
    };
    k.n = DIFF_FIXED + kept.n;
    fields = calloc(k.n, sizeof(char *));
    header = calloc(k.n, sizeof(char *));
    if (!fields || !header) {
        rc = CS_ENOMEM;
        goto done;
    }
    memcpy(header, fixed_head, sizeof(fixed_head));
    for (size_t i = 0; i < kept.n; i++)
        header[DIFF_FIXED + i] = kept.name[i];
    sink_opened = true;
    if ((rc = sink_open(&k, header, kept.n, err, errlen)) != CS_OK) {
        out_failed = rc == CS_EIO && !err[0];
        goto done;
    }

    bool ho, hn;
    const char *const *fo = NULL, *const *fn = NULL;
    if ((rc = cs_merge_next(mo, &ho, &fo, err, errlen)) != CS_OK ||
        (rc = cs_merge_next(mn, &hn, &fn, err, errlen)) != CS_OK)
        goto done;
    while (ho || hn) {
        int c = !ho ? 1 : !hn ? -1 : strcmp(fo[0], fn[0]);
        cs_diff_side so, sn;
        if (ho)
            side_of(fo, &co, &so);
        if (hn)
            side_of(fn, &cn, &sn);
        cs_change ch = cs_diff_classify(c <= 0 ? &so : NULL, c >= 0 ? &sn : NULL);
        if (ch != CS_CH_NONE &&
            (rc = emit(&k, &detail, &kept, c <= 0 ? fo[0] : fn[0], ch, c <= 0 ? &so : NULL,
                       c >= 0 ? &sn : NULL, c <= 0 ? fo : NULL, c >= 0 ? fn : NULL, st, fields)) !=
                CS_OK) {
            out_failed = rc == CS_EIO && !k.x;
            goto done;
        }
        if (c <= 0) {
            st->old_rows++;
            if ((rc = cs_merge_next(mo, &ho, &fo, err, errlen)) != CS_OK)
                goto done;
        }
        if (c >= 0) {
            st->new_rows++;
            if ((rc = cs_merge_next(mn, &hn, &fn, err, errlen)) != CS_OK)
                goto done;
        }
    }
    if (!k.x && (fflush(out) != 0 || ferror(out))) {
        rc = CS_EIO;
        out_failed = true;
    }
done:
    if (sink_opened) {
        cs_err src = sink_close(&k, rc == CS_OK, old_dir, new_dir, man_o, man_n, st, err, errlen);
        if (rc == CS_OK)
            rc = src;
    }
    if (out_failed)
        cs_io_error(err, errlen, "output", "write failed", errno ? errno : EIO);
    if (rc == CS_ENOMEM && !err[0])
        snprintf(err, errlen, "out of memory");
    if (rc == CS_EIO && !err[0])
        snprintf(err, errlen, "%s: writing the workbook failed", o->xlsx ? o->xlsx : "output");
    free(fields);
    free(header);
    kept_free(&kept);
    cs_strbuf_free(&detail);
    cs_merge_free(mo);
    cs_merge_free(mn);
    cs_manifest_free(man_o);
    cs_manifest_free(man_n);
    return rc;
}
