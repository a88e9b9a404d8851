/* cmd_scan.c -- caascan scan: options, inputs into an inventory, then cs_scan_run(). */
#include "commands.h"
#include "options.h"

#include "caascan/inventory.h"
#include "caascan/result.h"
#include "caascan/scan_run.h"
#include "caascan/shard.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage_text[] =
    "usage: caascan scan [options] -o RUN INPUT...\n"
    "\n"
    "Checks every name of the inputs (plain lists, customer CSV, crt.sh JSON or CSV exports;\n"
    "'-' is standard input) as a CA's CAA check would, and writes the run directory RUN:\n"
    "zstd-compressed CSV shards and manifest.json (written last).\n"
    "\n"
    "  -o, --output RUN           run directory to write (required)\n"
    "  -r, --resolvers LIST       resolvers: IP[:port],... or @FILE (default: /etc/resolv.conf)\n"
    "      --ca DOMAIN            CA issuer domain to judge CAA for (default letsencrypt.org)\n"
    "      --account-uri URI      ACME account URI, for RFC 8657 accounturi\n"
    "      --validation-method M  http-01, dns-01, tls-alpn-01, ... for validationmethods\n"
    "      --attempts N           lookups of every CAA level, each via another resolver (default "
    "3)\n"
    "      --qps N                global query rate (default 0: none)\n"
    "      --resolver-qps N       query rate per resolver (default 0: none)\n"
    "      --max-inflight N       queries in flight at most (default 2000)\n"
    "      --resolver-inflight N  of those, on one resolver at most (default 128)\n" OPT_AUTH_USAGE
    "      --timeout MS           longest wait for one query (default 8000)\n"
    "      --min-timeout MS       shortest wait, however fast the server (default 8000: a CA's\n"
    "                             resolver is given time for its own recursion)\n"
    "      --shards N             result shards (default 16)\n"
    "      --column NAME|N        customer CSV: the name column\n"
    "      --keep-columns A,B     customer CSV: columns to carry into every result row\n"
    "      --input-format F       list, csv, crtsh-json or crtsh-csv (default: detected)\n"
    "      --partition K/N        scan only the K-th of N hash partitions of the names\n"
    "      --force                replace a complete run already in RUN\n"
    "      --progress / --no-progress   force the progress display on or off\n"
    "  -q, --quiet                no progress and no summary\n"
    "  -h, --help                 this text\n";

static bool parse_partition(const char *text, unsigned *k, unsigned *n)
{
    char *end;
    unsigned long a = strtoul(text, &end, 10);
    if (end == text || *end != '/')
        return false;
    const char *b = end + 1;
    unsigned long c = strtoul(b, &end, 10);
    if (end == b || *end != '\0' || c < 1 || c > CS_SHARDS_MAX || a < 1 || a > c)
        return false;
    *k = (unsigned)a;
    *n = (unsigned)c;
    return true;
}

int cmd_scan(int argc, char **argv)
{
    enum {
        O_CA = 256,
        O_ACCOUNT,
        O_METHOD,
        O_ATTEMPTS,
        O_QPS,
        O_RQPS,
        O_INFLIGHT,
        O_TIMEOUT,
        O_MINTIMEOUT,
        O_SHARDS,
        O_COLUMN,
        O_KEEP,
        O_FORMAT,
        O_PARTITION,
        O_OVERWRITE,
        O_PROGRESS,
        O_NOPROGRESS,
        O_RINFLIGHT,
    };
    static const struct option longopts[] = {
        {"output", required_argument, 0, 'o'},
        {"resolvers", required_argument, 0, 'r'},
        {"ca", required_argument, 0, O_CA},
        {"account-uri", required_argument, 0, O_ACCOUNT},
        {"validation-method", required_argument, 0, O_METHOD},
        {"attempts", required_argument, 0, O_ATTEMPTS},
        {"qps", required_argument, 0, O_QPS},
        {"resolver-qps", required_argument, 0, O_RQPS},
        {"max-inflight", required_argument, 0, O_INFLIGHT},
        {"resolver-inflight", required_argument, 0, O_RINFLIGHT},
        OPT_AUTH_LONGOPTS,
        {"timeout", required_argument, 0, O_TIMEOUT},
        {"min-timeout", required_argument, 0, O_MINTIMEOUT},
        {"shards", required_argument, 0, O_SHARDS},
        {"column", required_argument, 0, O_COLUMN},
        {"keep-columns", required_argument, 0, O_KEEP},
        {"input-format", required_argument, 0, O_FORMAT},
        {"partition", required_argument, 0, O_PARTITION},
        {"force", no_argument, 0, O_OVERWRITE},
        {"overwrite", no_argument, 0, O_OVERWRITE},
        {"progress", no_argument, 0, O_PROGRESS},
        {"no-progress", no_argument, 0, O_NOPROGRESS},
        {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    struct cs_scan_run_options o;
    memset(&o, 0, sizeof(o));
    cs_engine_config_default(&o.engine);
    /* A CA-side lookup waits for the resolver's own recursion, as a CA does: no RTT shortcut. */
    o.engine.timeout_ms = 8000;
    o.engine.min_timeout_ms = 8000;
    o.shards = CS_SHARDS_DEFAULT;
    o.tries = 3;
    o.engine.auth_qps_mq = CS_AUTH_QPS_DEFAULT_MQ;
    cs_auth_config_default(&o.auth);
    o.policy.ca_domain = "letsencrypt.org";
    const char *resolvers = NULL, *keep_arg = NULL;
    struct cs_input_options in_opt = {.format = CS_INPUT_AUTO};
    int progress = isatty(2) ? CS_PROGRESS_BAR : CS_PROGRESS_MINUTE;
    bool quiet = false;
    unsigned long v;
    int c;
    json_t *optjson = json_object();
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:r:qh", longopts, NULL)) != -1) {
        bool ok = true;
        switch (c) {
        case 'o':
            o.run_dir = optarg;
            break;
        case 'r':
            resolvers = optarg;
            break;
        case O_CA:
            o.policy.ca_domain = optarg;
            break;
        case O_ACCOUNT:
            o.policy.account_uri = optarg;
            break;
        case O_METHOD:
            o.policy.validation_method = optarg;
            break;
        case O_ATTEMPTS:
            ok = opt_uint("scan", "--attempts", optarg, 1, CS_MAX_ATTEMPTS, &v);
            o.tries = (unsigned)v;
            break;
        case O_QPS:
            ok = opt_rate("scan", "--qps", optarg, &o.engine.qps_mq);
            break;
        case O_RQPS:
            ok = opt_rate("scan", "--resolver-qps", optarg, &o.engine.resolver_qps_mq);
            break;
        case O_INFLIGHT:
            ok = opt_uint("scan", "--max-inflight", optarg, 1, 1000000, &v);
            o.engine.max_inflight = (unsigned)v;
            break;
        case O_RINFLIGHT:
            ok = opt_uint("scan", "--resolver-inflight", optarg, 1, 1000000, &v);
            o.engine.resolver_inflight = (unsigned)v;
            break;
        case O_TIMEOUT:
            ok = opt_uint("scan", "--timeout", optarg, 1, 600000, &v);
            o.engine.timeout_ms = (uint32_t)v;
            break;
        case O_MINTIMEOUT:
            ok = opt_uint("scan", "--min-timeout", optarg, 1, 600000, &v);
            o.engine.min_timeout_ms = (uint32_t)v;
            break;
        case O_SHARDS:
            ok = opt_uint("scan", "--shards", optarg, 1, CS_SHARDS_MAX, &v);
            o.shards = (unsigned)v;
            break;
        case O_COLUMN:
            in_opt.column = optarg;
            break;
        case O_KEEP:
            keep_arg = optarg;
            break;
        case O_FORMAT:
            in_opt.format = cs_input_format_parse(optarg);
            if (in_opt.format == CS_INPUT_AUTO && strcmp(optarg, "auto") != 0) {
                fprintf(stderr,
                        "caascan: scan: --input-format: '%s' is not list, csv, "
                        "crtsh-json or crtsh-csv\n",
                        optarg);
                ok = false;
            }
            break;
        case O_PARTITION:
            ok = parse_partition(optarg, &o.partition_k, &o.partition_n);
            if (!ok)
                fprintf(stderr, "caascan: scan: --partition: '%s' is not K/N with 1 <= K <= N\n",
                        optarg);
            break;
        case O_OVERWRITE:
            o.overwrite = true;
            break;
        case O_PROGRESS:
            progress = CS_PROGRESS_BAR;
            break;
        case O_NOPROGRESS:
            progress = CS_PROGRESS_NONE;
            break;
        case 'q':
            quiet = true;
            break;
        case 'h':
            fputs(usage_text, stdout);
            json_decref(optjson);
            return CS_EXIT_OK;
        default:
            if (opt_auth("scan", c, optarg, &o.engine, &o.auth, &o.no_auth, &ok))
                break;
            fputs(usage_text, stderr);
            json_decref(optjson);
            return CS_EXIT_USAGE;
        }
        if (!ok) {
            json_decref(optjson);
            return CS_EXIT_USAGE;
        }
        if (c != 'q' && c != 'h' && c != O_PROGRESS && c != O_NOPROGRESS) {
            const char *name = c == 'o' ? "output" : c == 'r' ? "resolvers" : NULL;
            for (const struct option *lo = longopts; !name && lo->name; lo++)
                if (lo->val == c)
                    name = lo->name;
            if (name)
                json_object_set_new(optjson, name, optarg ? json_string(optarg) : json_true());
        }
    }
    if (!o.run_dir || optind >= argc) {
        fprintf(stderr, "caascan: scan: %s\n%s",
                !o.run_dir ? "-o RUN is required" : "at least one INPUT is required", usage_text);
        json_decref(optjson);
        return CS_EXIT_USAGE;
    }
    char why[256];
    if (cs_caa_policy_check(&o.policy, why, sizeof(why)) != CS_OK) {
        fprintf(stderr, "caascan: scan: %s\n", why);
        json_decref(optjson);
        return CS_EXIT_USAGE;
    }
    struct cs_addr *addrs = NULL;
    size_t naddrs = 0;
    if (!opt_resolvers("scan", resolvers, &addrs, &naddrs)) {
        json_decref(optjson);
        return CS_EXIT_USAGE;
    }
    o.resolvers = addrs;
    o.nresolvers = naddrs;
    o.progress = quiet ? CS_PROGRESS_NONE : (enum cs_progress)progress;
    o.options = optjson;

    char *keep_copy = keep_arg ? strdup(keep_arg) : NULL;
    const char **keep = NULL;
    size_t nkeep = 0;
    int rc = CS_EXIT_OK;
    if (keep_arg && (!keep_copy || !opt_split_list(keep_copy, &keep, &nkeep)))
        rc = CS_EXIT_RUNTIME;
    for (size_t k = 0; rc == CS_EXIT_OK && k < nkeep; k++)
        for (size_t f = 0; f < CS_RC_COUNT; f++)
            if (strcmp(keep[k], cs_result_col_name((cs_result_col)f)) == 0) {
                fprintf(stderr, "caascan: scan: --keep-columns: '%s' is a result column already\n",
                        keep[k]);
                rc = CS_EXIT_USAGE;
                break;
            }
    in_opt.keep_columns = keep;
    in_opt.n_keep = nkeep;
    struct cs_inventory *inv = rc == CS_EXIT_OK ? cs_inventory_new(keep, nkeep) : NULL;
    if (!inv)
        rc = CS_EXIT_RUNTIME;
    char err[1024];
    for (int i = optind; rc == CS_EXIT_OK && i < argc; i++) {
        cs_err e = cs_inventory_read(inv, argv[i], &in_opt, err, sizeof(err));
        if (e != CS_OK) {
            fprintf(stderr, "caascan: %s\n", err);
            rc = e == CS_ENOMEM ? CS_EXIT_RUNTIME : CS_EXIT_USAGE;
        }
    }
    if (rc == CS_EXIT_OK) {
        struct cs_scan_summary sum;
        cs_err e = cs_scan_run(inv, &o, &sum, err, sizeof(err));
        if (e != CS_OK) {
            fprintf(stderr, "caascan: scan: %s\n", err);
            rc = e == CS_EINVAL ? CS_EXIT_USAGE : CS_EXIT_RUNTIME;
        } else if (!quiet) {
            fprintf(stderr,
                    "caascan: scan: %llu names in %.1f s, %llu queries (%.2f a name) over "
                    "%llu CAA levels:",
                    (unsigned long long)sum.rows, sum.seconds, (unsigned long long)sum.queries,
                    sum.rows ? (double)sum.queries / (double)sum.rows : 0.0,
                    (unsigned long long)sum.levels);
            for (int s = 0; s < CS_ST_COUNT; s++)
                if (sum.status[s])
                    fprintf(stderr, " %s %llu", cs_status_name((cs_status)s),
                            (unsigned long long)sum.status[s]);
            fprintf(stderr, "; written to %s\n", o.run_dir);
            if (!o.no_auth)
                fprintf(stderr,
                        "caascan: scan: %llu zones and %llu nameserver addresses checked; at most "
                        "%llu queries in one second to one address\n",
                        (unsigned long long)sum.zones, (unsigned long long)sum.servers,
                        (unsigned long long)sum.engine.max_dest_per_second);
            if (!o.no_auth && sum.direct_sent > 0 && sum.direct_answered == 0)
                fprintf(stderr,
                        "caascan: scan: warning: none of %llu direct queries to authoritative "
                        "servers got a reply: this machine may not reach them (outbound port 53 "
                        "blocked?); their AUTH_TIMEOUT findings then say nothing about the "
                        "servers: scan again with --no-auth\n",
                        (unsigned long long)sum.direct_sent);
            const struct cs_engine_stats *es = &sum.engine;
            if (es->timeouts + es->unsolicited + es->wrong_source + es->wrong_question +
                    es->case_mismatches >
                0)
                fprintf(stderr,
                        "caascan: scan: %llu queries timed out, %llu answers with the name in "
                        "another case; %llu unsolicited, %llu wrong-source, %llu wrong-question "
                        "packets ignored\n",
                        (unsigned long long)es->timeouts, (unsigned long long)es->case_mismatches,
                        (unsigned long long)es->unsolicited, (unsigned long long)es->wrong_source,
                        (unsigned long long)es->wrong_question);
        }
    }
    cs_inventory_free(inv);
    free(keep);
    free(keep_copy);
    free(addrs);
    json_decref(optjson);
    return rc;
}
