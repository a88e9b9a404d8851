/*
 * test_report.c -- caascan report: exact roll-ups by certificate, by a kept input column, by zone,
 * by nameserver address (with per-server findings) and by registered domain; text and CSV output.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "run_fixture.h"

#include "caascan/fail_model.h"
#include "caascan/report.h"

static const char *const header[] = {
    "name",      "status",  "issuable",   "fail_pct",    "problems",       "fix",
    "caa_owner", "caa",     "zone",       "nameservers", "resolver_rcode", "ede",
    "detail",    "sources", "checked_at", "customer_id",
};

#define DNSPROV "ns1.dnsprov.test/127.0.3.1;ns2.dnsprov.test/127.0.3.2"
#define ROW(name, status, pct, zone, ns, sources, cust) \
    FX_ROW_PCT(name, status, pct, "", "", zone, ns, sources), cust

static const char *const rows[] = {
    ROW("shop.example.com", "OK", "0", "example.com", DNSPROV, "in.csv:1;crtsh:100", "c1"),
    ROW("www.example.com", "SERVFAIL", "100", "example.com", DNSPROV, "crtsh:100;crtsh:200", "c1"),
    ROW("api.example.com", "AT_RISK", "0.4", "example.com", DNSPROV, "crtsh:200;crtsh:200",
        "c1;c2"),
    ROW("a.shop.co.uk", "CAA_FORBIDS", "100", "shop.co.uk", "ns1.other.test/127.0.4.1", "crtsh:300",
        "c2"),
    ROW("b.shop.co.uk", "OK", "0", "shop.co.uk", "ns1.other.test/127.0.4.1", "crtsh:300", "c2"),
    ROW("*.cdn.example.net", "TIMEOUT", "100", "example.net", "ns2.dnsprov.test/127.0.3.2",
        "in.csv:6", "c3"),
    ROW("quiet.example.org", "OK", "0", "example.org", "ns9.q.test/127.0.9.9", "crtsh:400", "c4"),
};

static const char *const servers[] = {
    "example.com",
    "ns1.dnsprov.test",
    "127.0.3.1",
    "",
    "1",
    "3",
    "8",
    "",
    "example.com",
    "ns2.dnsprov.test",
    "127.0.3.2",
    "AUTH_NOTIMP;CASE_NOT_PRESERVED",
    "1",
    "4",
    "8",
    "",
    "example.net",
    "ns2.dnsprov.test",
    "127.0.3.2",
    "AUTH_TIMEOUT",
    "5",
    "",
    "6",
    "",
    "shop.co.uk",
    "ns1.other.test",
    "127.0.4.1",
    "",
    "9",
    "2",
    "4",
    "",
    "example.org",
    "ns9.q.test",
    "127.0.9.9",
    "",
    "2",
    "2",
    "4",
    "",
    "lonely.test",
    "ns1.lonely.test",
    "127.0.5.5",
    "AUTH_REFUSED",
    "",
    "",
    "3",
    "",
};

static char *run_dir;

static int setup(void **state)
{
    run_dir = fx_tmpdir();
    fx_write_run(run_dir, header, 16, rows, 7, servers, 6, 3);
    return 0;
}

static int teardown(void **state)
{
    fx_rm_rf(run_dir);
    free(run_dir);
    return 0;
}

static cs_report *build(cs_report_by by, const char *group_column)
{
    cs_report_opts o = {.by = by, .group_column = group_column};
    cs_report *rep;
    char err[8192];
    assert_int_equal(cs_report_build(run_dir, &o, &rep, err, sizeof(err)), CS_OK);
    assert_int_equal(rep->rows, 7);
    return rep;
}

static void check_group(const cs_report_group *g, const char *key, uint64_t names, uint64_t failing,
                        uint64_t at_risk, const char *examples)
{
    assert_string_equal(g->key, key);
    assert_int_equal(g->names, names);
    assert_int_equal(g->failing, failing);
    assert_int_equal(g->at_risk, at_risk);
    assert_string_equal(g->examples, examples);
}

static char *render(const cs_report *rep, bool csv)
{
    char *text;
    size_t len;
    FILE *out = open_memstream(&text, &len);
    assert_int_equal(cs_report_write(rep, csv, out), CS_OK);
    fclose(out);
    return text;
}

static void test_by_certificate(void **state)
{
    cs_report *rep = build(CS_REPORT_CERTIFICATE, NULL);
    assert_int_equal(rep->ngroups, 3); /* crtsh:400 has only OK names */
    check_group(&rep->groups[0], "200", 2, 1, 1,
                "www.example.com (SERVFAIL);api.example.com (AT_RISK)");
    check_group(&rep->groups[1], "100", 2, 1, 0, "www.example.com (SERVFAIL)");
    check_group(&rep->groups[2], "300", 2, 1, 0, "a.shop.co.uk (CAA_FORBIDS)");
    assert_true(rep->groups[0].fail_pct == 100.0);
    assert_int_equal(rep->groups[0].rated, 2);
    char *text = render(rep, false);
    assert_string_equal(
        text,
        "certificate  names  failing  at_risk  fail_pct  verdict  fail_drivers                     "
        "                names_to_fix\n"
        "200              2        1        1       100  FAILS    www.example.com (100 %);"
        "api.example.com (0.4 %)  www.example.com (SERVFAIL);api.example.com (AT_RISK)\n"
        "100              2        1        0       100  FAILS    www.example.com (100 %)        "
        "                  www.example.com (SERVFAIL)\n"
        "300              2        1        0       100  FAILS    a.shop.co.uk (100 %)           "
        "                  a.shop.co.uk (CAA_FORBIDS)\n");
    free(text);
    cs_report_free(rep);

    cs_report_opts o = {.by = CS_REPORT_CERTIFICATE, .all = true};
    char err[8192];
    assert_int_equal(cs_report_build(run_dir, &o, &rep, err, sizeof(err)), CS_OK);
    assert_int_equal(rep->ngroups, 4);
    check_group(&rep->groups[3], "400", 1, 0, 0, "");
    text = render(rep, true);
    assert_string_equal(strstr(text, "400"), "400,1,0,0,0,OK,,\r\n");
    free(text);
    cs_report_free(rep);
}

static void test_by_group_column(void **state)
{
    cs_report *rep = build(CS_REPORT_CERTIFICATE, "customer_id");
    assert_int_equal(rep->ngroups, 3);
    assert_string_equal(rep->key_column, "customer_id");
    check_group(&rep->groups[0], "c1", 3, 1, 1,
                "www.example.com (SERVFAIL);api.example.com (AT_RISK)");
    check_group(&rep->groups[1], "c2", 3, 1, 1,
                "a.shop.co.uk (CAA_FORBIDS);api.example.com (AT_RISK)");
    check_group(&rep->groups[2], "c3", 1, 1, 0, "*.cdn.example.net (TIMEOUT)");
    cs_report_free(rep);

    cs_report_opts o = {.by = CS_REPORT_CERTIFICATE, .group_column = "plan"};
    char err[8192];
    assert_int_equal(cs_report_build(run_dir, &o, &rep, err, sizeof(err)), CS_EINVAL);
    assert_non_null(strstr(err, "the result table has no column \"plan\" (was it kept with "
                                "--keep-columns?)"));
    o.by = CS_REPORT_ZONE;
    o.group_column = "customer_id";
    assert_int_equal(cs_report_build(run_dir, &o, &rep, err, sizeof(err)), CS_EINVAL);
}

static void test_by_zone(void **state)
{
    cs_report *rep = build(CS_REPORT_ZONE, NULL);
    assert_int_equal(rep->ngroups, 4);
    check_group(&rep->groups[0], "example.com", 3, 1, 1,
                "www.example.com (SERVFAIL);api.example.com (AT_RISK)");
    assert_int_equal(rep->groups[0].worst, CS_ST_SERVFAIL);
    assert_true(rep->groups[0].findings ==
                (CS_PB_BIT(CS_PB_AUTH_NOTIMP) | CS_PB_BIT(CS_PB_CASE_NOT_PRESERVED)));
    check_group(&rep->groups[1], "shop.co.uk", 2, 1, 0, "a.shop.co.uk (CAA_FORBIDS)");
    check_group(&rep->groups[2], "example.net", 1, 1, 0, "*.cdn.example.net (TIMEOUT)");
    check_group(&rep->groups[3], "lonely.test", 0, 0, 0, "");
    assert_int_equal(rep->groups[3].worst, CS_ST_COUNT);
    char *text = render(rep, true);
    assert_string_equal(text,
                        "zone,names,failing,at_risk,worst_status,server_findings,names_to_fix\r\n"
                        "example.com,3,1,1,SERVFAIL,AUTH_NOTIMP;CASE_NOT_PRESERVED,"
                        "www.example.com (SERVFAIL);api.example.com (AT_RISK)\r\n"
                        "shop.co.uk,2,1,0,CAA_FORBIDS,,a.shop.co.uk (CAA_FORBIDS)\r\n"
                        "example.net,1,1,0,TIMEOUT,AUTH_TIMEOUT,*.cdn.example.net (TIMEOUT)\r\n"
                        "lonely.test,0,0,0,,AUTH_REFUSED,\r\n");
    free(text);
    cs_report_free(rep);
}

static void test_by_nameserver(void **state)
{
    cs_report *rep = build(CS_REPORT_NAMESERVER, NULL);
    assert_int_equal(rep->ngroups, 4);
    check_group(&rep->groups[0], "127.0.3.2", 4, 2, 1,
                "*.cdn.example.net (TIMEOUT);www.example.com (SERVFAIL);api.example.com (AT_RISK)");
    assert_string_equal(rep->groups[0].hosts, "ns2.dnsprov.test");
    check_group(&rep->groups[1], "127.0.3.1", 3, 1, 1,
                "www.example.com (SERVFAIL);api.example.com (AT_RISK)");
    /* a.shop.co.uk fails because its own CAA set forbids the CA: the customer's policy, not a
     * fault of 127.0.4.1. */
    check_group(&rep->groups[2], "127.0.4.1", 2, 0, 0, "");
    assert_int_equal(rep->groups[2].caa_policy, 1);
    assert_string_equal(rep->groups[2].policy_examples, "a.shop.co.uk (CAA_FORBIDS)");
    assert_int_equal(rep->groups[0].caa_policy, 0);
    check_group(&rep->groups[3], "127.0.5.5", 0, 0, 0, "");
    assert_string_equal(rep->groups[3].hosts, "ns1.lonely.test");
    char *text = render(rep, true);
    assert_string_equal(
        text,
        "address,nameservers,names,failing,at_risk,caa_policy,worst_status,server_findings,"
        "names_to_fix,policy_names\r\n"
        "127.0.3.2,ns2.dnsprov.test,4,2,1,0,SERVFAIL,AUTH_NOTIMP;AUTH_TIMEOUT;CASE_NOT_PRESERVED,"
        "*.cdn.example.net (TIMEOUT);www.example.com (SERVFAIL);api.example.com (AT_RISK),\r\n"
        "127.0.3.1,ns1.dnsprov.test,3,1,1,0,SERVFAIL,,www.example.com (SERVFAIL);api.example.com "
        "(AT_RISK),\r\n"
        "127.0.4.1,ns1.other.test,2,0,0,1,CAA_FORBIDS,,,a.shop.co.uk (CAA_FORBIDS)\r\n"
        "127.0.5.5,ns1.lonely.test,0,0,0,0,,AUTH_REFUSED,,\r\n");
    free(text);
    cs_report_free(rep);
}

static void test_by_registered_domain_and_max_names(void **state)
{
    cs_report_opts o = {.by = CS_REPORT_REGISTERED_DOMAIN, .max_names = 1};
    cs_report *rep;
    char err[8192];
    assert_int_equal(cs_report_build(run_dir, &o, &rep, err, sizeof(err)), CS_OK);
    assert_int_equal(rep->ngroups, 3);
    check_group(&rep->groups[0], "example.com", 3, 1, 1, "www.example.com (SERVFAIL)");
    check_group(&rep->groups[1], "shop.co.uk", 2, 1, 0, "a.shop.co.uk (CAA_FORBIDS)");
    check_group(&rep->groups[2], "example.net", 1, 1, 0, "*.cdn.example.net (TIMEOUT)");
    char *text = render(rep, false);
    assert_string_equal(
        text, "registered_domain  names  failing  at_risk  worst_status  names_to_fix\n"
              "example.com            3        1        1  SERVFAIL      www.example.com "
              "(SERVFAIL) (+1 more)\n"
              "shop.co.uk             2        1        0  CAA_FORBIDS   a.shop.co.uk "
              "(CAA_FORBIDS)\n"
              "example.net            1        1        0  TIMEOUT       *.cdn.example.net "
              "(TIMEOUT)\n");
    free(text);
    cs_report_free(rep);
    assert_int_equal(cs_report_by_parse("registered-domain"), CS_REPORT_REGISTERED_DOMAIN);
    assert_int_equal(cs_report_by_parse("cert"), CS_REPORT_BY_COUNT);
}

/* How often each certificate's renewal fails: its names' fail_pct combined (a certificate fails
 * when any name fails), groups ranked by it, the names that drive it named. The hosting
 * certificate of 99 customer names with three slightly flaky ones (20 % each) fails
 * 1 - 0.8^3 = 48.8 % of renewals. */
static void test_certificate_fail_pct(void **state)
{
    (void)state;
    char *dir = fx_tmpdir();
    size_t nfixed = cs_table_ncols(CS_TABLE_RESULTS), ncols = nfixed + 1;
    const char **h = calloc(ncols, sizeof(char *));
    memcpy(h, cs_table_header(CS_TABLE_RESULTS), nfixed * sizeof(char *));
    h[nfixed] = "customer";
    enum { N = 99 + 1 + 2 + 2 };
    static char names[N][32];
    const char **cells = calloc(N * ncols, sizeof(char *));
    for (size_t i = 0; i < N; i++) {
        const char **r = cells + i * ncols;
        for (size_t c = 0; c < ncols; c++)
            r[c] = "";
        const char *status = "OK", *pct = "0", *src = "crtsh:1", *cust = "hosting";
        if (i < 99) {
            snprintf(names[i], sizeof(names[i]), "n%03zu.hosting.test", i);
            if (i == 7 || i == 42 || i == 98) {
                status = "FLAKY";
                pct = "20";
            }
        } else if (i == 99) {
            snprintf(names[i], sizeof(names[i]), "flaky.single.test");
            status = "FLAKY", pct = "60.5", src = "crtsh:2", cust = "single";
        } else if (i < 102) {
            snprintf(names[i], sizeof(names[i]), "p%zu.pair.test", i);
            status = "FLAKY", pct = "30", src = "crtsh:3", cust = "pair";
        } else {
            /* No figure: an INVALID name, and a cell that is not one (read as none). */
            snprintf(names[i], sizeof(names[i]), i == 102 ? "bad..name" : "q.odd.test");
            status = i == 102 ? "INVALID" : "SERVFAIL", pct = i == 102 ? "" : "n/a";
            src = "crtsh:4", cust = "odd";
        }
        r[CS_RC_NAME] = names[i];
        r[CS_RC_STATUS] = status;
        r[CS_RC_FAIL_PCT] = pct;
        r[CS_RC_SOURCES] = src;
        r[nfixed] = cust;
    }
    fx_write_run(dir, h, ncols, cells, N, NULL, 0, 3);
    cs_report_opts o = {.by = CS_REPORT_CERTIFICATE, .all = true};
    cs_report *rep;
    char err[8192];
    assert_int_equal(cs_report_build(dir, &o, &rep, err, sizeof(err)), CS_OK);
    assert_int_equal(rep->ngroups, 4);
    /* Ranked by how often the renewal fails, not by the count of failing names. */
    assert_string_equal(rep->groups[0].key, "2");
    assert_true(rep->groups[0].fail_pct == 60.5);
    assert_string_equal(rep->groups[1].key, "3");
    assert_true(rep->groups[1].fail_pct == 51.0); /* 1 - 0.7^2 */
    assert_string_equal(rep->groups[2].key, "1");
    assert_true(rep->groups[2].fail_pct == 48.8); /* 1 - 0.8^3 */
    double q[99] = {0};
    q[7] = q[42] = q[98] = 0.2;
    assert_true(cs_fm_round_pct(100.0 * cs_fm_combine(q, 99)) == rep->groups[2].fail_pct);
    assert_int_equal(rep->groups[2].names, 99);
    assert_int_equal(rep->groups[2].rated, 99);
    assert_int_equal(rep->groups[2].failing, 3);
    assert_string_equal(rep->groups[2].drivers, "n007.hosting.test (20 %);n042.hosting.test (20 %);"
                                                "n098.hosting.test (20 %)");
    assert_string_equal(rep->groups[3].key, "4");
    assert_true(rep->groups[3].fail_pct < 0);
    assert_int_equal(rep->groups[3].rated, 0);
    char *text = render(rep, true);
    assert_string_equal(
        text,
        "certificate,names,failing,at_risk,fail_pct,verdict,fail_drivers,names_to_fix\r\n"
        "2,1,1,0,60.5,FAILS,flaky.single.test (60.5 %),flaky.single.test (FLAKY)\r\n"
        "3,2,2,0,51,FAILS,p100.pair.test (30 %);p101.pair.test (30 %),p100.pair.test "
        "(FLAKY);p101.pair.test (FLAKY)\r\n"
        "1,99,3,0,48.8,FAILS,n007.hosting.test (20 %);n042.hosting.test (20 %);n098.hosting.test "
        "(20 %),n007.hosting.test (FLAKY);n042.hosting.test (FLAKY);n098.hosting.test (FLAKY)\r\n"
        "4,2,2,0,,FAILS,,bad..name (INVALID);q.odd.test (SERVFAIL)\r\n");
    free(text);
    cs_report_free(rep);
    /* The drivers are the largest first, max_names of them; by a kept column the same. */
    o = (cs_report_opts){.by = CS_REPORT_CERTIFICATE, .group_column = "customer", .max_names = 2};
    assert_int_equal(cs_report_build(dir, &o, &rep, err, sizeof(err)), CS_OK);
    assert_string_equal(rep->groups[2].key, "hosting");
    assert_true(rep->groups[2].fail_pct == 48.8);
    assert_string_equal(rep->groups[2].drivers,
                        "n007.hosting.test (20 %);n042.hosting.test (20 %)");
    /* A workbook with the figure as a number. */
    char *x = fx_path(dir, "report.xlsx");
    cs_report_out ro = {.format = CS_REPORT_XLSX, .xlsx = x, .run = dir};
    assert_int_equal(cs_report_write_to(rep, &ro, NULL, err, sizeof(err)), CS_OK);
    char *z = fx_slurp(x, NULL);
    assert_memory_equal(z, "PK\x03\x04", 4);
    free(z);
    free(x);
    cs_report_free(rep);
    free(cells);
    free(h);
    fx_rm_rf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_by_certificate),
        cmocka_unit_test(test_by_group_column),
        cmocka_unit_test(test_by_zone),
        cmocka_unit_test(test_by_nameserver),
        cmocka_unit_test(test_by_registered_domain_and_max_names),
        cmocka_unit_test(test_certificate_fail_pct),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
