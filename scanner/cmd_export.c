/* cmd_export.c -- caascan export: options for cs_export_run() (export.h). */
#include "commands.h"
#include "options.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "caascan/export.h"
#include "caascan/fileio.h"

static void export_usage(FILE *out)
{
    fprintf(out,
            "usage: caascan export RUN [--format csv|jsonl|xlsx] [--status S,...] [-o FILE]\n"
            "                          [--table results|servers] [--split-by COLUMN -o DIR]\n"
            "                          [--raw] [--bom] [--allow-incomplete]\n"
            "\n"
            "Writes the result table of run directory RUN as one table sorted by name.\n"
            "  --format csv|jsonl|xlsx  CSV with a header row (default), one JSON object a line\n"
            "                       (problems, caa, nameservers and sources as arrays), or an\n"
            "                       xlsx workbook (results, servers and summary sheets; needs -o)\n"
            "  --status S,...       only these statuses; FAIL means every status but OK\n"
            "  --table servers      the per-server table instead (one file, sorted by zone)\n"
            "  --split-by COLUMN    one file per value of COLUMN (e.g. a kept customer column)\n"
            "                       in directory -o DIR: VALUE.csv, VALUE.jsonl or VALUE.xlsx\n"
            "  --raw                CSV cells exactly as stored: cells starting with = + - @\n"
            "                       TAB or CR are not neutralised with a leading '\n"
            "  --bom                CSV starts with a UTF-8 byte-order mark (for Excel)\n"
            "  -o, --output FILE    write FILE (atomically) instead of standard output\n"
            "  --allow-incomplete   read a run without manifest.json (a stopped scan)\n");
}

int cmd_export(int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'}, {"status", required_argument, NULL, 's'},
        {"output", required_argument, NULL, 'o'}, {"allow-incomplete", no_argument, NULL, 'a'},
        {"table", required_argument, NULL, 't'},  {"split-by", required_argument, NULL, 'S'},
        {"raw", no_argument, NULL, 'r'},          {"bom", no_argument, NULL, 'B'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    cs_export_opts o = {.format = CS_EXPORT_CSV, .table = CS_TABLE_RESULTS};
    for (int i = 0; i < CS_ST_COUNT; i++)
        o.select[i] = true;
    const char *output = NULL, *split_by = NULL;
    bool status_given = false;
    char err[8192] = "";
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (strcmp(optarg, "csv") == 0) {
                o.format = CS_EXPORT_CSV;
            } else if (strcmp(optarg, "jsonl") == 0) {
                o.format = CS_EXPORT_JSONL;
            } else if (strcmp(optarg, "xlsx") == 0) {
                o.format = CS_EXPORT_XLSX;
            } else {
                fprintf(stderr, "caascan: export: --format: \"%s\" is not csv, jsonl or xlsx\n",
                        optarg);
                return CS_EXIT_USAGE;
            }
            break;
        case 's':
            if (cs_status_filter_parse(optarg, o.select, err, sizeof(err)) != CS_OK) {
                fprintf(stderr, "caascan: export: %s\n", err);
                return CS_EXIT_USAGE;
            }
            status_given = true;
            break;
        case 't':
            if (strcmp(optarg, "results") == 0) {
                o.table = CS_TABLE_RESULTS;
            } else if (strcmp(optarg, "servers") == 0) {
                o.table = CS_TABLE_SERVERS;
            } else {
                fprintf(stderr, "caascan: export: --table: \"%s\" is not results or servers\n",
                        optarg);
                return CS_EXIT_USAGE;
            }
            break;
        case 'S':
            split_by = optarg;
            break;
        case 'r':
            o.raw = true;
            break;
        case 'B':
            o.bom = true;
            break;
        case 'o':
            output = optarg;
            break;
        case 'a':
            o.allow_incomplete = true;
            break;
        case 'h':
            export_usage(stdout);
            return CS_EXIT_OK;
        default:
            return opt_fail("export", c, argv, opts);
        }
    }
    if (optind + 1 != argc)
        return opt_missing("export", optind == argc ? "give the run directory: RUN"
                                                    : "give one run directory, RUN, and nothing "
                                                      "more");
    const char *why = NULL;
    if (status_given && o.table == CS_TABLE_SERVERS)
        why = "--status selects result rows: it does not go with --table servers";
    else if ((o.raw || o.bom) && o.format != CS_EXPORT_CSV)
        why = o.raw ? "--raw goes with --format csv (JSON lines and xlsx hold the exact values)"
                    : "--bom goes with --format csv";
    else if (split_by && (!output || strcmp(output, "-") == 0))
        why = "--split-by needs -o DIR, the directory for the files";
    else if (o.format == CS_EXPORT_XLSX && (!output || strcmp(output, "-") == 0))
        why = "--format xlsx needs -o FILE: a workbook is binary and is not written to a "
              "terminal or a pipe";
    if (why) {
        fprintf(stderr, "caascan: export: %s\n", why);
        return CS_EXIT_USAGE;
    }
    cs_err rc;
    if (split_by) {
        uint64_t files = 0, rows = 0;
        rc = cs_export_split(argv[optind], &o, split_by, output, &files, &rows, err, sizeof(err));
        if (rc != CS_OK) {
            fprintf(stderr, "caascan: export: %s\n", err);
            return cs_exit_for(rc);
        }
        return CS_EXIT_OK;
    }
    if (o.format == CS_EXPORT_XLSX) {
        rc = cs_export_xlsx(argv[optind], &o, output, NULL, err, sizeof(err));
        if (rc != CS_OK) {
            fprintf(stderr, "caascan: export: %s\n", err);
            return cs_exit_for(rc);
        }
        return CS_EXIT_OK;
    }
    cs_outfile of;
    if (cs_outfile_open(&of, output, err, sizeof(err)) != CS_OK) {
        fprintf(stderr, "caascan: export: %s\n", err);
        return CS_EXIT_RUNTIME;
    }
    rc = cs_export_run(argv[optind], &o, of.fp, NULL, err, sizeof(err));
    char cerr[8192] = "";
    cs_err crc = cs_outfile_close(&of, rc == CS_OK, cerr, sizeof(cerr));
    if (rc != CS_OK) {
        fprintf(stderr, "caascan: export: %s\n", err);
        return cs_exit_for(rc);
    }
    if (crc != CS_OK) {
        fprintf(stderr, "caascan: export: %s\n", cerr);
        return CS_EXIT_RUNTIME;
    }
    return CS_EXIT_OK;
}
