/* test_strmap.c -- the table from names to pointers: get, put, slots, removal, growth, free. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "caascan/strmap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 2000 /* past several doublings of the 256 first buckets */

static void sum_values(void *val, void *arg)
{
    *(uintptr_t *)arg += (uintptr_t)val;
}

static unsigned freed;

static void count_free(void *val)
{
    (void)val;
    freed++;
}

static void test_put_get_remove(void **state)
{
    (void)state;
    static char keys[N][16];
    struct cs_strmap m = {0};
    assert_null(cs_strmap_get(&m, "nothing"));
    assert_null(cs_strmap_slot(&m, "nothing"));
    cs_strmap_remove(&m, "nothing"); /* an empty map: nothing happens */
    for (uintptr_t i = 0; i < N; i++) {
        snprintf(keys[i], sizeof(keys[i]), "n%lu.test", (unsigned long)i);
        assert_int_equal(cs_strmap_put(&m, keys[i], (void *)(i + 1)), CS_OK);
    }
    assert_int_equal(m.count, N);
    for (uintptr_t i = 0; i < N; i++) {
        char k[16];
        snprintf(k, sizeof(k), "n%lu.test", (unsigned long)i); /* another copy of the key */
        assert_true((uintptr_t)cs_strmap_get(&m, k) == i + 1);
    }
    /* A value changed in place through its slot. */
    void **v = cs_strmap_slot(&m, "n7.test");
    assert_non_null(v);
    *v = (void *)(uintptr_t)100;
    assert_true((uintptr_t)cs_strmap_get(&m, "n7.test") == 100);
    /* Removal takes exactly that entry. */
    cs_strmap_remove(&m, "n7.test");
    cs_strmap_remove(&m, "n7.test");
    assert_null(cs_strmap_get(&m, "n7.test"));
    assert_true((uintptr_t)cs_strmap_get(&m, "n8.test") == 9);
    assert_int_equal(m.count, N - 1);
    uintptr_t sum = 0;
    cs_strmap_foreach(&m, sum_values, &sum);
    assert_true(sum == (uintptr_t)N * (N + 1) / 2 - 8); /* 1..N without the 8 of n7.test */
    freed = 0;
    cs_strmap_free(&m, count_free);
    assert_int_equal(freed, N - 1);
    assert_int_equal(m.count, 0);
    assert_null(cs_strmap_get(&m, "n8.test"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_put_get_remove),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
