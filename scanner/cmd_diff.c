/* cmd_diff.c -- caascan diff: options for cs_diff_runs() (diff.h). */
#include "commands.h"
#include "options.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "caascan/diff.h"
#include "caascan/fileio.h"

static void diff_usage(FILE *out)
{
    fprintf(out,
            "usage: caascan diff OLD NEW [-o FILE] [--format csv|xlsx] [--raw] [--bom]\n"
            "                    [--allow-incomplete] [-q]\n"
            "\n"
            "Writes a CSV of the names that changed between run directories OLD and NEW:\n"
            "name,change,old_status,new_status,old_problems,new_problems,old_caa,new_caa,detail\n"
            "and the kept input columns (--keep-columns of the scans), where change is ADDED,\n"
            "REMOVED, NEW_FAILURE, RECOVERED, STATUS_CHANGED, CAA_CHANGED or PROBLEMS_CHANGED\n"
            "(the most important one per name).\n"
            "  -o, --output FILE    write FILE (atomically) instead of standard output\n"
            "  --format csv|xlsx    CSV (default) or an xlsx workbook (needs -o FILE)\n"
            "  --raw                CSV cells exactly as stored: cells starting with = + - @\n"
            "                       TAB or CR are not neutralised with a leading '\n"
            "  --bom                CSV starts with a UTF-8 byte-order mark (for Excel)\n"
            "  --allow-incomplete   accept runs without manifest.json\n"
            "  -q, --quiet          no summary on standard error\n"
            "\n"
            "Exit status: 0 no new failure, 1 at least one NEW_FAILURE, 2 usage or input error,\n"
            "3 runtime failure.\n");
}

int cmd_diff(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},
        {"allow-incomplete", no_argument, NULL, 'a'},
        {"quiet", no_argument, NULL, 'q'},
        {"format", required_argument, NULL, 'f'},
        {"raw", no_argument, NULL, 'r'},
        {"bom", no_argument, NULL, 'B'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *output = NULL;
    bool allow_incomplete = false, quiet = false, xlsx = false;
    cs_diff_opts dopt = {.allow_incomplete = false};
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'o':
            output = optarg;
            break;
        case 'a':
            allow_incomplete = true;
            break;
        case 'q':
            quiet = true;
            break;
        case 'f':
            if (strcmp(optarg, "csv") != 0 && strcmp(optarg, "xlsx") != 0) {
                fprintf(stderr, "caascan: diff: --format: \"%s\" is not csv or xlsx\n", optarg);
                return CS_EXIT_USAGE;
            }
            xlsx = strcmp(optarg, "xlsx") == 0;
            break;
        case 'r':
            dopt.raw = true;
            break;
        case 'B':
            dopt.bom = true;
            break;
        case 'h':
            diff_usage(stdout);
            return CS_EXIT_OK;
        default:
            return opt_fail("diff", c, argv, opts);
        }
    }
    if (optind + 2 != argc) {
        diff_usage(stderr);
        return CS_EXIT_USAGE;
    }
    if (xlsx && (dopt.raw || dopt.bom || !output || strcmp(output, "-") == 0)) {
        fprintf(stderr, "caascan: diff: %s\n",
                dopt.raw || dopt.bom ? "--raw and --bom go with --format csv"
                                     : "--format xlsx needs -o FILE: a workbook is binary and is "
                                       "not written to a terminal or a pipe");
        return CS_EXIT_USAGE;
    }
    dopt.allow_incomplete = allow_incomplete;
    dopt.xlsx = xlsx ? output : NULL;
    char err[8192] = "", cerr[8192] = "";
    cs_outfile of = {0};
    if (!xlsx && cs_outfile_open(&of, output, err, sizeof(err)) != CS_OK) {
        fprintf(stderr, "caascan: diff: %s\n", err);
        return CS_EXIT_RUNTIME;
    }
    cs_diff_stats st;
    cs_err rc =
        cs_diff_write(argv[optind], argv[optind + 1], &dopt, of.fp, &st, err, sizeof(err));
    cs_err crc = cs_outfile_close(&of, rc == CS_OK, cerr, sizeof(cerr));
    if (rc != CS_OK) {
        fprintf(stderr, "caascan: diff: %s\n", err);
        return cs_exit_for(rc);
    }
    if (crc != CS_OK) {
        fprintf(stderr, "caascan: diff: %s\n", cerr);
        return CS_EXIT_RUNTIME;
    }
    if (!quiet) {
        fprintf(stderr, "caascan: diff: %" PRIu64 " names before, %" PRIu64 " now:", st.old_rows,
                st.new_rows);
        for (int k = CS_CH_ADDED; k < CS_CH_COUNT; k++)
            fprintf(stderr, " %s %" PRIu64, cs_change_name((cs_change)k), st.changes[k]);
        fputc('\n', stderr);
    }
    return st.changes[CS_CH_NEW_FAILURE] ? CS_EXIT_FOUND : CS_EXIT_OK;
}
