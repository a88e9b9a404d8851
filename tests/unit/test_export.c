/*
 * test_export.c -- caascan export: one globally sorted table from several shards, with kept input
 * columns; the --status filter (FAIL = all but OK); JSON lines with list columns as arrays; a
 * clear error when the output device is full.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "run_fixture.h"

#include <sys/stat.h>

#include "caascan/export.h"
#include "caascan/fileio.h"

static const char *const header[] = {
    "name",      "status",  "issuable",   "fail_pct",    "problems",       "fix",
    "caa_owner", "caa",     "zone",       "nameservers", "resolver_rcode", "ede",
    "detail",    "sources", "checked_at", "customer_id", "plan",
};

#define ROW(name, status, pct, problems, caa, sources, cust, plan) \
    FX_ROW_PCT(name, status, pct, problems, caa, "example.test",   \
               "ns1.p.test/127.0.3.1;ns2.p.test/::1", sources),    \
        cust, plan

static const char *const rows[] = {
    ROW("d.example.test", "OK", "0", "", "0 issue \"letsencrypt.org\"", "in.csv:4", "c4", "pro"),
    ROW("a.example.test", "SERVFAIL", "100", "RESOLVER_SERVFAIL;AUTH_SERVFAIL", "",
        "in.csv:1;crtsh:42", "c1", "free"),
    ROW("c.example.test", "AT_RISK", "0.4", "CASE_NOT_PRESERVED", "", "in.csv:3", "c3;c3b", "pro"),
    ROW("b.example.test", "CAA_FORBIDS", "84.4", "CAA_NOT_AUTHORIZED",
        "0 issue \"ca.test; accounturi=https://ca.test/acct/1\";0 iodef \"mailto:x@y\"", "crtsh:42",
        "c2", "free"),
    ROW("e.example.test", "OK", "", "", "", "in.csv:5", "c5", "pro"),
};

static char *run_dir;

static int setup(void **state)
{
    run_dir = fx_tmpdir();
    fx_write_run(run_dir, header, 17, rows, 5, NULL, 0, 3);
    return 0;
}

static int teardown(void **state)
{
    fx_rm_rf(run_dir);
    free(run_dir);
    return 0;
}

static char *export(const char *status, cs_export_format fmt, uint64_t *n)
{
    cs_export_opts o = {.format = fmt};
    char err[8192];
    if (status) {
        assert_int_equal(cs_status_filter_parse(status, o.select, err, sizeof(err)), CS_OK);
    } else {
        for (int i = 0; i < CS_ST_COUNT; i++)
            o.select[i] = true;
    }
    char *text;
    size_t len;
    FILE *out = open_memstream(&text, &len);
    assert_int_equal(cs_export_run(run_dir, &o, out, n, err, sizeof(err)), CS_OK);
    fclose(out);
    return text;
}

static void test_export_all_sorted(void **state)
{
    uint64_t n;
    char *text = export(NULL, CS_EXPORT_CSV, &n);
    assert_int_equal(n, 5);
    const char *want =
        "name,status,issuable,fail_pct,problems,fix,caa_owner,caa,zone,nameservers,"
        "resolver_rcode,ede,detail,sources,checked_at,customer_id,plan\r\n"
        "a.example.test,SERVFAIL,yes,100,RESOLVER_SERVFAIL;AUTH_SERVFAIL,,,,example.test,"
        "ns1.p.test/127.0.3.1;ns2.p.test/::1,NOERROR,,,in.csv:1;crtsh:42,2026-11-23T02:00:00Z,c1,"
        "free\r\n"
        "b.example.test,CAA_FORBIDS,yes,84.4,CAA_NOT_AUTHORIZED,,,\"0 issue \"\"ca.test; "
        "accounturi=https://ca.test/acct/1\"\";0 iodef \"\"mailto:x@y\"\"\",example.test,"
        "ns1.p.test/127.0.3.1;ns2.p.test/::1,NOERROR,,,crtsh:42,2026-11-23T02:00:00Z,c2,free\r\n"
        "c.example.test,AT_RISK,yes,0.4,CASE_NOT_PRESERVED,,,,example.test,"
        "ns1.p.test/127.0.3.1;ns2.p.test/::1,NOERROR,,,in.csv:3,2026-11-23T02:00:00Z,c3;c3b,pro\r\n"
        "d.example.test,OK,yes,0,,,,\"0 issue \"\"letsencrypt.org\"\"\",example.test,"
        "ns1.p.test/127.0.3.1;ns2.p.test/::1,NOERROR,,,in.csv:4,2026-11-23T02:00:00Z,c4,pro\r\n"
        "e.example.test,OK,yes,,,,,,example.test,ns1.p.test/127.0.3.1;ns2.p.test/::1,NOERROR,,,"
        "in.csv:5,2026-11-23T02:00:00Z,c5,pro\r\n";
    assert_string_equal(text, want);
    free(text);
}

/* Names (first field) of the data rows of a CSV export, joined with spaces. */
static void names_of(const char *text, char *buf, size_t size)
{
    buf[0] = '\0';
    const char *p = strstr(text, "\r\n") + 2;
    while (*p) {
        size_t n = strcspn(p, ",");
        size_t len = strlen(buf);
        snprintf(buf + len, size - len, "%s%.*s", len ? " " : "", (int)n, p);
        p = strstr(p, "\r\n") + 2;
    }
}

static void test_status_filter(void **state)
{
    char names[512];
    uint64_t n;
    char *text = export("FAIL", CS_EXPORT_CSV, &n);
    names_of(text, names, sizeof(names));
    assert_string_equal(names, "a.example.test b.example.test c.example.test");
    assert_int_equal(n, 3);
    free(text);
    text = export("ok,caa_forbids", CS_EXPORT_CSV, &n);
    names_of(text, names, sizeof(names));
    assert_string_equal(names, "b.example.test d.example.test e.example.test");
    free(text);
    text = export("TIMEOUT", CS_EXPORT_CSV, &n);
    assert_int_equal(n, 0);
    assert_null(strstr(text, "example.test"));
    free(text);

    bool sel[CS_ST_COUNT];
    char err[256];
    assert_int_equal(cs_status_filter_parse("OK,BOGUS", sel, err, sizeof(err)), CS_EINVAL);
    assert_string_equal(err, "--status: unknown status \"BOGUS\"");
    assert_int_equal(cs_status_filter_parse("OK,,FAIL", sel, err, sizeof(err)), CS_EINVAL);
    assert_int_equal(cs_status_filter_parse("", sel, err, sizeof(err)), CS_EINVAL);
}

static void test_jsonl(void **state)
{
    uint64_t n;
    char *text = export("CAA_FORBIDS,AT_RISK", CS_EXPORT_JSONL, &n);
    assert_int_equal(n, 2);
    char *nl = strchr(text, '\n');
    assert_non_null(nl);
    *nl = '\0';
    json_error_t je;
    json_t *b = json_loads(text, 0, &je);
    assert_non_null(b);
    assert_string_equal(json_string_value(json_object_get(b, "name")), "b.example.test");
    const json_t *caa = json_object_get(b, "caa");
    assert_int_equal(json_array_size(caa), 2);
    assert_string_equal(json_string_value(json_array_get(caa, 0)),
                        "0 issue \"ca.test; accounturi=https://ca.test/acct/1\"");
    assert_string_equal(json_string_value(json_array_get(caa, 1)), "0 iodef \"mailto:x@y\"");
    assert_int_equal(json_array_size(json_object_get(b, "nameservers")), 2);
    assert_string_equal(json_string_value(json_array_get(json_object_get(b, "nameservers"), 1)),
                        "ns2.p.test/::1");
    assert_string_equal(json_string_value(json_array_get(json_object_get(b, "problems"), 0)),
                        "CAA_NOT_AUTHORIZED");
    assert_string_equal(json_string_value(json_array_get(json_object_get(b, "sources"), 0)),
                        "crtsh:42");
    /* Kept columns are arrays of the values seen for the name, as the fix column is. */
    assert_int_equal(json_array_size(json_object_get(b, "customer_id")), 1);
    assert_string_equal(json_string_value(json_array_get(json_object_get(b, "customer_id"), 0)),
                        "c2");
    assert_int_equal(json_array_size(json_object_get(b, "fix")), 0);
    assert_string_equal(json_string_value(json_object_get(b, "detail")), "");
    /* fail_pct is a number: 84.4 exactly as the cell, not 84.400000000000006. */
    assert_true(json_is_real(json_object_get(b, "fail_pct")));
    assert_true(json_real_value(json_object_get(b, "fail_pct")) == 84.4);
    assert_non_null(strstr(text, "\"fail_pct\":84.4,"));
    assert_int_equal(json_object_size(b), 17);
    json_decref(b);
    json_t *c = json_loads(nl + 1, 0, &je);
    assert_non_null(c);
    assert_string_equal(json_string_value(json_object_get(c, "name")), "c.example.test");
    assert_int_equal(json_array_size(json_object_get(c, "caa")), 0);
    assert_true(json_real_value(json_object_get(c, "fail_pct")) == 0.4);
    /* Two values kept for the name: both, not the string "c3;c3b". */
    const json_t *cust = json_object_get(c, "customer_id");
    assert_int_equal(json_array_size(cust), 2);
    assert_string_equal(json_string_value(json_array_get(cust, 0)), "c3");
    assert_string_equal(json_string_value(json_array_get(cust, 1)), "c3b");
    json_decref(c);
    free(text);
}

/* fail_pct in JSON lines: a whole number as an integer, an empty cell (INVALID rows) as null. */
static void test_jsonl_fail_pct(void **state)
{
    uint64_t n;
    char *text = export("SERVFAIL", CS_EXPORT_JSONL, &n);
    assert_int_equal(n, 1);
    assert_non_null(strstr(text, "\"issuable\":\"yes\",\"fail_pct\":100,\"problems\""));
    free(text);
    text = export("OK", CS_EXPORT_JSONL, &n);
    assert_int_equal(n, 2);
    assert_non_null(strstr(text, "\"name\":\"d.example.test\",\"status\":\"OK\",\"issuable\":"
                                 "\"yes\",\"fail_pct\":0,"));
    assert_non_null(strstr(text, "\"name\":\"e.example.test\",\"status\":\"OK\",\"issuable\":"
                                 "\"yes\",\"fail_pct\":null,"));
    free(text);
}

static void test_full_output_device(void **state)
{
    cs_export_opts o = {.format = CS_EXPORT_CSV};
    for (int i = 0; i < CS_ST_COUNT; i++)
        o.select[i] = true;
    FILE *out = fopen("/dev/full", "w");
    assert_non_null(out);
    char err[8192];
    assert_int_equal(cs_export_run(run_dir, &o, out, NULL, err, sizeof(err)), CS_EIO);
    fclose(out);
    assert_string_equal(err, "output: write failed: No space left on device (disk full)");
}

static void test_outfile_never_replaces_a_device(void **state)
{
    char err[8192];
    cs_outfile of;
    struct stat st;
    assert_int_equal(cs_outfile_open(&of, "/dev/null", err, sizeof(err)), CS_OK);
    fputs("data", of.fp);
    assert_int_equal(cs_outfile_close(&of, true, err, sizeof(err)), CS_OK);
    assert_int_equal(stat("/dev/null", &st), 0);
    assert_true(S_ISCHR(st.st_mode));
    assert_int_equal(cs_outfile_open(&of, "/dev/full", err, sizeof(err)), CS_OK);
    fputs("data", of.fp);
    assert_int_equal(cs_outfile_close(&of, true, err, sizeof(err)), CS_EIO);
    assert_string_equal(err, "/dev/full: write failed: No space left on device (disk full)");
    assert_int_equal(stat("/dev/full", &st), 0);
    assert_true(S_ISCHR(st.st_mode));
    /* A regular file appears only complete: PATH.tmp, then a rename; dropped on failure. */
    char *dir = fx_tmpdir(), *path = fx_path(dir, "out.csv"), *tmp = fx_path(dir, "out.csv.tmp");
    assert_int_equal(cs_outfile_open(&of, path, err, sizeof(err)), CS_OK);
    fputs("partial", of.fp);
    assert_int_equal(access(path, F_OK), -1);
    assert_int_equal(access(tmp, F_OK), 0);
    assert_int_equal(cs_outfile_close(&of, false, err, sizeof(err)), CS_OK);
    assert_int_equal(access(tmp, F_OK), -1);
    assert_int_equal(access(path, F_OK), -1);
    assert_int_equal(cs_outfile_open(&of, path, err, sizeof(err)), CS_OK);
    fputs("whole", of.fp);
    assert_int_equal(cs_outfile_close(&of, true, err, sizeof(err)), CS_OK);
    char *text = fx_slurp(path, NULL);
    assert_string_equal(text, "whole");
    free(text);
    free(path);
    free(tmp);
    fx_rm_rf(dir);
    free(dir);
}

static void test_incomplete_run_refused(void **state)
{
    char *m = fx_path(run_dir, "manifest.json"), *saved = fx_path(run_dir, "m.saved");
    assert_int_equal(rename(m, saved), 0);
    cs_export_opts o = {.format = CS_EXPORT_CSV};
    char err[8192];
    FILE *out = fopen("/dev/null", "w");
    assert_int_equal(cs_export_run(run_dir, &o, out, NULL, err, sizeof(err)), CS_EINCOMPLETE);
    o.allow_incomplete = true;
    o.select[CS_ST_OK] = true;
    uint64_t n;
    assert_int_equal(cs_export_run(run_dir, &o, out, &n, err, sizeof(err)), CS_OK);
    assert_int_equal(n, 2);
    fclose(out);
    assert_int_equal(rename(saved, m), 0);
    free(m);
    free(saved);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_export_all_sorted),
        cmocka_unit_test(test_status_filter),
        cmocka_unit_test(test_jsonl),
        cmocka_unit_test(test_jsonl_fail_pct),
        cmocka_unit_test(test_full_output_device),
        cmocka_unit_test(test_outfile_never_replaces_a_device),
        cmocka_unit_test(test_incomplete_run_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
