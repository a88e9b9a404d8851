/* cmd_export.c -- caascan export: options for cs_export_run() (export.h). */
#include "commands.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "caascan/export.h"
#include "caascan/fileio.h"

static void export_usage(FILE *out)
{
    fprintf(out,
            "usage: caascan export RUN [--format csv|jsonl] [--status S,...] [-o FILE]\n"
            "                          [--allow-incomplete]\n"
            "\n"
            "Writes the result table of run directory RUN as one table sorted by name.\n"
            "  --format csv|jsonl   CSV with a header row (default) or one JSON object a line,\n"
            "                       with problems, caa, nameservers and sources as arrays\n"
            "  --status S,...       only these statuses; FAIL means every status but OK\n"
            "  -o, --output FILE    write FILE (atomically) instead of standard output\n"
            "  --allow-incomplete   read a run without manifest.json (a stopped scan)\n");
}

int cmd_export(int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'}, {"status", required_argument, NULL, 's'},
        {"output", required_argument, NULL, 'o'}, {"allow-incomplete", no_argument, NULL, 'a'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    cs_export_opts o = {.format = CS_EXPORT_CSV};
    for (int i = 0; i < CS_ST_COUNT; i++)
        o.select[i] = true;
    const char *output = NULL;
    char err[8192] = "";
    int c;
    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (strcmp(optarg, "csv") == 0) {
                o.format = CS_EXPORT_CSV;
            } else if (strcmp(optarg, "jsonl") == 0) {
                o.format = CS_EXPORT_JSONL;
            } else {
                fprintf(stderr, "caascan: export: --format: \"%s\" is not csv or jsonl\n", optarg);
                return CS_EXIT_USAGE;
            }
            break;
        case 's':
            if (cs_status_filter_parse(optarg, o.select, err, sizeof(err)) != CS_OK) {
                fprintf(stderr, "caascan: export: %s\n", err);
                return CS_EXIT_USAGE;
            }
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
            export_usage(stderr);
            return CS_EXIT_USAGE;
        }
    }
    if (optind + 1 != argc) {
        export_usage(stderr);
        return CS_EXIT_USAGE;
    }
    cs_outfile of;
    if (cs_outfile_open(&of, output, err, sizeof(err)) != CS_OK) {
        fprintf(stderr, "caascan: export: %s\n", err);
        return CS_EXIT_RUNTIME;
    }
    cs_err rc = cs_export_run(argv[optind], &o, of.fp, NULL, err, sizeof(err));
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
