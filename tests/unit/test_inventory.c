/* test_inventory.c -- de-duplication, sources and kept columns, counts per file and reason, the
 * certificate table, and growth to many names, on the data/ samples merged together. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "caascan/inventory.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON   CAASCAN_DATA_DIR "/crtsh-hosting.json"
#define CRTCSV CAASCAN_DATA_DIR "/crtsh-hosting.csv"
#define MESSY  CAASCAN_DATA_DIR "/customers-messy.csv"

static const char *sources_of(const struct cs_inventory *inv, const char *name)
{
    static char buf[1024];
    size_t i;
    if (!cs_inventory_find(inv, name, &i))
        return "(absent)";
    size_t n = cs_inventory_format_sources(inv, i, buf, sizeof(buf));
    assert_int_equal(n, strlen(buf));
    return buf;
}

static void test_merge_samples(void **state)
{
    static const char *const keep[] = {"customer_id", "plan"};
    struct cs_inventory *inv = cs_inventory_new(keep, 2);
    char err[512];
    assert_int_equal(cs_inventory_read(inv, JSON, NULL, err, sizeof(err)), CS_OK);
    assert_int_equal(cs_inventory_read(inv, CRTCSV, NULL, err, sizeof(err)), CS_OK);
    assert_int_equal(cs_inventory_read(inv, MESSY, NULL, err, sizeof(err)), CS_OK);

    /* Valid distinct names: 8 from the certificates, 9 from the customer CSV. */
    assert_int_equal(cs_inventory_count(inv) - cs_inventory_invalid_count(inv), 8 + 9);
    /* Invalid: 3 texts from the certificates (seen in both exports), 10 in the CSV. */
    assert_int_equal(cs_inventory_invalid_count(inv), 3 + 10);

    /* crt.sh sources: the id once per certificate, JSON and CSV export of the same ids. */
    assert_string_equal(sources_of(inv, "shop.example.com"), "crtsh:12000000001");
    assert_string_equal(sources_of(inv, "hosting.example.net"),
                        "crtsh:12000000001;crtsh:12000000002");
    assert_string_equal(sources_of(inv, "*.hosting.example.net"),
                        "crtsh:12000000001;crtsh:12000000002");
    assert_string_equal(sources_of(inv, "xn--bcher-kva.example"),
                        "crtsh:12000000001;crtsh:12000000003");
    /* A wildcard and its base name are distinct entries. */
    assert_string_equal(sources_of(inv, "*.example.org"), "crtsh:12000000003");
    assert_string_equal(sources_of(inv, "example.org"), "(absent)");
    /* CSV sources: FILE:LINE with the path as given. */
    assert_string_equal(sources_of(inv, "shop.acme-widgets.example"), MESSY ":2;" MESSY ":11");

    size_t i;
    assert_true(cs_inventory_find(inv, "shop.acme-widgets.example", &i));
    struct cs_inventory_entry e;
    cs_inventory_get(inv, i, &e);
    assert_int_equal(e.n_sources, 2);
    assert_int_equal(e.reason, CS_NAME_OK);
    assert_false(e.wildcard);
    char buf[256];
    assert_int_equal(cs_inventory_format_kept(inv, i, 0, buf, sizeof(buf)), 13);
    assert_string_equal(buf, "C-1001;C-1010");
    cs_inventory_format_kept(inv, i, 1, buf, sizeof(buf));
    assert_string_equal(buf, "gold;platinum");
    assert_string_equal(cs_inventory_keep_name(inv, 1), "plan");
    /* A crt.sh name has no kept values. */
    assert_true(cs_inventory_find(inv, "shop.example.com", &i));
    assert_int_equal(cs_inventory_format_kept(inv, i, 0, buf, sizeof(buf)), 0);

    assert_true(cs_inventory_find(inv, "widgets.example.com", &i));
    cs_inventory_get(inv, i, &e);
    assert_int_equal(e.flags, CS_NAME_FROM_URL);
    assert_true(cs_inventory_find(inv, "*.wild.example.com", &i));
    cs_inventory_get(inv, i, &e);
    assert_true(e.wildcard);

    /* Per-file counts for the manifest. */
    assert_int_equal(cs_inventory_file_count(inv), 3);
    const struct cs_inventory_file *f = cs_inventory_file(inv, 0);
    assert_string_equal(f->path, JSON);
    assert_int_equal(f->format, CS_INPUT_CRTSH_JSON);
    assert_int_equal(f->lines, 50);
    assert_int_equal(f->names, 15);
    assert_int_equal(f->invalid, 3);
    assert_int_equal(f->duplicates, 4); /* shop, *.hosting, hosting, xn--bcher-kva */
    assert_int_equal(f->reasons[CS_NAME_IP_ADDRESS], 2);
    assert_int_equal(f->reasons[CS_NAME_EMAIL_ADDRESS], 1);
    f = cs_inventory_file(inv, 1);
    assert_int_equal(f->names, 15);
    assert_int_equal(f->invalid, 3);
    assert_int_equal(f->duplicates, 12); /* every valid name was in the JSON export */
    f = cs_inventory_file(inv, 2);
    assert_int_equal(f->lines, 23);
    assert_int_equal(f->names, 20);
    assert_int_equal(f->invalid, 10);
    assert_int_equal(f->duplicates, 1);
    const unsigned long *reasons = cs_inventory_reason_counts(inv);
    assert_int_equal(reasons[CS_NAME_IP_ADDRESS], 2 + 2 + 2);
    assert_int_equal(reasons[CS_NAME_MISSING_FIELD], 1);
    assert_null(cs_inventory_file(inv, 3));

    /* Invalid entries: one per (reason, text), every source kept, walkable in order. */
    bool found = false;
    for (size_t k = 0; k < cs_inventory_count(inv); k++) {
        cs_inventory_get(inv, k, &e);
        if (e.reason == CS_NAME_IP_ADDRESS && strcmp(e.name, "192.0.2.10") == 0) {
            found = true;
            assert_int_equal(e.n_sources, 2);
            struct cs_inventory_source_iter it;
            struct cs_inventory_source s;
            cs_inventory_sources(inv, k, &it);
            assert_true(cs_inventory_source_next(&it, &s));
            assert_string_equal(s.file, JSON);
            assert_int_equal(s.line, 38);
            assert_int_equal(s.crtsh_id, 12000000004);
            assert_true(cs_inventory_source_next(&it, &s));
            assert_string_equal(s.file, CRTCSV);
            assert_int_equal(s.line, 14);
            assert_int_equal(s.format, CS_INPUT_CRTSH_CSV);
            assert_false(cs_inventory_source_next(&it, &s));
        }
    }
    assert_true(found);
    /* Invalid texts are not found as names. */
    assert_false(cs_inventory_find(inv, "192.0.2.10", &i));

    /* Certificates: the first export that named them wins. */
    struct cs_inventory_cert c;
    assert_true(cs_inventory_cert(inv, 12000000003, &c));
    assert_string_equal(c.common_name, "mail.example.org");
    assert_string_equal(c.not_after, "2025-06-02T23:59:59");
    assert_false(cs_inventory_cert(inv, 99, &c));
    cs_inventory_free(inv);
}

static void test_sources_truncation_and_paths(void **state)
{
    struct cs_inventory *inv = cs_inventory_new(NULL, 0);
    size_t a, b;
    assert_int_equal(cs_inventory_add_file(inv, "dc1/customers.csv", CS_INPUT_CSV, &a), CS_OK);
    assert_int_equal(cs_inventory_add_file(inv, "dc2/customers.csv", CS_INPUT_CSV, &b), CS_OK);
    struct cs_input_record rec = {0};
    cs_name_normalize("Shop.Example.com.", 17, &rec.name);
    rec.line = 7;
    assert_int_equal(cs_inventory_add(inv, a, &rec), CS_OK);
    rec.line = 9;
    assert_int_equal(cs_inventory_add(inv, b, &rec), CS_OK);
    assert_int_equal(cs_inventory_add(inv, 5, &rec), CS_EINVAL);
    char buf[16];
    const char *full = "dc1/customers.csv:7;dc2/customers.csv:9";
    assert_int_equal(cs_inventory_format_sources(inv, 0, buf, sizeof(buf)), strlen(full));
    assert_string_equal(buf, "dc1/customers.c");
    assert_int_equal(cs_inventory_format_sources(inv, 0, NULL, 0), strlen(full));
    cs_inventory_free(inv);
}

static void test_many_names(void **state)
{
    struct cs_inventory *inv = cs_inventory_new(NULL, 0);
    size_t file;
    assert_int_equal(cs_inventory_add_file(inv, "big.txt", CS_INPUT_LIST, &file), CS_OK);
    struct cs_input_record rec = {0};
    char name[64];
    for (int round = 0; round < 2; round++)
        for (unsigned i = 0; i < 200000; i++) {
            int n = snprintf(name, sizeof(name), "%sn%u.customer%u.example", (i % 7) ? "" : "*.", i,
                             i % 1000);
            assert_int_equal(cs_name_normalize(name, (size_t)n, &rec.name), CS_OK);
            rec.line = round * 200000 + i + 1;
            assert_int_equal(cs_inventory_add(inv, file, &rec), CS_OK);
        }
    assert_int_equal(cs_inventory_count(inv), 200000);
    assert_int_equal(cs_inventory_file(inv, file)->duplicates, 200000);
    size_t i;
    assert_true(cs_inventory_find(inv, "*.n700.customer700.example", &i));
    assert_int_equal(i, 700);
    assert_false(cs_inventory_find(inv, "n700.customer700.example", &i));
    assert_string_equal(sources_of(inv, "n12345.customer345.example"),
                        "big.txt:12346;big.txt:212346");
    cs_inventory_free(inv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_merge_samples),
        cmocka_unit_test(test_sources_truncation_and_paths),
        cmocka_unit_test(test_many_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
