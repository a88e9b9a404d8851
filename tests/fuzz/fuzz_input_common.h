/*
 * fuzz_input_common.h -- shared body of the reader harnesses: feed the bytes to one reader
 * through a memory stream and into an inventory, formatting every entry's cells.
 */
#ifndef CAASCAN_FUZZ_INPUT_COMMON_H
#define CAASCAN_FUZZ_INPUT_COMMON_H

#include "caascan/input.h"
#include "caascan/inventory.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline void fuzz_reader(const uint8_t *data, size_t size, cs_input_format fmt,
                               const char *column, const char *const *keep, size_t n_keep)
{
    /* fmemopen needs a non-empty buffer; an empty input goes through /dev/null. */
    FILE *f = size ? fmemopen((void *)data, size, "rb") : fopen("/dev/null", "rb");
    if (!f)
        return;
    struct cs_input_options opt = {fmt, column, keep, n_keep};
    struct cs_inventory *inv = cs_inventory_new(keep, n_keep);
    struct cs_input *in = NULL;
    char err[512];
    size_t file;
    if (inv && cs_input_open_stream(&in, f, "fuzz", &opt, err, sizeof(err)) == CS_OK &&
        cs_inventory_add_file(inv, "fuzz", cs_input_format_of(in), &file) == CS_OK) {
        const struct cs_input_record *rec;
        while (cs_input_next(in, &rec) == CS_OK && rec) {
            if (rec->name.reason == CS_NAME_OK && strlen(rec->name.text) != rec->name.len)
                abort();
            if (cs_inventory_add(inv, file, rec) != CS_OK)
                break;
        }
        if (cs_input_error(in)[0] == '\0' && cs_input_next(in, &rec) != CS_OK)
            abort(); /* the end must stay the end */
        char buf[256];
        for (size_t i = 0; i < cs_inventory_count(inv); i++) {
            struct cs_inventory_entry e;
            cs_inventory_get(inv, i, &e);
            cs_inventory_format_sources(inv, i, buf, sizeof(buf));
            for (size_t k = 0; k < n_keep; k++)
                cs_inventory_format_kept(inv, i, k, buf, sizeof(buf));
        }
    }
    cs_input_close(in);
    cs_inventory_free(inv);
    fclose(f);
}

#endif
