/* test_run_merge.c -- caascan merge as a library call: partition runs written through the store
 * library merge into one run with every name once, in order, the counts summed and the merge
 * recorded; a missing part, other inputs, another CA, overlapping parts and an incomplete part
 * are refused with the part named and no manifest written. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "caascan/manifest.h"
#include "caascan/merge.h"
#include "caascan/partition.h"
#include "caascan/result.h"
#include "caascan/run_merge.h"
#include "caascan/shard.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NAMES 300
#define PARTS 3

static char root[256];

static void name_of(unsigned i, char *buf, size_t size)
{
    snprintf(buf, size, "n%u.d%u.test", i, i / 3); /* 3 names a registered domain */
}

/* Writes DIR as partition k of n holding the names i of [0, NAMES) with partition_of == k - 1
 * (or, when as_k is not 0, those of partition as_k while claiming to be k). */
static void make_part(const char *dir, unsigned k, unsigned n, unsigned as_k, const char *digest,
                      const char *ca)
{
    char err[1024];
    cs_run *run;
    assert_int_equal(cs_run_create(&run, dir, CS_RUN_OVERWRITE, err, sizeof(err)), CS_OK);
    cs_shard_writer *w;
    assert_int_equal(
        cs_shard_writer_open(&w, dir, "results", cs_table_header(CS_TABLE_RESULTS), CS_RC_COUNT, 4),
        CS_OK);
    uint64_t ok = 0;
    for (unsigned i = 0; i < NAMES; i++) {
        char name[64];
        name_of(i, name, sizeof(name));
        if (cs_partition_of(name, true, n) != (as_k ? as_k : k) - 1)
            continue;
        const char *f[CS_RC_COUNT] = {name, "OK", "yes"};
        for (size_t c = 3; c < CS_RC_COUNT; c++)
            f[c] = "";
        assert_int_equal(cs_shard_writer_add(w, f), CS_OK);
        ok++;
    }
    assert_int_equal(cs_shard_writer_finish(w), CS_OK);
    cs_manifest *m = cs_manifest_new();
    assert_int_equal(cs_manifest_set_started(m, 1764640800), CS_OK);
    assert_int_equal(cs_manifest_set_ca(m, ca), CS_OK);
    json_object_set_new(cs_manifest_options(m), "ca", json_string(ca));
    json_object_set_new(cs_manifest_options(m), "partition", json_string("x"));
    assert_int_equal(cs_manifest_set_member(m, "input_digest", json_string(digest)), CS_OK);
    assert_int_equal(cs_manifest_set_member(m, "partition",
                                            json_pack("{s:i, s:i, s:s}", "k", (int)k, "n", (int)n,
                                                      "rule", CS_PARTITION_RULE)),
                     CS_OK);
    assert_int_equal(cs_manifest_set_status_count(m, CS_ST_OK, ok), CS_OK);
    assert_int_equal(cs_manifest_set_queries_sent(m, 10 * ok), CS_OK);
    assert_int_equal(cs_manifest_set_table(m, CS_TABLE_RESULTS, cs_table_header(CS_TABLE_RESULTS),
                                           CS_RC_COUNT, w),
                     CS_OK);
    assert_int_equal(cs_run_finish(run, m, err, sizeof(err)), CS_OK);
    cs_manifest_free(m);
    cs_shard_writer_free(w);
}

static int setup(void **state)
{
    (void)state;
    snprintf(root, sizeof(root), "/tmp/caascan-test-run-merge.XXXXXX");
    if (!mkdtemp(root))
        return -1;
    char dir[300];
    for (unsigned k = 1; k <= PARTS; k++) {
        snprintf(dir, sizeof(dir), "%s/part%u", root, k);
        make_part(dir, k, PARTS, 0, "00112233aabbccdd", "letsencrypt.org");
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[400];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    return system(cmd);
}

static cs_err merge(const char *out, const char *a, const char *b, const char *c, char *err,
                    size_t errlen)
{
    char pa[300], pb[300], pc[300], po[300];
    snprintf(pa, sizeof(pa), "%s/%s", root, a);
    snprintf(pb, sizeof(pb), "%s/%s", root, b);
    snprintf(pc, sizeof(pc), "%s/%s", root, c);
    snprintf(po, sizeof(po), "%s/%s", root, out);
    const char *parts[] = {pa, pb, pc};
    struct cs_run_merge_summary sum;
    return cs_run_merge(po, parts, c[0] ? 3 : 2, false, &sum, err, errlen);
}

static bool has_manifest(const char *out)
{
    char p[400];
    snprintf(p, sizeof(p), "%s/%s/manifest.json", root, out);
    return access(p, F_OK) == 0;
}

static void test_merge(void **state)
{
    (void)state;
    char err[2048], out[300];
    assert_int_equal(merge("merged", "part3", "part1", "part2", err, sizeof(err)), CS_OK);
    snprintf(out, sizeof(out), "%s/merged", root);
    cs_merge *mg;
    cs_manifest *m;
    assert_int_equal(cs_merge_open_run(&mg, out, CS_TABLE_RESULTS, false, &m, err, sizeof(err)),
                     CS_OK);
    unsigned rows = 0;
    char prev[64] = "";
    bool have;
    const char *const *f;
    while (cs_merge_next(mg, &have, &f, err, sizeof(err)) == CS_OK && have) {
        assert_true(strcmp(prev, f[0]) < 0 || rows == 0); /* in order, once each */
        snprintf(prev, sizeof(prev), "%s", f[0]);
        rows++;
    }
    assert_int_equal(rows, NAMES);
    assert_int_equal(cs_manifest_status_count(m, CS_ST_OK), NAMES);
    const json_t *j = cs_manifest_json(m);
    assert_int_equal(json_integer_value(json_object_get(j, "queries_sent")), 10 * NAMES);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(j, "partition"), "merged")), "1..3");
    assert_true(json_is_null(json_object_get(json_object_get(j, "options"), "partition")));
    assert_string_equal(json_string_value(json_object_get(j, "input_digest")), "00112233aabbccdd");
    cs_manifest_free(m);
    cs_merge_free(mg);
    /* A merged run is not a part. */
    assert_int_equal(merge("again", "merged", "part1", "part2", err, sizeof(err)), CS_EMISMATCH);
    assert_non_null(strstr(err, "merged: not a partition of a partitioned scan"));
}

static void test_refusals(void **state)
{
    (void)state;
    char err[2048], dir[300];
    assert_int_equal(merge("m1", "part1", "part3", "", err, sizeof(err)), CS_EMISMATCH);
    assert_non_null(strstr(err, "2 of 3 partitions given: missing 2/3"));
    assert_false(has_manifest("m1"));

    assert_int_equal(merge("m2", "part1", "part1", "part3", err, sizeof(err)), CS_EMISMATCH);
    assert_non_null(strstr(err, "are both partition 1/3"));

    snprintf(dir, sizeof(dir), "%s/other", root);
    make_part(dir, 2, PARTS, 0, "ffffffffffffffff", "letsencrypt.org");
    assert_int_equal(merge("m3", "part1", "other", "part3", err, sizeof(err)), CS_EMISMATCH);
    assert_non_null(strstr(err, "other: scanned other inputs than"));
    assert_false(has_manifest("m3"));

    snprintf(dir, sizeof(dir), "%s/otherca", root);
    make_part(dir, 2, PARTS, 0, "00112233aabbccdd", "pki.goog");
    assert_int_equal(merge("m4", "part1", "otherca", "part3", err, sizeof(err)), CS_EMISMATCH);
    assert_non_null(strstr(err, "otherca: --ca pki.goog, but"));

    /* A part judged with another CA model (fail_pct and statuses differ): not one job. */
    snprintf(dir, sizeof(dir), "%s/othermodel", root);
    make_part(dir, 2, PARTS, 0, "00112233aabbccdd", "letsencrypt.org");
    char mp[400];
    snprintf(mp, sizeof(mp), "%s/manifest.json", dir);
    json_t *mj = json_load_file(mp, 0, NULL);
    assert_non_null(mj);
    json_object_set_new(json_object_get(mj, "options"), "remotes", json_integer(6));
    assert_int_equal(json_dump_file(mj, mp, JSON_INDENT(2)), 0);
    json_decref(mj);
    assert_int_equal(merge("m7", "part1", "othermodel", "part3", err, sizeof(err)), CS_EMISMATCH);
    assert_non_null(strstr(err, "othermodel: --remotes 6, but"));
    assert_non_null(strstr(err, "has --remotes (none): not one job"));
    assert_false(has_manifest("m7"));

    /* Claims partition 2 but holds partition 1's names: found while merging. */
    snprintf(dir, sizeof(dir), "%s/overlap", root);
    make_part(dir, 2, PARTS, 1, "00112233aabbccdd", "letsencrypt.org");
    assert_int_equal(merge("m5", "part1", "overlap", "part3", err, sizeof(err)), CS_EMISMATCH);
    assert_non_null(strstr(err, "is in two of the parts: they are not disjoint"));
    assert_false(has_manifest("m5"));

    snprintf(dir, sizeof(dir), "%s/incomplete", root);
    make_part(dir, 2, PARTS, 0, "00112233aabbccdd", "letsencrypt.org");
    char p[400];
    snprintf(p, sizeof(p), "%s/manifest.json", dir);
    assert_int_equal(unlink(p), 0);
    assert_int_equal(merge("m6", "part1", "incomplete", "part3", err, sizeof(err)), CS_EINCOMPLETE);
    assert_non_null(strstr(err, "incomplete: not a complete run (no manifest.json)"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_merge),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
