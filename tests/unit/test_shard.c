/*
 * test_shard.c -- the shard store: partition hash stability, CSV quoting, write/read round trips
 * with awkward fields, sort order, the k-way merge, and clear errors (never crashes) for
 * truncated, corrupted and malformed shards and for a full disk.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "run_fixture.h"

#include <errno.h>
#include <sys/stat.h>

#include "caascan/csvout.h"
#include "caascan/fileio.h"
#include "caascan/merge.h"

static void test_hash_is_fnv1a64_and_stable(void **state)
{
    assert_true(cs_fnv1a64("", 0) == 0xcbf29ce484222325ULL);
    assert_true(cs_fnv1a64("a", 1) == 0xaf63dc4c8601ec8cULL);
    assert_true(cs_fnv1a64("shop.example.com", 16) == 0x9750ba2ac58d8966ULL);
    /* The string and piecewise forms give the same value. */
    assert_true(cs_fnv1a64_str("shop.example.com") == 0x9750ba2ac58d8966ULL);
    assert_true(cs_fnv1a64_add(cs_fnv1a64("shop.", 5), "example.com", 11) == 0x9750ba2ac58d8966ULL);
    assert_true(cs_fnv1a64_str("") == CS_FNV1A64_BASIS);
    /* Fixed expectations: these must never change between versions. */
    assert_int_equal(cs_shard_of("shop.example.com", 16), 6);
    assert_int_equal(cs_shard_of("example.com", 16), 6);
    assert_int_equal(cs_shard_of("xn--bcher-kva.example", 16), 4);
    assert_int_equal(cs_shard_of("*.cdn.customer.test", 16), 8);
    assert_int_equal(cs_shard_of("a.test", 16), 14);
    assert_int_equal(cs_shard_of("shop.example.com", 7), 1);
    assert_int_equal(cs_shard_of("*.cdn.customer.test", 7), 5);
    assert_int_equal(cs_shard_of("a.test", 1000), 14);
    assert_int_equal(cs_shard_of("xn--bcher-kva.example", 1000), 740);
    assert_int_equal(cs_shard_of("anything", 1), 0);
}

static void test_csv_quoting(void **state)
{
    cs_strbuf b = {0};
    const char *f[] = {"plain", "a,b", "say \"hi\"", "two\nlines", "cr\rx", " spaced ", "", "ü"};
    assert_int_equal(cs_csv_append_row(&b, f, 8), CS_OK);
    assert_string_equal(
        b.data, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\rx\", spaced ,,ü\r\n");
    assert_false(cs_csv_needs_quotes("0 issue letsencrypt.org;x"));
    assert_true(cs_csv_needs_quotes("0 issue \"letsencrypt.org\""));
    cs_strbuf_free(&b);
}

static void test_list_split(void **state)
{
    const char *cell = "0 issue \"ca.test; accounturi=x\"; 0 iodef \"mailto:a@b\";;";
    size_t pos = 0, len;
    const char *item;
    assert_true(cs_list_next(cell, &pos, &item, &len));
    assert_int_equal(len, strlen("0 issue \"ca.test; accounturi=x\""));
    assert_memory_equal(item, "0 issue \"ca.test; accounturi=x\"", len);
    assert_true(cs_list_next(cell, &pos, &item, &len));
    assert_memory_equal(item, "0 iodef \"mailto:a@b\"", len);
    assert_false(cs_list_next(cell, &pos, &item, &len));
    assert_int_equal(cs_list_count(""), 0);
    assert_int_equal(cs_list_count("A;B;C"), 3);
    assert_true(cs_list_same_set("A;B", "B;A"));
    assert_false(cs_list_same_set("A;B", "A;B;B"));
    assert_false(cs_list_same_set("A", ""));
}

/* Reads every row of a shard into a flat list of strdup'ed fields; returns the row count. */
static size_t read_all(const char *path, char ***out, size_t *ncols)
{
    char err[8192];
    cs_shard_reader *r;
    assert_int_equal(cs_shard_reader_open(&r, path, err, sizeof(err)), CS_OK);
    cs_shard_reader_header(r, ncols);
    size_t n = 0;
    char **v = NULL;
    bool have;
    const char *const *f;
    while (cs_shard_reader_next(r, &have, &f) == CS_OK && have) {
        v = realloc(v, (n + 1) * *ncols * sizeof(char *));
        for (size_t i = 0; i < *ncols; i++)
            v[n * *ncols + i] = strdup(f[i]);
        n++;
    }
    assert_string_equal(cs_shard_reader_error(r), "");
    cs_shard_reader_free(r);
    *out = v;
    return n;
}

static void free_all(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static void test_round_trip_tricky_fields(void **state)
{
    char *dir = fx_tmpdir();
    const char *header[] = {"name", "detail", "caa", "customer_id"};
    const char *rows[][4] = {
        {"b.test", "comma, inside", "0 issue \"letsencrypt.org\";0 iodef \"mailto:x@y\"", "c1"},
        {"a.test", "line one\r\nline two\nthree", "", "quote \" and \"\""},
        {"xn--bcher-kva.test", "Bücher — ünïcödé ✓", " lead and trail ", ""},
        {"c.test", "", "", ""},
    };
    cs_shard_writer *w;
    assert_int_equal(cs_shard_writer_open(&w, dir, "results", header, 4, 1), CS_OK);
    for (int i = 0; i < 4; i++)
        assert_int_equal(cs_shard_writer_add(w, rows[i]), CS_OK);
    const char *empty_key[] = {"", "x", "y", "z"};
    assert_int_equal(cs_shard_writer_add(w, empty_key), CS_EINVAL);
    assert_int_equal(cs_shard_writer_finish(w), CS_OK);
    assert_int_equal(cs_shard_writer_rows(w, 0), 4);
    cs_shard_writer_free(w);

    char *path = fx_path(dir, "results-0000.csv.zst");
    char *text = fx_zstdcat(path);
    assert_string_equal(text,
                        "name,detail,caa,customer_id\r\n"
                        "a.test,\"line one\r\nline two\nthree\",,\"quote \"\" and \"\"\"\"\"\r\n"
                        "b.test,\"comma, inside\",\"0 issue \"\"letsencrypt.org\"\";0 iodef "
                        "\"\"mailto:x@y\"\"\",c1\r\n"
                        "c.test,,,\r\n"
                        "xn--bcher-kva.test,Bücher — ünïcödé ✓, lead and trail ,\r\n");
    free(text);

    char **v;
    size_t ncols;
    size_t n = read_all(path, &v, &ncols);
    assert_int_equal(n, 4);
    assert_int_equal(ncols, 4);
    const int order[] = {1, 0, 3, 2};
    for (int i = 0; i < 4; i++)
        for (int c = 0; c < 4; c++)
            assert_string_equal(v[i * 4 + c], rows[order[i]][c]);
    free_all(v, n * ncols);
    /* No spool or temporary file is left behind. */
    char *spool = fx_path(dir, "results-0000.spool.tmp");
    assert_int_equal(access(spool, F_OK), -1);
    free(spool);
    free(path);
    fx_rm_rf(dir);
    free(dir);
}

static void test_sort_partition_and_merge(void **state)
{
    char *dir = fx_tmpdir();
    const char *header[] = {"name", "status"};
    enum { N = 3000, SHARDS = 7 };
    cs_shard_writer *w;
    assert_int_equal(cs_shard_writer_open(&w, dir, "results", header, 2, SHARDS), CS_OK);
    char name[64];
    /* Descending insertion order, plus a tie on name broken by the second field. */
    for (int i = N - 1; i >= 0; i--) {
        snprintf(name, sizeof(name), "n%05d.example", i);
        const char *f[] = {name, i % 3 ? "OK" : "SERVFAIL"};
        assert_int_equal(cs_shard_writer_add(w, f), CS_OK);
    }
    const char *tie[] = {"n00003.example", "AT_RISK"};
    assert_int_equal(cs_shard_writer_add(w, tie), CS_OK);
    assert_int_equal(cs_shard_writer_finish(w), CS_OK);
    uint64_t total = 0;
    char *paths[SHARDS];
    for (unsigned s = 0; s < SHARDS; s++) {
        char p[4096];
        cs_shard_path(p, sizeof(p), dir, "results", s);
        paths[s] = strdup(p);
        char **v;
        size_t ncols;
        size_t n = read_all(p, &v, &ncols);
        assert_int_equal(n, cs_shard_writer_rows(w, s));
        total += n;
        for (size_t i = 0; i < n; i++) {
            assert_int_equal(cs_shard_of(v[i * 2], SHARDS), s);
            if (i)
                assert_true(cs_row_compare((const char *const *)&v[(i - 1) * 2],
                                           (const char *const *)&v[i * 2], 2) <= 0);
        }
        free_all(v, n * ncols);
    }
    assert_int_equal(total, N + 1);
    cs_shard_writer_free(w);

    cs_merge *mg;
    char err[8192];
    assert_int_equal(cs_merge_open(&mg, (const char *const *)paths, SHARDS, err, sizeof(err)),
                     CS_OK);
    bool have;
    const char *const *f;
    int i = 0, got = 0;
    while (cs_merge_next(mg, &have, &f, err, sizeof(err)) == CS_OK && have) {
        snprintf(name, sizeof(name), "n%05d.example", i);
        assert_string_equal(f[0], name);
        if (i == 3 && got == 3)
            assert_string_equal(f[1], "AT_RISK"); /* "AT_RISK" < "SERVFAIL" */
        else if (i == 3)
            assert_string_equal(f[1], "SERVFAIL");
        got++;
        if (!(i == 3 && got == 4))
            i++;
    }
    assert_int_equal(got, N + 1);
    cs_merge_free(mg);
    for (unsigned s = 0; s < SHARDS; s++)
        free(paths[s]);
    fx_rm_rf(dir);
    free(dir);
}

/* Writes a one-shard run of n rows and returns the shard path. */
static char *write_shard(const char *dir, int n)
{
    const char *header[] = {"name", "status", "detail"};
    cs_shard_writer *w;
    assert_int_equal(cs_shard_writer_open(&w, dir, "results", header, 3, 1), CS_OK);
    char name[64], detail[128];
    for (int i = 0; i < n; i++) {
        snprintf(name, sizeof(name), "host%06d.example", i);
        snprintf(detail, sizeof(detail), "detail %d with, a comma and \"quotes\" %x", i, i * 7919);
        const char *f[] = {name, "OK", detail};
        assert_int_equal(cs_shard_writer_add(w, f), CS_OK);
    }
    assert_int_equal(cs_shard_writer_finish(w), CS_OK);
    cs_shard_writer_free(w);
    return fx_path(dir, "results-0000.csv.zst");
}

/* Reads path to the end; returns the error (CS_OK when it read cleanly) and copies the message. */
static cs_err read_to_end(const char *path, char *msg, size_t len)
{
    cs_shard_reader *r;
    cs_err rc = cs_shard_reader_open(&r, path, msg, len);
    if (rc != CS_OK)
        return rc;
    bool have;
    const char *const *f;
    while ((rc = cs_shard_reader_next(r, &have, &f)) == CS_OK && have)
        ;
    snprintf(msg, len, "%s", cs_shard_reader_error(r));
    cs_shard_reader_free(r);
    return rc;
}

static void test_truncated_shard(void **state)
{
    char *dir = fx_tmpdir();
    char *path = write_shard(dir, 20000);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    char msg[8192];
    assert_int_equal(read_to_end(path, msg, sizeof(msg)), CS_OK);
    assert_int_equal(truncate(path, st.st_size / 2), 0);
    assert_int_equal(read_to_end(path, msg, sizeof(msg)), CS_ECORRUPT);
    char prefix[4200];
    snprintf(prefix, sizeof(prefix), "%s: row ", path);
    assert_memory_equal(msg, prefix, strlen(prefix));
    assert_non_null(strstr(msg, "file is truncated (zstd frame incomplete)"));
    /* Cut just before the frame's checksum: all rows are there, the end is not. */
    assert_int_equal(truncate(path, 0), 0);
    assert_int_equal(read_to_end(path, msg, sizeof(msg)), CS_ECORRUPT);
    assert_non_null(strstr(msg, "empty or not zstd"));
    free(path);
    fx_rm_rf(dir);
    free(dir);
}

/* A shard whose CSV is an exact multiple of the reader's output piece (16 KiB) ends with a
 * decompression call that fills its output exactly: the frame is complete, not cut short. */
static void test_shard_of_whole_pieces(void **state)
{
    char *dir = fx_tmpdir();
    char *path = fx_path(dir, "results-0000.csv.zst");
    static const size_t sizes[] = {16384, 32768, 65536 * 2, 16384 * 29};
    for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
        size_t target = sizes[k], len = 0;
        char *text = malloc(target + 1);
        assert_non_null(text);
        len += (size_t)snprintf(text, target + 1, "name,status\r\n");
        unsigned i = 0, rows = 0;
        while (len + 17 <= target - 40) { /* "h000000.test,OK\r\n" is 17 octets */
            len += (size_t)snprintf(text + len, target + 1 - len, "h%06u.test,OK\r\n", i++);
            rows++;
        }
        size_t pad = target - len - 5; /* the last row: z...z,OK\r\n */
        memset(text + len, 'z', pad);
        memcpy(text + len + pad, ",OK\r\n", 6);
        rows++;
        assert_int_equal(strlen(text), target);
        fx_write_zst(path, text);
        cs_shard_reader *r;
        char msg[8192];
        assert_int_equal(cs_shard_reader_open(&r, path, msg, sizeof(msg)), CS_OK);
        bool have;
        const char *const *f;
        unsigned got = 0;
        cs_err rc;
        while ((rc = cs_shard_reader_next(r, &have, &f)) == CS_OK && have)
            got++;
        assert_int_equal(rc, CS_OK);
        assert_string_equal(cs_shard_reader_error(r), "");
        assert_int_equal(got, rows);
        cs_shard_reader_free(r);
        free(text);
    }
    free(path);
    fx_rm_rf(dir);
    free(dir);
}

static void test_corrupted_shard(void **state)
{
    char *dir = fx_tmpdir();
    char *path = write_shard(dir, 20000);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    char msg[8192];
    /* The frame's content checksum (the last 4 bytes) catches damage nothing else sees. */
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    fseek(f, st.st_size - 1, SEEK_SET);
    int last = fgetc(f);
    fseek(f, st.st_size - 1, SEEK_SET);
    fputc(last ^ 1, f);
    fclose(f);
    assert_int_equal(read_to_end(path, msg, sizeof(msg)), CS_ECORRUPT);
    assert_non_null(
        strstr(msg, ": corrupt compressed data (Restored data doesn't match checksum)"));
    f = fopen(path, "r+b");
    assert_non_null(f);
    for (long off = st.st_size / 3; off < st.st_size / 3 + 64; off += 8) {
        fseek(f, off, SEEK_SET);
        int c = fgetc(f);
        fseek(f, off, SEEK_SET);
        fputc(c ^ 0x5a, f);
    }
    fclose(f);
    assert_int_equal(read_to_end(path, msg, sizeof(msg)), CS_ECORRUPT);
    char prefix[4200];
    snprintf(prefix, sizeof(prefix), "%s: row ", path);
    assert_memory_equal(msg, prefix, strlen(prefix));
    /* Damaged blocks either fail to decode, or decode to rows that break the row checks before
     * the frame checksum is reached; which one depends on the bytes hit. */
    assert_true(strstr(msg, "corrupt compressed data") || strstr(msg, "not sorted") ||
                strstr(msg, "fields, the header has") || strstr(msg, "malformed CSV") ||
                strstr(msg, "NUL byte"));
    /* Garbage that is not zstd at all. */
    f = fopen(path, "wb");
    fputs("name,status\r\nplain text,OK\r\n", f);
    fclose(f);
    assert_int_equal(read_to_end(path, msg, sizeof(msg)), CS_ECORRUPT);
    assert_non_null(strstr(msg, "row 0: corrupt compressed data (Unknown frame descriptor)"));
    free(path);
    fx_rm_rf(dir);
    free(dir);
}

static void test_malformed_csv_in_shard(void **state)
{
    char *dir = fx_tmpdir();
    char *path = fx_path(dir, "results-0000.csv.zst");
    char msg[8192], want[8192];

    fx_write_zst(path, "name,status,detail\r\na.test,OK,x\r\nb.test,OK\r\n");
    assert_int_equal(read_to_end(path, msg, sizeof(msg)), CS_ECORRUPT);
    snprintf(want, sizeof(want), "%s: row 2: 2 fields, the header has 3", path);
    assert_string_equal(msg, want);

    fx_write_zst(path, "name,status\r\nb.test,OK\r\na.test,OK\r\n");
    assert_int_equal(read_to_end(path, msg, sizeof(msg)), CS_ECORRUPT);
    snprintf(want, sizeof(want), "%s: row 2: not sorted (a.test after b.test)", path);
    assert_string_equal(msg, want);

    fx_write_zst(path, "name,status\r\na.test,\"OK\r\n");
    assert_int_equal(read_to_end(path, msg, sizeof(msg)), CS_ECORRUPT);
    snprintf(want, sizeof(want), "%s: row 1: unterminated quoted field at end of file", path);
    assert_string_equal(msg, want);

    fx_write_zst(path, "name,status\r\na.test,\"OK\"x\r\n");
    assert_int_equal(read_to_end(path, msg, sizeof(msg)), CS_ECORRUPT);
    assert_non_null(strstr(msg, "row 1: malformed CSV"));

    fx_write_zst(path, "name,status\r\n,OK\r\n");
    assert_int_equal(read_to_end(path, msg, sizeof(msg)), CS_ECORRUPT);
    assert_non_null(strstr(msg, "row 1: empty name"));

    fx_write_zst(path, "");
    assert_int_equal(read_to_end(path, msg, sizeof(msg)), CS_ECORRUPT);
    snprintf(want, sizeof(want), "%s: no header row", path);
    assert_string_equal(msg, want);

    /* A header-only shard is a valid empty shard; a last row without CRLF is accepted. */
    fx_write_zst(path, "name,status\r\n");
    assert_int_equal(read_to_end(path, msg, sizeof(msg)), CS_OK);
    fx_write_zst(path, "name,status\r\na.test,OK");
    assert_int_equal(read_to_end(path, msg, sizeof(msg)), CS_OK);

    /* A 2 MiB field (a decompression bomb compresses it to almost nothing) is refused. */
    size_t big = 2 * 1024 * 1024;
    char *text = malloc(big + 64);
    const char *head = "name,status\r\na.test,";
    size_t hl = strlen(head);
    memcpy(text, head, hl);
    memset(text + hl, 'x', big);
    memcpy(text + hl + big, "\r\n", 3);
    fx_write_zst(path, text);
    free(text);
    assert_int_equal(read_to_end(path, msg, sizeof(msg)), CS_ECORRUPT);
    snprintf(want, sizeof(want), "%s: row 1: row longer than 1048576 bytes", path);
    assert_string_equal(msg, want);

    char *missing = fx_path(dir, "nope.csv.zst");
    assert_int_equal(read_to_end(missing, msg, sizeof(msg)), CS_EIO);
    assert_non_null(strstr(msg, "nope.csv.zst: cannot open: No such file or directory"));
    free(missing);
    free(path);
    fx_rm_rf(dir);
    free(dir);
}

static bool dir_has_tmp(const char *dir)
{
    char cmd[4200];
    snprintf(cmd, sizeof(cmd), "ls -a %s | grep -q '\\.tmp$'", dir);
    return system(cmd) == 0;
}

static void test_full_disk_while_writing_shards(void **state)
{
    char *dir = fx_tmpdir();
    const char *header[] = {"name", "status"};
    cs_shard_writer *w;
    assert_int_equal(cs_shard_writer_open(&w, dir, "results", header, 2, 4), CS_OK);
    char name[64];
    for (int i = 0; i < 5000; i++) {
        snprintf(name, sizeof(name), "n%d.example", i);
        const char *f[] = {name, "OK"};
        assert_int_equal(cs_shard_writer_add(w, f), CS_OK);
    }
    cs_fileio_inject_failure(2000, ENOSPC);
    assert_int_equal(cs_shard_writer_finish(w), CS_EIO);
    cs_fileio_inject_failure(-1, 0);
    const char *msg = cs_shard_writer_error(w);
    assert_non_null(strstr(msg, "write failed: No space left on device (disk full"));
    assert_non_null(strstr(msg, "without manifest.json"));
    cs_shard_writer_abort(w);
    cs_shard_writer_free(w);
    assert_false(dir_has_tmp(dir));
    fx_rm_rf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_is_fnv1a64_and_stable),
        cmocka_unit_test(test_csv_quoting),
        cmocka_unit_test(test_list_split),
        cmocka_unit_test(test_round_trip_tricky_fields),
        cmocka_unit_test(test_sort_partition_and_merge),
        cmocka_unit_test(test_truncated_shard),
        cmocka_unit_test(test_shard_of_whole_pieces),
        cmocka_unit_test(test_corrupted_shard),
        cmocka_unit_test(test_malformed_csv_in_shard),
        cmocka_unit_test(test_full_disk_while_writing_shards),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
