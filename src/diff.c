/* diff.c -- change table between two runs, a merge join on name (diff.h). */
#include "caascan/diff.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "caascan/fileio.h"
#include "caascan/merge.h"
#include "caascan/result.h"

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

static cs_err emit(cs_strbuf *line, cs_strbuf *detail, FILE *out, const char *name, cs_change ch,
                   const cs_diff_side *o, const cs_diff_side *n, cs_diff_stats *st)
{
    cs_strbuf_clear(line);
    cs_strbuf_clear(detail);
    if (cs_diff_detail(detail, ch, o, n) != CS_OK)
        return CS_ENOMEM;
    const char *fields[9] = {
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
    if (cs_csv_append_row(line, fields, 9) != CS_OK)
        return CS_ENOMEM;
    if (fwrite(line->data, 1, line->len, out) != line->len)
        return CS_EIO;
    st->changes[ch]++;
    return CS_OK;
}

cs_err cs_diff_runs(const char *old_dir, const char *new_dir, bool allow_incomplete, FILE *out,
                    cs_diff_stats *st, char *err, size_t errlen)
{
    memset(st, 0, sizeof(*st));
    cs_merge *mo = NULL, *mn = NULL;
    cs_manifest *man_o = NULL, *man_n = NULL;
    cs_strbuf line = {0}, detail = {0};
    bool out_failed = false;
    if (errlen)
        err[0] = '\0';
    cs_err rc =
        cs_merge_open_run(&mo, old_dir, CS_TABLE_RESULTS, allow_incomplete, &man_o, err, errlen);
    if (rc != CS_OK)
        goto done;
    rc = cs_merge_open_run(&mn, new_dir, CS_TABLE_RESULTS, allow_incomplete, &man_n, err, errlen);
    if (rc != CS_OK)
        goto done;
    if (man_o && man_n && cs_manifest_schema(man_o) != cs_manifest_schema(man_n)) {
        snprintf(err, errlen, "%s has schema version %d, %s has %d: cannot compare", old_dir,
                 cs_manifest_schema(man_o), new_dir, cs_manifest_schema(man_n));
        rc = CS_EMISMATCH;
        goto done;
    }
    struct cols co, cn;
    if ((rc = find_cols(mo, old_dir, &co, err, errlen)) != CS_OK ||
        (rc = find_cols(mn, new_dir, &cn, err, errlen)) != CS_OK)
        goto done;
    static const char *const header[9] = {
        "name",         "change",  "old_status", "new_status", "old_problems",
        "new_problems", "old_caa", "new_caa",    "detail",
    };
    if (cs_csv_append_row(&line, header, 9) != CS_OK) {
        rc = CS_ENOMEM;
        goto done;
    }
    fwrite(line.data, 1, line.len, out);

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
            (rc = emit(&line, &detail, out, c <= 0 ? fo[0] : fn[0], ch, c <= 0 ? &so : NULL,
                       c >= 0 ? &sn : NULL, st)) != CS_OK) {
            out_failed = rc == CS_EIO;
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
    if (fflush(out) != 0 || ferror(out)) {
        rc = CS_EIO;
        out_failed = true;
    }
done:
    if (out_failed)
        cs_io_error(err, errlen, "output", "write failed", errno ? errno : EIO);
    if (rc == CS_ENOMEM && !err[0])
        snprintf(err, errlen, "out of memory");
    cs_strbuf_free(&line);
    cs_strbuf_free(&detail);
    cs_merge_free(mo);
    cs_merge_free(mn);
    cs_manifest_free(man_o);
    cs_manifest_free(man_n);
    return rc;
}
