/*
 * test_journal.c -- the journal of a resumable run: rows written at checkpoints read back, a torn
 * tail (a crash in the middle of a frame) dropped and cut off on the next open, damaged frames
 * skipped, duplicate and out-of-range entries dropped, a full disk reported; and run-state.json
 * compared with a clear difference.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "caascan/fileio.h"
#include "caascan/journal.h"
#include "caascan/run_state.h"

struct got {
    char names[64][32];
    uint64_t entries[64];
    uint32_t sessions[64];
    char kinds[64];
    size_t n;
};

static cs_err collect(const struct cs_journal_row *row, void *arg)
{
    struct got *g = arg;
    assert_true(g->n < 64);
    snprintf(g->names[g->n], sizeof(g->names[0]), "%s", row->fields[0]);
    g->entries[g->n] = row->entry;
    g->sessions[g->n] = row->session;
    g->kinds[g->n] = row->kind;
    g->n++;
    return CS_OK;
}

static char *tmpdir(void)
{
    char tmpl[] = "/tmp/caascan-journal-XXXXXX";
    char *d = mkdtemp(tmpl);
    assert_non_null(d);
    return strdup(d);
}

static void rmdir_all(char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    free(dir);
}

static void add3(cs_journal *j, uint64_t entry, const char *name, const char *status)
{
    const char *f[3] = {name, status, ""};
    assert_int_equal(cs_journal_add(j, CS_JOURNAL_RESULT, entry, f, 3), CS_OK);
}

static char *slurp(const char *dir, size_t *len)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, CS_JOURNAL_FILE);
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    char *buf = malloc(1 << 20);
    *len = fread(buf, 1, 1 << 20, fp);
    fclose(fp);
    return buf;
}

/* Two checkpoints of result rows and one of per-server rows, then a second session. */
static void write_two_sessions(const char *dir)
{
    char err[512];
    cs_journal *j;
    assert_int_equal(cs_journal_open(&j, dir, 1, 0, err, sizeof(err)), CS_OK);
    add3(j, 0, "a.test", "OK");
    add3(j, 2, "c.test", "CAA_FORBIDS");
    assert_true(cs_journal_pending(j) > 0);
    assert_int_equal(cs_journal_flush(j), CS_OK);
    assert_int_equal(cs_journal_pending(j), 0);
    add3(j, 1, "b.test", "OK");
    const char *srv[2] = {"a.test", "ns1.a.test"};
    assert_int_equal(cs_journal_add(j, CS_JOURNAL_SERVER, 0, srv, 2), CS_OK);
    assert_int_equal(cs_journal_flush(j), CS_OK);
    assert_int_equal(cs_journal_flush(j), CS_OK); /* nothing buffered: nothing written */
    cs_journal_free(j);
}

static void test_round_trip_and_sessions(void **state)
{
    char *dir = tmpdir();
    write_two_sessions(dir);
    struct got g = {0};
    struct cs_journal_info info;
    char err[512];
    assert_int_equal(cs_journal_read(dir, 3, 2, 10, collect, &g, &info, err, sizeof(err)), CS_OK);
    assert_int_equal(g.n, 4);
    assert_string_equal(g.names[0], "a.test");
    assert_string_equal(g.names[1], "c.test");
    assert_int_equal(g.entries[1], 2);
    assert_string_equal(g.names[2], "b.test");
    assert_int_equal(g.kinds[3], CS_JOURNAL_SERVER);
    assert_string_equal(g.names[3], "a.test");
    assert_int_equal(info.frames, 3); /* R, then R and S */
    assert_int_equal(info.bad_frames, 0);
    assert_false(info.torn_tail);

    /* Session 2 appends after the valid length. */
    cs_journal *j;
    assert_int_equal(cs_journal_open(&j, dir, 2, info.valid_bytes, err, sizeof(err)), CS_OK);
    add3(j, 3, "d.test", "OK");
    assert_int_equal(cs_journal_flush(j), CS_OK);
    cs_journal_free(j);
    memset(&g, 0, sizeof(g));
    assert_int_equal(cs_journal_read(dir, 3, 2, 10, collect, &g, &info, err, sizeof(err)), CS_OK);
    assert_int_equal(g.n, 5);
    assert_string_equal(g.names[4], "d.test");
    assert_int_equal(g.sessions[4], 2);
    assert_int_equal(g.sessions[0], 1);

    /* A missing journal is an empty one. */
    char *empty = tmpdir();
    memset(&g, 0, sizeof(g));
    assert_int_equal(cs_journal_read(empty, 3, 2, 10, collect, &g, &info, err, sizeof(err)), CS_OK);
    assert_int_equal(g.n, 0);
    rmdir_all(empty);
    rmdir_all(dir);
}

/* What a read saw: its rows in order, folded into a hash, and how many. */
struct digest {
    uint64_t hash, rows;
};

static cs_err fold(const struct cs_journal_row *row, void *arg)
{
    struct digest *d = arg;
    uint64_t h = d->hash ^ row->entry ^ ((uint64_t)row->kind << 56);
    for (size_t c = 0; c < row->ncols; c++)
        for (const char *p = row->fields[c]; *p; p++)
            h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
    d->hash = h * 0x9e3779b97f4a7c15ULL;
    d->rows++;
    return CS_OK;
}

/* A journal of several read pieces (CS_JOURNAL_READ_CHUNK), whole and cut at points inside and
 * between pieces, read from its file a piece at a time: the same rows, frames, valid length and
 * torn tail as when read whole from memory. */
static void test_read_in_pieces(void **state)
{
    (void)state;
    char *dir = tmpdir();
    char err[512];
    cs_journal *j;
    assert_int_equal(cs_journal_open(&j, dir, 1, 0, err, sizeof(err)), CS_OK);
    /* Rows that hardly compress (random characters), checkpointed every 500: frames of about
     * 65 KB, the journal over 3 pieces. */
    const uint64_t nrows = 30000;
    uint64_t x = 88172645463325252ULL;
    for (uint64_t e = 0; e < nrows; e++) {
        char name[32], status[161];
        for (size_t i = 0; i < sizeof(status) - 1; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            status[i] = (char)('!' + x % 94);
        }
        status[sizeof(status) - 1] = '\0';
        snprintf(name, sizeof(name), "n%llu.test", (unsigned long long)e);
        add3(j, e, name, status);
        if (e % 500 == 499)
            assert_int_equal(cs_journal_flush(j), CS_OK);
    }
    assert_int_equal(cs_journal_flush(j), CS_OK);
    cs_journal_free(j);

    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, CS_JOURNAL_FILE);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    size_t len = (size_t)st.st_size;
    assert_true(len > 3 * (size_t)CS_JOURNAL_READ_CHUNK);
    char *buf = malloc(len);
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    assert_int_equal(fread(buf, 1, len, fp), len);
    fclose(fp);

    size_t cuts[] = {len,
                     len - 1,
                     2 * (size_t)CS_JOURNAL_READ_CHUNK,
                     2 * (size_t)CS_JOURNAL_READ_CHUNK + 1,
                     (size_t)CS_JOURNAL_READ_CHUNK - 7,
                     len / 2 + 12345,
                     100};
    for (size_t k = 0; k < sizeof(cuts) / sizeof(cuts[0]); k++) {
        fp = fopen(path, "wb");
        assert_non_null(fp);
        assert_int_equal(fwrite(buf, 1, cuts[k], fp), cuts[k]);
        fclose(fp);
        struct digest dm = {0}, df = {0};
        struct cs_journal_info im, inf;
        assert_int_equal(cs_journal_read_mem(buf, cuts[k], 3, 2, nrows, fold, &dm, &im), CS_OK);
        assert_int_equal(cs_journal_read(dir, 3, 2, nrows, fold, &df, &inf, err, sizeof(err)),
                         CS_OK);
        assert_int_equal(df.rows, dm.rows);
        assert_true(df.hash == dm.hash);
        assert_int_equal(inf.frames, im.frames);
        assert_int_equal(inf.bad_frames, 0);
        assert_int_equal(inf.valid_bytes, im.valid_bytes);
        assert_int_equal(inf.torn_tail, im.torn_tail);
        if (k == 0) {
            assert_int_equal(df.rows, nrows);
            assert_false(inf.torn_tail);
            assert_int_equal(inf.valid_bytes, len);
        } else {
            assert_true(inf.torn_tail);
            assert_true(inf.valid_bytes < cuts[k]);
            assert_true(df.rows < nrows && df.rows % 500 == 0);
        }
    }
    free(buf);
    rmdir_all(dir);
}

static void test_torn_tail_is_dropped_and_cut(void **state)
{
    char *dir = tmpdir();
    write_two_sessions(dir);
    size_t len;
    char *buf = slurp(dir, &len);
    struct cs_journal_info whole;
    struct got g = {0};
    assert_int_equal(cs_journal_read_mem(buf, len, 3, 2, 10, collect, &g, &whole), CS_OK);
    /* Every cut inside the last checkpoint's frames loses only that checkpoint's rows. */
    size_t first_end = 0;
    {
        /* The end of the first frame: where the reader stops when given less than the rest. */
        for (size_t cut = 1; cut < len; cut++) {
            struct cs_journal_info info;
            memset(&g, 0, sizeof(g));
            assert_int_equal(cs_journal_read_mem(buf, cut, 3, 2, 10, collect, &g, &info), CS_OK);
            if (info.frames == 1 && !first_end)
                first_end = info.valid_bytes;
            assert_true(info.valid_bytes <= cut);
            assert_true(info.torn_tail || info.valid_bytes == cut);
            /* Rows come only from complete frames: 0, 2 (first checkpoint) or all 4. */
            assert_true(g.n == 0 || g.n == 2 || g.n == 3 || g.n == 4);
        }
    }
    assert_true(first_end > 0);
    /* A crash in the middle of the second checkpoint: on disk, the first frame plus some bytes. */
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, CS_JOURNAL_FILE);
    assert_int_equal(truncate(path, (off_t)(first_end + 7)), 0);
    struct cs_journal_info info;
    char err[512];
    memset(&g, 0, sizeof(g));
    assert_int_equal(cs_journal_read(dir, 3, 2, 10, collect, &g, &info, err, sizeof(err)), CS_OK);
    assert_true(info.torn_tail);
    assert_int_equal(info.valid_bytes, first_end);
    assert_int_equal(g.n, 2);
    /* The next session cuts the torn tail off and appends complete frames after it. */
    cs_journal *j;
    assert_int_equal(cs_journal_open(&j, dir, 2, info.valid_bytes, err, sizeof(err)), CS_OK);
    add3(j, 1, "b.test", "OK");
    assert_int_equal(cs_journal_flush(j), CS_OK);
    cs_journal_free(j);
    memset(&g, 0, sizeof(g));
    assert_int_equal(cs_journal_read(dir, 3, 2, 10, collect, &g, &info, err, sizeof(err)), CS_OK);
    assert_false(info.torn_tail);
    assert_int_equal(g.n, 3);
    assert_string_equal(g.names[2], "b.test");
    free(buf);
    rmdir_all(dir);
}

static void test_bad_frames_duplicates_and_range(void **state)
{
    char *dir = tmpdir();
    char err[512];
    cs_journal *j;
    assert_int_equal(cs_journal_open(&j, dir, 1, 0, err, sizeof(err)), CS_OK);
    add3(j, 0, "a.test", "OK");
    assert_int_equal(cs_journal_flush(j), CS_OK);
    add3(j, 1, "b.test", "OK");
    assert_int_equal(cs_journal_flush(j), CS_OK);
    add3(j, 0, "a.test", "SERVFAIL"); /* the same entry again: the first one counts */
    add3(j, 7, "z.test", "OK");       /* beyond the inventory */
    add3(j, 2, "c.test", "OK");
    assert_int_equal(cs_journal_flush(j), CS_OK);
    cs_journal_free(j);
    size_t len;
    char *buf = slurp(dir, &len);
    struct got g = {0};
    struct cs_journal_info info;
    assert_int_equal(cs_journal_read_mem(buf, len, 3, 2, 5, collect, &g, &info), CS_OK);
    assert_int_equal(g.n, 3);
    assert_int_equal(info.duplicates, 1);
    assert_int_equal(info.out_of_range, 1);
    assert_string_equal(g.names[0], "a.test");
    assert_string_equal(g.names[2], "c.test");

    /* A flipped byte in the middle frame: its checksum fails, it is skipped, the rest is read. */
    struct cs_journal_info first;
    struct got g1 = {0};
    assert_int_equal(cs_journal_read_mem(buf, len, 3, 2, 5, collect, &g1, &first), CS_OK);
    size_t frame1 = 0;
    for (size_t cut = 1; cut <= len && !frame1; cut++) {
        struct got t = {0};
        struct cs_journal_info i2;
        cs_journal_read_mem(buf, cut, 3, 2, 5, collect, &t, &i2);
        if (i2.frames == 1)
            frame1 = i2.valid_bytes;
    }
    assert_true(frame1 > 0 && frame1 + 20 < len);
    buf[frame1 + 14] ^= 0x55;
    memset(&g, 0, sizeof(g));
    assert_int_equal(cs_journal_read_mem(buf, len, 3, 2, 5, collect, &g, &info), CS_OK);
    assert_true(info.bad_frames == 1 || info.torn_tail);
    for (size_t i = 0; i < g.n; i++)
        assert_string_not_equal(g.names[i], "b.test");

    /* Another column count (a journal of another caascan): every frame is bad, nothing read. */
    buf[frame1 + 14] ^= 0x55;
    memset(&g, 0, sizeof(g));
    assert_int_equal(cs_journal_read_mem(buf, len, 4, 2, 5, collect, &g, &info), CS_OK);
    assert_int_equal(g.n, 0);
    assert_int_equal(info.bad_frames, 3);

    /* Not zstd at all. */
    memset(&g, 0, sizeof(g));
    assert_int_equal(cs_journal_read_mem("CSJ1 not a frame", 16, 3, 2, 5, collect, &g, &info),
                     CS_OK);
    assert_int_equal(g.n, 0);
    assert_true(info.torn_tail);
    assert_int_equal(info.valid_bytes, 0);
    free(buf);
    rmdir_all(dir);
}

static void test_full_disk_keeps_complete_frames(void **state)
{
    char *dir = tmpdir();
    char err[512];
    cs_journal *j;
    assert_int_equal(cs_journal_open(&j, dir, 1, 0, err, sizeof(err)), CS_OK);
    add3(j, 0, "a.test", "OK");
    assert_int_equal(cs_journal_sync(j), CS_OK);
    assert_false(cs_journal_failed(j));
    for (int i = 1; i < 40; i++) {
        char name[32];
        snprintf(name, sizeof(name), "n%d.test", i);
        add3(j, (uint64_t)i, name, "OK");
    }
    cs_fileio_inject_failure(10, ENOSPC);
    /* The writer thread finds the disk full; the next checkpoint and the sync say so. */
    assert_int_equal(cs_journal_flush(j), CS_OK);
    assert_int_equal(cs_journal_sync(j), CS_EIO);
    cs_fileio_inject_failure(-1, 0);
    assert_true(cs_journal_failed(j));
    add3(j, 50, "late.test", "OK");
    assert_int_equal(cs_journal_flush(j), CS_EIO);
    assert_non_null(strstr(cs_journal_error(j), "No space left on device"));
    assert_non_null(strstr(cs_journal_error(j), "journal.zst"));
    cs_journal_free(j);
    struct got g = {0};
    struct cs_journal_info info;
    assert_int_equal(cs_journal_read(dir, 3, 2, 100, collect, &g, &info, err, sizeof(err)), CS_OK);
    assert_int_equal(g.n, 1);
    assert_false(info.torn_tail); /* the partial frame was cut off at once */
    rmdir_all(dir);
}

static void test_run_state_compare(void **state)
{
    json_t *a = json_pack("{s:[s,s], s:{s:s, s:i, s:o}, s:[{s:s, s:s, s:i, s:i, s:i, s:i}], "
                          "s:s}",
                          "columns", "name", "status", "options", "ca", "letsencrypt.org",
                          "attempts", 3, "partition", json_null(), "inputs", "path", "in.txt",
                          "format", "list", "lines", 10, "names", 10, "invalid", 0, "duplicates", 0,
                          "input_digest", "0123456789abcdef");
    json_t *b = json_deep_copy(a);
    char why[512];
    assert_int_equal(cs_run_state_compare(a, b, why, sizeof(why)), CS_OK);
    json_object_set_new(json_object_get(b, "options"), "ca", json_string("other.test"));
    assert_int_equal(cs_run_state_compare(a, b, why, sizeof(why)), CS_EMISMATCH);
    assert_string_equal(why, "--ca: the interrupted run used letsencrypt.org, this command "
                             "other.test");
    json_decref(b);
    b = json_deep_copy(a);
    json_object_set_new(json_object_get(b, "options"), "partition", json_string("1/2"));
    assert_int_equal(cs_run_state_compare(a, b, why, sizeof(why)), CS_EMISMATCH);
    assert_string_equal(why, "--partition: the interrupted run used (none), this command 1/2");
    json_decref(b);
    b = json_deep_copy(a);
    json_object_set_new(json_array_get(json_object_get(b, "inputs"), 0), "lines", json_integer(11));
    assert_int_equal(cs_run_state_compare(a, b, why, sizeof(why)), CS_EMISMATCH);
    assert_string_equal(why, "input 1 (in.txt): lines was 10, now 11");
    json_decref(b);
    b = json_deep_copy(a);
    json_object_set_new(b, "input_digest", json_string("fedcba9876543210"));
    assert_int_equal(cs_run_state_compare(a, b, why, sizeof(why)), CS_EMISMATCH);
    assert_non_null(strstr(why, "their names differ"));
    json_decref(b);
    json_decref(a);
}

/* Rows the resume declines (TIMEOUT, RESOLVER_TIMEOUT) leave their entry open: a later
 * session's copy is taken instead, and without one the name is asked again. */
static cs_err collect_standing(const struct cs_journal_row *row, void *arg)
{
    if (row->kind == CS_JOURNAL_RESULT && !cs_journal_row_stands(row->fields[1], row->fields[2]))
        return CS_JOURNAL_DECLINE;
    return collect(row, arg);
}

static void test_declined_rows_stay_open(void **state)
{
    (void)state;
    assert_false(cs_journal_row_stands("TIMEOUT", ""));
    assert_false(cs_journal_row_stands("FLAKY", "INTERMITTENT;RESOLVER_TIMEOUT"));
    assert_true(cs_journal_row_stands("FLAKY", "INTERMITTENT;RESOLVER_SERVFAIL"));
    assert_true(cs_journal_row_stands("AT_RISK", "AUTH_TIMEOUT"));
    assert_true(cs_journal_row_stands("OK", ""));
    char *dir = tmpdir();
    char err[256];
    cs_journal *j;
    assert_int_equal(cs_journal_open(&j, dir, 1, 0, err, sizeof(err)), CS_OK);
    const char *t0[3] = {"a.test", "TIMEOUT", "RESOLVER_TIMEOUT"};
    const char *t1[3] = {"b.test", "FLAKY", "INTERMITTENT;RESOLVER_TIMEOUT"};
    const char *t2[3] = {"c.test", "AT_RISK", "AUTH_TIMEOUT"};
    assert_int_equal(cs_journal_add(j, CS_JOURNAL_RESULT, 0, t0, 3), CS_OK);
    assert_int_equal(cs_journal_add(j, CS_JOURNAL_RESULT, 1, t1, 3), CS_OK);
    assert_int_equal(cs_journal_add(j, CS_JOURNAL_RESULT, 2, t2, 3), CS_OK);
    assert_int_equal(cs_journal_flush(j), CS_OK);
    cs_journal_free(j);
    size_t len;
    char *buf = slurp(dir, &len);
    free(buf);
    assert_int_equal(cs_journal_open(&j, dir, 2, len, err, sizeof(err)), CS_OK);
    add3(j, 0, "a.test", "OK");
    assert_int_equal(cs_journal_flush(j), CS_OK);
    cs_journal_free(j);
    buf = slurp(dir, &len);
    struct got g = {0};
    struct cs_journal_info info;
    assert_int_equal(cs_journal_read_mem(buf, len, 3, 2, 5, collect_standing, &g, &info), CS_OK);
    assert_int_equal(g.n, 2);
    assert_string_equal(g.names[0], "c.test");
    assert_int_equal(g.sessions[0], 1);
    assert_string_equal(g.names[1], "a.test");
    assert_int_equal(g.sessions[1], 2);
    assert_int_equal(info.rows, 2);
    assert_int_equal(info.declined, 2);
    assert_int_equal(info.duplicates, 0);
    free(buf);
    rmdir_all(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_and_sessions),
        cmocka_unit_test(test_torn_tail_is_dropped_and_cut),
        cmocka_unit_test(test_read_in_pieces),
        cmocka_unit_test(test_bad_frames_duplicates_and_range),
        cmocka_unit_test(test_full_disk_keeps_complete_frames),
        cmocka_unit_test(test_run_state_compare),
        cmocka_unit_test(test_declined_rows_stay_open),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
