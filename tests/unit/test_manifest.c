/*
 * test_manifest.c -- manifest.json and the run directory life: build/write/load round trip,
 * validation errors (schema, missing shards, row counts, bad JSON), incomplete and busy runs,
 * refusing to overwrite a complete run, and a full disk that leaves no manifest.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "run_fixture.h"

#include <errno.h>
#include <sys/stat.h>

#include "caascan/fileio.h"

static const char *const rows[] = {
    FX_ROW("a.test", "OK", "", "0 issue \"letsencrypt.org\"", "test", "ns1.test/127.0.0.1",
           "in.txt:1"),
    FX_ROW("b.test", "SERVFAIL", "RESOLVER_SERVFAIL", "", "test", "ns1.test/127.0.0.1", "in.txt:2"),
    FX_ROW("c.test", "OK", "", "", "test", "ns1.test/127.0.0.1", "in.txt:3"),
};
static const char *const srv[] = {"test", "ns1.test", "127.0.0.1", "", "7", "1", "9", ""};

static char *make_run(unsigned shards)
{
    char *dir = fx_tmpdir();
    fx_write_run(dir, cs_table_header(CS_TABLE_RESULTS), CS_RC_COUNT, rows, 3, srv, 1, shards);
    return dir;
}

/* Rewrites DIR/manifest.json after edit() changed its JSON. */
static void edit_manifest(const char *dir, void (*edit)(json_t *))
{
    char *p = fx_path(dir, "manifest.json");
    json_t *root = json_load_file(p, 0, NULL);
    assert_non_null(root);
    edit(root);
    assert_int_equal(json_dump_file(root, p, JSON_INDENT(2)), 0);
    json_decref(root);
    free(p);
}

static void test_round_trip(void **state)
{
    char *dir = make_run(4);
    char err[8192];
    cs_manifest *m;
    assert_int_equal(cs_manifest_load(&m, dir, CS_MANIFEST_COUNT_ROWS, err, sizeof(err)), CS_OK);
    assert_int_equal(cs_manifest_schema(m), CS_MANIFEST_SCHEMA);
    assert_int_equal(cs_manifest_nshards(m, CS_TABLE_RESULTS), 4);
    assert_int_equal(cs_manifest_nshards(m, CS_TABLE_SERVERS), 4);
    assert_string_equal(cs_manifest_shard_file(m, CS_TABLE_RESULTS, 3), "results-0003.csv.zst");
    assert_string_equal(cs_manifest_shard_file(m, CS_TABLE_SERVERS, 0), "servers-0000.csv.zst");
    assert_int_equal(cs_manifest_rows(m, CS_TABLE_RESULTS), 3);
    assert_int_equal(cs_manifest_rows(m, CS_TABLE_SERVERS), 1);
    uint64_t sum = 0;
    for (size_t i = 0; i < 4; i++)
        sum += cs_manifest_shard_rows(m, CS_TABLE_RESULTS, i);
    assert_int_equal(sum, 3);
    /* a.test, b.test, c.test with 4 shards: FNV-1a partition. */
    assert_int_equal(cs_manifest_shard_rows(m, CS_TABLE_RESULTS, cs_shard_of("a.test", 4)) >= 1, 1);
    assert_int_equal(cs_manifest_status_count(m, CS_ST_OK), 2);
    assert_int_equal(cs_manifest_status_count(m, CS_ST_SERVFAIL), 1);
    assert_int_equal(cs_manifest_status_count(m, CS_ST_TIMEOUT), 0);
    const json_t *j = cs_manifest_json(m);
    assert_string_equal(json_string_value(json_object_get(j, "ca")), "letsencrypt.org");
    assert_string_equal(json_string_value(json_object_get(j, "tool_version")), CAASCAN_VERSION);
    assert_string_equal(json_string_value(json_object_get(j, "started_at")),
                        "2026-11-23T02:00:00Z");
    assert_true(json_is_string(json_object_get(j, "finished_at")));
    const json_t *t = json_object_get(json_object_get(j, "tables"), "results");
    assert_string_equal(json_string_value(json_object_get(t, "partition")), "fnv1a64(name) mod 4");
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(t, "columns"), CS_RC_CHECKED_AT)),
        "checked_at");
    cs_manifest_free(m);
    /* The run is complete: neither RUNNING nor temporaries are left. */
    char *lock = fx_path(dir, "RUNNING");
    assert_int_equal(access(lock, F_OK), -1);
    free(lock);
    fx_rm_rf(dir);
    free(dir);
}

static void test_builder_inputs_and_options(void **state)
{
    cs_manifest *m = cs_manifest_new();
    assert_non_null(m);
    cs_input_counts in = {"customers.csv", "csv", 1000, 990, 7, 12};
    size_t idx = 99;
    assert_int_equal(cs_manifest_add_input(m, &in, &idx), CS_OK);
    assert_int_equal(idx, 0);
    assert_int_equal(cs_manifest_add_invalid_reason(m, 0, "label longer than 63 octets", 2), CS_OK);
    assert_int_equal(cs_manifest_add_invalid_reason(m, 0, "label longer than 63 octets", 3), CS_OK);
    assert_int_equal(cs_manifest_add_invalid_reason(m, 0, "IP address", 2), CS_OK);
    assert_int_equal(cs_manifest_add_invalid_reason(m, 5, "x", 1), CS_EINVAL);
    assert_int_equal(cs_manifest_add_resolver(m, "127.0.0.1:5353"), CS_OK);
    assert_int_equal(cs_manifest_set_queries_sent(m, 123456), CS_OK);
    json_object_set_new(cs_manifest_options(m), "qps", json_integer(500));
    const json_t *j = cs_manifest_json(m);
    const json_t *i0 = json_array_get(json_object_get(j, "inputs"), 0);
    assert_int_equal(json_integer_value(json_object_get(i0, "duplicates")), 12);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(i0, "invalid_reasons"),
                                                        "label longer than 63 octets")),
                     5);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "options"), "qps")),
                     500);
    assert_int_equal(json_integer_value(json_object_get(j, "queries_sent")), 123456);
    assert_string_equal(json_string_value(json_array_get(json_object_get(j, "resolvers"), 0)),
                        "127.0.0.1:5353");
    assert_int_equal(json_object_size(json_object_get(j, "status_counts")), CS_ST_COUNT);
    cs_manifest_free(m);
}

static void drop_shard_rows(json_t *root)
{
    json_t *s = json_array_get(
        json_object_get(json_object_get(json_object_get(root, "tables"), "results"), "shards"), 0);
    json_object_set_new(s, "rows",
                        json_integer(json_integer_value(json_object_get(s, "rows")) + 1));
}

static void bump_schema(json_t *root)
{
    json_object_set_new(root, "schema_version", json_integer(CS_MANIFEST_SCHEMA + 1));
}

static void bad_file_name(json_t *root)
{
    json_t *s = json_array_get(
        json_object_get(json_object_get(json_object_get(root, "tables"), "results"), "shards"), 0);
    json_object_set_new(s, "file", json_string("../etc/passwd"));
}

/* Removes the result column named *column from the manifest's list (an older run's header). */
static const char *dropped_column;
static void drop_column(json_t *root)
{
    json_t *cols =
        json_object_get(json_object_get(json_object_get(root, "tables"), "results"), "columns");
    for (size_t i = 0; i < json_array_size(cols); i++)
        if (strcmp(json_string_value(json_array_get(cols, i)), dropped_column) == 0) {
            json_array_remove(cols, i);
            return;
        }
    fail();
}

/* The result columns in file order; runs written before fix and fail_pct existed still load,
 * a run without any other fixed column does not. */
static void test_result_columns(void **state)
{
    static const char *const want[] = {
        "name",      "status",  "issuable",   "fail_pct",    "problems",       "fix",
        "caa_owner", "caa",     "zone",       "nameservers", "resolver_rcode", "ede",
        "detail",    "sources", "checked_at",
    };
    assert_int_equal(CS_RC_COUNT, sizeof(want) / sizeof(want[0]));
    for (size_t i = 0; i < CS_RC_COUNT; i++)
        assert_string_equal(cs_result_col_name((cs_result_col)i), want[i]);
    assert_int_equal(CS_RC_FAIL_PCT, 3);
    assert_null(cs_result_col_name(CS_RC_COUNT));
    char err[8192];
    cs_manifest *m;
    char *dir = make_run(2);
    static const char *const late[] = {"fail_pct", "fix"};
    for (size_t i = 0; i < 2; i++) { /* schema 2 (no fail_pct), then schema 1 (neither) */
        dropped_column = late[i];
        edit_manifest(dir, drop_column);
        assert_int_equal(cs_manifest_load(&m, dir, 0, err, sizeof(err)), CS_OK);
        cs_manifest_free(m);
    }
    fx_write_run(dir, cs_table_header(CS_TABLE_RESULTS), CS_RC_COUNT, rows, 3, srv, 1, 2);
    dropped_column = "problems";
    edit_manifest(dir, drop_column);
    assert_int_equal(cs_manifest_load(&m, dir, 0, err, sizeof(err)), CS_ECORRUPT);
    assert_non_null(strstr(err, "tables.results.columns[4] is not \"problems\""));
    fx_rm_rf(dir);
    free(dir);
}

static void test_validation_errors(void **state)
{
    char err[8192], want[8192];
    cs_manifest *m;
    char *dir = make_run(2);
    char *mpath = fx_path(dir, "manifest.json");

    edit_manifest(dir, drop_shard_rows);
    /* Without reading the shards only the totals are checked: the sum now differs. */
    assert_int_equal(cs_manifest_load(&m, dir, 0, err, sizeof(err)), CS_ECORRUPT);
    snprintf(want, sizeof(want), "%s: tables.results.rows is not the sum of its shards' rows",
             mpath);
    assert_string_equal(err, want);
    fx_write_run(dir, cs_table_header(CS_TABLE_RESULTS), CS_RC_COUNT, rows, 3, srv, 1, 2);

    edit_manifest(dir, bump_schema);
    assert_int_equal(cs_manifest_load(&m, dir, 0, err, sizeof(err)), CS_EMISMATCH);
    snprintf(want, sizeof(want), "%s: schema version 4 (this caascan reads 1 to 3)", mpath);
    assert_string_equal(err, want);
    fx_write_run(dir, cs_table_header(CS_TABLE_RESULTS), CS_RC_COUNT, rows, 3, srv, 1, 2);

    edit_manifest(dir, bad_file_name);
    assert_int_equal(cs_manifest_load(&m, dir, 0, err, sizeof(err)), CS_ECORRUPT);
    assert_non_null(strstr(err, "tables.results.shards[0] needs a file results-NNNN.csv.zst"));
    fx_write_run(dir, cs_table_header(CS_TABLE_RESULTS), CS_RC_COUNT, rows, 3, srv, 1, 2);

    char *shard = fx_path(dir, "results-0001.csv.zst");
    char *saved = fx_path(dir, "saved.zst");
    assert_int_equal(rename(shard, saved), 0);
    assert_int_equal(cs_manifest_load(&m, dir, 0, err, sizeof(err)), CS_OK);
    cs_manifest_free(m);
    assert_int_equal(cs_manifest_load(&m, dir, CS_MANIFEST_CHECK_FILES, err, sizeof(err)),
                     CS_ECORRUPT);
    snprintf(want, sizeof(want), "%s: listed shard %s is missing: No such file or directory", mpath,
             shard);
    assert_string_equal(err, want);
    /* A shard with other rows than the manifest says: swap in the other shard's file. */
    char *other = fx_path(dir, "results-0000.csv.zst");
    char *copy;
    assert_true(asprintf(&copy, "cp %s %s", other, shard) > 0);
    assert_int_equal(system(copy), 0);
    free(copy);
    int rc = cs_manifest_load(&m, dir, CS_MANIFEST_COUNT_ROWS, err, sizeof(err));
    /* 3 rows in 2 shards: the two counts always differ. */
    assert_int_equal(rc, CS_ECORRUPT);
    assert_non_null(strstr(err, "rows, the manifest says"));

    FILE *f = fopen(mpath, "w");
    fputs("{\"schema_version\": 1,", f);
    fclose(f);
    assert_int_equal(cs_manifest_load(&m, dir, 0, err, sizeof(err)), CS_ECORRUPT);
    snprintf(want, sizeof(want), "%s: line 1: ", mpath);
    assert_memory_equal(err, want, strlen(want));

    free(other);
    free(shard);
    free(saved);
    free(mpath);
    fx_rm_rf(dir);
    free(dir);
}

static void test_incomplete_and_busy_runs(void **state)
{
    char err[8192], want[8192];
    char *dir = fx_tmpdir();
    char *sub = fx_path(dir, "run");
    cs_run *run, *other;
    cs_manifest *m;
    assert_int_equal(cs_run_create(&run, sub, 0, err, sizeof(err)), CS_OK);
    assert_int_equal(cs_manifest_load(&m, sub, 0, err, sizeof(err)), CS_EINCOMPLETE);
    snprintf(want, sizeof(want), "%s: incomplete run: a scan is still writing it", sub);
    assert_string_equal(err, want);
    assert_int_equal(cs_run_create(&other, sub, CS_RUN_OVERWRITE, err, sizeof(err)), CS_EINVAL);
    snprintf(want, sizeof(want), "%s: another scan is writing this run", sub);
    assert_string_equal(err, want);
    /* A stopped scan: temporaries are removed, no manifest is written. */
    char *tmp = fx_path(sub, "results-0002.csv.zst.tmp");
    FILE *f = fopen(tmp, "w");
    fclose(f);
    cs_run_abort(run);
    assert_int_equal(access(tmp, F_OK), -1);
    assert_int_equal(cs_manifest_load(&m, sub, 0, err, sizeof(err)), CS_EINCOMPLETE);
    snprintf(want, sizeof(want),
             "%s: incomplete run: no manifest.json (the scan was stopped or failed)", sub);
    assert_string_equal(err, want);

    /* A complete run is not replaced unless asked. */
    fx_write_run(sub, cs_table_header(CS_TABLE_RESULTS), CS_RC_COUNT, rows, 3, srv, 1, 2);
    assert_int_equal(cs_run_create(&run, sub, 0, err, sizeof(err)), CS_EINVAL);
    snprintf(want, sizeof(want), "%s: a complete run is already there (use --force to replace it)",
             sub);
    assert_string_equal(err, want);
    assert_int_equal(cs_manifest_load(&m, sub, CS_MANIFEST_COUNT_ROWS, err, sizeof(err)), CS_OK);
    cs_manifest_free(m);
    assert_int_equal(cs_run_create(&run, sub, CS_RUN_OVERWRITE, err, sizeof(err)), CS_OK);
    char *old = fx_path(sub, "results-0000.csv.zst");
    assert_int_equal(access(old, F_OK), -1); /* the old run's shards are gone */
    cs_run_abort(run);
    free(old);
    free(tmp);
    free(sub);
    fx_rm_rf(dir);
    free(dir);
}

/* An interrupted run (run-state.json, journal, no manifest): refused without --resume or
 * --force, kept by a resume, removed by --force and once the run completes. */
static void test_interrupted_run_life(void **state)
{
    char err[8192], want[8192];
    char *dir = fx_tmpdir();
    char *sub = fx_path(dir, "run");
    char *rs = fx_path(sub, "run-state.json");
    char *jn = fx_path(sub, "journal.zst");
    cs_run *run;
    assert_int_equal(cs_run_create(&run, sub, CS_RUN_RESUME, err, sizeof(err)), CS_EINVAL);
    assert_non_null(strstr(err, "no run to resume"));
    assert_int_equal(cs_run_create(&run, sub, 0, err, sizeof(err)), CS_OK);
    FILE *f = fopen(rs, "w");
    fputs("{}", f);
    fclose(f);
    f = fopen(jn, "w");
    fputs("x", f);
    fclose(f);
    cs_run_abort(run); /* a signal: the journal and run state stay */
    assert_int_equal(access(rs, F_OK), 0);
    assert_int_equal(access(jn, F_OK), 0);
    assert_int_equal(cs_run_create(&run, sub, 0, err, sizeof(err)), CS_EINVAL);
    snprintf(want, sizeof(want),
             "%s: an interrupted run is there: continue it with --resume, or start again with "
             "--force",
             sub);
    assert_string_equal(err, want);
    char *lock = fx_path(sub, "RUNNING");
    assert_int_equal(access(lock, F_OK), -1); /* the refusal leaves no lock behind */
    assert_int_equal(cs_run_create(&run, sub, CS_RUN_RESUME, err, sizeof(err)), CS_OK);
    assert_int_equal(access(jn, F_OK), 0); /* kept for the resume */
    cs_run *other;
    assert_int_equal(cs_run_create(&other, sub, CS_RUN_RESUME, err, sizeof(err)), CS_EINVAL);
    snprintf(want, sizeof(want), "%s: another scan is writing this run", sub);
    assert_string_equal(err, want);
    cs_manifest *m = cs_manifest_new();
    assert_int_equal(cs_run_finish(run, m, err, sizeof(err)), CS_OK);
    cs_manifest_free(m);
    assert_int_equal(access(jn, F_OK), -1); /* complete: nothing kept for a resume */
    assert_int_equal(access(rs, F_OK), -1);
    assert_int_equal(cs_run_create(&run, sub, CS_RUN_RESUME, err, sizeof(err)), CS_EINVAL);
    snprintf(want, sizeof(want),
             "%s: the run is complete (manifest.json is there): nothing to resume", sub);
    assert_string_equal(err, want);
    /* --force over an interrupted run starts again: run state and journal are gone. */
    assert_int_equal(cs_run_create(&run, sub, CS_RUN_OVERWRITE, err, sizeof(err)), CS_OK);
    f = fopen(rs, "w");
    fclose(f);
    f = fopen(jn, "w");
    fclose(f);
    cs_run_abort(run);
    assert_int_equal(cs_run_create(&run, sub, CS_RUN_OVERWRITE, err, sizeof(err)), CS_OK);
    assert_int_equal(access(rs, F_OK), -1);
    assert_int_equal(access(jn, F_OK), -1);
    cs_run_abort(run);
    free(lock);
    free(rs);
    free(jn);
    free(sub);
    fx_rm_rf(dir);
    free(dir);
}

static void test_full_disk_leaves_no_manifest(void **state)
{
    char err[8192];
    char *dir = fx_tmpdir();
    cs_run *run;
    assert_int_equal(cs_run_create(&run, dir, 0, err, sizeof(err)), CS_OK);
    cs_shard_writer *w;
    assert_int_equal(
        cs_shard_writer_open(&w, dir, "results", cs_table_header(CS_TABLE_RESULTS), CS_RC_COUNT, 2),
        CS_OK);
    for (int i = 0; i < 3; i++)
        assert_int_equal(cs_shard_writer_add(w, rows + i * CS_RC_COUNT), CS_OK);
    assert_int_equal(cs_shard_writer_finish(w), CS_OK);
    cs_manifest *m = cs_manifest_new();
    assert_int_equal(cs_manifest_set_table(m, CS_TABLE_RESULTS, cs_table_header(CS_TABLE_RESULTS),
                                           CS_RC_COUNT, w),
                     CS_OK);
    cs_fileio_inject_failure(100, ENOSPC); /* the manifest is longer than 100 bytes */
    assert_int_equal(cs_run_finish(run, m, err, sizeof(err)), CS_EIO);
    cs_fileio_inject_failure(-1, 0);
    assert_non_null(strstr(err, "manifest.json.tmp: write failed: No space left on device (disk "
                                "full: the run is left incomplete, without manifest.json)"));
    char *mpath = fx_path(dir, "manifest.json"), *mtmp = fx_path(dir, "manifest.json.tmp");
    assert_int_equal(access(mpath, F_OK), -1);
    assert_int_equal(access(mtmp, F_OK), -1);
    cs_manifest *loaded;
    assert_int_equal(cs_manifest_load(&loaded, dir, 0, err, sizeof(err)), CS_EINCOMPLETE);

    cs_manifest_free(m);
    cs_shard_writer_free(w);
    free(mpath);
    free(mtmp);
    fx_rm_rf(dir);
    free(dir);
}

/* A run directory below directories that do not exist yet (RUNS/NIGHT/part-K, written by
 * partitions started at once) is created with its parents; a parent that is a file is an error. */
static void test_run_directory_parents(void **state)
{
    char err[8192], want[8192];
    char *dir = fx_tmpdir();
    char *night = fx_path(dir, "runs/20261202");
    char *sub = fx_path(dir, "runs/20261202/part-0/");
    cs_run *run;
    assert_int_equal(cs_run_create(&run, sub, 0, err, sizeof(err)), CS_OK);
    struct stat st;
    assert_int_equal(stat(night, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    cs_run_abort(run);
    /* A second partition of the same night: the parents are there. */
    char *sub1 = fx_path(dir, "runs/20261202/part-1");
    assert_int_equal(cs_run_create(&run, sub1, 0, err, sizeof(err)), CS_OK);
    cs_run_abort(run);
    char *file = fx_path(dir, "plain"), *below = fx_path(dir, "plain/night/part-0");
    FILE *f = fopen(file, "w");
    fclose(f);
    assert_int_equal(cs_run_create(&run, below, 0, err, sizeof(err)), CS_EIO);
    snprintf(want, sizeof(want), "%s: cannot create run directory: Not a directory", below);
    assert_string_equal(err, want);
    free(file);
    free(below);
    free(sub1);
    free(sub);
    free(night);
    fx_rm_rf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_builder_inputs_and_options),
        cmocka_unit_test(test_validation_errors),
        cmocka_unit_test(test_result_columns),
        cmocka_unit_test(test_incomplete_and_busy_runs),
        cmocka_unit_test(test_interrupted_run_life),
        cmocka_unit_test(test_full_disk_leaves_no_manifest),
        cmocka_unit_test(test_run_directory_parents),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
