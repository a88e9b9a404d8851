/* journal.c -- finished rows of a run as checkpointed zstd frames, and their reader (journal.h). */
#include "caascan/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "caascan/csvout.h"
#include "caascan/fileio.h"

#define HEADER_LEN     17 /* "CSJ1", kind, session, ncols, nrows */
#define JOURNAL_LEVEL  1
#define MAX_FRAME_ROWS 0xffffffffu

struct jbuf {
    char *data;
    size_t len, cap;
    uint32_t nrows;
    uint32_t ncols;
};

/* A checkpoint's frames waiting for the writer thread. */
struct pending {
    struct pending *next;
    size_t len;
    char data[];
};

/*
 * Checkpoints are written and fdatasync()ed by a thread of their own: an fsync can take seconds
 * on a busy disk (it waits for the file system's journal), and the event loop must not wait.
 */
struct cs_journal {
    char *path;
    char *dir;
    int fd;
    uint32_t session;
    uint64_t size; /* bytes of complete frames in the file (writer thread) */
    struct jbuf r, s;
    ZSTD_CCtx *cctx;
    char *zbuf;
    size_t zcap;
    pthread_t thread;
    bool thread_started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct pending *head, *tail; /* queued checkpoints */
    bool busy;                   /* the thread is writing one */
    bool quit;
    atomic_bool failed; /* a write failed: nothing more is written */
    char err[4600];     /* set once, before failed */
};

static void *writer(void *arg)
{
    cs_journal *j = arg;
    pthread_mutex_lock(&j->mu);
    for (;;) {
        while (!j->head && !j->quit)
            pthread_cond_wait(&j->cv, &j->mu);
        if (!j->head)
            break;
        struct pending *p = j->head;
        j->head = p->next;
        if (!j->head)
            j->tail = NULL;
        j->busy = true;
        bool failed = atomic_load(&j->failed);
        pthread_mutex_unlock(&j->mu);
        if (!failed) {
            if (cs_write_all(j->fd, p->data, p->len) != CS_OK || fdatasync(j->fd) != 0) {
                int e = errno;
                cs_run_io_error(j->err, sizeof(j->err), j->path, "write failed", e);
                /* Best effort: the reader drops a torn frame anyway. */
                if (ftruncate(j->fd, (off_t)j->size) == 0)
                    lseek(j->fd, 0, SEEK_END);
                atomic_store(&j->failed, true);
            } else {
                j->size += p->len;
            }
        }
        free(p);
        pthread_mutex_lock(&j->mu);
        j->busy = false;
        pthread_cond_broadcast(&j->cv);
    }
    pthread_mutex_unlock(&j->mu);
    return NULL;
}

static void put_u32(char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (char)(v >> (8 * i));
}

static void put_u64(char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (char)(v >> (8 * i));
}

static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_u64(const unsigned char *p)
{
    return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

cs_err cs_journal_open(cs_journal **out, const char *dir, uint32_t session, uint64_t keep_bytes,
                       char *err, size_t errlen)
{
    *out = NULL;
    cs_journal *j = calloc(1, sizeof(*j));
    if (j)
        j->fd = -1;
    size_t plen = strlen(dir) + sizeof(CS_JOURNAL_FILE) + 1;
    if (!j || !(j->dir = strdup(dir)) || !(j->path = malloc(plen)) ||
        !(j->cctx = ZSTD_createCCtx())) {
        cs_journal_free(j);
        snprintf(err, errlen, "%s: out of memory", dir);
        return CS_ENOMEM;
    }
    snprintf(j->path, plen, "%s/%s", dir, CS_JOURNAL_FILE);
    bool existed = access(j->path, F_OK) == 0;
    j->fd = open(j->path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (j->fd < 0) {
        cs_run_io_error(err, errlen, j->path, "cannot open", errno);
        cs_journal_free(j);
        return CS_EIO;
    }
    /* A torn tail is cut off, so that new frames follow complete ones. */
    if (ftruncate(j->fd, (off_t)keep_bytes) != 0 || lseek(j->fd, 0, SEEK_END) < 0 ||
        (!existed && cs_fsync_dir(dir) != CS_OK)) {
        cs_run_io_error(err, errlen, j->path, "cannot prepare", errno);
        cs_journal_free(j);
        return CS_EIO;
    }
    j->size = keep_bytes;
    j->session = session;
    pthread_mutex_init(&j->mu, NULL);
    pthread_cond_init(&j->cv, NULL);
    if (pthread_create(&j->thread, NULL, writer, j) != 0) {
        snprintf(err, errlen, "%s: cannot start the journal's writer: %s", j->path,
                 strerror(errno));
        cs_journal_free(j);
        return CS_ENOMEM;
    }
    j->thread_started = true;
    *out = j;
    return CS_OK;
}

static cs_err jbuf_reserve(struct jbuf *b, size_t more)
{
    if (b->len + more <= b->cap)
        return CS_OK;
    size_t cap = b->cap ? b->cap : 65536;
    while (cap < b->len + more)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p)
        return CS_ENOMEM;
    b->data = p;
    b->cap = cap;
    return CS_OK;
}

cs_err cs_journal_add(cs_journal *j, char kind, uint64_t entry, const char *const *fields,
                      size_t ncols)
{
    struct jbuf *b = kind == CS_JOURNAL_SERVER ? &j->s : &j->r;
    size_t need = 8;
    for (size_t i = 0; i < ncols; i++)
        need += (fields[i] ? strlen(fields[i]) : 0) + 1;
    if (b->nrows == 0) {
        b->len = 0;
        b->ncols = (uint32_t)ncols;
        if (jbuf_reserve(b, HEADER_LEN) != CS_OK)
            return CS_ENOMEM;
        b->len = HEADER_LEN;
    }
    if (b->ncols != ncols || b->nrows == MAX_FRAME_ROWS)
        return CS_EINVAL;
    if (jbuf_reserve(b, need) != CS_OK)
        return CS_ENOMEM;
    put_u64(b->data + b->len, entry);
    b->len += 8;
    for (size_t i = 0; i < ncols; i++) {
        const char *f = fields[i] ? fields[i] : "";
        size_t n = strlen(f) + 1;
        memcpy(b->data + b->len, f, n);
        b->len += n;
    }
    b->nrows++;
    return CS_OK;
}

size_t cs_journal_pending(const cs_journal *j)
{
    return (j->r.nrows ? j->r.len : 0) + (j->s.nrows ? j->s.len : 0);
}

/* Compresses buffer b as one frame appended to j->zbuf at *zlen. */
static cs_err frame(cs_journal *j, struct jbuf *b, char kind, size_t *zlen)
{
    if (b->nrows == 0)
        return CS_OK;
    memcpy(b->data, "CSJ1", 4);
    b->data[4] = kind;
    put_u32(b->data + 5, j->session);
    put_u32(b->data + 9, b->ncols);
    put_u32(b->data + 13, b->nrows);
    size_t bound = ZSTD_compressBound(b->len);
    if (*zlen + bound > j->zcap) {
        char *p = realloc(j->zbuf, *zlen + bound);
        if (!p)
            return CS_ENOMEM;
        j->zbuf = p;
        j->zcap = *zlen + bound;
    }
    ZSTD_CCtx_reset(j->cctx, ZSTD_reset_session_and_parameters);
    ZSTD_CCtx_setParameter(j->cctx, ZSTD_c_compressionLevel, JOURNAL_LEVEL);
    ZSTD_CCtx_setParameter(j->cctx, ZSTD_c_checksumFlag, 1);
    ZSTD_CCtx_setParameter(j->cctx, ZSTD_c_contentSizeFlag, 1);
    size_t n = ZSTD_compress2(j->cctx, j->zbuf + *zlen, bound, b->data, b->len);
    if (ZSTD_isError(n)) {
        snprintf(j->err, sizeof(j->err), "%s: compression failed: %s", j->path,
                 ZSTD_getErrorName(n));
        return CS_EIO;
    }
    *zlen += n;
    return CS_OK;
}

cs_err cs_journal_flush(cs_journal *j)
{
    if (atomic_load(&j->failed))
        return CS_EIO;
    if (j->r.nrows == 0 && j->s.nrows == 0)
        return CS_OK;
    size_t zlen = 0;
    cs_err rc = frame(j, &j->r, CS_JOURNAL_RESULT, &zlen);
    if (rc == CS_OK)
        rc = frame(j, &j->s, CS_JOURNAL_SERVER, &zlen);
    struct pending *p = rc == CS_OK ? malloc(sizeof(*p) + zlen) : NULL;
    if (rc == CS_OK && !p)
        rc = CS_ENOMEM;
    if (rc != CS_OK) {
        if (rc == CS_ENOMEM) {
            pthread_mutex_lock(&j->mu);
            if (!atomic_load(&j->failed))
                snprintf(j->err, sizeof(j->err), "%s: out of memory", j->path);
            pthread_mutex_unlock(&j->mu);
        }
        return rc;
    }
    p->next = NULL;
    p->len = zlen;
    memcpy(p->data, j->zbuf, zlen);
    pthread_mutex_lock(&j->mu);
    if (j->tail)
        j->tail->next = p;
    else
        j->head = p;
    j->tail = p;
    pthread_cond_broadcast(&j->cv);
    pthread_mutex_unlock(&j->mu);
    j->r.nrows = j->s.nrows = 0;
    j->r.len = j->s.len = 0;
    return CS_OK;
}

cs_err cs_journal_sync(cs_journal *j)
{
    cs_err rc = cs_journal_flush(j);
    pthread_mutex_lock(&j->mu);
    while (j->head || j->busy)
        pthread_cond_wait(&j->cv, &j->mu);
    pthread_mutex_unlock(&j->mu);
    return rc == CS_OK && atomic_load(&j->failed) ? CS_EIO : rc;
}

bool cs_journal_failed(const cs_journal *j)
{
    return atomic_load(&((cs_journal *)j)->failed);
}

const char *cs_journal_error(const cs_journal *j)
{
    return j->err;
}

void cs_journal_free(cs_journal *j)
{
    if (!j)
        return;
    if (j->thread_started) {
        /* What is queued is still written: a checkpoint handed over is not dropped. */
        pthread_mutex_lock(&j->mu);
        j->quit = true;
        pthread_cond_broadcast(&j->cv);
        pthread_mutex_unlock(&j->mu);
        pthread_join(j->thread, NULL);
        pthread_mutex_destroy(&j->mu);
        pthread_cond_destroy(&j->cv);
    }
    if (j->fd >= 0)
        close(j->fd);
    free(j->r.data);
    free(j->s.data);
    free(j->zbuf);
    ZSTD_freeCCtx(j->cctx);
    free(j->path);
    free(j->dir);
    free(j);
}

/* ---------------------------------------------------------------- reader */

/* Checks the layout of one decompressed frame; hands its rows over only when all of it is sound. */
static cs_err frame_rows(const unsigned char *p, size_t n, size_t ncols_r, size_t ncols_s,
                         uint64_t nentries, unsigned char *seen, cs_journal_row_cb cb, void *arg,
                         struct cs_journal_info *info, const char ***fields, size_t *fcap,
                         bool *bad)
{
    *bad = true;
    if (n < HEADER_LEN || memcmp(p, "CSJ1", 4) != 0)
        return CS_OK;
    char kind = (char)p[4];
    uint32_t session = get_u32(p + 5), ncols = get_u32(p + 9), nrows = get_u32(p + 13);
    if ((kind != CS_JOURNAL_RESULT && kind != CS_JOURNAL_SERVER) || session == 0 || nrows == 0 ||
        ncols != (kind == CS_JOURNAL_RESULT ? ncols_r : ncols_s) || ncols == 0)
        return CS_OK;
    if (ncols > *fcap) {
        const char **f = realloc(*fields, ncols * sizeof(*f));
        if (!f)
            return CS_ENOMEM;
        *fields = f;
        *fcap = ncols;
    }
    /* First pass: every row complete, the frame ends with the last one. */
    const unsigned char *q = p + HEADER_LEN, *end = p + n;
    for (uint32_t r = 0; r < nrows; r++) {
        if ((size_t)(end - q) < 8)
            return CS_OK;
        q += 8;
        for (uint32_t c = 0; c < ncols; c++) {
            const unsigned char *nul = memchr(q, '\0', (size_t)(end - q));
            if (!nul)
                return CS_OK;
            q = nul + 1;
        }
    }
    if (q != end)
        return CS_OK;
    *bad = false;
    q = p + HEADER_LEN;
    for (uint32_t r = 0; r < nrows; r++) {
        uint64_t entry = get_u64(q);
        q += 8;
        for (uint32_t c = 0; c < ncols; c++) {
            (*fields)[c] = (const char *)q;
            q += strlen((const char *)q) + 1;
        }
        if (kind == CS_JOURNAL_RESULT) {
            if (entry >= nentries || (*fields)[0][0] == '\0') {
                info->out_of_range++;
                continue;
            }
            if (seen[entry / 8] & (1u << (entry % 8))) {
                info->duplicates++;
                continue;
            }
            seen[entry / 8] |= (unsigned char)(1u << (entry % 8));
        }
        struct cs_journal_row row = {
            .kind = kind,
            .session = session,
            .entry = kind == CS_JOURNAL_RESULT ? entry : 0,
            .ncols = ncols,
            .fields = *fields,
        };
        info->rows++;
        cs_err rc = cb(&row, arg);
        if (rc == CS_JOURNAL_DECLINE && kind == CS_JOURNAL_RESULT) {
            seen[entry / 8] &= (unsigned char)~(1u << (entry % 8));
            info->rows--;
            info->declined++;
            continue;
        }
        if (rc != CS_OK)
            return rc;
    }
    return CS_OK;
}

/* A read of a journal, fed its bytes in order: the whole of it (cs_journal_read_mem) or a piece at
 * a time as they come from the file (cs_journal_read). */
struct jreader {
    size_t ncols_r, ncols_s;
    uint64_t nentries;
    cs_journal_row_cb cb;
    void *arg;
    struct cs_journal_info *info;
    unsigned char *seen; /* result entries handed over */
    ZSTD_DCtx *d;
    unsigned char *out; /* one decompressed frame */
    size_t outcap;
    const char **fields;
    size_t fcap;
    uint64_t base; /* offset in the journal of the bytes fed next */
};

static cs_err jreader_init(struct jreader *r, size_t ncols_results, size_t ncols_servers,
                           uint64_t nentries, cs_journal_row_cb cb, void *arg,
                           struct cs_journal_info *info)
{
    memset(info, 0, sizeof(*info));
    *r = (struct jreader){.ncols_r = ncols_results,
                          .ncols_s = ncols_servers,
                          .nentries = nentries,
                          .cb = cb,
                          .arg = arg,
                          .info = info};
    r->seen = calloc(nentries / 8 + 1, 1);
    r->d = ZSTD_createDCtx();
    return r->seen && r->d ? CS_OK : CS_ENOMEM;
}

static void jreader_free(struct jreader *r)
{
    free(r->fields);
    free(r->out);
    ZSTD_freeDCtx(r->d);
    free(r->seen);
}

/*
 * Reads the whole frames at the start of p[0, len) and sets *used to their length. A frame that
 * cannot be delimited waits for more bytes, or at the end of the journal (at_end) is its torn
 * tail: nothing after it is read.
 */
static cs_err jreader_feed(struct jreader *r, const unsigned char *p, size_t len, bool at_end,
                           size_t *used)
{
    struct cs_journal_info *info = r->info;
    size_t pos = 0;
    cs_err rc = CS_OK;
    while (pos < len) {
        size_t fl = ZSTD_findFrameCompressedSize(p + pos, len - pos);
        if (ZSTD_isError(fl)) {
            /* Cut short, or a frame header that cannot be delimited: nothing after it can be. */
            info->torn_tail = at_end;
            break;
        }
        unsigned long long csize = ZSTD_getFrameContentSize(p + pos, fl);
        info->frames++;
        bool bad = true;
        if (csize != ZSTD_CONTENTSIZE_UNKNOWN && csize != ZSTD_CONTENTSIZE_ERROR &&
            csize <= CS_JOURNAL_FRAME_MAX) {
            if (csize > r->outcap) {
                unsigned char *o = realloc(r->out, csize ? csize : 1);
                if (!o) {
                    rc = CS_ENOMEM;
                    break;
                }
                r->out = o;
                r->outcap = csize;
            }
            size_t got = ZSTD_decompressDCtx(r->d, r->out, r->outcap, p + pos, fl);
            if (!ZSTD_isError(got) && got == csize) {
                rc = frame_rows(r->out, got, r->ncols_r, r->ncols_s, r->nentries, r->seen, r->cb,
                                r->arg, info, &r->fields, &r->fcap, &bad);
                if (rc != CS_OK)
                    break;
            }
        }
        if (bad)
            info->bad_frames++;
        pos += fl;
        info->valid_bytes = r->base + pos;
    }
    *used = pos;
    r->base += pos;
    return rc;
}

cs_err cs_journal_read_mem(const void *buf, size_t len, size_t ncols_results, size_t ncols_servers,
                           uint64_t nentries, cs_journal_row_cb cb, void *arg,
                           struct cs_journal_info *info)
{
    struct jreader r;
    size_t used;
    cs_err rc = jreader_init(&r, ncols_results, ncols_servers, nentries, cb, arg, info);
    if (rc == CS_OK)
        rc = jreader_feed(&r, buf, len, true, &used);
    jreader_free(&r);
    return rc;
}

cs_err cs_journal_read(const char *dir, size_t ncols_results, size_t ncols_servers,
                       uint64_t nentries, cs_journal_row_cb cb, void *arg,
                       struct cs_journal_info *info, char *err, size_t errlen)
{
    memset(info, 0, sizeof(*info));
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, CS_JOURNAL_FILE);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return CS_OK;
        cs_io_error(err, errlen, path, "cannot open", errno);
        return CS_EIO;
    }
    /* Read a piece at a time, never the whole journal (a night's can be tens of megabytes): the
     * buffer holds the piece read and the part of a frame it ended in, and grows only for a frame
     * longer than itself. */
    struct jreader r;
    size_t cap = CS_JOURNAL_READ_CHUNK, have = 0;
    unsigned char *buf = malloc(cap);
    cs_err rc = jreader_init(&r, ncols_results, ncols_servers, nentries, cb, arg, info);
    if (rc == CS_OK && !buf)
        rc = CS_ENOMEM;
    bool at_end = false;
    while (rc == CS_OK) {
        if (have == cap) {
            unsigned char *b = realloc(buf, cap * 2);
            if (!b) {
                rc = CS_ENOMEM;
                break;
            }
            buf = b;
            cap *= 2;
        }
        ssize_t n = read(fd, buf + have, cap - have);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            cs_io_error(err, errlen, path, "read failed", errno);
            rc = CS_EIO;
            break;
        }
        at_end = n == 0;
        have += (size_t)n;
        size_t used = 0;
        rc = jreader_feed(&r, buf, have, at_end, &used);
        if (rc != CS_OK || at_end)
            break;
        memmove(buf, buf + used, have - used);
        have -= used;
    }
    close(fd);
    if (rc == CS_ENOMEM)
        snprintf(err, errlen, "%s: out of memory", path);
    jreader_free(&r);
    free(buf);
    return rc;
}

bool cs_journal_row_stands(const char *status, const char *problems)
{
    if (strcmp(status, "TIMEOUT") == 0)
        return false;
    const char *item;
    size_t len, pos = 0;
    while (cs_list_next(problems, &pos, &item, &len))
        if (len == strlen("RESOLVER_TIMEOUT") && memcmp(item, "RESOLVER_TIMEOUT", len) == 0)
            return false;
    return true;
}
