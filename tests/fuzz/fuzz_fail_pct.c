/*
 * fuzz_fail_pct.c -- bytes as a fail_pct cell (fail_model.h): a cell the reader takes must be a
 * percentage from 0 to 100 in tenths, written back by cs_fm_format_pct to a cell that reads as
 * the same value; a refused cell reads as -1. The same bytes as a percentage option
 * (--pass-max-pct): 0 to 100, or refused with the value untouched. The first eight bytes also as a
 * double, which the writer must turn into a cell the reader takes (or "" for a negative one). No
 * crash, no read outside the input.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "caascan/fail_model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *cell = malloc(size + 1);
    if (!cell)
        return 0;
    memcpy(cell, data, size);
    cell[size] = '\0';
    double v, back;
    char buf[16];
    if (cs_fm_parse_pct(cell, &v)) {
        if (!(v >= 0.0 && v <= 100.0) || fabs(v * 10.0 - round(v * 10.0)) > 1e-9)
            abort();
        cs_fm_format_pct(v, buf, sizeof(buf));
        if (!cs_fm_parse_pct(buf, &back) || back != v)
            abort();
    } else if (v != -1.0) {
        abort();
    }
    /* The same bytes as --pass-max-pct / --fail-min-pct: 0 to 100 or untouched. */
    double opt = -7.0;
    if (cs_fm_parse_pct_option(cell, &opt) ? !(opt >= 0.0 && opt <= 100.0) : opt != -7.0)
        abort();
    free(cell);
    if (size >= sizeof(double)) {
        double d;
        memcpy(&d, data, sizeof(d));
        size_t n = cs_fm_format_pct(d, buf, sizeof(buf));
        if (n >= sizeof(buf))
            abort();
        if (d < 0.0 ? buf[0] != '\0' : !cs_fm_parse_pct(buf, &back) || back != cs_fm_round_pct(d))
            abort();
    }
    return 0;
}
