/* test_csv_delimiter.c -- customer CSV with ';' and tab delimiters, as spreadsheets in many
 * locales save them: detection from the first line, --delimiter, and whole files read through
 * cs_input_open (BOM, CRLF, decimal commas in other columns, quoted fields holding ';'). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "caascan/input.h"

#include <stdio.h>
#include <string.h>

static char detect(const char *text)
{
    const char *nl = strchr(text, '\n');
    size_t l = nl ? (size_t)(nl - text) : strlen(text);
    return cs_csv_detect_delimiter(text, l, nl ? nl + 1 : "", nl ? strlen(nl + 1) : 0);
}

static void test_detect(void **state)
{
    (void)state;
    assert_int_equal(detect("domain,plan\na.example,gold\n"), ',');
    assert_int_equal(detect("domain;plan\na.example;gold\n"), ';');
    assert_int_equal(detect("domain\tplan\na.example\tgold\n"), '\t');
    /* Decimal commas in a ';' file: the header has no comma, the rows do. */
    assert_int_equal(detect("Kunde;Domain;Betrag\n1;a.example;12,50\n2;b.example;3,00\n"), ';');
    /* The header alone decides when the rows agree with both: most fields wins. */
    assert_int_equal(detect("a,b;c;d\n"), ';');
    /* A quoted header field holding the other delimiter does not count. */
    assert_int_equal(detect("\"name;with;semicolons\",plan\nx.example,gold\n"), ',');
    assert_int_equal(detect("\"a,b,c\";plan\nx.example;gold\n"), ';');
    /* Consistency: ',' splits the header into 3 but the rows into 2 or 4; ';' is steady. */
    assert_int_equal(detect("a,b;c,d\nx;y\nz;w,v,u\n"), ';');
    /* CRLF, and a last line without newline (cut by the buffer) is not judged. */
    assert_int_equal(detect("domain;plan\r\na.example;gold\r\nb.exa"), ';');
    /* Nothing splits: no delimiter (a plain list). */
    assert_int_equal(detect("example.com\nexample.net\n"), 0);
    assert_int_equal(detect(""), 0);
    /* An unterminated quote on the header line: not a delimiter that splits it. */
    assert_int_equal(detect("\"a;b\n"), 0);
}

static void test_parse(void **state)
{
    (void)state;
    assert_int_equal(cs_csv_delimiter_parse(","), ',');
    assert_int_equal(cs_csv_delimiter_parse("comma"), ',');
    assert_int_equal(cs_csv_delimiter_parse(";"), ';');
    assert_int_equal(cs_csv_delimiter_parse("semicolon"), ';');
    assert_int_equal(cs_csv_delimiter_parse("tab"), '\t');
    assert_int_equal(cs_csv_delimiter_parse("\t"), '\t');
    assert_int_equal(cs_csv_delimiter_parse("\\t"), '\t');
    assert_int_equal(cs_csv_delimiter_parse("|"), 0);
    assert_int_equal(cs_csv_delimiter_parse(""), 0);
}

struct rec {
    char name[300];
    int reason;
    unsigned long line;
    char kept[128];
};

/* Reads path with opt; returns the number of records, filled into out (at most max). */
static size_t read_all(const char *path, const struct cs_input_options *opt, struct rec *out,
                       size_t max, cs_input_format *fmt)
{
    struct cs_input *in;
    char msg[512];
    cs_err err = cs_input_open(&in, path, opt, msg, sizeof(msg));
    if (err != CS_OK)
        fail_msg("%s", msg);
    *fmt = cs_input_format_of(in);
    size_t n = 0;
    const struct cs_input_record *r;
    while ((err = cs_input_next(in, &r)) == CS_OK && r) {
        assert_true(n < max);
        snprintf(out[n].name, sizeof(out[n].name), "%s",
                 r->name.reason == CS_NAME_OK ? r->name.text : r->original);
        out[n].reason = r->name.reason;
        out[n].line = r->line;
        snprintf(out[n].kept, sizeof(out[n].kept), "%s", r->kept ? r->kept[0] : "");
        n++;
    }
    assert_int_equal(err, CS_OK);
    cs_input_close(in);
    return n;
}

static void test_semicolon_file(void **state)
{
    (void)state;
    const char *keep[] = {"Bemerkung"};
    struct cs_input_options opt = {.format = CS_INPUT_AUTO, .keep_columns = keep, .n_keep = 1};
    struct rec r[8];
    cs_input_format fmt;
    size_t n = read_all(CAASCAN_TEST_DIR "/unit/data/kunden-semikolon.csv", &opt, r, 8, &fmt);
    assert_int_equal(fmt, CS_INPUT_CSV);
    assert_int_equal(n, 4);
    assert_string_equal(r[0].name, "shop.beispiel.example");
    assert_int_equal(r[0].reason, CS_NAME_OK);
    assert_int_equal(r[0].line, 2);
    assert_string_equal(r[0].kept, "Zahlung; per Lastschrift");
    assert_string_equal(r[1].name, "www.beispiel.example");
    assert_string_equal(r[1].kept, "");
    assert_string_equal(r[2].name, "mail.beispiel.example");
    assert_string_equal(r[2].kept, "mehrere \"Worte\", mit Komma");
    assert_int_not_equal(r[3].reason, CS_NAME_OK); /* a space in the name */
    assert_int_equal(r[3].line, 5);

    /* Forced to ',' the same file has no column to take names from: a clear error. */
    opt.delimiter = ',';
    opt.n_keep = 0;
    struct cs_input *in;
    char msg[512];
    assert_int_equal(cs_input_open(&in, CAASCAN_TEST_DIR "/unit/data/kunden-semikolon.csv", &opt,
                                   msg, sizeof(msg)),
                     CS_EPARSE);
    assert_non_null(strstr(msg, "name column"));
}

static void test_tab_file(void **state)
{
    (void)state;
    const char *keep[] = {"notes"};
    struct cs_input_options opt = {.format = CS_INPUT_AUTO, .keep_columns = keep, .n_keep = 1};
    struct rec r[8];
    cs_input_format fmt;
    size_t n = read_all(CAASCAN_TEST_DIR "/unit/data/customers-tab.tsv", &opt, r, 8, &fmt);
    assert_int_equal(fmt, CS_INPUT_CSV);
    assert_int_equal(n, 2);
    assert_string_equal(r[0].name, "one.example.net");
    assert_string_equal(r[0].kept, "price 3,50; paid");
    assert_string_equal(r[1].name, "two.example.net");
    assert_string_equal(r[1].kept, "tab\tinside");
    /* --delimiter tab gives the same. */
    opt.delimiter = '\t';
    n = read_all(CAASCAN_TEST_DIR "/unit/data/customers-tab.tsv", &opt, r, 8, &fmt);
    assert_int_equal(n, 2);
    assert_string_equal(r[1].kept, "tab\tinside");
}

static void test_comma_file_unchanged(void **state)
{
    (void)state;
    struct cs_input_options opt = {.format = CS_INPUT_AUTO};
    struct rec r[64];
    cs_input_format fmt;
    size_t n = read_all(CAASCAN_DATA_DIR "/demo-inventory.csv", &opt, r, 64, &fmt);
    assert_int_equal(fmt, CS_INPUT_CSV);
    assert_true(n > 3);
    size_t ok = 0;
    for (size_t i = 0; i < n; i++)
        ok += r[i].reason == CS_NAME_OK;
    assert_true(ok * 2 > n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_detect),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_semicolon_file),
        cmocka_unit_test(test_tab_file),
        cmocka_unit_test(test_comma_file_unchanged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
