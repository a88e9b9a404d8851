/* test_input.c -- the four readers and format detection, on the samples in data/ and on hostile
 * input: exact records (name, wildcard, reason, line, crt.sh id) and exact error messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "caascan/input.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXREC 64

struct got {
    char name[300]; /* normalized text, or "!reason:original" when invalid */
    unsigned long line;
    uint64_t id;
    char not_after[40];
    char issuer[200];
    char kept[2][40];
};

struct result {
    cs_err open_err, err;
    char msg[512];
    cs_input_format fmt;
    unsigned long lines;
    size_t n;
    struct got rec[MAXREC];
};

static void collect(struct cs_input *in, struct result *r, size_t n_keep)
{
    const struct cs_input_record *rec;
    r->fmt = cs_input_format_of(in);
    while ((r->err = cs_input_next(in, &rec)) == CS_OK && rec) {
        assert_true(r->n < MAXREC);
        struct got *g = &r->rec[r->n++];
        if (rec->name.reason == CS_NAME_OK)
            snprintf(g->name, sizeof(g->name), "%s", rec->name.text);
        else
            snprintf(g->name, sizeof(g->name), "!%s:%.250s", cs_name_reason_text(rec->name.reason),
                     rec->original);
        g->line = rec->line;
        g->id = rec->crtsh_id;
        snprintf(g->not_after, sizeof(g->not_after), "%s", rec->not_after ? rec->not_after : "-");
        snprintf(g->issuer, sizeof(g->issuer), "%s", rec->issuer_name ? rec->issuer_name : "-");
        for (size_t k = 0; k < n_keep && k < 2; k++)
            snprintf(g->kept[k], sizeof(g->kept[k]), "%s", rec->kept[k]);
    }
    if (r->err != CS_OK)
        snprintf(r->msg, sizeof(r->msg), "%s", cs_input_error(in));
    r->lines = cs_input_lines(in);
}

static struct result *read_file(const char *path, const struct cs_input_options *opt)
{
    struct result *r = calloc(1, sizeof(*r));
    struct cs_input *in;
    r->open_err = cs_input_open(&in, path, opt, r->msg, sizeof(r->msg));
    if (r->open_err == CS_OK) {
        collect(in, r, opt ? opt->n_keep : 0);
        cs_input_close(in);
    }
    return r;
}

static struct result *read_mem(const void *data, size_t size, const struct cs_input_options *opt)
{
    struct result *r = calloc(1, sizeof(*r));
    FILE *f = size ? fmemopen((void *)data, size, "rb") : fopen("/dev/null", "rb");
    assert_non_null(f);
    struct cs_input *in;
    r->open_err = cs_input_open_stream(&in, f, "mem", opt, r->msg, sizeof(r->msg));
    if (r->open_err == CS_OK) {
        collect(in, r, opt ? opt->n_keep : 0);
        cs_input_close(in);
    }
    fclose(f);
    return r;
}

static struct result *read_str(const char *s, const struct cs_input_options *opt)
{
    return read_mem(s, strlen(s), opt);
}

struct want {
    const char *name;
    unsigned long line;
    uint64_t id;
};

static void check_records(const struct result *r, const struct want *w, size_t n)
{
    for (size_t i = 0; i < n && i < r->n; i++)
        if (strcmp(r->rec[i].name, w[i].name) != 0 || r->rec[i].line != w[i].line ||
            r->rec[i].id != w[i].id)
            fail_msg("record %zu: got %s line %lu id %llu, want %s line %lu id %llu", i,
                     r->rec[i].name, r->rec[i].line, (unsigned long long)r->rec[i].id, w[i].name,
                     w[i].line, (unsigned long long)w[i].id);
    assert_int_equal(r->n, n);
}

static void test_crtsh_json_sample(void **state)
{
    struct result *r = read_file(CAASCAN_DATA_DIR "/crtsh-hosting.json", NULL);
    assert_int_equal(r->open_err, CS_OK);
    assert_int_equal(r->err, CS_OK);
    assert_int_equal(r->fmt, CS_INPUT_CRTSH_JSON);
    static const struct want w[] = {
        {"hosting.example.net", 2, 12000000001},
        {"*.hosting.example.net", 2, 12000000001},
        {"shop.example.com", 2, 12000000001},
        {"www.shop.example.com", 2, 12000000001},
        {"xn--bcher-kva.example", 2, 12000000001},
        {"shop.example.com", 2, 12000000001},
        {"blog.example.org", 2, 12000000001},
        {"*.hosting.example.net", 14, 12000000002},
        {"hosting.example.net", 14, 12000000002},
        {"mail.example.org", 26, 12000000003},
        {"*.example.org", 26, 12000000003},
        {"xn--bcher-kva.example", 26, 12000000003},
        {"!ip_address:192.0.2.10", 38, 12000000004},
        {"!ip_address:2001:db8::10", 38, 12000000004},
        {"!email_address:admin@example.com", 38, 12000000004},
    };
    check_records(r, w, sizeof(w) / sizeof(w[0]));
    assert_string_equal(r->rec[0].not_after, "2025-01-21T08:14:14");
    assert_string_equal(r->rec[0].issuer, "C=US, O=Let's Encrypt, CN=R11");
    assert_string_equal(r->rec[9].issuer,
                        "C=GB, ST=Greater Manchester, L=Salford, O=\"Example CA, Ltd\", "
                        "CN=Example RSA Domain Validation Secure Server CA");
    assert_int_equal(r->lines, 50);
    free(r);
}

static void test_crtsh_csv_sample(void **state)
{
    struct result *r = read_file(CAASCAN_DATA_DIR "/crtsh-hosting.csv", NULL);
    assert_int_equal(r->open_err, CS_OK);
    assert_int_equal(r->err, CS_OK);
    assert_int_equal(r->fmt, CS_INPUT_CRTSH_CSV);
    /* The same certificates as the JSON sample: the same names in the same order. */
    static const struct want w[] = {
        {"hosting.example.net", 2, 12000000001},
        {"*.hosting.example.net", 2, 12000000001},
        {"shop.example.com", 2, 12000000001},
        {"www.shop.example.com", 2, 12000000001},
        {"xn--bcher-kva.example", 2, 12000000001},
        {"shop.example.com", 2, 12000000001},
        {"blog.example.org", 2, 12000000001},
        {"*.hosting.example.net", 9, 12000000002},
        {"hosting.example.net", 9, 12000000002},
        {"mail.example.org", 11, 12000000003},
        {"*.example.org", 11, 12000000003},
        {"xn--bcher-kva.example", 11, 12000000003},
        {"!ip_address:192.0.2.10", 14, 12000000004},
        {"!ip_address:2001:db8::10", 14, 12000000004},
        {"!email_address:admin@example.com", 14, 12000000004},
    };
    check_records(r, w, sizeof(w) / sizeof(w[0]));
    assert_string_equal(r->rec[0].not_after, "2025-01-21");
    assert_string_equal(r->rec[9].not_after, "-"); /* &nbsp; */
    /* \" is a quote, and the commas inside the quotes stay in the field. */
    assert_string_equal(r->rec[9].issuer,
                        "C=GB, ST=Greater Manchester, L=Salford, O=\"Example CA, Ltd\", "
                        "CN=Example RSA Domain Validation Secure Server CA");
    assert_int_equal(r->lines, 16);
    free(r);
}

static void test_messy_customer_csv(void **state)
{
    static const char *const keep[] = {"customer_id", "PLAN"};
    struct cs_input_options opt = {.keep_columns = keep, .n_keep = 2};
    struct result *r = read_file(CAASCAN_DATA_DIR "/customers-messy.csv", &opt);
    assert_int_equal(r->open_err, CS_OK);
    assert_int_equal(r->err, CS_OK);
    assert_int_equal(r->fmt, CS_INPUT_CSV);
    static const struct want w[] = {
        {"shop.acme-widgets.example", 2, 0},
        {"xn--bckerei-mller-bfb28a.example", 3, 0},
        {"www.example-quotes.example", 4, 0},
        {"widgets.example.com", 5, 0},
        {"!email_address:info@mail-only.example", 6, 0},
        {"!underscore:_dmarc.underscore.example", 7, 0},
        {"spaced.example.com", 8, 0},
        {"!ip_address:198.51.100.7", 9, 0},
        {"!single_label:localhost", 10, 0},
        {"shop.acme-widgets.example", 11, 0},
        {"multi.example.com", 12, 0}, /* its quoted fields span lines 12-14 */
        {"*.wild.example.com", 15, 0},
        {"!wildcard_position:a.*.example.com", 16, 0},
        {"!empty:", 17, 0},
        {"!missing_field:", 18, 0},
        {"!label_too_long:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa."
         "example.com",
         19, 0},
        {"!empty_label:shop..example.com", 20, 0},
        {"extra.example.com", 21, 0},
        {"!ip_address:2001:db8::1", 22, 0},
        {"www.acme-widgets.example", 23, 0},
    };
    check_records(r, w, sizeof(w) / sizeof(w[0]));
    assert_string_equal(r->rec[0].kept[0], "C-1001");
    assert_string_equal(r->rec[0].kept[1], "gold");
    assert_string_equal(r->rec[9].kept[1], "platinum");
    assert_string_equal(r->rec[14].kept[0], "C-1015");
    assert_string_equal(r->rec[14].kept[1], ""); /* the short row has no plan */
    assert_int_equal(r->lines, 23);
    free(r);
}

static void test_csv_columns(void **state)
{
    /* Header preference: domain over name (often the company's name). */
    struct result *r = read_str("name,domain\nAcme,shop.example.com\n", NULL);
    assert_int_equal(r->n, 1);
    assert_string_equal(r->rec[0].name, "shop.example.com");
    free(r);
    /* --column by header, case-insensitive, and by number. */
    struct cs_input_options opt = {.column = "Site"};
    r = read_str("id,site\n7,www.example.com\n", &opt);
    assert_int_equal(r->n, 1);
    assert_string_equal(r->rec[0].name, "www.example.com");
    assert_int_equal(r->rec[0].line, 2);
    free(r);
    opt.column = "2";
    r = read_str("7,www.example.com,x.example.net\n8,mail.example.com\n", &opt);
    assert_int_equal(r->n, 2);
    assert_string_equal(r->rec[0].name, "www.example.com");
    assert_int_equal(r->rec[0].line, 1);
    free(r);
    /* No header and no --column: the first field of the first row that is a name. */
    r = read_str("7,gold,www.example.com\n8,silver,mail.example.com\n", NULL);
    assert_int_equal(r->n, 2);
    assert_string_equal(r->rec[1].name, "mail.example.com");
    free(r);
    /* A lone header word makes a CSV, not a list with an invalid "domain". */
    r = read_str("Domain\r\nshop.example.com\r\n", NULL);
    assert_int_equal(r->fmt, CS_INPUT_CSV);
    assert_int_equal(r->n, 1);
    assert_int_equal(r->rec[0].line, 2);
    free(r);
}

static void test_csv_errors(void **state)
{
    struct cs_input_options opt = {.column = "hostname"};
    struct result *r = read_str("id,domain\n1,a.example.com\n", &opt);
    assert_int_equal(r->open_err, CS_EPARSE);
    assert_string_equal(r->msg, "mem:1: no column \"hostname\" in the header");
    free(r);
    static const char *const keep[] = {"plan"};
    struct cs_input_options k = {.keep_columns = keep, .n_keep = 1};
    r = read_str("id,domain\n1,a.example.com\n", &k);
    assert_int_equal(r->open_err, CS_EPARSE);
    assert_string_equal(r->msg, "mem:1: no column \"plan\" in the header");
    free(r);
    r = read_str("1,2,3\n4,5,6\n", NULL);
    assert_int_equal(r->open_err, CS_EPARSE);
    assert_string_equal(r->msg, "mem:1: cannot tell the name column: no header (domain, hostname, "
                                "fqdn, san, name) and no field of the first row is a host name; "
                                "use --column");
    free(r);
    /* Unbalanced quote: the file ends inside quotes. */
    r = read_str("id,domain\n1,a.example.com\n2,\"b.example.com\n3,c.example.com\n", NULL);
    assert_int_equal(r->open_err, CS_OK);
    assert_int_equal(r->err, CS_EPARSE);
    assert_int_equal(r->n, 1);
    assert_string_equal(r->msg, "mem:3: unterminated quoted field (the input ends inside quotes)");
    free(r);
    /* A stray quote in an unquoted field (strict RFC 4180). */
    r = read_str("id,domain\n1,a.exa\"mple.com\n", NULL);
    assert_int_equal(r->err, CS_EPARSE);
    assert_string_equal(r->msg, "mem:2: malformed CSV: a quote inside an unquoted field or text "
                                "after a closing quote");
    free(r);
}

static void test_list(void **state)
{
    static const char in[] = "\xef\xbb\xbf"
                             "shop.example.com\r\n"
                             "# a comment\n"
                             "\n"
                             "  *.Example.ORG.  \n"
                             "https://blog.example.net/2024/\n"
                             "b\xfc"
                             "cher.example\n"
                             "nul\0byte.example\n"
                             "last.example.com";
    struct result *r = read_mem(in, sizeof(in) - 1, NULL);
    assert_int_equal(r->fmt, CS_INPUT_LIST);
    static const struct want w[] = {
        {"shop.example.com", 1, 0},
        {"*.example.org", 4, 0},
        {"blog.example.net", 5, 0},
        {"!invalid_utf8:b\xfc"
         "cher.example",
         6, 0},
        {"!bad_character:nul", 7, 0}, /* the original holds the NUL: printed up to it */
        {"last.example.com", 8, 0},
    };
    check_records(r, w, sizeof(w) / sizeof(w[0]));
    assert_int_equal(r->lines, 8);
    free(r);
}

static void test_long_line(void **state)
{
    /* A 10 MB line: one INVALID record, memory bounded, the next line still read. */
    size_t big = 10 * 1024 * 1024;
    char *s = malloc(big + 64);
    memset(s, 'a', big);
    memcpy(s + big, "\nok.example.com\n", 17);
    struct cs_input_options opt = {.format = CS_INPUT_LIST};
    struct result *r = read_mem(s, big + 16, &opt);
    assert_int_equal(r->err, CS_OK);
    assert_int_equal(r->n, 2);
    assert_int_equal(strncmp(r->rec[0].name, "!name_too_long:aaaa", 19), 0);
    assert_string_equal(r->rec[1].name, "ok.example.com");
    assert_int_equal(r->rec[1].line, 2);
    free(r);
    /* In a CSV the same line is one row whose name is far too long: INVALID as well. */
    memcpy(s, "domain\n", 7);
    r = read_mem(s, big + 16, NULL);
    assert_int_equal(r->err, CS_OK);
    assert_int_equal(r->n, 2);
    assert_int_equal(strncmp(r->rec[0].name, "!label_too_long:aaaa", 20), 0);
    assert_int_equal(r->rec[0].line, 2);
    assert_int_equal(r->rec[1].line, 3);
    free(r);
    /* Rows longer than CS_INPUT_RECORD_MAX (an unbalanced quote) are an error. */
    free(s);
    big = CS_INPUT_RECORD_MAX + 100;
    s = malloc(big);
    memcpy(s, "domain\n\"", 8);
    memset(s + 8, 'a', big - 8);
    for (size_t i = 100; i < big; i += 100)
        s[i] = '\n';
    r = read_mem(s, big, NULL);
    assert_int_equal(r->err, CS_ETOOLONG);
    assert_string_equal(r->msg, "mem:2: CSV row longer than 16777216 bytes (an unbalanced quote?)");
    free(r);
    free(s);
}

static void test_csv_field_sizes(void **state)
{
    /* Fields around the sizes where the CSV reader's field buffer grows (4 KiB, then doubling;
     * a line is fed in pieces of at most 64 KiB): every byte kept, none added. The name field
     * is quoted and holds a newline, the kept field is not quoted. */
    static const size_t sizes[] = {1,     4094,  4095,  4096,   4097,   8191,   8192,   8193,
                                   65535, 65536, 65537, 131071, 131072, 300000, 1048577};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        size_t len = sizes[i];
        size_t size = 12 + (len + 3) + 1 + len + 1 + 20;
        char *s = malloc(size);
        char *p = s;
        memcpy(p, "domain,note\n", 12);
        p += 12;
        *p++ = '"';
        memset(p, 'a', len);
        p[len / 2] = '\n';
        p += len;
        *p++ = '"';
        *p++ = ',';
        memset(p, 'b', len);
        p += len;
        memcpy(p, "\nok.example.com,x\n", 18);
        p += 18;

        FILE *f = fmemopen(s, (size_t)(p - s), "rb");
        assert_non_null(f);
        static const char *const keep[] = {"note"};
        struct cs_input_options opt = {.keep_columns = keep, .n_keep = 1};
        struct cs_input *in;
        char msg[256];
        assert_int_equal(cs_input_open_stream(&in, f, "mem", &opt, msg, sizeof(msg)), CS_OK);
        const struct cs_input_record *rec;
        assert_int_equal(cs_input_next(in, &rec), CS_OK);
        assert_non_null(rec);
        assert_int_equal(rec->line, 2);
        assert_int_equal(rec->original_len, len);
        assert_memory_equal(rec->original, s + 13, len);
        assert_int_equal(rec->original[len], '\0');
        size_t klen = strlen(rec->kept[0]);
        assert_int_equal(klen, len);
        assert_memory_equal(rec->kept[0], s + 13 + len + 2, len);
        assert_int_equal(cs_input_next(in, &rec), CS_OK);
        assert_non_null(rec);
        assert_string_equal(rec->name.text, "ok.example.com");
        assert_int_equal(rec->line, 4); /* the quoted newline made row 2 two lines */
        assert_string_equal(rec->kept[0], "x");
        assert_int_equal(cs_input_next(in, &rec), CS_OK);
        assert_null(rec);
        cs_input_close(in);
        fclose(f);
        free(s);
    }
}

static void test_empty_and_detection(void **state)
{
    struct result *r = read_mem("", 0, NULL);
    assert_int_equal(r->open_err, CS_EPARSE);
    assert_string_equal(r->msg, "mem: empty input: no names");
    free(r);
    r = read_str(" \n\r\n", NULL);
    assert_int_equal(r->open_err, CS_EPARSE);
    free(r);
    r = read_str("crt.sh ID,Logged At,Not Before,Not After,Common Name,Matching Identities,"
                 "Issuer Name\n",
                 NULL);
    assert_int_equal(r->open_err, CS_OK);
    assert_int_equal(r->fmt, CS_INPUT_CRTSH_CSV);
    assert_int_equal(r->n, 0);
    free(r);
    r = read_str("  [ ]\n", NULL);
    assert_int_equal(r->fmt, CS_INPUT_CRTSH_JSON);
    assert_int_equal(r->err, CS_OK);
    assert_int_equal(r->n, 0);
    free(r);
    /* --input-format overrides detection: this list is read as one-column CSV. */
    struct cs_input_options opt = {.format = CS_INPUT_LIST};
    r = read_str("a.example.com,b.example.com\n", &opt);
    assert_int_equal(r->fmt, CS_INPUT_LIST);
    assert_string_equal(r->rec[0].name, "!bad_character:a.example.com,b.example.com");
    free(r);
    r = read_file("/nonexistent/inventory.csv", NULL);
    assert_int_equal(r->open_err, CS_EIO);
    assert_string_equal(r->msg, "/nonexistent/inventory.csv: No such file or directory");
    free(r);
}

static void test_json_hostile(void **state)
{
    /* Cut in half. */
    FILE *f = fopen(CAASCAN_DATA_DIR "/crtsh-hosting.json", "rb");
    assert_non_null(f);
    char buf[8192];
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    struct result *r = read_mem(buf, n / 2, NULL);
    assert_int_equal(r->err, CS_EPARSE);
    assert_int_equal(r->n, 9); /* the first two certificates were whole */
    assert_string_equal(r->msg, "mem:26: JSON ends inside this object (file cut short?)");
    free(r);
    r = read_str("[{\"id\":1,\"name_value\":\"a.example.com\"}", NULL);
    assert_int_equal(r->err, CS_EPARSE);
    assert_int_equal(r->n, 1);
    assert_string_equal(r->msg, "mem:1: JSON ends inside the array (file cut short?)");
    free(r);
    r = read_str("[{\"id\":1,\"name_value\":\"a.example.com\"},\n{\"id\":2}]", NULL);
    assert_int_equal(r->err, CS_EPARSE);
    assert_string_equal(r->msg, "mem:2: crt.sh object without a \"name_value\" string");
    free(r);
    r = read_str("[{\"id\":1,\"name_value\":\"a.example.com\"} {\"id\":2}]", NULL);
    assert_string_equal(r->msg, "mem:1: malformed JSON: expected ',' or ']' between array "
                                "elements");
    free(r);
    r = read_str("[\n{\"id\":1,\"name_value\":\"a\\u00e9\xff.com\"}]", NULL);
    assert_int_equal(r->err, CS_EPARSE);
    assert_int_equal(strncmp(r->msg, "mem:2: malformed JSON: ", 23), 0);
    free(r);
    r = read_str("{\"id\":1}", NULL);
    assert_int_equal(r->open_err, CS_EPARSE);
    assert_string_equal(r->msg, "mem:1: not a crt.sh JSON export: expected an array ('[')");
    free(r);
    r = read_str("[1,2]", NULL);
    assert_string_equal(r->msg, "mem:1: a crt.sh JSON array element must be an object");
    free(r);
    r = read_str("[{\"id\":5,\"name_value\":\"\"}] x", NULL);
    assert_int_equal(r->n, 1);
    assert_string_equal(r->rec[0].name, "!empty:");
    assert_string_equal(r->msg, "mem:1: text after the end of the JSON array");
    free(r);
    /* Escapes, braces inside strings, a NUL inside a name. */
    r = read_str(
        "[{\"x\":\"}{][\\\"\",\"id\":7,\"name_value\":\"a\\u0000b.example\\nc.example.com\"}]",
        NULL);
    assert_int_equal(r->err, CS_OK);
    assert_int_equal(r->n, 2);
    assert_string_equal(r->rec[0].name, "!bad_character:a");
    assert_string_equal(r->rec[1].name, "c.example.com");
    free(r);
}

static void test_crtsh_csv_hostile(void **state)
{
    static const char hdr[] = "crt.sh ID,Logged At,Not Before,Not After,Common Name,Matching "
                              "Identities,Issuer Name\n";
    char buf[1024];
    snprintf(buf, sizeof(buf), "%s1,a,b,c,\"x\",\"a.example.com\nb.example.com", hdr);
    struct result *r = read_str(buf, NULL);
    assert_int_equal(r->err, CS_EPARSE);
    assert_string_equal(r->msg, "mem:2: unterminated quoted field (the input ends inside quotes)");
    free(r);
    snprintf(buf, sizeof(buf), "%s1,a,b,c,x\n", hdr);
    r = read_str(buf, NULL);
    assert_string_equal(r->msg, "mem:2: crt.sh CSV row with 5 fields, the header has 7 or more");
    free(r);
    snprintf(buf, sizeof(buf), "%sabc,a,b,c,x,y.example.com,z\n", hdr);
    r = read_str(buf, NULL);
    assert_string_equal(r->msg, "mem:2: bad crt.sh ID \"abc\"");
    free(r);
    r = read_str("crt.sh ID,Logged At\n1,2\n", NULL);
    assert_int_equal(r->open_err, CS_EPARSE);
    assert_string_equal(r->msg,
                        "mem:1: not a crt.sh CSV export: no \"Not After\" column in the header");
    free(r);
    /* RFC 4180 doubled quotes are read too; \" at the end of a field is a quote. */
    snprintf(buf, sizeof(buf),
             "%s9,a,b,&nbsp;,\"x\"\"y\",\"c.example.com\r\n\r\nd.example.com\",\"O=\\\"Q\\\"\"\r\n",
             hdr);
    r = read_str(buf, NULL);
    assert_int_equal(r->err, CS_OK);
    assert_int_equal(r->n, 2);
    assert_string_equal(r->rec[0].name, "c.example.com");
    assert_string_equal(r->rec[1].name, "d.example.com");
    assert_string_equal(r->rec[1].issuer, "O=\"Q\"");
    assert_string_equal(r->rec[1].not_after, "-");
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crtsh_json_sample),  cmocka_unit_test(test_crtsh_csv_sample),
        cmocka_unit_test(test_messy_customer_csv), cmocka_unit_test(test_csv_columns),
        cmocka_unit_test(test_csv_errors),         cmocka_unit_test(test_list),
        cmocka_unit_test(test_long_line),          cmocka_unit_test(test_empty_and_detection),
        cmocka_unit_test(test_json_hostile),       cmocka_unit_test(test_crtsh_csv_hostile),
        cmocka_unit_test(test_csv_field_sizes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
