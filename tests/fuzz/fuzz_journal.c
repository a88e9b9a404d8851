/*
 * fuzz_journal.c -- arbitrary bytes as a run's journal (journal.h): frames cut short, damaged,
 * with lying lengths or counts must end in rows from the sound frames and a valid length, never
 * a crash, a read outside the input or a leak. Every row handed over is read in full.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "caascan/journal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static cs_err touch(const struct cs_journal_row *row, void *arg)
{
    size_t *sum = arg;
    for (size_t i = 0; i < row->ncols; i++)
        *sum += strlen(row->fields[i]);
    *sum += row->entry + row->session;
    return CS_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t sum = 0;
    struct cs_journal_info info;
    /* Column counts as the scanner uses them (results with one kept column, servers), and a
     * small inventory so that range and duplicate checks are exercised. */
    cs_journal_read_mem(data, size, 15, 8, 64, touch, &sum, &info);
    if (info.valid_bytes > size)
        __builtin_trap();
    cs_journal_read_mem(data, size, 3, 2, 4, touch, &sum, &info);
    volatile size_t sink = sum;
    (void)sink;
    return 0;
}
