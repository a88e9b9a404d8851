/* cmd_report.c -- caascan report: options for cs_report_build() / cs_report_write() (report.h). */
#include "commands.h"
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caascan/fileio.h"
#include "caascan/report.h"

static void report_usage(FILE *out)
{
    fprintf(out,
            "usage: caascan report RUN --by certificate|zone|nameserver|registered-domain|party\n"
            "                      [--group-column COL] [--format text|csv|xlsx] [--all]\n"
            "                      [--max-names N] [-o FILE] [--raw] [--bom]\n"
            "                      [--allow-incomplete]\n"
            "\n"
            "Rolls up the names of run directory RUN, worst groups first:\n"
            "  --by certificate        crt.sh certificates (crtsh:ID sources) and their failing\n"
            "                          names: a certificate fails renewal if one name fails\n"
            "  --group-column COL      with --by certificate: groups of a kept input column\n"
            "  --by zone               zones, with the per-server findings of their servers\n"
            "  --by nameserver         nameserver addresses, counting the names they serve;\n"
            "                          names failing by their own CAA set are caa_policy\n"
            "  --by registered-domain  registrable domains (public suffix list); INVALID\n"
            "                          names form the group (invalid names)\n"
            "  --by party              who must act: each nameserver to fix (dns-operator: HOST),\n"
            "                          customer, ca-account, scanner-operator\n"
            "  --format text|csv|xlsx  aligned table (default), CSV, or an xlsx workbook\n"
            "                          (needs -o FILE)\n"
            "  --raw                   CSV cells exactly as stored: cells starting with\n"
            "                          = + - @ TAB or CR are not neutralised with a leading '\n"
            "  --bom                   CSV starts with a UTF-8 byte-order mark (for Excel)\n"
            "  --all                   also groups without failing or at-risk names\n"
            "  --max-names N           names listed per group (default 5)\n"
            "  -o, --output FILE       write FILE (atomically) instead of standard output\n"
            "  --allow-incomplete      read a run without manifest.json\n");
}

int cmd_report(int argc, char **argv)
{
    static const struct option opts[] = {
        {"by", required_argument, NULL, 'b'},
        {"group-column", required_argument, NULL, 'g'},
        {"format", required_argument, NULL, 'f'},
        {"all", no_argument, NULL, 'A'},
        {"max-names", required_argument, NULL, 'm'},
        {"output", required_argument, NULL, 'o'},
        {"allow-incomplete", no_argument, NULL, 'a'},
        {"raw", no_argument, NULL, 'r'},
        {"bom", no_argument, NULL, 'B'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    cs_report_opts o = {.by = CS_REPORT_BY_COUNT};
    cs_report_out ro = {.format = CS_REPORT_TEXT};
    const char *output = NULL;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'b':
            o.by = cs_report_by_parse(optarg);
            if (o.by == CS_REPORT_BY_COUNT) {
                fprintf(stderr, "caascan: report: --by: unknown grouping \"%s\"\n", optarg);
                return CS_EXIT_USAGE;
            }
            break;
        case 'g':
            o.group_column = optarg;
            break;
        case 'f':
            if (strcmp(optarg, "text") == 0) {
                ro.format = CS_REPORT_TEXT;
            } else if (strcmp(optarg, "csv") == 0) {
                ro.format = CS_REPORT_CSV;
            } else if (strcmp(optarg, "xlsx") == 0) {
                ro.format = CS_REPORT_XLSX;
            } else {
                fprintf(stderr, "caascan: report: --format: \"%s\" is not text, csv or xlsx\n",
                        optarg);
                return CS_EXIT_USAGE;
            }
            break;
        case 'r':
            ro.raw = true;
            break;
        case 'B':
            ro.bom = true;
            break;
        case 'A':
            o.all = true;
            break;
        case 'm': {
            char *end;
            long n = strtol(optarg, &end, 10);
            if (*end || n < 1 || n > 1000000) {
                fprintf(stderr, "caascan: report: --max-names: \"%s\" is not 1..1000000\n", optarg);
                return CS_EXIT_USAGE;
            }
            o.max_names = (size_t)n;
            break;
        }
        case 'o':
            output = optarg;
            break;
        case 'a':
            o.allow_incomplete = true;
            break;
        case 'h':
            report_usage(stdout);
            return CS_EXIT_OK;
        default:
            return opt_fail("report", c, argv, opts);
        }
    }
    if (optind + 1 != argc || o.by == CS_REPORT_BY_COUNT) {
        if (optind + 1 != argc)
            return opt_missing("report", optind == argc ? "give the run directory: RUN"
                                                        : "give one run directory, RUN, and "
                                                          "nothing more");
        return opt_missing("report", "--by is required (certificate, zone, nameserver, "
                                     "registered-domain or party)");
    }
    if ((ro.raw || ro.bom) && ro.format != CS_REPORT_CSV) {
        fprintf(stderr, "caascan: report: --raw and --bom go with --format csv\n");
        return CS_EXIT_USAGE;
    }
    if (ro.format == CS_REPORT_XLSX && (!output || strcmp(output, "-") == 0)) {
        fprintf(stderr, "caascan: report: --format xlsx needs -o FILE: a workbook is binary and "
                        "is not written to a terminal or a pipe\n");
        return CS_EXIT_USAGE;
    }
    ro.xlsx = ro.format == CS_REPORT_XLSX ? output : NULL;
    ro.run = argv[optind];
    char err[8192] = "";
    cs_report *rep;
    cs_err rc = cs_report_build(argv[optind], &o, &rep, err, sizeof(err));
    if (rc != CS_OK) {
        fprintf(stderr, "caascan: report: %s\n", err);
        return cs_exit_for(rc);
    }
    cs_outfile of = {0};
    if (!ro.xlsx && cs_outfile_open(&of, output, err, sizeof(err)) != CS_OK) {
        cs_report_free(rep);
        fprintf(stderr, "caascan: report: %s\n", err);
        return CS_EXIT_RUNTIME;
    }
    char werrmsg[1024] = "";
    rc = cs_report_write_to(rep, &ro, of.fp, werrmsg, sizeof(werrmsg));
    int werr = errno;
    cs_report_free(rep);
    if (rc != CS_OK && ro.xlsx)
        snprintf(err, sizeof(err), "%s", werrmsg);
    else if (rc == CS_EIO)
        cs_io_error(err, sizeof(err), output ? output : "standard output", "write failed", werr);
    else if (rc != CS_OK)
        snprintf(err, sizeof(err), "writing the report: %s", cs_strerror(rc));
    char cerr[8192] = "";
    if (cs_outfile_close(&of, rc == CS_OK, cerr, sizeof(cerr)) != CS_OK && rc == CS_OK) {
        fprintf(stderr, "caascan: report: %s\n", cerr);
        return CS_EXIT_RUNTIME;
    }
    if (rc != CS_OK) {
        fprintf(stderr, "caascan: report: %s\n", err);
        return CS_EXIT_RUNTIME;
    }
    return CS_EXIT_OK;
}
