/* test_partition.c -- partitions by registered domain: every name in exactly one partition, the
 * names of one registered domain together, roughly even sizes; --partition K/N and auto from the
 * environment as Slurm job arrays and Kubernetes Indexed Jobs set it; the budget share. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "caascan/partition.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAMES   20000
#define DOMAINS 2500

static void test_registered_domain_key(void **state)
{
    (void)state;
    assert_string_equal(cs_partition_key("www.example.com"), "example.com");
    assert_string_equal(cs_partition_key("a.b.example.co.uk"), "example.co.uk");
    assert_string_equal(cs_partition_key("*.shop.example.com"), "example.com");
    assert_string_equal(cs_partition_key("example.com"), "example.com");
    /* No registered domain: the name stands for itself. */
    assert_string_equal(cs_partition_key("com"), "com");
    assert_string_equal(cs_partition_key("co.uk"), "co.uk");
}

static void test_cover_disjoint_together(void **state)
{
    (void)state;
    static const unsigned ns[] = {1, 2, 3, 4, 7, 16, 100};
    for (size_t t = 0; t < sizeof(ns) / sizeof(ns[0]); t++) {
        unsigned n = ns[t];
        unsigned *count = calloc(n, sizeof(unsigned));
        unsigned dom_part[DOMAINS];
        for (unsigned d = 0; d < DOMAINS; d++)
            dom_part[d] = n + 1;
        assert_non_null(count);
        for (unsigned i = 0; i < NAMES; i++) {
            char name[128];
            unsigned d = i % DOMAINS;
            const char *suffix = d % 3 == 0 ? "com" : d % 3 == 1 ? "co.uk" : "test";
            if (i % 5 == 0)
                snprintf(name, sizeof(name), "dom%u.%s", d, suffix);
            else if (i % 5 == 1)
                snprintf(name, sizeof(name), "*.w%u.dom%u.%s", i, d, suffix);
            else
                snprintf(name, sizeof(name), "h%u.x.dom%u.%s", i, d, suffix);
            /* One partition, in range: the partition test of scan is p == K - 1. */
            unsigned p = cs_partition_of(name, true, n);
            assert_true(p < n);
            count[p]++;
            if (dom_part[d] == n + 1)
                dom_part[d] = p;
            assert_int_equal(dom_part[d], p); /* same registered domain, same partition */
        }
        unsigned total = 0;
        for (unsigned k = 0; k < n; k++) {
            total += count[k];
            if (n <= 16) /* even enough: within 25 % of the mean */
                assert_true(count[k] * 4 * n >= NAMES * 3 && count[k] * 4 * n <= NAMES * 5);
        }
        assert_int_equal(total, NAMES);
        /* Invalid entries: by their text, always in range and stable. */
        for (unsigned i = 0; i < 500; i++) {
            char raw[64];
            snprintf(raw, sizeof(raw), "not a name %u", i);
            unsigned p = cs_partition_of(raw, false, n);
            assert_true(p < n);
            assert_int_equal(p, cs_partition_of(raw, false, n));
        }
        assert_int_equal(cs_partition_of("", false, n) < n, 1);
        free(count);
    }
}

/* A fake environment: NULL-terminated pairs. */
static const char *const *fake;
static const char *fake_env(const char *name)
{
    for (size_t i = 0; fake && fake[i]; i += 2)
        if (strcmp(fake[i], name) == 0)
            return fake[i + 1];
    return NULL;
}

static bool parse(const char *arg, const char *const *env, unsigned *k, unsigned *n, char *why)
{
    fake = env;
    const char *engine = NULL;
    *k = *n = 0;
    why[0] = '\0';
    return cs_partition_parse(arg, fake_env, k, n, &engine, why, 600);
}

static void test_parse(void **state)
{
    (void)state;
    unsigned k, n;
    char why[600];
    static const char *const none[] = {NULL};
    assert_true(parse("1/4", none, &k, &n, why));
    assert_int_equal(k, 1);
    assert_int_equal(n, 4);
    assert_true(parse("4/4", none, &k, &n, why));
    assert_int_equal(k, 4);
    assert_false(parse("0/4", none, &k, &n, why));
    assert_non_null(strstr(why, "numbered from 1"));
    assert_false(parse("5/4", none, &k, &n, why));
    assert_false(parse("1/0", none, &k, &n, why));
    assert_false(parse("-1/4", none, &k, &n, why));
    assert_false(parse("1/4x", none, &k, &n, why));
    assert_false(parse("14", none, &k, &n, why));
    /* auto with no engine: an error, never a full scan. */
    assert_false(parse("auto", none, &k, &n, why));
    assert_non_null(strstr(why, "neither SLURM_ARRAY_TASK_ID"));

    /* Slurm, as sbatch --array=0-3 sets it for the third task. */
    static const char *const slurm[] = {"SLURM_ARRAY_TASK_ID",
                                        "2",
                                        "SLURM_ARRAY_TASK_COUNT",
                                        "4",
                                        "SLURM_ARRAY_TASK_MIN",
                                        "0",
                                        "SLURM_ARRAY_TASK_MAX",
                                        "3",
                                        "SLURM_ARRAY_TASK_STEP",
                                        "1",
                                        NULL};
    assert_true(parse("auto", slurm, &k, &n, why));
    assert_int_equal(k, 3);
    assert_int_equal(n, 4);
    assert_true(parse("auto/4", slurm, &k, &n, why));
    assert_false(parse("auto/5", slurm, &k, &n, why));
    assert_non_null(strstr(why, "SLURM_ARRAY_TASK_COUNT"));
    /* --array=1-4: the first task is ID 1, MIN 1. */
    static const char *const slurm1[] = {"SLURM_ARRAY_TASK_ID",
                                         "1",
                                         "SLURM_ARRAY_TASK_COUNT",
                                         "4",
                                         "SLURM_ARRAY_TASK_MIN",
                                         "1",
                                         "SLURM_ARRAY_TASK_MAX",
                                         "4",
                                         NULL};
    assert_true(parse("auto", slurm1, &k, &n, why));
    assert_int_equal(k, 1);
    static const char *const slurm_nomin[] = {"SLURM_ARRAY_TASK_ID", "1", "SLURM_ARRAY_TASK_COUNT",
                                              "4", NULL};
    assert_false(parse("auto", slurm_nomin, &k, &n, why));
    assert_non_null(strstr(why, "SLURM_ARRAY_TASK_MIN"));
    static const char *const slurm_step[] = {"SLURM_ARRAY_TASK_ID",
                                             "4",
                                             "SLURM_ARRAY_TASK_COUNT",
                                             "4",
                                             "SLURM_ARRAY_TASK_MIN",
                                             "0",
                                             "SLURM_ARRAY_TASK_MAX",
                                             "6",
                                             "SLURM_ARRAY_TASK_STEP",
                                             "2",
                                             NULL};
    assert_false(parse("auto", slurm_step, &k, &n, why));
    static const char *const slurm_gap[] = {"SLURM_ARRAY_TASK_ID",
                                            "7",
                                            "SLURM_ARRAY_TASK_COUNT",
                                            "4",
                                            "SLURM_ARRAY_TASK_MIN",
                                            "0",
                                            "SLURM_ARRAY_TASK_MAX",
                                            "7",
                                            NULL};
    assert_false(parse("auto", slurm_gap, &k, &n, why));
    static const char *const slurm_bad[] = {"SLURM_ARRAY_TASK_ID",
                                            "x",
                                            "SLURM_ARRAY_TASK_COUNT",
                                            "4",
                                            "SLURM_ARRAY_TASK_MIN",
                                            "0",
                                            NULL};
    assert_false(parse("auto", slurm_bad, &k, &n, why));
    assert_non_null(strstr(why, "not a whole number"));

    /* Kubernetes Indexed Job: 0-based index, count from CAASCAN_PARTITIONS or auto/N. */
    static const char *const kube[] = {"JOB_COMPLETION_INDEX", "0", "CAASCAN_PARTITIONS", "4",
                                       NULL};
    assert_true(parse("auto", kube, &k, &n, why));
    assert_int_equal(k, 1);
    assert_int_equal(n, 4);
    assert_false(parse("auto/3", kube, &k, &n, why));
    static const char *const kube_nocount[] = {"JOB_COMPLETION_INDEX", "3", NULL};
    assert_false(parse("auto", kube_nocount, &k, &n, why));
    assert_non_null(strstr(why, "CAASCAN_PARTITIONS"));
    assert_true(parse("auto/4", kube_nocount, &k, &n, why));
    assert_int_equal(k, 4);
    static const char *const kube_out[] = {"JOB_COMPLETION_INDEX", "4", "CAASCAN_PARTITIONS", "4",
                                           NULL};
    assert_false(parse("auto", kube_out, &k, &n, why));
    static const char *const both[] = {
        "JOB_COMPLETION_INDEX", "0", "CAASCAN_PARTITIONS", "4", "SLURM_ARRAY_TASK_ID", "0", NULL};
    assert_false(parse("auto", both, &k, &n, why));
    assert_false(parse("autox", kube, &k, &n, why));
}

static void test_share(void **state)
{
    (void)state;
    assert_int_equal(cs_partition_share(0, 4, 1000), 0);        /* no limit stays none */
    assert_int_equal(cs_partition_share(10000, 4, 1000), 2500); /* 10 qps: 2.5 each */
    assert_int_equal(cs_partition_share(10000, 3, 1000), 3334); /* rounded up */
    assert_int_equal(cs_partition_share(2000, 4, 1000), 1000);  /* at least 1 qps */
    assert_int_equal(cs_partition_share(500, 4, 1000), 500);    /* ... unless less was given */
    assert_int_equal(cs_partition_share(128, 4, 1), 32);
    assert_int_equal(cs_partition_share(3, 4, 1), 1);
    assert_int_equal(cs_partition_share(128, 1, 1), 128);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registered_domain_key),
        cmocka_unit_test(test_cover_disjoint_together),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_share),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
