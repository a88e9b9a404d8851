/* cmd_diff.c -- caascan diff: options for cs_diff_runs() (diff.h). */
#include "commands.h"
#include "options.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "caascan/diff.h"
#include "caascan/fileio.h"
#include "caascan/run_compare.h"

/* The broken-run guard counts only when at least this many names newly fail. */
static void diff_usage(FILE *out)
{
    fprintf(out,
            "usage: caascan diff OLD NEW [-o FILE] [--format csv|xlsx] [--raw] [--bom]\n"
            "                    [--allow-incomplete] [--force] [--max-new-failures P]\n"
            "                    [--min-new-failures N] [-q]\n"
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
            "  --force              compare runs made with options that change verdicts (--ca,\n"
            "                       --account-uri, --validation-method, --partition, --no-auth,\n"
            "                       --auth-depth, --attempts, the CA model), refused otherwise\n"
            "  --max-new-failures P  more than P %% of NEW's names newly failing (and at least\n"
            "                       --min-new-failures names) means NEW looks broken: exit 4\n"
            "                       (default 20)\n"
            "  --min-new-failures N  fewer newly failing names never look broken (default 10;\n"
            "                       raise it for small inventories, 0 judges by P alone)\n"
            "  -q, --quiet          no summary on standard error\n"
            "\n"
            "Exit status: 0 no new failure, 1 at least one NEW_FAILURE, 2 usage or input error\n"
            "(runs that do not compare included), 3 runtime failure, 4 NEW looks broken (too\n"
            "many names newly fail: check the run before telling customers).\n");
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
        {"force", no_argument, NULL, 'F'},
        {"max-new-failures", required_argument, NULL, 'M'},
        {"min-new-failures", required_argument, NULL, 'N'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *output = NULL;
    bool allow_incomplete = false, quiet = false, xlsx = false, force = false;
    unsigned long max_new_pct = 20, min_new = 10;
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
        case 'F':
            force = true;
            break;
        case 'M':
            if (!opt_uint("diff", "--max-new-failures", optarg, 0, 100, &max_new_pct))
                return CS_EXIT_USAGE;
            break;
        case 'N':
            if (!opt_uint("diff", "--min-new-failures", optarg, 0, 100000000, &min_new))
                return CS_EXIT_USAGE;
            break;
        case 'h':
            diff_usage(stdout);
            return CS_EXIT_OK;
        default:
            return opt_fail("diff", c, argv, opts);
        }
    }
    if (optind + 2 != argc)
        return opt_missing("diff", argc - optind < 2
                                       ? "give two run directories: OLD NEW"
                                       : "give two run directories, OLD NEW, and nothing more");
    if (xlsx && (dopt.raw || dopt.bom || !output || strcmp(output, "-") == 0)) {
        fprintf(stderr, "caascan: diff: %s\n",
                dopt.raw || dopt.bom ? "--raw and --bom go with --format csv"
                                     : "--format xlsx needs -o FILE: a workbook is binary and is "
                                       "not written to a terminal or a pipe");
        return CS_EXIT_USAGE;
    }
    /* Runs made with options that change verdicts do not compare name by name. */
    char why[2048];
    cs_err cmp = cs_run_compare(argv[optind], argv[optind + 1], why, sizeof(why));
    if (cmp == CS_EMISMATCH && !force) {
        fprintf(stderr,
                "caascan: diff: %s and %s do not compare: %s (--force compares them anyway)\n",
                argv[optind], argv[optind + 1], why);
        return CS_EXIT_USAGE;
    }
    if (cmp == CS_EMISMATCH)
        fprintf(stderr,
                "caascan: diff: WARNING: %s and %s do not compare: %s; compared anyway (--force): "
                "changes may come from the options, not the DNS\n",
                argv[optind], argv[optind + 1], why);
    if (cmp != CS_OK && cmp != CS_EMISMATCH && allow_incomplete)
        fprintf(stderr, "caascan: diff: warning: %s; whether the runs compare is not checked\n",
                why);
    dopt.allow_incomplete = allow_incomplete;
    dopt.xlsx = xlsx ? output : NULL;
    char err[8192] = "", cerr[8192] = "";
    cs_outfile of = {0};
    if (!xlsx && cs_outfile_open(&of, output, err, sizeof(err)) != CS_OK) {
        fprintf(stderr, "caascan: diff: %s\n", err);
        return CS_EXIT_RUNTIME;
    }
    cs_diff_stats st;
    cs_err rc = cs_diff_write(argv[optind], argv[optind + 1], &dopt, of.fp, &st, err, sizeof(err));
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
    uint64_t nf = st.changes[CS_CH_NEW_FAILURE];
    if (nf >= min_new && (double)nf * 100.0 > (double)max_new_pct * (double)st.new_rows) {
        fprintf(stderr,
                "caascan: diff: %" PRIu64 " of %" PRIu64 " names (%.0f %%) newly fail, more than "
                "--max-new-failures %lu %%: %s looks broken (its resolvers, network or inputs), "
                "not the customers; check it before telling anyone\n",
                nf, st.new_rows, 100.0 * (double)nf / (double)st.new_rows, max_new_pct,
                argv[optind + 1]);
        return CS_EXIT_BROKEN;
    }
    return nf ? CS_EXIT_FOUND : CS_EXIT_OK;
}
