/*
 * run_fixture.h -- helpers shared by the store tests: temporary directories and synthetic run
 * directories written through the library (shard writer + manifest), so tests read what a scan
 * would write.
 */
#ifndef CAASCAN_TEST_RUN_FIXTURE_H
#define CAASCAN_TEST_RUN_FIXTURE_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include "caascan/manifest.h"
#include "caascan/result.h"
#include "caascan/shard.h"

/* A result row of the 15 fixed columns from the cells a test cares about (fix empty). */
#define FX_ROW_PCT(name, status, fail_pct, problems, caa, zone, ns, sources)                    \
    name, status, "yes", fail_pct, problems, "", "", caa, zone, ns, "NOERROR", "", "", sources, \
        "2026-11-23T02:00:00Z"
/* The same with fail_pct empty. */
#define FX_ROW(name, status, problems, caa, zone, ns, sources) \
    FX_ROW_PCT(name, status, "", problems, caa, zone, ns, sources)

__attribute__((unused)) static int fx_unlink_cb(const char *path, const struct stat *sb, int flag,
                                                struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Removes dir and everything below it. */
__attribute__((unused)) static void fx_rm_rf(const char *dir)
{
    nftw(dir, fx_unlink_cb, 16, FTW_DEPTH | FTW_PHYS);
}

/* A fresh temporary directory (malloc'ed path). */
__attribute__((unused)) static char *fx_tmpdir(void)
{
    char tmpl[] = "/tmp/caascan-test-XXXXXX";
    char *d = mkdtemp(tmpl);
    assert_non_null(d);
    return strdup(d);
}

/* dir/name (malloc'ed). */
__attribute__((unused)) static char *fx_path(const char *dir, const char *name)
{
    char *p;
    assert_true(asprintf(&p, "%s/%s", dir, name) > 0);
    return p;
}

/*
 * Writes a complete run into dir: n result rows of ncols fields (flat array; header names the
 * columns) and nsrv per-server rows of CS_SC_COUNT fields, in nshards shards.
 */
__attribute__((unused)) static void fx_write_run(const char *dir, const char *const *header,
                                                 size_t ncols, const char *const *rows, size_t n,
                                                 const char *const *srv, size_t nsrv,
                                                 unsigned nshards)
{
    char err[8192];
    cs_run *run;
    assert_int_equal(cs_run_create(&run, dir, CS_RUN_OVERWRITE, err, sizeof(err)), CS_OK);
    cs_shard_writer *w, *ws;
    assert_int_equal(cs_shard_writer_open(&w, dir, "results", header, ncols, nshards), CS_OK);
    assert_int_equal(cs_shard_writer_open(&ws, dir, "servers", cs_table_header(CS_TABLE_SERVERS),
                                          CS_SC_COUNT, nshards),
                     CS_OK);
    cs_manifest *m = cs_manifest_new();
    assert_non_null(m);
    uint64_t counts[CS_ST_COUNT] = {0};
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(cs_shard_writer_add(w, rows + i * ncols), CS_OK);
        cs_status st = cs_status_parse(rows[i * ncols + CS_RC_STATUS]);
        if (st < CS_ST_COUNT)
            counts[st]++;
    }
    for (size_t i = 0; i < nsrv; i++)
        assert_int_equal(cs_shard_writer_add(ws, srv + i * CS_SC_COUNT), CS_OK);
    assert_int_equal(cs_shard_writer_finish(w), CS_OK);
    assert_int_equal(cs_shard_writer_finish(ws), CS_OK);
    assert_int_equal(cs_manifest_set_started(m, 1795399200), CS_OK);
    assert_int_equal(cs_manifest_set_ca(m, "letsencrypt.org"), CS_OK);
    for (int s = 0; s < CS_ST_COUNT; s++)
        assert_int_equal(cs_manifest_set_status_count(m, (cs_status)s, counts[s]), CS_OK);
    assert_int_equal(cs_manifest_set_table(m, CS_TABLE_RESULTS, header, ncols, w), CS_OK);
    assert_int_equal(cs_manifest_set_table(m, CS_TABLE_SERVERS, cs_table_header(CS_TABLE_SERVERS),
                                           CS_SC_COUNT, ws),
                     CS_OK);
    assert_int_equal(cs_run_finish(run, m, err, sizeof(err)), CS_OK);
    cs_manifest_free(m);
    cs_shard_writer_free(w);
    cs_shard_writer_free(ws);
}

/* Writes path as one zstd frame of text (for hand-made shards). */
__attribute__((unused)) static void fx_write_zst(const char *path, const char *text)
{
    size_t n = strlen(text);
    size_t cap = ZSTD_compressBound(n);
    char *buf = malloc(cap);
    assert_non_null(buf);
    size_t z = ZSTD_compress(buf, cap, text, n, 3);
    assert_false(ZSTD_isError(z));
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(buf, 1, z, f), z);
    assert_int_equal(fclose(f), 0);
    free(buf);
}

/* The whole content of a file (malloc'ed, NUL-terminated); *len gets its size. */
__attribute__((unused)) static char *fx_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 8192;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        size_t r = fread(buf + n, 1, 4096, f);
        n += r;
        if (r == 0)
            break;
    }
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

/* Decompressed content of a .zst file (malloc'ed, NUL-terminated). */
__attribute__((unused)) static char *fx_zstdcat(const char *path)
{
    size_t n;
    char *z = fx_slurp(path, &n);
    unsigned long long size = ZSTD_getFrameContentSize(z, n);
    size_t cap = size == ZSTD_CONTENTSIZE_UNKNOWN || size == ZSTD_CONTENTSIZE_ERROR
                     ? 64 * 1024 * 1024
                     : (size_t)size;
    char *out = malloc(cap + 1);
    assert_non_null(out);
    size_t d = ZSTD_decompress(out, cap, z, n);
    assert_false(ZSTD_isError(d));
    out[d] = '\0';
    free(z);
    return out;
}

#endif
