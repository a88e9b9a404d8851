/*
 * test_output.c -- output for people: the formula-neutralising CSV writer (every trigger
 * character, embedded quotes, --raw, the BOM), export of cells that start with a trigger (the
 * shards keep the exact bytes, CSV neutralises, JSON lines stay exact), export --table servers
 * (one header, sorted), export --split-by (one file per value, safe names, list cells, name
 * collisions), and the RFC 3339 parser of the xlsx writer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "run_fixture.h"

#include <dirent.h>
#include <jansson.h>
#include <sys/stat.h>

#include "caascan/csvout.h"
#include "caascan/diff.h"
#include "caascan/export.h"
#include "caascan/report.h"
#include "caascan/xlsx.h"

/* ------------------------------------------------------------------ the CSV writer */

static char *cells(const char *const *f, size_t n, bool raw)
{
    cs_strbuf b = {0};
    assert_int_equal(cs_csv_append_cells(&b, f, n, raw), CS_OK);
    return b.data;
}

static void test_formula_triggers(void **state)
{
    (void)state;
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"=1+2", "\"'=1+2\""},
        {"+1+2", "\"'+1+2\""},
        {"-1+2", "\"'-1+2\""},
        {"@SUM(A1)", "\"'@SUM(A1)\""},
        {"\tx", "\"'\tx\""},
        {"\rx", "\"'\rx\""},
        {"=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""},
        {"=a,b", "\"'=a,b\""},
        {"a=1", "a=1"}, /* only the first character counts */
        {" =1", " =1"}, /* a leading space is not a formula */
        {"", ""},
        {"shop.example", "shop.example"},
        {"a,b", "\"a,b\""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *f[1] = {cases[i].in};
        char *got = cells(f, 1, false);
        char *want;
        assert_true(asprintf(&want, "%s\r\n", cases[i].want) > 0);
        assert_string_equal(got, want);
        free(got);
        free(want);
        assert_int_equal(cs_csv_formula_risk(cases[i].in),
                         cases[i].in[0] && strchr("=+-@\t\r", cases[i].in[0]) != NULL);
    }
}

static void test_raw_keeps_cells(void **state)
{
    (void)state;
    const char *f[4] = {"=1+2", "+x", "a\"b", "@y,z"};
    char *got = cells(f, 4, true);
    assert_string_equal(got, "=1+2,+x,\"a\"\"b\",\"@y,z\"\r\n");
    free(got);
    got = cells(f, 4, false);
    assert_string_equal(got, "\"'=1+2\",\"'+x\",\"a\"\"b\",\"'@y,z\"\r\n");
    free(got);
}

/* ------------------------------------------------------------------ a run with traps */

static char *run_dir;
static size_t ncols;
static const char **header; /* fixed columns + customer, note */

/* One row by column name: name, status, problems, caa_owner, nameservers, customer, note. */
static void put_row(const char **row, const char *name, const char *status, const char *problems,
                    const char *caa_owner, const char *ns, const char *customer, const char *note)
{
    for (size_t i = 0; i < ncols; i++)
        row[i] = "";
#define SET(col, v) row[cs_header_find(header, ncols, col)] = (v)
    SET("name", name);
    SET("status", status);
    SET("issuable", "yes");
    SET("problems", problems);
    SET("caa_owner", caa_owner);
    SET("zone", "example.test");
    SET("nameservers", ns);
    SET("checked_at", "2026-11-23T02:00:00Z");
    SET("customer", customer);
    SET("note", note);
#undef SET
}

static const char *const srv[] = {
    "example.test",
    "+1+2.example.net",
    "127.0.3.1",
    "AUTH_NOTIMP",
    "7",
    "3",
    "9",
    "",
    "a.test",
    "ns1.a.test",
    "127.0.3.2",
    "",
    "1",
    "2",
    "4",
    "",
    "example.test",
    "ns0.example.net",
    "127.0.3.3",
    "",
    "7",
    "2",
    "4",
    "",
};

static int setup(void **state)
{
    (void)state;
    run_dir = fx_tmpdir();
    size_t nfixed = cs_table_ncols(CS_TABLE_RESULTS);
    ncols = nfixed + 2;
    header = calloc(ncols, sizeof(char *));
    memcpy(header, cs_table_header(CS_TABLE_RESULTS), nfixed * sizeof(char *));
    header[nfixed] = "customer";
    header[nfixed + 1] = "note";
    const char **rows = calloc(6 * ncols, sizeof(char *));
    put_row(rows, "=1+2", "INVALID", "INVALID_NAME", "", "", "C-1", "=cmd|' /C calc'!A0");
    put_row(rows + ncols, "a.example.test", "OK", "", "=1+2.example.", "+1+2.example.net/127.0.3.1",
            "C-1;C-2", "+plus");
    put_row(rows + 2 * ncols, "b.example.test", "CAA_FORBIDS", "CAA_NOT_AUTHORIZED", "", "", "C/2",
            "-minus");
    put_row(rows + 3 * ncols, "c.example.test", "OK", "", "", "", "../etc", "@at");
    put_row(rows + 4 * ncols, "d.example.test", "AT_RISK", "CASE_NOT_PRESERVED", "", "", "",
            "\ttab");
    put_row(rows + 5 * ncols, "e.example.test", "OK", "", "", "", "c/2", "\rcr");
    fx_write_run(run_dir, header, ncols, rows, 6, srv, 3, 2);
    free(rows);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fx_rm_rf(run_dir);
    free(run_dir);
    free(header);
    return 0;
}

static char *export_text(cs_export_opts *o)
{
    char err[8192], *text;
    size_t len;
    FILE *out = open_memstream(&text, &len);
    assert_int_equal(cs_export_run(run_dir, o, out, NULL, err, sizeof(err)), CS_OK);
    fclose(out);
    return text;
}

static cs_export_opts all_rows(cs_export_format fmt)
{
    cs_export_opts o = {.format = fmt};
    for (int i = 0; i < CS_ST_COUNT; i++)
        o.select[i] = true;
    return o;
}

/* The CSV line of name in text (without CRLF), malloc'ed. */
static char *line_of(const char *text, const char *start)
{
    const char *p = strstr(text, start);
    assert_non_null(p);
    return strndup(p, strcspn(p, "\r"));
}

static void test_shards_keep_exact_bytes(void **state)
{
    (void)state;
    char *all = NULL;
    for (unsigned s = 0; s < 2; s++) {
        char path[512];
        cs_shard_path(path, sizeof(path), run_dir, "results", s);
        char *t = fx_zstdcat(path);
        if (strstr(t, "=1+2,INVALID"))
            all = t;
        else
            free(t);
    }
    assert_non_null(all);
    assert_non_null(strstr(all, "\r\n=1+2,INVALID,"));
    assert_non_null(strstr(all, ",C-1,=cmd|' /C calc'!A0\r\n"));
    free(all);
}

static void test_csv_neutralised(void **state)
{
    (void)state;
    cs_export_opts o = all_rows(CS_EXPORT_CSV);
    char *text = export_text(&o);
    /* The INVALID name itself, and the customer note. */
    char *l = line_of(text, "\"'=1+2\",INVALID");
    assert_non_null(strstr(l, ",C-1,\"'=cmd|' /C calc'!A0\""));
    free(l);
    l = line_of(text, "a.example.test,");
    assert_non_null(strstr(l, ",\"'=1+2.example.\","));
    assert_non_null(strstr(l, ",\"'+1+2.example.net/127.0.3.1\","));
    assert_non_null(strstr(l, ",C-1;C-2,\"'+plus\""));
    free(l);
    assert_non_null(strstr(text, ",\"'-minus\"\r\n"));
    assert_non_null(strstr(text, ",\"'@at\"\r\n"));
    assert_non_null(strstr(text, ",\"'\ttab\"\r\n"));
    assert_non_null(strstr(text, ",\"'\rcr\"\r\n"));
    /* No line of the table starts a cell with a trigger outside quotes. */
    assert_null(strstr(text, ",="));
    assert_null(strstr(text, ",+"));
    assert_null(strstr(text, ",-"));
    assert_null(strstr(text, ",@"));
    assert_null(strstr(text, "\n="));
    assert_int_equal(strncmp(text, "name,", 5), 0); /* no BOM by default */
    free(text);
}

static void test_csv_raw_and_bom(void **state)
{
    (void)state;
    cs_export_opts o = all_rows(CS_EXPORT_CSV);
    o.raw = true;
    o.bom = true;
    char *text = export_text(&o);
    assert_memory_equal(text, "\xEF\xBB\xBFname,status,", 15);
    assert_non_null(strstr(text, "\r\n=1+2,INVALID,"));
    assert_non_null(strstr(text, ",C-1,=cmd|' /C calc'!A0\r\n"));
    assert_non_null(strstr(text, ",\"\rcr\"\r\n"));
    free(text);
}

static void test_jsonl_exact(void **state)
{
    (void)state;
    cs_export_opts o = all_rows(CS_EXPORT_JSONL);
    char *text = export_text(&o);
    char *save, *line = strtok_r(text, "\n", &save);
    json_error_t je;
    json_t *j = json_loads(line, 0, &je);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "name")), "=1+2");
    /* A kept column is an array of the values seen for the name. */
    json_t *note = json_object_get(j, "note");
    assert_true(json_is_array(note));
    assert_int_equal(json_array_size(note), 1);
    note = json_array_get(note, 0);
    assert_string_equal(json_string_value(note), "=cmd|' /C calc'!A0");
    json_decref(j);
    free(text);
}

static void test_servers_table(void **state)
{
    (void)state;
    cs_export_opts o = all_rows(CS_EXPORT_CSV);
    o.table = CS_TABLE_SERVERS;
    char *text = export_text(&o);
    assert_string_equal(text, "zone,nameserver,address,findings,serial,rtt_ms,queries,detail\r\n"
                              "a.test,ns1.a.test,127.0.3.2,,1,2,4,\r\n"
                              "example.test,\"'+1+2.example.net\",127.0.3.1,AUTH_NOTIMP,7,3,9,\r\n"
                              "example.test,ns0.example.net,127.0.3.3,,7,2,4,\r\n");
    free(text);
}

static void test_safe_names(void **state)
{
    (void)state;
    char buf[128];
    assert_string_equal(cs_export_safe_name("C-1", 3, buf, sizeof(buf)), "C-1");
    assert_string_equal(cs_export_safe_name("../etc", 6, buf, sizeof(buf)), "_._etc");
    assert_string_equal(cs_export_safe_name(".hidden", 7, buf, sizeof(buf)), "_hidden");
    assert_string_equal(cs_export_safe_name("-rf", 3, buf, sizeof(buf)), "_rf");
    assert_string_equal(cs_export_safe_name("a/b\\c:d*e?f\"g<h>i|j\nk", 21, buf, sizeof(buf)),
                        "a_b_c_d_e_f_g_h_i_j_k");
    assert_string_equal(cs_export_safe_name("", 0, buf, sizeof(buf)), "(empty)");
    assert_string_equal(cs_export_safe_name("Müller GmbH", 12, buf, sizeof(buf)), "Müller GmbH");
    /* A broken UTF-8 lead byte never takes a '/' after it along as part of a character. */
    assert_string_equal(cs_export_safe_name("\xC0/..\xE2/x", 7, buf, sizeof(buf)), "__..__x");
    char longv[300];
    memset(longv, 'x', sizeof(longv));
    assert_int_equal(strlen(cs_export_safe_name(longv, sizeof(longv), buf, sizeof(buf))), 100);
}

static int count_lines(const char *text)
{
    int n = 0;
    for (const char *p = text; *p; p++)
        n += *p == '\n';
    return n;
}

static void test_split_by(void **state)
{
    (void)state;
    char *out = fx_path(run_dir, "split");
    cs_export_opts o = all_rows(CS_EXPORT_CSV);
    char err[8192];
    uint64_t files, rows;
    assert_int_equal(cs_export_split(run_dir, &o, "customer", out, &files, &rows, err, sizeof(err)),
                     CS_OK);
    /* C-1 (2 names: the INVALID one and a.example.test, whose cell is "C-1;C-2"), C-2, C/2 and
     * c/2 (same safe name in another case: "C_2" and "c_2~2"), ../etc, and the empty cell. */
    assert_int_equal(files, 6);
    assert_int_equal(rows, 6);
    static const struct {
        const char *file;
        int lines;
        const char *has;
    } want[] = {
        {"C-1.csv", 3, "\"'=1+2\",INVALID"},  {"C-2.csv", 2, "a.example.test,"},
        {"C_2.csv", 2, "b.example.test,"},    {"c_2~2.csv", 2, "e.example.test,"},
        {"_._etc.csv", 2, "c.example.test,"}, {"(empty).csv", 2, "d.example.test,"},
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        char *p = fx_path(out, want[i].file);
        char *text = fx_slurp(p, NULL);
        assert_int_equal(strncmp(text, "name,status,", 12), 0);
        assert_int_equal(count_lines(text), want[i].lines);
        assert_non_null(strstr(text, want[i].has));
        free(text);
        free(p);
    }
    /* No temporary left behind, nothing else written. */
    DIR *d = opendir(out);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.' || (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")))
            n++;
    closedir(d);
    assert_int_equal(n, 6);
    /* An unknown column is a clear error. */
    assert_int_equal(cs_export_split(run_dir, &o, "nope", out, NULL, NULL, err, sizeof(err)),
                     CS_EINVAL);
    assert_non_null(strstr(err, "--split-by:"));
    assert_non_null(strstr(err, "has no column \"nope\""));
    free(out);
}

static void test_split_by_status_jsonl(void **state)
{
    (void)state;
    char *out = fx_path(run_dir, "bystatus");
    cs_export_opts o = all_rows(CS_EXPORT_JSONL);
    char err[8192];
    uint64_t files;
    assert_int_equal(cs_export_split(run_dir, &o, "status", out, &files, NULL, err, sizeof(err)),
                     CS_OK);
    assert_int_equal(files, 4);
    char *p = fx_path(out, "OK.jsonl");
    char *text = fx_slurp(p, NULL);
    assert_int_equal(count_lines(text), 3); /* no header in JSON lines */
    free(text);
    free(p);
    free(out);
}

/* One workbook per customer, nothing else left in the directory. */
static void test_split_by_xlsx(void **state)
{
    (void)state;
    char *out = fx_path(run_dir, "wbsplit");
    cs_export_opts o = all_rows(CS_EXPORT_XLSX);
    char err[8192];
    uint64_t files, rows;
    assert_int_equal(cs_export_split(run_dir, &o, "customer", out, &files, &rows, err, sizeof(err)),
                     CS_OK);
    assert_int_equal(files, 6);
    assert_int_equal(rows, 6);
    static const char *const want[] = {"C-1.xlsx",   "C-2.xlsx",    "C_2.xlsx",
                                       "c_2~2.xlsx", "_._etc.xlsx", "(empty).xlsx"};
    for (size_t i = 0; i < 6; i++) {
        char *p = fx_path(out, want[i]);
        char *z = fx_slurp(p, NULL);
        assert_memory_equal(z, "PK\x03\x04", 4);
        free(z);
        free(p);
    }
    DIR *d = opendir(out);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    assert_int_equal(n, 6); /* no spool, no temporary */
    free(out);
}

static void test_parse_utc(void **state)
{
    (void)state;
    int y, mo, d, h, mi;
    double s;
    assert_true(cs_xlsx_parse_utc("2026-11-23T02:00:07Z", &y, &mo, &d, &h, &mi, &s));
    assert_int_equal(y, 2026);
    assert_int_equal(mo, 11);
    assert_int_equal(d, 23);
    assert_int_equal(h, 2);
    assert_int_equal(mi, 0);
    assert_true(s == 7.0);
    assert_true(cs_xlsx_parse_utc("2026-11-23T02:00:07.250Z", &y, &mo, &d, &h, &mi, &s));
    assert_true(s == 7.25);
    assert_false(cs_xlsx_parse_utc("2026-11-23 02:00:07Z", &y, &mo, &d, &h, &mi, &s));
    assert_false(cs_xlsx_parse_utc("2026-13-23T02:00:07Z", &y, &mo, &d, &h, &mi, &s));
    assert_false(cs_xlsx_parse_utc("2026-11-23T02:00:07", &y, &mo, &d, &h, &mi, &s));
    assert_false(cs_xlsx_parse_utc("", &y, &mo, &d, &h, &mi, &s));
}

static void test_xlsx_needs_a_file(void **state)
{
    (void)state;
    cs_export_opts o = all_rows(CS_EXPORT_XLSX);
    char err[8192];
    assert_int_equal(cs_export_xlsx(run_dir, &o, "-", NULL, err, sizeof(err)), CS_EINVAL);
    assert_string_equal(err, "--format xlsx needs -o FILE: a workbook is binary and is not "
                             "written to standard output");
    char *p = fx_path(run_dir, "no/such/dir.xlsx");
    assert_int_equal(cs_export_xlsx(run_dir, &o, p, NULL, err, sizeof(err)), CS_EIO);
    assert_non_null(strstr(err, "dir.xlsx.tmp: cannot create: No such file or directory"));
    free(p);
    /* A workbook is written, and nothing is left behind but it. */
    p = fx_path(run_dir, "out.xlsx");
    uint64_t rows;
    assert_int_equal(cs_export_xlsx(run_dir, &o, p, &rows, err, sizeof(err)), CS_OK);
    assert_int_equal(rows, 6);
    struct stat st;
    assert_int_equal(stat(p, &st), 0);
    size_t len;
    char *z = fx_slurp(p, &len);
    assert_memory_equal(z, "PK\x03\x04", 4); /* a zip archive */
    free(z);
    char *tmp;
    assert_true(asprintf(&tmp, "%s.tmp", p) > 0);
    assert_int_not_equal(stat(tmp, &st), 0);
    free(tmp);
    free(p);
}

/* A second night: a.example.test newly fails, b.example.test is gone, f.example.test is new;
 * "plan" is a kept column only this run has, "note" one only the first run had. */
static void test_diff_kept_columns(void **state)
{
    (void)state;
    char *dir2 = fx_tmpdir();
    size_t nfixed = cs_table_ncols(CS_TABLE_RESULTS), n2 = nfixed + 2;
    const char **h2 = calloc(n2, sizeof(char *));
    memcpy(h2, cs_table_header(CS_TABLE_RESULTS), nfixed * sizeof(char *));
    h2[nfixed] = "customer";
    h2[nfixed + 1] = "plan";
    const char **rows = calloc(6 * n2, sizeof(char *));
    /* put_row() fills by the first run's header; build the second run's rows from it. */
    const char **tmp = calloc(ncols, sizeof(char *));
    static const struct {
        const char *name, *status, *problems, *owner, *ns, *customer, *plan;
    } r2[] = {
        {"=1+2", "INVALID", "INVALID_NAME", "", "", "C-1", ""},
        {"a.example.test", "CAA_FORBIDS", "CAA_NOT_AUTHORIZED", "=1+2.example.",
         "+1+2.example.net/127.0.3.1", "C-1;C-2", "gold"},
        {"c.example.test", "OK", "", "", "", "../etc", "@plan"},
        {"d.example.test", "AT_RISK", "CASE_NOT_PRESERVED", "", "", "", ""},
        {"e.example.test", "OK", "", "", "", "c/2", ""},
        {"f.example.test", "OK", "", "", "", "=evil", "free"},
    };
    for (size_t i = 0; i < 6; i++) {
        put_row(tmp, r2[i].name, r2[i].status, r2[i].problems, r2[i].owner, r2[i].ns,
                r2[i].customer, "");
        memcpy(rows + i * n2, tmp, nfixed * sizeof(char *));
        rows[i * n2 + nfixed] = r2[i].customer;
        rows[i * n2 + nfixed + 1] = r2[i].plan;
    }
    fx_write_run(dir2, h2, n2, rows, 6, NULL, 0, 3);
    char err[8192], *text;
    size_t len;
    FILE *out = open_memstream(&text, &len);
    cs_diff_stats st;
    assert_int_equal(cs_diff_runs(run_dir, dir2, false, out, &st, err, sizeof(err)), CS_OK);
    fclose(out);
    assert_string_equal(
        text,
        "name,change,old_status,new_status,old_problems,new_problems,old_caa,new_caa,detail,"
        "customer,plan,note\r\n"
        "a.example.test,NEW_FAILURE,OK,CAA_FORBIDS,,CAA_NOT_AUTHORIZED,,,status OK -> "
        "CAA_FORBIDS; problems changed from (none) to "
        "CAA_NOT_AUTHORIZED,C-1;C-2,gold,\"'+plus\"\r\n"
        "b.example.test,REMOVED,CAA_FORBIDS,,CAA_NOT_AUTHORIZED,,,,name no longer scanned (was "
        "CAA_FORBIDS),C/2,,\"'-minus\"\r\n"
        "f.example.test,ADDED,,OK,,,,,\"new name, status OK\",\"'=evil\",free,\r\n");
    free(text);
    /* --raw and --bom */
    cs_diff_opts o = {.raw = true, .bom = true};
    out = open_memstream(&text, &len);
    assert_int_equal(cs_diff_write(run_dir, dir2, &o, out, &st, err, sizeof(err)), CS_OK);
    fclose(out);
    assert_memory_equal(text, "\xEF\xBB\xBFname,change,", 15);
    assert_non_null(strstr(text, ",=evil,free,\r\n"));
    free(text);
    /* xlsx: a workbook file, refused without a file name */
    char *x = fx_path(dir2, "changes.xlsx");
    o = (cs_diff_opts){.xlsx = x};
    assert_int_equal(cs_diff_write(run_dir, dir2, &o, NULL, &st, err, sizeof(err)), CS_OK);
    assert_int_equal(st.changes[CS_CH_NEW_FAILURE], 1);
    char *z = fx_slurp(x, NULL);
    assert_memory_equal(z, "PK\x03\x04", 4);
    free(z);
    o.xlsx = "-";
    assert_int_equal(cs_diff_write(run_dir, dir2, &o, NULL, &st, err, sizeof(err)), CS_EINVAL);
    free(x);
    free(tmp);
    free(rows);
    free(h2);
    fx_rm_rf(dir2);
    free(dir2);
}

static void test_report_groups(void **state)
{
    (void)state;
    char err[8192], *text;
    size_t len;
    cs_report *rep;
    /* INVALID names are not domains: they get their own group. */
    cs_report_opts ro = {.by = CS_REPORT_REGISTERED_DOMAIN, .all = true};
    assert_int_equal(cs_report_build(run_dir, &ro, &rep, err, sizeof(err)), CS_OK);
    assert_int_equal(rep->ngroups, 2);
    assert_string_equal(rep->groups[0].key, "example.test");
    assert_int_equal(rep->groups[0].names, 5);
    assert_string_equal(rep->groups[1].key, CS_REPORT_INVALID_GROUP);
    assert_int_equal(rep->groups[1].names, 1);
    cs_report_free(rep);
    /* Groups named by a customer column: neutralised in CSV, exact with --raw, BOM. */
    ro = (cs_report_opts){.by = CS_REPORT_CERTIFICATE, .group_column = "note", .all = true};
    assert_int_equal(cs_report_build(run_dir, &ro, &rep, err, sizeof(err)), CS_OK);
    FILE *out = open_memstream(&text, &len);
    cs_report_out o = {.format = CS_REPORT_CSV};
    assert_int_equal(cs_report_write_to(rep, &o, out, err, sizeof(err)), CS_OK);
    fclose(out);
    assert_non_null(strstr(text, "\r\n\"'=cmd|' /C calc'!A0\",1,1,0,,FAILS,"));
    assert_non_null(strstr(text, "\r\n\"'-minus\",1,1,0,,FAILS,"));
    /* (list items are trimmed of spaces and tabs: "\ttab" is the group "tab") */
    assert_non_null(strstr(text, "\r\ntab,1,0,1,,AT_RISK,"));
    assert_non_null(strstr(text, "\r\n\"'\rcr\",1,0,0,,OK,"));
    assert_non_null(strstr(text, "\r\n\"'+plus\",1,0,0,,OK,"));
    assert_non_null(strstr(text, "\r\n\"'@at\",1,0,0,,OK,"));
    assert_null(strstr(text, "\n="));
    free(text);
    out = open_memstream(&text, &len);
    o.raw = o.bom = true;
    assert_int_equal(cs_report_write_to(rep, &o, out, err, sizeof(err)), CS_OK);
    fclose(out);
    assert_memory_equal(text, "\xEF\xBB\xBFnote,names,", 14);
    assert_non_null(strstr(text, "\r\n=cmd|' /C calc'!A0,1,1,0,,FAILS,"));
    free(text);
    /* A workbook needs a file. */
    o = (cs_report_out){.format = CS_REPORT_XLSX, .xlsx = NULL};
    assert_int_equal(cs_report_write_to(rep, &o, NULL, err, sizeof(err)), CS_EINVAL);
    char *x = fx_path(run_dir, "report.xlsx");
    o.xlsx = x;
    assert_int_equal(cs_report_write_to(rep, &o, NULL, err, sizeof(err)), CS_OK);
    char *z = fx_slurp(x, NULL);
    assert_memory_equal(z, "PK\x03\x04", 4);
    free(z);
    free(x);
    cs_report_free(rep);
}

/* How many times needle occurs in the n bytes at hay. */
static int count_in(const char *hay, size_t n, const char *needle)
{
    int k = 0;
    size_t m = strlen(needle);
    for (const char *p = hay; (p = memmem(p, n - (size_t)(p - hay), needle, m)); p += m)
        k++;
    return k;
}

/* A table longer than a sheet continues on "NAME (2)", ...: with 2 rows a sheet, 5 rows make 3
 * sheets (the zip's directory names every sheet's file); each with its header and its rows. */
static void test_xlsx_sheet_overflow(void **state)
{
    (void)state;
    char err[8192], *p = fx_path(run_dir, "overflow.xlsx");
    static const char *const head[2] = {"name", "n"};
    static const cs_xlsx_kind kinds[2] = {CS_XK_TEXT, CS_XK_NUMBER};
    for (unsigned limit = 0; limit <= 2; limit += 2) {
        cs_xlsx *x;
        assert_int_equal(cs_xlsx_open(&x, p, err, sizeof(err)), CS_OK);
        cs_xlsx_test_rows_per_sheet(limit);
        cs_xlsx_sheet *sh = cs_xlsx_add_table(x, "results", head, kinds, 2);
        assert_non_null(sh);
        for (int i = 0; i < 5; i++) {
            char num[8];
            snprintf(num, sizeof(num), "%d", i);
            const char *row[2] = {"=1+2", num};
            assert_int_equal(cs_xlsx_add_row(sh, row), CS_OK);
        }
        assert_int_equal(cs_xlsx_rows(sh), 5);
        assert_int_equal(cs_xlsx_close(x, true, err, sizeof(err)), CS_OK);
        cs_xlsx_test_rows_per_sheet(0);
        size_t len;
        char *z = fx_slurp(p, &len);
        /* Each file name is in the zip twice: its local header and the central directory. */
        assert_int_equal(count_in(z, len, "xl/worksheets/sheet1.xml"), 2);
        assert_int_equal(count_in(z, len, "xl/worksheets/sheet3.xml"), limit ? 2 : 0);
        assert_int_equal(count_in(z, len, "xl/worksheets/sheet4.xml"), 0);
        free(z);
    }
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_formula_triggers),
        cmocka_unit_test(test_raw_keeps_cells),
        cmocka_unit_test(test_shards_keep_exact_bytes),
        cmocka_unit_test(test_csv_neutralised),
        cmocka_unit_test(test_csv_raw_and_bom),
        cmocka_unit_test(test_jsonl_exact),
        cmocka_unit_test(test_servers_table),
        cmocka_unit_test(test_safe_names),
        cmocka_unit_test(test_split_by),
        cmocka_unit_test(test_split_by_status_jsonl),
        cmocka_unit_test(test_split_by_xlsx),
        cmocka_unit_test(test_parse_utc),
        cmocka_unit_test(test_xlsx_needs_a_file),
        cmocka_unit_test(test_diff_kept_columns),
        cmocka_unit_test(test_report_groups),
        cmocka_unit_test(test_xlsx_sheet_overflow),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
