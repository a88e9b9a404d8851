/*
 * shard.c -- the shard writer (partition, spool, sort, write) and the streaming shard reader
 * (shard.h). The format is described in docs/run-format.md.
 *
 * Writer memory: each shard keeps a 64 KiB spool buffer; a full buffer is compressed as one zstd
 * frame and appended to the shard's spool file, so adding rows costs nshards * 64 KiB whatever the
 * run size. At finish one shard at a time is decompressed into a single block whose exact size is
 * known, indexed, sorted and written out, so memory peaks at the largest shard.
 *
 * Reader: libcsv is push-based, the reader is pull-based. Decompressed bytes are fed to csv_parse
 * in small pieces; its callbacks append completed fields to an arena and completed rows to a
 * queue, and cs_shard_reader_next() pops rows from the queue, refilling it when empty. The arena
 * is compacted when the queue is empty, so memory stays at a few pieces' worth of rows.
 */
#include "caascan/shard.h"

#include <csv.h>
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "caascan/csvout.h"
#include "caascan/fileio.h"

#define SPOOL_FLUSH   (64 * 1024)
#define OUT_BATCH     (128 * 1024)
#define READ_CHUNK    (64 * 1024)
#define FEED_CHUNK    (16 * 1024)
#define MAX_ROW_BYTES (1024 * 1024) /* a real row is a few KiB: detail and CAA set */
#define SPOOL_LEVEL   1
#define SHARD_LEVEL   3
/* 128 KiB window: a reader needs about that much per open shard, and a k-way merge opens them
 * all; sorted rows repeat locally, so a larger window gains little. */
#define SHARD_WINDOW_LOG 17
#define ERRLEN           8192

unsigned cs_shard_of(const char *key, unsigned nshards)
{
    if (nshards == 0)
        return 0;
    return (unsigned)(cs_fnv1a64(key, strlen(key)) % nshards);
}

int cs_shard_path(char *buf, size_t size, const char *dir, const char *prefix, unsigned shard)
{
    return snprintf(buf, size, "%s/%s-%04u.csv.zst", dir, prefix, shard);
}

static int spool_path(char *buf, size_t size, const char *dir, const char *prefix, unsigned shard)
{
    return snprintf(buf, size, "%s/%s-%04u.spool.tmp", dir, prefix, shard);
}

int cs_row_compare(const char *const *a, const char *const *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int c = strcmp(a[i] ? a[i] : "", b[i] ? b[i] : "");
        if (c)
            return c;
    }
    return 0;
}

/* ---------------------------------------------------------------- writer */

struct spool {
    char *buf;
    size_t len, cap;
    uint64_t rows; /* rows added */
    uint64_t raw;  /* uncompressed bytes already in the spool file */
};

struct cs_shard_writer {
    char *dir, *prefix;
    char **header;
    size_t ncols;
    unsigned nshards;
    struct spool *sp;
    ZSTD_CCtx *cctx;
    char *zbuf;
    size_t zcap;
    char err[ERRLEN];
};

cs_err cs_shard_writer_open(cs_shard_writer **out, const char *dir, const char *prefix,
                            const char *const *header, size_t ncols, unsigned nshards)
{
    *out = NULL;
    if (nshards < 1 || nshards > CS_SHARDS_MAX || ncols == 0)
        return CS_EINVAL;
    cs_shard_writer *w = calloc(1, sizeof(*w));
    if (!w)
        return CS_ENOMEM;
    w->dir = strdup(dir);
    w->prefix = strdup(prefix);
    w->header = calloc(ncols, sizeof(char *));
    w->sp = calloc(nshards, sizeof(*w->sp));
    w->cctx = ZSTD_createCCtx();
    w->ncols = ncols;
    w->nshards = nshards;
    if (!w->dir || !w->prefix || !w->header || !w->sp || !w->cctx) {
        cs_shard_writer_free(w);
        return CS_ENOMEM;
    }
    for (size_t i = 0; i < ncols; i++) {
        w->header[i] = strdup(header[i] ? header[i] : "");
        if (!w->header[i]) {
            cs_shard_writer_free(w);
            return CS_ENOMEM;
        }
    }
    *out = w;
    return CS_OK;
}

static cs_err spool_flush(cs_shard_writer *w, unsigned i)
{
    struct spool *s = &w->sp[i];
    if (s->len == 0)
        return CS_OK;
    size_t bound = ZSTD_compressBound(s->len);
    if (bound > w->zcap) {
        char *p = realloc(w->zbuf, bound);
        if (!p)
            return CS_ENOMEM;
        w->zbuf = p;
        w->zcap = bound;
    }
    ZSTD_CCtx_reset(w->cctx, ZSTD_reset_session_and_parameters);
    ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, SPOOL_LEVEL);
    size_t n = ZSTD_compress2(w->cctx, w->zbuf, w->zcap, s->buf, s->len);
    if (ZSTD_isError(n)) {
        snprintf(w->err, sizeof(w->err), "%s: spool compression failed: %s", w->dir,
                 ZSTD_getErrorName(n));
        return CS_EIO;
    }
    char path[4096];
    spool_path(path, sizeof(path), w->dir, w->prefix, i);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        cs_run_io_error(w->err, sizeof(w->err), path, "cannot open spool", errno);
        return CS_EIO;
    }
    if (cs_write_all(fd, w->zbuf, n) != CS_OK) {
        int e = errno;
        close(fd);
        cs_run_io_error(w->err, sizeof(w->err), path, "write failed", e);
        return CS_EIO;
    }
    if (close(fd) != 0) {
        cs_run_io_error(w->err, sizeof(w->err), path, "close failed", errno);
        return CS_EIO;
    }
    s->raw += s->len;
    s->len = 0;
    return CS_OK;
}

cs_err cs_shard_writer_add(cs_shard_writer *w, const char *const *fields)
{
    if (!fields[0] || fields[0][0] == '\0')
        return CS_EINVAL;
    size_t need = 0;
    for (size_t i = 0; i < w->ncols; i++)
        need += (fields[i] ? strlen(fields[i]) : 0) + 1;
    unsigned k = cs_shard_of(fields[0], w->nshards);
    struct spool *s = &w->sp[k];
    if (s->len + need > s->cap) {
        size_t cap = s->cap ? s->cap : 4096;
        while (cap < s->len + need)
            cap *= 2;
        char *p = realloc(s->buf, cap);
        if (!p)
            return CS_ENOMEM;
        s->buf = p;
        s->cap = cap;
    }
    for (size_t i = 0; i < w->ncols; i++) {
        const char *f = fields[i] ? fields[i] : "";
        size_t n = strlen(f) + 1;
        memcpy(s->buf + s->len, f, n);
        s->len += n;
    }
    s->rows++;
    if (s->len >= SPOOL_FLUSH)
        return spool_flush(w, k);
    return CS_OK;
}

/* Reads the whole spool of shard i into *out (exactly raw bytes). */
static cs_err spool_load(cs_shard_writer *w, unsigned i, char **out)
{
    struct spool *s = &w->sp[i];
    *out = NULL;
    if (s->raw == 0)
        return CS_OK;
    char path[4096];
    spool_path(path, sizeof(path), w->dir, w->prefix, i);
    char *raw = malloc(s->raw);
    char *in = malloc(READ_CHUNK);
    ZSTD_DCtx *d = ZSTD_createDCtx();
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    cs_err rc = CS_OK;
    if (!raw || !in || !d) {
        rc = CS_ENOMEM;
        goto done;
    }
    if (fd < 0) {
        cs_run_io_error(w->err, sizeof(w->err), path, "cannot open spool", errno);
        rc = CS_EIO;
        goto done;
    }
    ZSTD_outBuffer ob = {raw, s->raw, 0};
    size_t last = 1;
    for (;;) {
        ssize_t n = read(fd, in, READ_CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            cs_run_io_error(w->err, sizeof(w->err), path, "read failed", errno);
            rc = CS_EIO;
            goto done;
        }
        if (n == 0)
            break;
        ZSTD_inBuffer ib = {in, (size_t)n, 0};
        while (ib.pos < ib.size) {
            size_t before = ob.pos;
            last = ZSTD_decompressStream(d, &ob, &ib);
            if (ZSTD_isError(last) || (ob.pos == ob.size && ob.pos == before && last != 0)) {
                snprintf(w->err, sizeof(w->err), "%s: spool is corrupt", path);
                rc = CS_ECORRUPT;
                goto done;
            }
        }
    }
    if (last != 0 || ob.pos != s->raw) {
        snprintf(w->err, sizeof(w->err), "%s: spool is truncated", path);
        rc = CS_ECORRUPT;
        goto done;
    }
    *out = raw;
    raw = NULL;
done:
    if (fd >= 0)
        close(fd);
    ZSTD_freeDCtx(d);
    free(in);
    free(raw);
    return rc;
}

/* Splits the record at p into ncols field pointers; returns the start of the next record. */
static const char *record_fields(const char *p, size_t ncols, const char **f)
{
    for (size_t i = 0; i < ncols; i++) {
        f[i] = p;
        p += strlen(p) + 1;
    }
    return p;
}

static int record_cmp(const void *a, const void *b, void *arg)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    size_t ncols = *(const size_t *)arg;
    for (size_t i = 0; i < ncols; i++) {
        int c = strcmp(x, y);
        if (c)
            return c;
        x += strlen(x) + 1;
        y += strlen(y) + 1;
    }
    return 0;
}

/* Compresses b (or finishes the frame when end) and writes the output to fd. */
static cs_err shard_emit(cs_shard_writer *w, int fd, const char *path, cs_strbuf *b, bool end)
{
    ZSTD_inBuffer ib = {b->data, b->len, 0};
    for (;;) {
        ZSTD_outBuffer ob = {w->zbuf, w->zcap, 0};
        size_t left = ZSTD_compressStream2(w->cctx, &ob, &ib, end ? ZSTD_e_end : ZSTD_e_continue);
        if (ZSTD_isError(left)) {
            snprintf(w->err, sizeof(w->err), "%s: compression failed: %s", path,
                     ZSTD_getErrorName(left));
            return CS_EIO;
        }
        if (ob.pos && cs_write_all(fd, w->zbuf, ob.pos) != CS_OK) {
            cs_run_io_error(w->err, sizeof(w->err), path, "write failed", errno);
            return CS_EIO;
        }
        if (end ? left == 0 : ib.pos == ib.size)
            break;
    }
    cs_strbuf_clear(b);
    return CS_OK;
}

static cs_err shard_write(cs_shard_writer *w, unsigned i)
{
    struct spool *s = &w->sp[i];
    char final[4096], tmp[4200];
    cs_shard_path(final, sizeof(final), w->dir, w->prefix, i);
    snprintf(tmp, sizeof(tmp), "%s.tmp", final);
    cs_err rc = spool_flush(w, i);
    if (rc != CS_OK)
        return rc;
    free(s->buf);
    s->buf = NULL;
    s->cap = 0;

    char *raw = NULL;
    const char **rows = NULL, **f = NULL;
    cs_strbuf b = {0};
    int fd = -1;
    if ((rc = spool_load(w, i, &raw)) != CS_OK)
        return rc;
    rows = malloc((s->rows ? s->rows : 1) * sizeof(*rows));
    f = malloc(w->ncols * sizeof(*f));
    size_t zneed = ZSTD_CStreamOutSize();
    if (w->zcap < zneed) {
        char *p = realloc(w->zbuf, zneed);
        if (p) {
            w->zbuf = p;
            w->zcap = zneed;
        }
    }
    if (!rows || !f || w->zcap < zneed) {
        rc = CS_ENOMEM;
        goto done;
    }
    const char *p = raw, *end = raw + s->raw;
    for (uint64_t r = 0; r < s->rows; r++) {
        rows[r] = p;
        /* Each field ends with a NUL inside the block; memchr keeps the walk inside it. */
        for (size_t c = 0; c < w->ncols; c++) {
            const char *nul = p < end ? memchr(p, '\0', (size_t)(end - p)) : NULL;
            if (!nul) {
                snprintf(w->err, sizeof(w->err), "%s: spool does not hold %" PRIu64 " rows", final,
                         s->rows);
                rc = CS_ECORRUPT;
                goto done;
            }
            p = nul + 1;
        }
    }
    qsort_r(rows, s->rows, sizeof(*rows), record_cmp, &w->ncols);

    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        cs_run_io_error(w->err, sizeof(w->err), tmp, "cannot create", errno);
        rc = CS_EIO;
        goto done;
    }
    ZSTD_CCtx_reset(w->cctx, ZSTD_reset_session_and_parameters);
    ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, SHARD_LEVEL);
    ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_checksumFlag, 1);
    ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_windowLog, SHARD_WINDOW_LOG);
    if (cs_csv_append_row(&b, (const char *const *)w->header, w->ncols) != CS_OK) {
        rc = CS_ENOMEM;
        goto done;
    }
    for (uint64_t r = 0; r < s->rows; r++) {
        record_fields(rows[r], w->ncols, f);
        if (cs_csv_append_row(&b, f, w->ncols) != CS_OK) {
            rc = CS_ENOMEM;
            goto done;
        }
        if (b.len >= OUT_BATCH && (rc = shard_emit(w, fd, tmp, &b, false)) != CS_OK)
            goto done;
    }
    if ((rc = shard_emit(w, fd, tmp, &b, true)) != CS_OK)
        goto done;
    int tfd = fd;
    fd = -1;
    if (cs_fsync_close(tfd) != CS_OK) {
        cs_run_io_error(w->err, sizeof(w->err), tmp, "fsync/close failed", errno);
        rc = CS_EIO;
        goto done;
    }
    if (rename(tmp, final) != 0) {
        cs_run_io_error(w->err, sizeof(w->err), final, "rename failed", errno);
        rc = CS_EIO;
        goto done;
    }
    char sp[4096];
    spool_path(sp, sizeof(sp), w->dir, w->prefix, i);
    unlink(sp);
done:
    if (fd >= 0)
        close(fd);
    if (rc != CS_OK)
        unlink(tmp);
    cs_strbuf_free(&b);
    free(f);
    free(rows);
    free(raw);
    return rc;
}

cs_err cs_shard_writer_finish_shard(cs_shard_writer *w, unsigned i)
{
    if (i >= w->nshards)
        return CS_EINVAL;
    cs_err rc = shard_write(w, i);
    if (rc == CS_ENOMEM && !w->err[0])
        snprintf(w->err, sizeof(w->err), "%s: out of memory writing shard %u", w->dir, i);
    return rc;
}

cs_err cs_shard_writer_finish(cs_shard_writer *w)
{
    for (unsigned i = 0; i < w->nshards; i++) {
        cs_err rc = cs_shard_writer_finish_shard(w, i);
        if (rc != CS_OK)
            return rc;
    }
    return cs_shard_writer_sync(w);
}

cs_err cs_shard_writer_sync(cs_shard_writer *w)
{
    if (cs_fsync_dir(w->dir) != CS_OK) {
        cs_run_io_error(w->err, sizeof(w->err), w->dir, "fsync failed", errno);
        return CS_EIO;
    }
    return CS_OK;
}

void cs_shard_writer_abort(cs_shard_writer *w)
{
    char path[4096];
    for (unsigned i = 0; i < w->nshards; i++) {
        spool_path(path, sizeof(path), w->dir, w->prefix, i);
        unlink(path);
        int n = cs_shard_path(path, sizeof(path) - 4, w->dir, w->prefix, i);
        if (n > 0 && (size_t)n < sizeof(path) - 4) {
            memcpy(path + n, ".tmp", 5);
            unlink(path);
        }
    }
}

uint64_t cs_shard_writer_rows(const cs_shard_writer *w, unsigned shard)
{
    return shard < w->nshards ? w->sp[shard].rows : 0;
}

unsigned cs_shard_writer_nshards(const cs_shard_writer *w)
{
    return w->nshards;
}

const char *cs_shard_writer_error(const cs_shard_writer *w)
{
    return w->err;
}

void cs_shard_writer_free(cs_shard_writer *w)
{
    if (!w)
        return;
    if (w->sp)
        for (unsigned i = 0; i < w->nshards; i++)
            free(w->sp[i].buf);
    if (w->header)
        for (size_t i = 0; i < w->ncols; i++)
            free(w->header[i]);
    free(w->header);
    free(w->sp);
    free(w->dir);
    free(w->prefix);
    free(w->zbuf);
    ZSTD_freeCCtx(w->cctx);
    free(w);
}

/* ---------------------------------------------------------------- reader */

struct cs_shard_reader {
    char *path;
    int fd;
    ZSTD_DCtx *dctx;
    char *in;
    ZSTD_inBuffer ib;
    size_t zlast;    /* last ZSTD_decompressStream result: 0 at a frame end */
    bool flush_more; /* the last decompress call filled its output */
    bool file_eof;
    bool done; /* csv_fini called, nothing more to parse */
    bool failed;
    bool have_header;
    char *out;
    struct csv_parser csv;

    /* Arena of completed fields of queued rows and of the row being parsed. */
    char *arena;
    size_t alen, acap;
    size_t *fofs; /* field offsets into arena */
    size_t nf, cf;
    size_t *rstart; /* index into fofs of each completed row */
    size_t *rcount; /* field count of each completed row */
    size_t nrows, crows, head;
    size_t row_first; /* fofs index of the row being parsed */
    size_t pending_bytes;

    char **header;
    size_t ncols;
    const char **cur;
    char *prev_key;
    size_t prev_cap;
    uint64_t rowno;
    int cb_error; /* CS_ENOMEM or CS_ECORRUPT from a callback */
    char err[ERRLEN];
};

static int no_space(unsigned char c)
{
    return 0;
}

static void on_field(void *s, size_t len, void *data)
{
    cs_shard_reader *r = data;
    if (r->cb_error)
        return;
    if (s && memchr(s, '\0', len)) {
        r->cb_error = CS_ECORRUPT;
        snprintf(r->err, sizeof(r->err), "%s: row %" PRIu64 ": NUL byte in a field", r->path,
                 r->rowno + (r->nrows - r->head) + (r->have_header ? 1 : 0));
        return;
    }
    if (r->alen + len + 1 > r->acap) {
        size_t cap = r->acap ? r->acap : 65536;
        while (cap < r->alen + len + 1)
            cap *= 2;
        char *p = realloc(r->arena, cap);
        if (!p) {
            r->cb_error = CS_ENOMEM;
            return;
        }
        r->arena = p;
        r->acap = cap;
    }
    if (r->nf == r->cf) {
        size_t cap = r->cf ? r->cf * 2 : 256;
        size_t *p = realloc(r->fofs, cap * sizeof(*p));
        if (!p) {
            r->cb_error = CS_ENOMEM;
            return;
        }
        r->fofs = p;
        r->cf = cap;
    }
    r->fofs[r->nf++] = r->alen;
    if (len)
        memcpy(r->arena + r->alen, s, len);
    r->alen += len;
    r->arena[r->alen++] = '\0';
}

static void on_row(int c, void *data)
{
    cs_shard_reader *r = data;
    if (r->cb_error)
        return;
    if (r->nrows == r->crows) {
        size_t cap = r->crows ? r->crows * 2 : 64;
        size_t *a = realloc(r->rstart, cap * sizeof(*a));
        if (a)
            r->rstart = a;
        size_t *b = realloc(r->rcount, cap * sizeof(*b));
        if (b)
            r->rcount = b;
        if (!a || !b) {
            r->cb_error = CS_ENOMEM;
            return;
        }
        r->crows = cap;
    }
    r->rstart[r->nrows] = r->row_first;
    r->rcount[r->nrows] = r->nf - r->row_first;
    r->nrows++;
    r->row_first = r->nf;
    r->pending_bytes = 0;
}

static cs_err reader_fail(cs_shard_reader *r, cs_err rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static cs_err reader_fail(cs_shard_reader *r, cs_err rc, const char *fmt, ...)
{
    r->failed = true;
    if (fmt) {
        char why[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, sizeof(why), fmt, ap);
        va_end(ap);
        snprintf(r->err, sizeof(r->err), "%s: %s", r->path, why);
    }
    return rc;
}

/* Moves the fields of the row being parsed to the start of the arena; the queue is empty. */
static void reader_compact(cs_shard_reader *r)
{
    size_t keep = r->nf - r->row_first;
    size_t base = keep ? r->fofs[r->row_first] : r->alen;
    if (r->alen > base)
        memmove(r->arena, r->arena + base, r->alen - base);
    r->alen -= base;
    for (size_t i = 0; i < keep; i++)
        r->fofs[i] = r->fofs[r->row_first + i] - base;
    r->nf = keep;
    r->row_first = 0;
    r->nrows = r->head = 0;
}

/* Row number (1-based, after the header) of the next row the parser completes. */
static uint64_t parse_rowno(const cs_shard_reader *r)
{
    return r->rowno + (r->nrows - r->head) + (r->have_header ? 1 : 0);
}

/* Decompresses and parses one more piece. Returns CS_OK (maybe with no new row) or an error. */
static cs_err reader_feed(cs_shard_reader *r)
{
    if (!r->flush_more && r->ib.pos == r->ib.size && !r->file_eof) {
        ssize_t n;
        do
            n = read(r->fd, r->in, READ_CHUNK);
        while (n < 0 && errno == EINTR);
        if (n < 0)
            return reader_fail(r, CS_EIO, "read failed: %s", strerror(errno));
        r->ib.src = r->in;
        r->ib.size = (size_t)n;
        r->ib.pos = 0;
        if (n == 0)
            r->file_eof = true;
    }
    if (r->file_eof && !r->flush_more && r->ib.pos == r->ib.size) {
        if (r->zlast != 0)
            return reader_fail(
                r, CS_ECORRUPT, "row %" PRIu64 ": file is truncated (%s)", parse_rowno(r),
                r->alen || r->have_header ? "zstd frame incomplete" : "empty or not zstd");
        if (csv_fini(&r->csv, on_field, on_row, r) != 0)
            return reader_fail(r, CS_ECORRUPT, "row %" PRIu64 ": %s", parse_rowno(r),
                               "unterminated quoted field at end of file");
        if (r->cb_error)
            return reader_fail(r, (cs_err)r->cb_error, NULL);
        r->done = true;
        return CS_OK;
    }
    ZSTD_outBuffer ob = {r->out, FEED_CHUNK, 0};
    size_t in_before = r->ib.pos;
    size_t z = ZSTD_decompressStream(r->dctx, &ob, &r->ib);
    if (ZSTD_isError(z))
        return reader_fail(r, CS_ECORRUPT, "row %" PRIu64 ": corrupt compressed data (%s)",
                           parse_rowno(r), ZSTD_getErrorName(z));
    /* A call that neither read nor wrote says nothing about the frame: after a frame that ended
     * exactly at a full output buffer, the call that checks for more returns the size of the
     * next frame's header, and the file would look cut short. */
    if (ob.pos > 0 || r->ib.pos != in_before)
        r->zlast = z;
    r->flush_more = ob.pos == ob.size;
    if (ob.pos == 0)
        return CS_OK;
    r->pending_bytes += ob.pos;
    if (r->pending_bytes > MAX_ROW_BYTES)
        return reader_fail(r, CS_ECORRUPT, "row %" PRIu64 ": row longer than %d bytes",
                           parse_rowno(r), MAX_ROW_BYTES);
    size_t used = csv_parse(&r->csv, r->out, ob.pos, on_field, on_row, r);
    if (r->cb_error == CS_ENOMEM)
        return reader_fail(r, CS_ENOMEM, "out of memory");
    if (r->cb_error)
        return reader_fail(r, (cs_err)r->cb_error, NULL);
    if (used != ob.pos)
        return reader_fail(r, CS_ECORRUPT, "row %" PRIu64 ": malformed CSV (%s)", parse_rowno(r),
                           csv_strerror(csv_error(&r->csv)));
    return CS_OK;
}

/* Makes sure a completed row is queued; *have false at the end of the file. */
static cs_err reader_fill(cs_shard_reader *r, bool *have)
{
    if (r->head == r->nrows)
        reader_compact(r);
    while (r->head == r->nrows) {
        if (r->done) {
            *have = false;
            return CS_OK;
        }
        cs_err rc = reader_feed(r);
        if (rc != CS_OK)
            return rc;
    }
    *have = true;
    return CS_OK;
}

cs_err cs_shard_reader_open(cs_shard_reader **out, const char *path, char *err, size_t errlen)
{
    *out = NULL;
    cs_shard_reader *r = calloc(1, sizeof(*r));
    if (!r)
        return CS_ENOMEM;
    r->fd = -1;
    r->zlast = 1;
    r->path = strdup(path);
    r->in = malloc(READ_CHUNK);
    r->out = malloc(FEED_CHUNK);
    r->dctx = ZSTD_createDCtx();
    cs_err rc = CS_OK;
    if (!r->path || !r->in || !r->out || !r->dctx ||
        csv_init(&r->csv, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
        rc = CS_ENOMEM;
        snprintf(r->err, sizeof(r->err), "%s: out of memory", path);
        goto fail;
    }
    csv_set_space_func(&r->csv, no_space);
    /* libcsv grows its field buffer by this much: the default (128) makes long fields quadratic. */
    csv_set_blk_size(&r->csv, 64 * 1024);
    r->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (r->fd < 0) {
        rc = CS_EIO;
        snprintf(r->err, sizeof(r->err), "%s: cannot open: %s", path, strerror(errno));
        goto fail;
    }
    bool have;
    if ((rc = reader_fill(r, &have)) != CS_OK)
        goto fail;
    if (!have) {
        rc = reader_fail(r, CS_ECORRUPT, "no header row");
        goto fail;
    }
    r->ncols = r->rcount[r->head];
    r->header = calloc(r->ncols, sizeof(char *));
    r->cur = calloc(r->ncols, sizeof(char *));
    if (!r->header || !r->cur) {
        rc = CS_ENOMEM;
        goto fail;
    }
    for (size_t i = 0; i < r->ncols; i++) {
        r->header[i] = strdup(r->arena + r->fofs[r->rstart[r->head] + i]);
        if (!r->header[i]) {
            rc = CS_ENOMEM;
            goto fail;
        }
    }
    r->head++;
    r->have_header = true;
    *out = r;
    return CS_OK;
fail:
    snprintf(err, errlen, "%s", r->err[0] ? r->err : cs_strerror(rc));
    cs_shard_reader_free(r);
    return rc;
}

const char *const *cs_shard_reader_header(const cs_shard_reader *r, size_t *n)
{
    *n = r->ncols;
    return (const char *const *)r->header;
}

cs_err cs_shard_reader_next(cs_shard_reader *r, bool *have, const char *const **fields)
{
    *have = false;
    if (r->failed)
        return CS_ECORRUPT;
    cs_err rc = reader_fill(r, have);
    if (rc != CS_OK || !*have)
        return rc;
    size_t n = r->rcount[r->head];
    uint64_t rowno = r->rowno + 1;
    if (n != r->ncols) {
        *have = false;
        return reader_fail(r, CS_ECORRUPT, "row %" PRIu64 ": %zu fields, the header has %zu", rowno,
                           n, r->ncols);
    }
    for (size_t i = 0; i < n; i++)
        r->cur[i] = r->arena + r->fofs[r->rstart[r->head] + i];
    const char *key = r->cur[0];
    size_t klen = strlen(key);
    if (klen == 0) {
        *have = false;
        return reader_fail(r, CS_ECORRUPT, "row %" PRIu64 ": empty %s", rowno, r->header[0]);
    }
    if (r->prev_key && strcmp(r->prev_key, key) > 0) {
        *have = false;
        return reader_fail(r, CS_ECORRUPT, "row %" PRIu64 ": not sorted (%s after %s)", rowno, key,
                           r->prev_key);
    }
    if (klen + 1 > r->prev_cap) {
        char *p = realloc(r->prev_key, klen + 1);
        if (!p) {
            *have = false;
            return reader_fail(r, CS_ENOMEM, "out of memory");
        }
        r->prev_key = p;
        r->prev_cap = klen + 1;
    }
    memcpy(r->prev_key, key, klen + 1);
    r->head++;
    r->rowno = rowno;
    *fields = r->cur;
    return CS_OK;
}

uint64_t cs_shard_reader_rowno(const cs_shard_reader *r)
{
    return r->rowno;
}

const char *cs_shard_reader_error(const cs_shard_reader *r)
{
    return r->err;
}

void cs_shard_reader_free(cs_shard_reader *r)
{
    if (!r)
        return;
    if (r->fd >= 0)
        close(r->fd);
    csv_free(&r->csv);
    ZSTD_freeDCtx(r->dctx);
    if (r->header)
        for (size_t i = 0; i < r->ncols; i++)
            free(r->header[i]);
    free(r->header);
    free(r->cur);
    free(r->prev_key);
    free(r->arena);
    free(r->fofs);
    free(r->rstart);
    free(r->rcount);
    free(r->in);
    free(r->out);
    free(r->path);
    free(r);
}
