/* test_verdict.c -- statuses, problems and detail sentences from hand-made climbs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "caascan/fail_model.h"
#include "caascan/verdict.h"
#include "levels_fixture.h"

#include <stdlib.h>
#include <string.h>

static const struct cs_caa_policy le = {.ca_domain = "letsencrypt.org"};

static struct cs_resolver_pool *pool2(void)
{
    static struct cs_resolver_pool p;
    static int done;
    if (!done) {
        struct cs_addr a[2];
        cs_addr_parse("127.0.10.1", 53, &a[0]);
        cs_addr_parse("127.0.10.2", 53, &a[1]);
        cs_pool_init(&p, a, 2, 1000);
        done = 1;
    }
    return &p;
}

static void check(struct cs_ca_level **lv, size_t n, const char *name, bool wildcard,
                  cs_status status, cs_problems problems, const char *detail, const char *rcodes)
{
    struct cs_verdict v;
    assert_int_equal(cs_verdict_compute(name, wildcard, lv, n, &le, pool2(), &v), CS_OK);
    assert_string_equal(cs_status_name(v.status), cs_status_name(status));
    char got[512], want[512];
    cs_problems_format(v.problems, got, sizeof(got));
    cs_problems_format(problems, want, sizeof(want));
    assert_string_equal(got, want);
    assert_string_equal(v.issuable, cs_status_issuable(status));
    assert_string_equal(v.detail, detail);
    assert_string_equal(v.resolver_rcode, rcodes);
    cs_verdict_clear(&v);
}

static void test_no_caa_anywhere_is_ok(void **state)
{
    struct cs_ca_level *lv[3] = {level("shop.example.test", "EEE", 0, 0),
                                 level("example.test", "EEE", 0, 0), level("test", "EEE", 0, 0)};
    check(lv, 3, "shop.example.test", false, CS_ST_OK, 0,
          "no CAA records from shop.example.test up to test: any CA may issue",
          "NOERROR;NOERROR;NOERROR");
    free_levels(lv, 3);
}

static void test_parent_set_authorizes(void **state)
{
    struct cs_ca_level *lv[3] = {
        level("shop.example.test", "EEE", 0, 0),
        level("example.test", "DDD", "example.test. CAA 0 issue \"letsencrypt.org\"", 0),
        level("test", "SSS", 0, 0)}; /* above the relevant level: does not matter */
    struct cs_verdict v;
    assert_int_equal(cs_verdict_compute("shop.example.test", false, lv, 3, &le, pool2(), &v),
                     CS_OK);
    assert_int_equal(v.status, CS_ST_OK);
    assert_int_equal(v.problems, 0);
    assert_int_equal(v.relevant, 1);
    assert_string_equal(v.caa_owner, "example.test");
    assert_string_equal(v.caa, "0 issue \"letsencrypt.org\"");
    assert_string_equal(v.resolver_rcode, "NOERROR;NOERROR;NOERROR"); /* the name's own level */
    assert_non_null(strstr(v.detail, "(CAA at example.test)"));
    cs_verdict_clear(&v);
    free_levels(lv, 3);
}

static void test_other_ca_forbids(void **state)
{
    struct cs_ca_level *lv[2] = {level("forbid.test", "DDD",
                                       "forbid.test. CAA 0 issue \"other-ca.test\"",
                                       "forbid.test. CAA 0 iodef \"mailto:sec@forbid.test\""),
                                 level("test", "EEE", 0, 0)};
    struct cs_verdict v;
    assert_int_equal(cs_verdict_compute("forbid.test", false, lv, 2, &le, pool2(), &v), CS_OK);
    assert_int_equal(v.status, CS_ST_CAA_FORBIDS);
    assert_string_equal(v.issuable, "no");
    assert_int_equal(v.problems, CS_PB_BIT(CS_PB_CAA_NOT_AUTHORIZED));
    /* Records sorted: the cell does not depend on the order the resolver returned them in. */
    assert_string_equal(v.caa, "0 iodef \"mailto:sec@forbid.test\";0 issue \"other-ca.test\"");
    assert_non_null(strstr(v.detail, "other-ca.test"));
    assert_non_null(strstr(v.detail, "(CAA at forbid.test)"));
    cs_verdict_clear(&v);
    free_levels(lv, 2);
}

static void test_servfail_every_time(void **state)
{
    struct cs_ca_level *lv[2] = {level("sf.test", "SSS", 0, 0), level("test", "EEE", 0, 0)};
    check(lv, 2, "sf.test", false, CS_ST_SERVFAIL, CS_PB_BIT(CS_PB_RESOLVER_SERVFAIL),
          "3 of 3 lookups of CAA sf.test returned SERVFAIL via 127.0.10.1:53, 127.0.10.2:53",
          "SERVFAIL;SERVFAIL;SERVFAIL");
    free_levels(lv, 2);
}

static void test_timeout_every_time(void **state)
{
    struct cs_ca_level *lv[2] = {level("quiet.test", "TT", 0, 0), level("test", "EE", 0, 0)};
    check(lv, 2, "quiet.test", false, CS_ST_TIMEOUT, CS_PB_BIT(CS_PB_RESOLVER_TIMEOUT),
          "2 of 2 lookups of CAA quiet.test got no answer via 127.0.10.1:53, 127.0.10.2:53",
          "TIMEOUT;TIMEOUT");
    free_levels(lv, 2);
}

static void test_mixed_failures_every_time_is_servfail(void **state)
{
    struct cs_ca_level *lv[2] = {level("mix.test", "STS", 0, 0), level("test", "EEE", 0, 0)};
    check(lv, 2, "mix.test", false, CS_ST_SERVFAIL,
          CS_PB_BIT(CS_PB_RESOLVER_SERVFAIL) | CS_PB_BIT(CS_PB_RESOLVER_TIMEOUT),
          "3 of 3 lookups of CAA mix.test returned SERVFAIL via 127.0.10.1:53; "
          "got no answer via 127.0.10.2:53",
          "SERVFAIL;TIMEOUT;SERVFAIL");
    free_levels(lv, 2);
}

static void test_dnssec_bogus(void **state)
{
    struct cs_ca_level *lv[2] = {level("bogus.test", "BB", 0, 0), level("test", "EE", 0, 0)};
    struct cs_verdict v;
    assert_int_equal(cs_verdict_compute("bogus.test", false, lv, 2, &le, pool2(), &v), CS_OK);
    assert_int_equal(v.status, CS_ST_DNSSEC_BOGUS);
    assert_int_equal(v.problems,
                     CS_PB_BIT(CS_PB_DNSSEC_BOGUS) | CS_PB_BIT(CS_PB_RESOLVER_SERVFAIL));
    assert_string_equal(v.ede, "7 Signature Expired: sig expired");
    assert_string_equal(v.detail, "2 of 2 lookups of CAA bogus.test returned SERVFAIL via "
                                  "127.0.10.1:53, 127.0.10.2:53; DNSSEC validation fails (EDE 7 "
                                  "Signature Expired)");
    cs_verdict_clear(&v);
    free_levels(lv, 2);
}

static void test_some_failures_is_flaky(void **state)
{
    struct cs_ca_level *lv[2] = {
        level("flaky.test", "SDD", "flaky.test. CAA 0 issue \"letsencrypt.org\"", 0),
        level("test", "EEE", 0, 0)};
    struct cs_verdict v;
    assert_int_equal(cs_verdict_compute("flaky.test", false, lv, 2, &le, pool2(), &v), CS_OK);
    assert_int_equal(v.status, CS_ST_FLAKY);
    assert_string_equal(v.issuable, "unknown");
    assert_int_equal(v.problems,
                     CS_PB_BIT(CS_PB_INTERMITTENT) | CS_PB_BIT(CS_PB_RESOLVER_SERVFAIL));
    assert_non_null(strstr(v.detail,
                           "; 1 of 3 lookups of CAA flaky.test returned SERVFAIL via 127.0.10.1:53"
                           ", 2 answered; with a primary and 4 remote perspectives allowing 1 "
                           "failure, about 60 % of issuance attempts would fail"));
    assert_string_equal(v.resolver_rcode, "SERVFAIL;NOERROR;NOERROR");
    cs_verdict_clear(&v);
    free_levels(lv, 2);
}

/* After sequential sampling: the share of failed lookups sets how likely the CA's check fails;
 * near certain failure (>= 99 %) keeps the failing status. */
static void test_flaky_thresholds(void **state)
{
    struct cs_ca_level *lv[2] = {
        level("fl.test", "SDDDDDDDDDDD", "fl.test. CAA 0 issue \"letsencrypt.org\"", 0),
        level("test", "EEE", 0, 0)};
    struct cs_verdict v;
    assert_int_equal(cs_verdict_compute("fl.test", false, lv, 2, &le, pool2(), &v), CS_OK);
    assert_string_equal(cs_status_name(v.status), "FLAKY");
    assert_non_null(strstr(v.detail, "1 of 12 lookups of CAA fl.test returned SERVFAIL via "
                                     "127.0.10.1:53, 11 answered; with a primary and 4 remote "
                                     "perspectives allowing 1 failure, about 12 % of issuance "
                                     "attempts would fail"));
    assert_string_equal(v.resolver_rcode, "SERVFAIL;NOERROR;NOERROR;NOERROR;NOERROR;NOERROR;"
                                          "NOERROR;NOERROR;NOERROR;NOERROR;NOERROR;NOERROR");
    cs_verdict_clear(&v);
    free_levels(lv, 2);

    struct cs_ca_level *bad[2] = {
        level("bad.test", "SSSSSSSSSSSD", "bad.test. CAA 0 issue \"letsencrypt.org\"", 0),
        level("test", "EEE", 0, 0)};
    assert_int_equal(cs_verdict_compute("bad.test", false, bad, 2, &le, pool2(), &v), CS_OK);
    assert_string_equal(cs_status_name(v.status), "SERVFAIL");
    assert_string_equal(v.issuable, "no");
    assert_non_null(strstr(v.detail, "11 of 12 lookups of CAA bad.test returned SERVFAIL via "
                                     "127.0.10.1:53, 127.0.10.2:53, 1 answered; with a primary "
                                     "and 4 remote perspectives allowing 1 failure, about 100 % "
                                     "of issuance attempts would fail"));
    cs_verdict_clear(&v);
    free_levels(bad, 2);
}

static void test_forbids_beats_flaky(void **state)
{
    struct cs_ca_level *lv[2] = {level("x.test", "TDD", "x.test. CAA 0 issue \";\"", 0),
                                 level("test", "EEE", 0, 0)};
    struct cs_verdict v;
    assert_int_equal(cs_verdict_compute("x.test", false, lv, 2, &le, pool2(), &v), CS_OK);
    assert_int_equal(v.status, CS_ST_CAA_FORBIDS);
    assert_true(v.problems & CS_PB_BIT(CS_PB_CAA_EMPTY_ISSUER));
    assert_true(v.problems & CS_PB_BIT(CS_PB_INTERMITTENT));
    assert_true(v.problems & CS_PB_BIT(CS_PB_RESOLVER_TIMEOUT));
    cs_verdict_clear(&v);
    free_levels(lv, 2);
}

static void test_failure_below_relevant_level_fails(void **state)
{
    /* The name's own level fails: the parent's permitting set cannot be reached safely. */
    struct cs_ca_level *lv[3] = {
        level("www.ex.test", "SSS", 0, 0),
        level("ex.test", "DDD", "ex.test. CAA 0 issue \"letsencrypt.org\"", 0),
        level("test", "EEE", 0, 0)};
    struct cs_verdict v;
    assert_int_equal(cs_verdict_compute("www.ex.test", false, lv, 3, &le, pool2(), &v), CS_OK);
    assert_int_equal(v.status, CS_ST_SERVFAIL);
    assert_int_equal(v.deciding, 0);
    assert_int_equal(v.relevant, -1);
    cs_verdict_clear(&v);
    free_levels(lv, 3);
}

static void test_nxdomain_name_and_tld(void **state)
{
    struct cs_ca_level *lv[2] = {level("nope.ok.test", "NNN", 0, 0), level("ok.test", "EEE", 0, 0)};
    struct cs_ca_level *lv3[1] = {level("test", "EEE", 0, 0)};
    struct cs_ca_level *all[3] = {lv[0], lv[1], lv3[0]};
    check(all, 3, "nope.ok.test", false, CS_ST_NXDOMAIN, 0,
          "no CAA records from nope.ok.test up to test: any CA may issue; nope.ok.test does not "
          "exist (NXDOMAIN)",
          "NXDOMAIN;NXDOMAIN;NXDOMAIN");
    free_levels(all, 3);

    struct cs_ca_level *t[2] = {level("foo.nosuchtld", "NN", 0, 0), level("nosuchtld", "NN", 0, 0)};
    check(t, 2, "foo.nosuchtld", false, CS_ST_NXDOMAIN, CS_PB_BIT(CS_PB_TLD_NXDOMAIN),
          "no CAA records from foo.nosuchtld up to nosuchtld: any CA may issue; foo.nosuchtld "
          "does not exist: the TLD nosuchtld does not exist",
          "NXDOMAIN;NXDOMAIN");
    free_levels(t, 2);
}

static void test_wildcard_uses_issuewild(void **state)
{
    struct cs_ca_level *lv[2] = {level("wild.test", "DD",
                                       "wild.test. CAA 0 issue \"letsencrypt.org\"",
                                       "wild.test. CAA 0 issuewild \"other-ca.test\""),
                                 level("test", "EE", 0, 0)};
    struct cs_verdict v;
    assert_int_equal(cs_verdict_compute("*.wild.test", true, lv, 2, &le, pool2(), &v), CS_OK);
    assert_int_equal(v.status, CS_ST_CAA_FORBIDS);
    cs_verdict_clear(&v);
    assert_int_equal(cs_verdict_compute("wild.test", false, lv, 2, &le, pool2(), &v), CS_OK);
    assert_int_equal(v.status, CS_ST_OK);
    cs_verdict_clear(&v);
    free_levels(lv, 2);
}

static void test_worst_of_differing_sets_counts(void **state)
{
    struct cs_ca_level *lv[2] = {
        level("split.test", "DDD", "split.test. CAA 0 issue \"letsencrypt.org\"", 0),
        level("test", "EEE", 0, 0)};
    ldns_rr *rr = NULL;
    assert_int_equal(
        ldns_rr_new_frm_str(&rr, "split.test. CAA 0 issue \"other-ca.test\"", 300, NULL, NULL),
        LDNS_STATUS_OK);
    ldns_rr_list *other = ldns_rr_list_new();
    ldns_rr_list_push_rr(other, rr);
    lv[0]->other_sets = &other;
    lv[0]->n_other_sets = 1;
    lv[0]->tries[2].set = 1; /* the third lookup saw the other set */
    struct cs_verdict v;
    assert_int_equal(cs_verdict_compute("split.test", false, lv, 2, &le, pool2(), &v), CS_OK);
    /* The worst set is shown and named; the set a CA meets at quorum decides the status: one
     * lookup in three meets the forbidding set, 60.5 % of attempts fail. */
    assert_int_equal(v.status, CS_ST_FLAKY);
    assert_true(v.fail_pct == 60.5);
    assert_int_equal(v.problems,
                     CS_PB_BIT(CS_PB_CAA_NOT_AUTHORIZED) | CS_PB_BIT(CS_PB_INTERMITTENT));
    assert_string_equal(v.caa, "0 issue \"other-ca.test\"");
    assert_non_null(strstr(v.detail, "; resolvers returned different CAA sets for split.test; with "
                                     "a primary and 4 remote perspectives allowing 1 failure, "
                                     "about 60 % of issuance attempts would fail"));
    cs_verdict_clear(&v);
    /* Every lookup met it: the check fails every time. */
    for (unsigned i = 0; i < 3; i++)
        lv[0]->tries[i].set = 1;
    assert_int_equal(cs_verdict_compute("split.test", false, lv, 2, &le, pool2(), &v), CS_OK);
    assert_int_equal(v.status, CS_ST_CAA_FORBIDS);
    assert_true(v.fail_pct == 100.0);
    cs_verdict_clear(&v);
    ldns_rr_list_deep_free(other);
    free_levels(lv, 2);
}

static void test_rejects_unfinished(void **state)
{
    struct cs_ca_level *lv[1] = {level("a.test", "E", 0, 0)};
    struct cs_verdict v;
    lv[0]->done = false;
    assert_int_equal(cs_verdict_compute("a.test", false, lv, 1, &le, NULL, &v), CS_EINVAL);
    assert_int_equal(cs_verdict_compute("a.test", false, lv, 0, &le, NULL, &v), CS_EINVAL);
    free_levels(lv, 1);
}

/* Fallback CAs: each judged on the same climb, in the order given, as "CA: issuable". */
static void test_other_cas(void **state)
{
    static const char *const cas[] = {"sectigo.com", "pki.goog", "letsencrypt.org"};
    struct cs_ca_level *lv[2] = {level("x.test", "DDD", "x.test. CAA 0 issue \"sectigo.com\"",
                                       "x.test. CAA 0 issue \"letsencrypt.org\""),
                                 level("test", "EEE", 0, 0)};
    struct cs_verdict v;
    assert_int_equal(cs_verdict_compute("x.test", false, lv, 2, &le, pool2(), &v), CS_OK);
    assert_null(v.other_cas);
    assert_int_equal(cs_verdict_other_cas(&v, "x.test", false, lv, 2, NULL, &le, cas, 3), CS_OK);
    assert_string_equal(v.other_cas, "sectigo.com: yes; pki.goog: no; letsencrypt.org: yes");
    /* The first CA's verdict is untouched. */
    assert_string_equal(cs_status_name(v.status), "OK");
    assert_int_equal(cs_verdict_other_cas(&v, "x.test", false, lv, 2, NULL, &le, cas, 0), CS_OK);
    assert_null(v.other_cas);
    static const char *const bad[] = {"sectigo.com", "no_such ca"};
    assert_int_equal(cs_verdict_other_cas(&v, "x.test", false, lv, 2, NULL, &le, bad, 2),
                     CS_EINVAL);
    assert_null(v.other_cas);
    cs_verdict_clear(&v);
    free_levels(lv, 2);

    /* A failed lookup fails for every CA; some failed tries make every CA unknown, unless the
     * set forbids it. */
    struct cs_ca_level *sf[2] = {level("sf.test", "SSS", 0, 0), level("test", "EEE", 0, 0)};
    assert_int_equal(cs_verdict_compute("sf.test", false, sf, 2, &le, pool2(), &v), CS_OK);
    assert_int_equal(cs_verdict_other_cas(&v, "sf.test", false, sf, 2, NULL, &le, cas, 2), CS_OK);
    assert_string_equal(v.other_cas, "sectigo.com: no; pki.goog: no");
    cs_verdict_clear(&v);
    free_levels(sf, 2);
    struct cs_ca_level *fl[2] = {level("fl.test", "SDD", "fl.test. CAA 0 issue \"sectigo.com\"", 0),
                                 level("test", "EEE", 0, 0)};
    assert_int_equal(cs_verdict_compute("fl.test", false, fl, 2, &le, pool2(), &v), CS_OK);
    assert_string_equal(cs_status_name(v.status), "CAA_FORBIDS");
    assert_int_equal(cs_verdict_other_cas(&v, "fl.test", false, fl, 2, NULL, &le, cas, 2), CS_OK);
    assert_string_equal(v.other_cas, "sectigo.com: unknown; pki.goog: no");
    cs_verdict_clear(&v);
    free_levels(fl, 2);
}

/* fail_pct and the status it gives, with one view or several, over the levels of a climb. */
static double pct_of(struct cs_ca_level **lv, size_t n, const char *name,
                     const struct cs_caa_policy *pol, cs_status *st)
{
    struct cs_verdict v;
    assert_int_equal(cs_verdict_compute(name, false, lv, n, pol, pool2(), &v), CS_OK);
    double pct = v.fail_pct;
    *st = v.status;
    assert_string_equal(v.issuable, cs_status_issuable(v.status));
    cs_verdict_clear(&v);
    return pct;
}

static void test_fail_pct(void **state)
{
    cs_status st;
    /* Clean, forbidding, failing every time, a name that does not exist. */
    struct cs_ca_level *ok[2] = {
        level("ok.test", "DDD", "ok.test. CAA 0 issue \"letsencrypt.org\"", 0),
        level("test", "EEE", 0, 0)};
    assert_true(pct_of(ok, 2, "ok.test", &le, &st) == 0.0 && st == CS_ST_OK);
    struct cs_ca_level *no[2] = {level("no.test", "DDD", "no.test. CAA 0 issue \"other.test\"", 0),
                                 level("test", "EEE", 0, 0)};
    assert_true(pct_of(no, 2, "no.test", &le, &st) == 100.0 && st == CS_ST_CAA_FORBIDS);
    struct cs_ca_level *sf[2] = {level("sf.test", "SSS", 0, 0), level("test", "EEE", 0, 0)};
    assert_true(pct_of(sf, 2, "sf.test", &le, &st) == 100.0 && st == CS_ST_SERVFAIL);
    struct cs_ca_level *nx[2] = {level("nx.test", "NNN", 0, 0), level("test", "EEE", 0, 0)};
    assert_true(pct_of(nx, 2, "nx.test", &le, &st) == 0.0 && st == CS_ST_NXDOMAIN);
    /* One failed lookup of three: p = 1/3, 1 - (2/3) * 48/81 = 60.5 %. */
    struct cs_ca_level *fl[2] = {
        level("fl.test", "SDD", "fl.test. CAA 0 issue \"letsencrypt.org\"", 0),
        level("test", "EEE", 0, 0)};
    assert_true(pct_of(fl, 2, "fl.test", &le, &st) == 60.5 && st == CS_ST_FLAKY);
    /* Two levels, each failing 1 of 12 lookups: a lookup of the climb fails with
     * 1/12 + (11/12)(1/12) = 23/144, and the check with cs_fm_fail_prob(23/144, 4, 1). */
    struct cs_ca_level *two[3] = {
        level("a.b.test", "SEEEEEEEEEEE", 0, 0),
        level("b.test", "DDDDDDDDDDDS", "b.test. CAA 0 issue \"letsencrypt.org\"", 0),
        level("test", "EEE", 0, 0)};
    double want = cs_fm_round_pct(100.0 * cs_fm_fail_prob(23.0 / 144.0, 4, 1));
    assert_true(want == 26.3);
    assert_true(pct_of(two, 3, "a.b.test", &le, &st) == want && st == CS_ST_FLAKY);
    /* Resolver 0 (view "a") sees a forbidding set, resolver 1 (view "b") one that authorizes.
     * As one view: half the lookups meet it, 84.4 %. As two views with "a" the primary's: the
     * primary is refused every time, 100 %; with "b" the primary's, all 4 remotes are, 100 %. */
    struct cs_ca_level *sp[2] = {
        level("sp.test", "DDDDDD", "sp.test. CAA 0 issue \"letsencrypt.org\"", 0),
        level("test", "EEE", 0, 0)};
    ldns_rr *rr = NULL;
    assert_int_equal(
        ldns_rr_new_frm_str(&rr, "sp.test. CAA 0 issue \"other.test\"", 300, NULL, NULL),
        LDNS_STATUS_OK);
    ldns_rr_list *other = ldns_rr_list_new();
    ldns_rr_list_push_rr(other, rr);
    sp[0]->other_sets = &other;
    sp[0]->n_other_sets = 1;
    for (unsigned i = 0; i < 6; i += 2)
        sp[0]->tries[i].set = 1;
    assert_true(pct_of(sp, 2, "sp.test", &le, &st) == 84.4 && st == CS_ST_FLAKY);
    static const char *const names[] = {"a", "b"};
    static const unsigned of_ab[] = {0, 1}, of_ba[] = {1, 0};
    const struct cs_fm_perspectives ab = {2, names, of_ab, 2}, ba = {2, names, of_ba, 2};
    struct cs_caa_policy pol = {.ca_domain = "letsencrypt.org", .perspectives = &ab};
    assert_true(pct_of(sp, 2, "sp.test", &pol, &st) == 100.0 && st == CS_ST_CAA_FORBIDS);
    pol.perspectives = &ba;
    assert_true(pct_of(sp, 2, "sp.test", &pol, &st) == 100.0 && st == CS_ST_CAA_FORBIDS);
    /* The thresholds are the model's: 1 failed lookup of 12 is 11.7 %; with --pass-max-pct 15 it
     * passes (AT_RISK: it did fail once), with --fail-min-pct 10 it fails. */
    struct cs_ca_level *rare[2] = {
        level("r.test", "SDDDDDDDDDDD", "r.test. CAA 0 issue \"letsencrypt.org\"", 0),
        level("test", "EEE", 0, 0)};
    assert_true(pct_of(rare, 2, "r.test", &le, &st) == 11.7 && st == CS_ST_FLAKY);
    struct cs_fm_config m = {4, 1, 15.0, 99.0};
    pol = (struct cs_caa_policy){.ca_domain = "letsencrypt.org", .model = &m};
    assert_true(pct_of(rare, 2, "r.test", &pol, &st) == 11.7 && st == CS_ST_AT_RISK);
    m = (struct cs_fm_config){4, 1, 1.0, 10.0};
    assert_true(pct_of(rare, 2, "r.test", &pol, &st) == 11.7 && st == CS_ST_SERVFAIL);
    /* Another CA model: 6 remotes allowing 2. */
    m = (struct cs_fm_config){6, 2, 1.0, 99.0};
    assert_true(pct_of(fl, 2, "fl.test", &pol, &st) ==
                cs_fm_round_pct(100.0 * cs_fm_fail_prob(1.0 / 3.0, 6, 2)));
    ldns_rr_list_deep_free(other);
    free_levels(ok, 2);
    free_levels(no, 2);
    free_levels(sf, 2);
    free_levels(nx, 2);
    free_levels(fl, 2);
    free_levels(two, 3);
    free_levels(sp, 2);
    free_levels(rare, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_caa_anywhere_is_ok),
        cmocka_unit_test(test_parent_set_authorizes),
        cmocka_unit_test(test_other_ca_forbids),
        cmocka_unit_test(test_servfail_every_time),
        cmocka_unit_test(test_timeout_every_time),
        cmocka_unit_test(test_mixed_failures_every_time_is_servfail),
        cmocka_unit_test(test_dnssec_bogus),
        cmocka_unit_test(test_some_failures_is_flaky),
        cmocka_unit_test(test_forbids_beats_flaky),
        cmocka_unit_test(test_failure_below_relevant_level_fails),
        cmocka_unit_test(test_nxdomain_name_and_tld),
        cmocka_unit_test(test_wildcard_uses_issuewild),
        cmocka_unit_test(test_worst_of_differing_sets_counts),
        cmocka_unit_test(test_rejects_unfinished),
        cmocka_unit_test(test_other_cas),
        cmocka_unit_test(test_flaky_thresholds),
        cmocka_unit_test(test_fail_pct),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    cs_pool_free(pool2());
    return rc;
}
