/*
 * test_diff.c -- caascan diff: every change kind with its precedence and detail sentence, on two
 * synthetic runs with different shard counts; exit-status input (NEW_FAILURE count); refusal of
 * incomplete runs and of runs with another schema version.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "run_fixture.h"

#include "caascan/diff.h"

#define LE    "0 issue \"letsencrypt.org\""
#define OTHER "0 issue \"other-ca.test\""
#define IODEF "0 iodef \"mailto:ops@example.test\""
#define NS    "ns1.dnsprov.test/127.0.3.1;ns2.dnsprov.test/127.0.3.2"

static const char *const old_rows[] = {
    FX_ROW("removed.test", "OK", "", LE, "test", NS, "a.txt:1"),
    FX_ROW("newfail.test", "OK", "", LE, "test", NS, "a.txt:2"),
    FX_ROW("risk2fail.test", "AT_RISK", "AUTH_NOTIMP", LE, "test", NS, "a.txt:3"),
    FX_ROW("recovered.test", "TIMEOUT", "RESOLVER_TIMEOUT", "", "test", NS, "a.txt:4"),
    FX_ROW("statuschg.test", "OK", "", LE, "test", NS, "a.txt:5"),
    FX_ROW("failfail.test", "SERVFAIL", "RESOLVER_SERVFAIL", "", "test", NS, "a.txt:6"),
    FX_ROW("caachg.test", "OK", "", LE, "test", NS, "a.txt:7"),
    FX_ROW("caaorder.test", "OK", "", LE ";" IODEF, "test", NS, "a.txt:8"),
    FX_ROW("probchg.test", "AT_RISK", "AUTH_NOTIMP", LE, "test", NS, "a.txt:9"),
    FX_ROW("same.test", "OK", "", LE, "test", NS, "a.txt:10"),
};

static const char *const new_rows[] = {
    FX_ROW("added.test", "OK", "", LE, "test", NS, "a.txt:11"),
    FX_ROW("newfail.test", "CAA_FORBIDS", "CAA_NOT_AUTHORIZED", OTHER, "test", NS, "a.txt:2"),
    FX_ROW("risk2fail.test", "SERVFAIL", "RESOLVER_SERVFAIL;AUTH_NOTIMP", LE, "test", NS,
           "a.txt:3"),
    FX_ROW("recovered.test", "OK", "", "", "test", NS, "a.txt:4"),
    FX_ROW("statuschg.test", "AT_RISK", "CASE_NOT_PRESERVED", LE, "test", NS, "a.txt:5"),
    FX_ROW("failfail.test", "TIMEOUT", "RESOLVER_TIMEOUT", "", "test", NS, "a.txt:6"),
    FX_ROW("caachg.test", "OK", "", LE ";" IODEF, "test", NS, "a.txt:7"),
    FX_ROW("caaorder.test", "OK", "", IODEF ";" LE, "test", NS, "a.txt:8"),
    FX_ROW("probchg.test", "AT_RISK", "AUTH_NOTIMP;CASE_NOT_PRESERVED", LE, "test", NS, "a.txt:9"),
    FX_ROW("same.test", "OK", "", LE, "test", NS, "a.txt:10"),
};

static const char *const expected =
    "name,change,old_status,new_status,old_problems,new_problems,old_caa,new_caa,detail\r\n"
    "added.test,ADDED,,OK,,,,\"0 issue \"\"letsencrypt.org\"\"\",\"new name, status OK\"\r\n"
    "caachg.test,CAA_CHANGED,OK,OK,,,\"0 issue \"\"letsencrypt.org\"\"\",\"0 issue "
    "\"\"letsencrypt.org\"\";0 iodef \"\"mailto:ops@example.test\"\"\",\"CAA changed from 0 issue "
    "\"\"letsencrypt.org\"\" to 0 issue \"\"letsencrypt.org\"\";0 iodef "
    "\"\"mailto:ops@example.test\"\"\"\r\n"
    "failfail.test,STATUS_CHANGED,SERVFAIL,TIMEOUT,RESOLVER_SERVFAIL,RESOLVER_TIMEOUT,,,status "
    "SERVFAIL -> TIMEOUT; problems changed from RESOLVER_SERVFAIL to RESOLVER_TIMEOUT\r\n"
    "newfail.test,NEW_FAILURE,OK,CAA_FORBIDS,,CAA_NOT_AUTHORIZED,\"0 issue "
    "\"\"letsencrypt.org\"\"\",\"0 issue \"\"other-ca.test\"\"\",\"status OK -> CAA_FORBIDS; CAA "
    "changed from 0 issue \"\"letsencrypt.org\"\" to 0 issue \"\"other-ca.test\"\"; problems "
    "changed from (none) to CAA_NOT_AUTHORIZED\"\r\n"
    "probchg.test,PROBLEMS_CHANGED,AT_RISK,AT_RISK,AUTH_NOTIMP,AUTH_NOTIMP;CASE_NOT_PRESERVED,\"0 "
    "issue \"\"letsencrypt.org\"\"\",\"0 issue \"\"letsencrypt.org\"\"\",problems changed from "
    "AUTH_NOTIMP to AUTH_NOTIMP;CASE_NOT_PRESERVED\r\n"
    "recovered.test,RECOVERED,TIMEOUT,OK,RESOLVER_TIMEOUT,,,,status TIMEOUT -> OK; problems "
    "changed from RESOLVER_TIMEOUT to (none)\r\n"
    "removed.test,REMOVED,OK,,,,\"0 issue \"\"letsencrypt.org\"\"\",,name no longer scanned (was "
    "OK)\r\n"
    "risk2fail.test,NEW_FAILURE,AT_RISK,SERVFAIL,AUTH_NOTIMP,RESOLVER_SERVFAIL;AUTH_NOTIMP,\"0 "
    "issue \"\"letsencrypt.org\"\"\",\"0 issue \"\"letsencrypt.org\"\"\",status AT_RISK -> "
    "SERVFAIL; problems changed from AUTH_NOTIMP to RESOLVER_SERVFAIL;AUTH_NOTIMP\r\n"
    "statuschg.test,STATUS_CHANGED,OK,AT_RISK,,CASE_NOT_PRESERVED,\"0 issue "
    "\"\"letsencrypt.org\"\"\",\"0 issue \"\"letsencrypt.org\"\"\",status OK -> AT_RISK; problems "
    "changed from (none) to CASE_NOT_PRESERVED\r\n";

struct runs {
    char *base, *old, *new;
};

static int setup(void **state)
{
    struct runs *r = calloc(1, sizeof(*r));
    r->base = fx_tmpdir();
    r->old = fx_path(r->base, "old");
    r->new = fx_path(r->base, "new");
    fx_write_run(r->old, cs_table_header(CS_TABLE_RESULTS), CS_RC_COUNT, old_rows, 10, NULL, 0, 4);
    fx_write_run(r->new, cs_table_header(CS_TABLE_RESULTS), CS_RC_COUNT, new_rows, 10, NULL, 0, 3);
    *state = r;
    return 0;
}

static int teardown(void **state)
{
    struct runs *r = *state;
    fx_rm_rf(r->base);
    free(r->base);
    free(r->old);
    free(r->new);
    free(r);
    return 0;
}

/* Runs the diff into memory; returns the error and the CSV text in *text. */
static cs_err run_diff(const char *old, const char *new, bool allow, char **text, cs_diff_stats *st,
                       char *err, size_t errlen)
{
    size_t len;
    FILE *out = open_memstream(text, &len);
    cs_err rc = cs_diff_runs(old, new, allow, out, st, err, errlen);
    fclose(out);
    return rc;
}

static void test_every_change_kind(void **state)
{
    struct runs *r = *state;
    char err[8192], *text;
    cs_diff_stats st;
    assert_int_equal(run_diff(r->old, r->new, false, &text, &st, err, sizeof(err)), CS_OK);
    assert_string_equal(text, expected);
    free(text);
    assert_int_equal(st.old_rows, 10);
    assert_int_equal(st.new_rows, 10);
    assert_int_equal(st.changes[CS_CH_ADDED], 1);
    assert_int_equal(st.changes[CS_CH_REMOVED], 1);
    assert_int_equal(st.changes[CS_CH_NEW_FAILURE], 2); /* caascan diff exits 1 */
    assert_int_equal(st.changes[CS_CH_RECOVERED], 1);
    assert_int_equal(st.changes[CS_CH_STATUS_CHANGED], 2);
    assert_int_equal(st.changes[CS_CH_CAA_CHANGED], 1);
    assert_int_equal(st.changes[CS_CH_PROBLEMS_CHANGED], 1);
    assert_int_equal(st.changes[CS_CH_NONE], 0);

    /* The other way round: two failures recover, recovered.test fails again. */
    assert_int_equal(run_diff(r->new, r->old, false, &text, &st, err, sizeof(err)), CS_OK);
    free(text);
    assert_int_equal(st.changes[CS_CH_NEW_FAILURE], 1);
    assert_int_equal(st.changes[CS_CH_RECOVERED], 2);
    assert_int_equal(st.changes[CS_CH_ADDED], 1);
    assert_int_equal(st.changes[CS_CH_REMOVED], 1);

    /* A run compared with itself has no changes. */
    assert_int_equal(run_diff(r->old, r->old, false, &text, &st, err, sizeof(err)), CS_OK);
    assert_string_equal(text, "name,change,old_status,new_status,old_problems,new_problems,"
                              "old_caa,new_caa,detail\r\n");
    free(text);
}

static void test_classify_precedence(void **state)
{
    cs_diff_side ok = {"OK", "", LE, ""},
                 forbids = {"CAA_FORBIDS", "CAA_NOT_AUTHORIZED", OTHER, ""};
    cs_diff_side nx = {"NXDOMAIN", "", "", ""}, inval = {"INVALID", "INVALID_NAME", "", ""};
    cs_diff_side risk = {"AT_RISK", "AUTH_REFUSED", OTHER, ""};
    assert_int_equal(cs_diff_classify(NULL, &forbids), CS_CH_ADDED);
    assert_int_equal(cs_diff_classify(&forbids, NULL), CS_CH_REMOVED);
    assert_int_equal(cs_diff_classify(&ok, &forbids), CS_CH_NEW_FAILURE);
    assert_int_equal(cs_diff_classify(&ok, &nx), CS_CH_NEW_FAILURE);
    assert_int_equal(cs_diff_classify(&risk, &inval), CS_CH_NEW_FAILURE);
    assert_int_equal(cs_diff_classify(&forbids, &risk), CS_CH_RECOVERED);
    assert_int_equal(cs_diff_classify(&nx, &forbids), CS_CH_STATUS_CHANGED);
    assert_int_equal(cs_diff_classify(&ok, &risk), CS_CH_STATUS_CHANGED);
    assert_int_equal(cs_diff_classify(&ok, &ok), CS_CH_NONE);
    for (int s = 0; s < CS_ST_COUNT; s++)
        assert_int_equal(cs_status_is_failing((cs_status)s), s != CS_ST_OK && s != CS_ST_AT_RISK);
    assert_string_equal(cs_change_name(CS_CH_PROBLEMS_CHANGED), "PROBLEMS_CHANGED");
    assert_null(cs_change_name(CS_CH_COUNT));
}

static void test_refuses_incomplete_and_other_schema(void **state)
{
    struct runs *r = *state;
    char err[8192], want[8192], *text;
    cs_diff_stats st;
    char *m = fx_path(r->new, "manifest.json"), *saved = fx_path(r->base, "saved.json");
    assert_int_equal(rename(m, saved), 0);
    assert_int_equal(run_diff(r->old, r->new, false, &text, &st, err, sizeof(err)), CS_EINCOMPLETE);
    free(text);
    snprintf(want, sizeof(want),
             "%s: incomplete run: no manifest.json (the scan was stopped or failed)", r->new);
    assert_string_equal(err, want);
    assert_int_equal(run_diff(r->old, r->new, true, &text, &st, err, sizeof(err)), CS_OK);
    assert_string_equal(text, expected);
    free(text);
    assert_int_equal(rename(saved, m), 0);

    json_t *root = json_load_file(m, 0, NULL);
    json_object_set_new(root, "schema_version", json_integer(CS_MANIFEST_SCHEMA + 1));
    json_dump_file(root, m, 0);
    json_decref(root);
    assert_int_equal(run_diff(r->old, r->new, false, &text, &st, err, sizeof(err)), CS_EMISMATCH);
    free(text);
    assert_non_null(strstr(err, "schema version 4 (this caascan reads 1 to 3)"));
    /* Put the run back for the other tests. */
    fx_write_run(r->new, cs_table_header(CS_TABLE_RESULTS), CS_RC_COUNT, new_rows, 10, NULL, 0, 3);
    free(m);
    free(saved);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_every_change_kind, setup, teardown),
        cmocka_unit_test(test_classify_precedence),
        cmocka_unit_test_setup_teardown(test_refuses_incomplete_and_other_schema, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
