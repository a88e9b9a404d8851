/* merge.c -- k-way merge of the sorted shards of one run table (merge.h). */
#include "caascan/merge.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caascan/shard.h"

struct cs_merge {
    cs_shard_reader **readers;
    const char *const **rows; /* current row of each reader */
    size_t *heap;             /* reader indexes, min-heap by row */
    size_t nheap, n;
    size_t ncols;
    size_t advance; /* reader whose row was returned last; SIZE_MAX when none */
};

static bool heap_less(const cs_merge *mg, size_t a, size_t b)
{
    int c = cs_row_compare(mg->rows[a], mg->rows[b], mg->ncols);
    return c < 0 || (c == 0 && a < b);
}

static void heap_down(cs_merge *mg, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < mg->nheap && heap_less(mg, mg->heap[l], mg->heap[m]))
            m = l;
        if (r < mg->nheap && heap_less(mg, mg->heap[r], mg->heap[m]))
            m = r;
        if (m == i)
            return;
        size_t t = mg->heap[i];
        mg->heap[i] = mg->heap[m];
        mg->heap[m] = t;
        i = m;
    }
}

cs_err cs_merge_open(cs_merge **out, const char *const *paths, size_t n, char *err, size_t errlen)
{
    *out = NULL;
    if (n == 0) {
        snprintf(err, errlen, "no shard files");
        return CS_EINVAL;
    }
    cs_merge *mg = calloc(1, sizeof(*mg));
    if (!mg)
        return CS_ENOMEM;
    mg->readers = calloc(n, sizeof(*mg->readers));
    mg->rows = calloc(n, sizeof(*mg->rows));
    mg->heap = calloc(n, sizeof(*mg->heap));
    mg->n = n;
    mg->advance = SIZE_MAX;
    if (!mg->readers || !mg->rows || !mg->heap) {
        cs_merge_free(mg);
        return CS_ENOMEM;
    }
    const char *const *h0 = NULL;
    for (size_t i = 0; i < n; i++) {
        cs_err rc = cs_shard_reader_open(&mg->readers[i], paths[i], err, errlen);
        if (rc != CS_OK) {
            cs_merge_free(mg);
            return rc;
        }
        size_t hn;
        const char *const *h = cs_shard_reader_header(mg->readers[i], &hn);
        if (i == 0) {
            h0 = h;
            mg->ncols = hn;
        } else if (hn != mg->ncols || cs_row_compare(h, h0, hn) != 0) {
            snprintf(err, errlen, "%s: header differs from that of %s", paths[i], paths[0]);
            cs_merge_free(mg);
            return CS_ECORRUPT;
        }
        bool have;
        rc = cs_shard_reader_next(mg->readers[i], &have, &mg->rows[i]);
        if (rc != CS_OK) {
            snprintf(err, errlen, "%s", cs_shard_reader_error(mg->readers[i]));
            cs_merge_free(mg);
            return rc;
        }
        if (have)
            mg->heap[mg->nheap++] = i;
    }
    for (size_t i = mg->nheap / 2; i-- > 0;)
        heap_down(mg, i);
    *out = mg;
    return CS_OK;
}

cs_err cs_merge_open_run(cs_merge **out, const char *dir, cs_table t, bool allow_incomplete,
                         cs_manifest **m_out, char *err, size_t errlen)
{
    *out = NULL;
    if (m_out)
        *m_out = NULL;
    cs_manifest *m = NULL;
    cs_err rc = cs_manifest_load(&m, dir, CS_MANIFEST_CHECK_FILES, err, errlen);
    if (rc != CS_OK && !(rc == CS_EINCOMPLETE && allow_incomplete))
        return rc;
    char **paths;
    size_t n;
    if ((rc = cs_run_table_paths(dir, m, t, &paths, &n, err, errlen)) != CS_OK) {
        cs_manifest_free(m);
        return rc;
    }
    if (n == 0) {
        snprintf(err, errlen, "%s: no %s shards", dir, cs_table_prefix(t));
        cs_paths_free(paths);
        cs_manifest_free(m);
        return CS_ENOTFOUND;
    }
    rc = cs_merge_open(out, (const char *const *)paths, n, err, errlen);
    cs_paths_free(paths);
    if (rc == CS_OK && m_out)
        *m_out = m;
    else
        cs_manifest_free(m);
    return rc;
}

const char *const *cs_merge_header(const cs_merge *mg, size_t *n)
{
    return cs_shard_reader_header(mg->readers[0], n);
}

cs_err cs_merge_next(cs_merge *mg, bool *have, const char *const **fields, char *err, size_t errlen)
{
    *have = false;
    if (mg->advance != SIZE_MAX) {
        size_t i = mg->advance;
        mg->advance = SIZE_MAX;
        bool more;
        cs_err rc = cs_shard_reader_next(mg->readers[i], &more, &mg->rows[i]);
        if (rc != CS_OK) {
            snprintf(err, errlen, "%s", cs_shard_reader_error(mg->readers[i]));
            return rc;
        }
        if (!more)
            mg->heap[0] = mg->heap[--mg->nheap];
        if (mg->nheap)
            heap_down(mg, 0);
    }
    if (mg->nheap == 0)
        return CS_OK;
    size_t top = mg->heap[0];
    *fields = mg->rows[top];
    *have = true;
    mg->advance = top;
    return CS_OK;
}

void cs_merge_free(cs_merge *mg)
{
    if (!mg)
        return;
    if (mg->readers)
        for (size_t i = 0; i < mg->n; i++)
            cs_shard_reader_free(mg->readers[i]);
    free(mg->readers);
    free(mg->rows);
    free(mg->heap);
    free(mg);
}
