/*
 * test_diff_precedence.c -- caascan diff when one name changes in several ways at once: the one
 * change kind docs/run-format.md's precedence gives (ADDED, REMOVED, NEW_FAILURE, RECOVERED,
 * STATUS_CHANGED, CAA_CHANGED, PROBLEMS_CHANGED: the first that holds), for every pair of changes
 * a name can have, on two synthetic runs; and the detail sentence still names every change.
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
#define NS    "ns1.dnsprov.test/127.0.3.1"

/* Each name's old and new row, and the change kind the precedence gives ("" = no row). */
struct pcase {
    const char *name;
    const char *old_status, *old_problems, *old_caa;
    const char *new_status, *new_problems, *new_caa;
    const char *want;
};

static const struct pcase cases[] = {
    /* status (to failing) and CAA: the status wins, and it is a new failure */
    {"a-status-caa.test", "OK", "", LE, "CAA_FORBIDS", "", OTHER, "NEW_FAILURE"},
    /* status (to failing), CAA and problems */
    {"b-status-caa-problems.test", "AT_RISK", "AUTH_NOTIMP", LE, "CAA_FORBIDS",
     "CAA_NOT_AUTHORIZED", OTHER, "NEW_FAILURE"},
    /* status (from failing), CAA and problems */
    {"c-recovered-caa-problems.test", "CAA_FORBIDS", "CAA_NOT_AUTHORIZED", OTHER, "OK", "", LE,
     "RECOVERED"},
    /* status (not failing either side) and CAA */
    {"d-status-caa.test", "OK", "", LE, "AT_RISK", "", LE ";" IODEF, "STATUS_CHANGED"},
    /* status (failing both sides) and problems */
    {"e-status-problems.test", "SERVFAIL", "RESOLVER_SERVFAIL", "", "TIMEOUT", "RESOLVER_TIMEOUT",
     "", "STATUS_CHANGED"},
    /* status (not failing either side), CAA and problems */
    {"f-status-caa-problems.test", "AT_RISK", "AUTH_NOTIMP", LE, "OK", "", OTHER ";" LE,
     "STATUS_CHANGED"},
    /* CAA and problems, same status: CAA before problems */
    {"g-caa-problems.test", "AT_RISK", "AUTH_NOTIMP", LE, "AT_RISK", "AUTH_REFUSED", LE ";" IODEF,
     "CAA_CHANGED"},
    /* the same the other way round (problems lost, a CAA record lost) */
    {"h-caa-problems-back.test", "AT_RISK", "AUTH_NOTIMP;CASE_NOT_PRESERVED", LE ";" IODEF,
     "AT_RISK", "AUTH_NOTIMP", LE, "CAA_CHANGED"},
    /* problems only */
    {"i-problems.test", "AT_RISK", "AUTH_NOTIMP", LE, "AT_RISK", "AUTH_NOTIMP;AUTH_REFUSED", LE,
     "PROBLEMS_CHANGED"},
    /* problems changed and the CAA set only reordered: not a CAA change */
    {"j-problems-caa-reordered.test", "AT_RISK", "AUTH_NOTIMP", LE ";" IODEF, "AT_RISK",
     "AUTH_REFUSED", IODEF ";" LE, "PROBLEMS_CHANGED"},
    /* CAA changed and the problems only reordered: not a problems change */
    {"k-caa-problems-reordered.test", "AT_RISK", "AUTH_NOTIMP;AUTH_REFUSED", LE, "AT_RISK",
     "AUTH_REFUSED;AUTH_NOTIMP", OTHER, "CAA_CHANGED"},
    /* both only reordered: no change, no row */
    {"l-reordered.test", "AT_RISK", "AUTH_NOTIMP;AUTH_REFUSED", LE ";" IODEF, "AT_RISK",
     "AUTH_REFUSED;AUTH_NOTIMP", IODEF ";" LE, ""},
    /* CAA only, between failing statuses that stay the same */
    {"m-caa-failing.test", "CAA_FORBIDS", "CAA_NOT_AUTHORIZED", OTHER, "CAA_FORBIDS",
     "CAA_NOT_AUTHORIZED", "0 issue \";\"", "CAA_CHANGED"},
    /* a new name that fails: ADDED, not NEW_FAILURE */
    {"n-added-failing.test", NULL, NULL, NULL, "SERVFAIL", "RESOLVER_SERVFAIL", "", "ADDED"},
    /* a failing name that is gone: REMOVED, not RECOVERED */
    {"o-removed-failing.test", "TIMEOUT", "RESOLVER_TIMEOUT", "", NULL, NULL, NULL, "REMOVED"},
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

struct runs {
    char *base, *old, *new;
};

static int setup(void **state)
{
    static const char *old_rows[NCASES][CS_RC_COUNT], *new_rows[NCASES][CS_RC_COUNT];
    size_t nold = 0, nnew = 0;
    for (size_t i = 0; i < NCASES; i++) {
        const struct pcase *c = &cases[i];
        if (c->old_status) {
            const char *row[] = {
                FX_ROW(c->name, c->old_status, c->old_problems, c->old_caa, "test", NS, "a.txt:1")};
            memcpy(old_rows[nold++], row, sizeof(row));
        }
        if (c->new_status) {
            const char *row[] = {
                FX_ROW(c->name, c->new_status, c->new_problems, c->new_caa, "test", NS, "a.txt:1")};
            memcpy(new_rows[nnew++], row, sizeof(row));
        }
    }
    struct runs *r = calloc(1, sizeof(*r));
    r->base = fx_tmpdir();
    r->old = fx_path(r->base, "old");
    r->new = fx_path(r->base, "new");
    fx_write_run(r->old, cs_table_header(CS_TABLE_RESULTS), CS_RC_COUNT, &old_rows[0][0], nold,
                 NULL, 0, 2);
    fx_write_run(r->new, cs_table_header(CS_TABLE_RESULTS), CS_RC_COUNT, &new_rows[0][0], nnew,
                 NULL, 0, 3);
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

/* The change column of name's row in the diff CSV text, or "" when it has no row. */
static char *change_of(const char *text, const char *name, char *buf, size_t size)
{
    buf[0] = '\0';
    size_t nlen = strlen(name);
    for (const char *line = text; line && *line;) {
        const char *end = strstr(line, "\r\n");
        if (strncmp(line, name, nlen) == 0 && line[nlen] == ',') {
            const char *ch = line + nlen + 1;
            size_t len = strcspn(ch, ",");
            snprintf(buf, size, "%.*s", (int)len, ch);
            return buf;
        }
        line = end ? end + 2 : NULL;
    }
    return buf;
}

static void test_one_kind_by_precedence(void **state)
{
    struct runs *r = *state;
    char err[8192], *text = NULL, got[64];
    size_t len;
    cs_diff_stats st;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    assert_int_equal(cs_diff_runs(r->old, r->new, false, out, &st, err, sizeof(err)), CS_OK);
    fclose(out);
    uint64_t want_counts[CS_CH_COUNT] = {0};
    size_t rows = 0;
    for (size_t i = 0; i < NCASES; i++) {
        change_of(text, cases[i].name, got, sizeof(got));
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("%s: change %s, want %s", cases[i].name, *got ? got : "(no row)",
                     *cases[i].want ? cases[i].want : "(no row)");
        for (int k = 0; k < CS_CH_COUNT; k++) {
            const char *kn = cs_change_name((cs_change)k);
            if (kn && *cases[i].want && strcmp(kn, cases[i].want) == 0)
                want_counts[k]++;
        }
        rows += *cases[i].want != '\0';
    }
    for (int k = 0; k < CS_CH_COUNT; k++)
        if (k != CS_CH_NONE && st.changes[k] != want_counts[k])
            fail_msg("%s: %llu names, want %llu", cs_change_name((cs_change)k),
                     (unsigned long long)st.changes[k], (unsigned long long)want_counts[k]);
    /* One row per changed name, and the header. */
    size_t lines = 0;
    for (const char *p = text; (p = strstr(p, "\r\n")); p += 2)
        lines++;
    assert_int_equal(lines, rows + 1);
    free(text);
}

/* The classification on its own, for the names that have both sides. */
static void test_classify(void **state)
{
    (void)state;
    for (size_t i = 0; i < NCASES; i++) {
        const struct pcase *c = &cases[i];
        cs_diff_side o = {.status = c->old_status, .problems = c->old_problems, .caa = c->old_caa};
        cs_diff_side n = {.status = c->new_status, .problems = c->new_problems, .caa = c->new_caa};
        cs_change ch = cs_diff_classify(c->old_status ? &o : NULL, c->new_status ? &n : NULL);
        const char *name = ch == CS_CH_NONE ? "" : cs_change_name(ch);
        if (!name || strcmp(name, c->want) != 0)
            fail_msg("%s: classified %s, want %s", c->name, name ? name : "?", c->want);
    }
}

/* The detail of a name with several changes says every one of them. */
static void test_detail_names_every_change(void **state)
{
    (void)state;
    const struct pcase *c = &cases[6]; /* g-caa-problems.test */
    cs_diff_side o = {.status = c->old_status, .problems = c->old_problems, .caa = c->old_caa};
    cs_diff_side n = {.status = c->new_status, .problems = c->new_problems, .caa = c->new_caa};
    cs_strbuf b = {0};
    assert_int_equal(cs_diff_detail(&b, cs_diff_classify(&o, &n), &o, &n), CS_OK);
    assert_non_null(b.data);
    assert_non_null(strstr(b.data, "CAA changed from"));
    assert_non_null(strstr(b.data, "problems changed from AUTH_NOTIMP to AUTH_REFUSED"));
    cs_strbuf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_one_kind_by_precedence, setup, teardown),
        cmocka_unit_test(test_classify),
        cmocka_unit_test(test_detail_names_every_change),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
