/*
 * cmd_names.c -- caascan names: read, normalize and de-duplicate inventories, print them as CSV.
 *
 * The check an operator runs on an inventory before a scan, and the input layer's benchmark and
 * integration test. Output (stdout, RFC 4180): name,wildcard,status,reason,sources and one
 * column per --keep-columns name; one row per distinct name and per distinct invalid text, in
 * the order first seen. Invalid records and URL notes are reported on stderr with FILE:LINE,
 * then a summary per file and per reason.
 */
#include "commands.h"
#include "options.h"

#include "caascan/csvout.h"
#include "caascan/inventory.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out,
            "usage: caascan names [options] INPUT...\n"
            "\n"
            "Reads inventories (plain lists, customer CSV, crt.sh JSON or CSV exports; '-' is\n"
            "stdin), normalizes and de-duplicates the names, and prints one CSV row per name:\n"
            "name,wildcard,status,reason,sources[,kept columns]. status is VALID or INVALID.\n"
            "\n"
            "options:\n"
            "  --column NAME|N        customer CSV: the name column, by header or number\n"
            "  --keep-columns A,B     customer CSV: columns to carry into every row\n"
            "  --input-format FMT     list, csv, crtsh-json or crtsh-csv (default: detect)\n"
            "  --delimiter D          customer CSV: ',', ';' or tab (default: detect)\n"
            "  --raw                  cells exactly as read: by default a cell starting with\n"
            "                         = + - @ TAB or CR is written as text ('=1+2), so that a\n"
            "                         spreadsheet never runs it as a formula\n"
            "  -q, --quiet            do not report each invalid name on stderr\n"
            "  -h, --help             this text\n"
            "\n"
            "Exit status: 0 when every input was read, 2 on usage or input errors.\n");
}

/* Appends one cell of len bytes (not NUL-terminated) as a CSV field for people. */
static cs_err put_cell(cs_strbuf *row, cs_strbuf *tmp, const char *s, size_t len, bool raw)
{
    cs_strbuf_clear(tmp);
    cs_err err = cs_strbuf_append(tmp, s, len);
    if (err == CS_OK)
        err = cs_csv_append_cell(row, tmp->data ? tmp->data : "", raw);
    return err;
}

/* Writes the inventory as CSV for people: a cell a spreadsheet would take for a formula (it
 * starts with = + - @ TAB or CR: an invalid name, a source read from stdin, a customer column) is
 * written as text, unless raw. Records end with LF. */
static int print_inventory(struct cs_inventory *inv, bool raw)
{
    cs_strbuf row = {0}, tmp = {0}, cell = {0};
    cs_err err = cs_strbuf_puts(&row, "name,wildcard,status,reason,sources");
    size_t nkeep = cs_inventory_keep_count(inv);
    for (size_t k = 0; k < nkeep && err == CS_OK; k++) {
        const char *kn = cs_inventory_keep_name(inv, k);
        err = cs_strbuf_append(&row, ",", 1);
        if (err == CS_OK)
            err = put_cell(&row, &tmp, kn, strlen(kn), raw);
    }
    if (err == CS_OK)
        err = cs_strbuf_append(&row, "\n", 1);
    if (err == CS_OK)
        fwrite(row.data, 1, row.len, stdout);
    size_t n = cs_inventory_count(inv);
    for (size_t i = 0; i < n && err == CS_OK; i++) {
        struct cs_inventory_entry e;
        cs_inventory_get(inv, i, &e);
        cs_strbuf_clear(&row);
        bool valid = e.reason == CS_NAME_OK;
        err = put_cell(&row, &tmp, e.name, e.name_len, raw);
        if (err == CS_OK)
            err = cs_strbuf_printf(&row, ",%s,%s,%s,", e.wildcard ? "yes" : "no",
                                   valid ? "VALID" : "INVALID",
                                   valid ? "" : cs_name_reason_text(e.reason));
        size_t len = cs_inventory_format_sources(inv, i, NULL, 0);
        if (err == CS_OK)
            err = cs_strbuf_reserve(&cell, len + 1);
        if (err == CS_OK) {
            cs_inventory_format_sources(inv, i, cell.data, cell.cap);
            err = put_cell(&row, &tmp, cell.data, len, raw);
        }
        for (size_t k = 0; k < nkeep && err == CS_OK; k++) {
            len = cs_inventory_format_kept(inv, i, k, NULL, 0);
            err = cs_strbuf_reserve(&cell, len + 1);
            if (err == CS_OK) {
                cs_inventory_format_kept(inv, i, k, cell.data, cell.cap);
                err = cs_strbuf_append(&row, ",", 1);
            }
            if (err == CS_OK)
                err = put_cell(&row, &tmp, cell.data, len, raw);
        }
        if (err == CS_OK)
            err = cs_strbuf_append(&row, "\n", 1);
        if (err == CS_OK)
            fwrite(row.data, 1, row.len, stdout);
    }
    cs_strbuf_free(&row);
    cs_strbuf_free(&tmp);
    cs_strbuf_free(&cell);
    if (err != CS_OK) {
        fprintf(stderr, "caascan: names: %s\n", cs_strerror(err));
        return CS_EXIT_RUNTIME;
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "caascan: names: writing the output failed\n");
        return CS_EXIT_RUNTIME;
    }
    return CS_EXIT_OK;
}

static void print_summary(const struct cs_inventory *inv)
{
    for (size_t f = 0; f < cs_inventory_file_count(inv); f++) {
        const struct cs_inventory_file *fi = cs_inventory_file(inv, f);
        fprintf(stderr, "%s: %s, %lu lines, %lu names, %lu invalid, %lu duplicates\n", fi->path,
                cs_input_format_name(fi->format), fi->lines, fi->names, fi->invalid,
                fi->duplicates);
    }
    const unsigned long *reasons = cs_inventory_reason_counts(inv);
    bool any = false;
    for (int r = 1; r < CS_NAME_REASON_COUNT; r++) {
        if (!reasons[r])
            continue;
        fprintf(stderr, "%s %s %lu", any ? "," : "invalid:", cs_name_reason_text(r), reasons[r]);
        any = true;
    }
    if (any)
        fputc('\n', stderr);
    size_t total = cs_inventory_count(inv), invalid = cs_inventory_invalid_count(inv);
    fprintf(stderr, "total: %zu names to scan, %zu invalid entries\n", total - invalid, invalid);
}

/* Reads one input, reporting its invalid records and URL notes as they come. */
static int read_input(struct cs_inventory *inv, const char *path,
                      const struct cs_input_options *opt, bool quiet)
{
    char err[512];
    struct cs_input *in;
    cs_err e = cs_input_open(&in, path, opt, err, sizeof(err));
    if (e != CS_OK) {
        fprintf(stderr, "caascan: %s\n", err);
        return e == CS_ENOMEM ? CS_EXIT_RUNTIME : CS_EXIT_USAGE;
    }
    size_t file;
    e = cs_inventory_add_file(inv, path, cs_input_format_of(in), &file);
    const struct cs_input_record *rec;
    while (e == CS_OK && (e = cs_input_next(in, &rec)) == CS_OK && rec) {
        if (!quiet && rec->name.reason != CS_NAME_OK) {
            char shown[CS_NAME_DISPLAY_MAX + 4];
            cs_name_display(rec->original, rec->original_len, shown, sizeof(shown));
            fprintf(stderr, "caascan: %s:%lu: invalid name \"%s\": %s\n", path, rec->line, shown,
                    cs_name_reason_text(rec->name.reason));
        } else if (!quiet && (rec->name.flags & CS_NAME_FROM_URL)) {
            fprintf(stderr, "caascan: %s:%lu: note: took the host %s from a URL\n", path, rec->line,
                    rec->name.text);
        }
        e = cs_inventory_add(inv, file, rec);
    }
    int rc = CS_EXIT_OK;
    if (e != CS_OK) {
        const char *msg = cs_input_error(in);
        if (msg[0])
            fprintf(stderr, "caascan: %s\n", msg);
        else
            fprintf(stderr, "caascan: %s: %s\n", path, cs_strerror(e));
        rc = (e == CS_ENOMEM || e == CS_ENOSPACE) ? CS_EXIT_RUNTIME : CS_EXIT_USAGE;
    } else {
        cs_inventory_set_lines(inv, file, cs_input_lines(in));
    }
    cs_input_close(in);
    return rc;
}

int cmd_names(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"column", required_argument, NULL, 'c'},
        {"keep-columns", required_argument, NULL, 'k'},
        {"input-format", required_argument, NULL, 'f'},
        {"delimiter", required_argument, NULL, 'd'},
        {"quiet", no_argument, NULL, 'q'},
        {"raw", no_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct cs_input_options opt = {0};
    char *keep_arg = NULL;
    bool quiet = false, raw = false;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":qh", longopts, NULL)) != -1) {
        switch (c) {
        case 'c':
            opt.column = optarg;
            break;
        case 'k':
            keep_arg = optarg;
            break;
        case 'f':
            opt.format = cs_input_format_parse(optarg);
            if (opt.format == CS_INPUT_FORMAT_COUNT || opt.format == CS_INPUT_AUTO) {
                fprintf(stderr,
                        "caascan: --input-format %s: not one of list, csv, crtsh-json, "
                        "crtsh-csv\n",
                        optarg);
                return CS_EXIT_USAGE;
            }
            break;
        case 'r':
            raw = true;
            break;
        case 'q':
            quiet = true;
            break;
        case 'h':
            usage(stdout);
            return CS_EXIT_OK;
        case 'd':
            if (!opt_delimiter("names", optarg, &opt.delimiter))
                return CS_EXIT_USAGE;
            break;
        default:
            return opt_fail("names", c, argv, longopts);
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "caascan: names: no INPUT given (use '-' for stdin)\n");
        usage(stderr);
        return CS_EXIT_USAGE;
    }
    char *keep_copy = NULL;
    const char **keep = NULL;
    size_t nkeep = 0;
    if (keep_arg &&
        (!(keep_copy = strdup(keep_arg)) || !opt_split_list(keep_copy, &keep, &nkeep))) {
        free(keep_copy);
        fprintf(stderr, "caascan: names: %s\n", cs_strerror(CS_ENOMEM));
        return CS_EXIT_RUNTIME;
    }
    struct cs_inventory *inv = cs_inventory_new((const char *const *)keep, nkeep);
    int rc = CS_EXIT_OK;
    if (!inv) {
        fprintf(stderr, "caascan: names: %s\n", cs_strerror(CS_ENOMEM));
        rc = CS_EXIT_RUNTIME;
    }
    opt.keep_columns = (const char *const *)keep;
    opt.n_keep = nkeep;
    for (int i = optind; i < argc && rc == CS_EXIT_OK; i++)
        rc = read_input(inv, argv[i], &opt, quiet);
    if (rc == CS_EXIT_OK) {
        rc = print_inventory(inv, raw);
        print_summary(inv);
    }
    cs_inventory_free(inv);
    free(keep);
    free(keep_copy);
    return rc;
}
