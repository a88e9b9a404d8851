/* cmd_merge.c -- caascan merge: the partition runs of one partitioned scan made one run
 * (run_merge.h). */
#include "commands.h"
#include "options.h"

#include "caascan/run_merge.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
    "usage: caascan merge -o RUN [--force] [-q] PART...\n"
    "\n"
    "Builds run directory RUN from the partition runs PART... of one partitioned scan\n"
    "(scan --partition K/N or --partition auto, one run directory per partition). All N\n"
    "partitions must be given, each complete, of the same inputs and result-changing options,\n"
    "and no name may be in two of them; otherwise nothing is written and the message names\n"
    "the missing or mismatching part. RUN is a normal run for export, diff and report.\n"
    "\n"
    "  -o, --output RUN   the merged run directory (created)\n"
    "      --force        replace a run already in RUN\n"
    "  -q, --quiet        no summary line\n"
    "  -h, --help         this text\n";

int cmd_merge(int argc, char **argv)
{
    enum { O_FORCE = 256 };
    static const struct option longopts[] = {
        {"output", required_argument, 0, 'o'},
        {"force", no_argument, 0, O_FORCE},
        {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    const char *out = NULL;
    bool force = false, quiet = false;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 'o':
            out = optarg;
            break;
        case O_FORCE:
            force = true;
            break;
        case 'q':
            quiet = true;
            break;
        case 'h':
            fputs(usage_text, stdout);
            return CS_EXIT_OK;
        default:
            return opt_fail("merge", c, argv, longopts);
        }
    }
    if (!out || optind >= argc)
        return opt_missing("merge", !out ? "no output directory: give -o RUN"
                                         : "no partition runs: give every PART of the job");
    for (int i = optind; i < argc; i++)
        if (strcmp(argv[i], out) == 0) {
            fprintf(stderr, "caascan: merge: %s is a part and the output\n", out);
            return CS_EXIT_USAGE;
        }
    struct cs_run_merge_summary sum;
    char err[2048];
    cs_err rc = cs_run_merge(out, (const char *const *)argv + optind, (size_t)(argc - optind),
                             force, &sum, err, sizeof(err));
    if (rc != CS_OK) {
        fprintf(stderr, "caascan: merge: %s\n", err);
        return cs_exit_for(rc);
    }
    if (!quiet)
        fprintf(stderr,
                "caascan: merge: %u partitions, %llu names, %llu server rows, %llu queries; "
                "written to %s\n"
                "caascan: merge: zone x address rows in more than one partition: %llu of "
                "registered domains, %llu of public suffixes\n",
                sum.parts, (unsigned long long)sum.rows, (unsigned long long)sum.server_rows,
                (unsigned long long)sum.queries, out,
                (unsigned long long)(sum.shared[0] - sum.shared[1]),
                (unsigned long long)sum.shared[1]);
    return CS_EXIT_OK;
}
