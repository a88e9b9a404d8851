/*
 * fuzz_partition.c -- arbitrary bytes as --partition's argument and the job engines' variables
 * (partition.h): the input is split at NUL bytes into the argument and the values of
 * SLURM_ARRAY_TASK_ID, _COUNT, _MIN, _MAX, _STEP, JOB_COMPLETION_INDEX and CAASCAN_PARTITIONS
 * (a missing piece: unset). Every accepted result must be a partition 1 <= K <= N <= the maximum,
 * every refusal must say why; the partition of the argument taken as a name or as an invalid
 * row's text must be in range. No crash, no read outside the input.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "caascan/partition.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const vars[] = {
    "SLURM_ARRAY_TASK_ID",  "SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_MIN",
    "SLURM_ARRAY_TASK_MAX", "SLURM_ARRAY_TASK_STEP",  "JOB_COMPLETION_INDEX",
    "CAASCAN_PARTITIONS",
};
#define NVARS (sizeof(vars) / sizeof(vars[0]))
static const char *values[NVARS];

static const char *fake_env(const char *name)
{
    for (size_t i = 0; i < NVARS; i++)
        if (strcmp(vars[i], name) == 0)
            return values[i];
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size + 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    copy[size] = '\0';
    char *pieces[NVARS + 1] = {0};
    size_t n = 0;
    for (char *p = copy; n < NVARS + 1 && p <= copy + size; p += strlen(p) + 1)
        pieces[n++] = p;
    for (size_t i = 0; i < NVARS; i++)
        values[i] = pieces[i + 1];
    unsigned k = 0, pn = 0;
    const char *engine = NULL;
    char why[600] = "";
    if (cs_partition_parse(pieces[0], fake_env, &k, &pn, &engine, why, sizeof(why))) {
        if (k < 1 || k > pn || pn > CS_PARTITIONS_MAX || !engine)
            __builtin_trap();
        if (cs_partition_of(pieces[0], false, pn) >= pn)
            __builtin_trap();
    } else if (why[0] == '\0') {
        __builtin_trap();
    }
    /* The argument as a name: libpsl on arbitrary (lower-case ASCII is what scans give it) text. */
    for (char *c = pieces[0]; *c; c++)
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c - 'A' + 'a');
    if (cs_partition_of(pieces[0], true, 7) >= 7 || cs_partition_of(pieces[0], true, 1) != 0)
        __builtin_trap();
    free(copy);
    return 0;
}
