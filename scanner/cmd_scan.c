/* cmd_scan.c -- caascan scan: options, inputs into an inventory, then cs_scan_run(). */
#include "commands.h"
#include "options.h"

#include "caascan/fail_model.h"
#include "caascan/inventory.h"
#include "caascan/result.h"
#include "caascan/partition.h"
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
    "  -r, --resolvers LIST|FILE  resolvers: IP[:port],... or a file of them, one a line\n"
    "                             (default: /etc/resolv.conf)\n"
    "      --ca DOMAIN[,DOMAIN]   CA issuer domain to judge CAA for (default letsencrypt.org);\n"
    "                             more (comma-separated or repeated): fallback CAs, each\n"
    "                             judged in the other_cas column\n"
    "      --account-uri URI      ACME account URI, for RFC 8657 accounturi (repeatable: one\n"
    "                             account known under several URIs)\n"
    "      --account-id N         ACME account id, matched with the CA's account URI prefixes\n"
    "                             (Let's Encrypt: ACME v1 and v2, production and staging)\n"
    "      --perspective NAME=IP,...  resolvers that stand for one network view (repeatable,\n"
    "                             instead of -r): the first is modelled as the CA's primary\n"
    "                             perspective, the others as its remote perspectives\n"
    "      --validation-method M  http-01, dns-01, tls-alpn-01, ... for "
    "validationmethods\n" OPT_MODEL_USAGE
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
    "      --delimiter D          customer CSV: ',', ';' or tab (default: detected)\n"
    "      --max-invalid-share P  refuse inputs with more than P % invalid rows (default 50)\n"
    "      --min-answered P       stop when fewer than P % of the CA-side lookups get an\n"
    "                             answer (default 20)\n"
    "      --health-window S      judged over the lookups of the last S seconds (default 30)\n"
    "      --input-format F       list, csv, crtsh-json or crtsh-csv (default: detected)\n"
    "      --partition K/N        scan only partition K of N (1-based), names grouped by their\n"
    "                             registered domain; auto: from SLURM_ARRAY_TASK_ID or\n"
    "                             JOB_COMPLETION_INDEX (+ CAASCAN_PARTITIONS or auto/N)\n"
    "      --budget-share on|off  on (default): with --partition, --qps, --resolver-qps,\n"
    "                             --auth-qps and the in-flight caps are the whole job's and\n"
    "                             this partition uses 1/N of each; off: they are this one's\n"
    "      --force                replace a complete or interrupted run already in RUN\n"
    "      --resume               continue the interrupted run in RUN (same inputs and options)\n"
    "      --checkpoint-interval S  seconds between checkpoints of finished rows (default 5;\n"
    "                             0: none, an interrupted run then starts again from zero)\n"
    "      --progress / --no-progress   force the progress display on or off\n"
    "  -q, --quiet                no progress and no summary\n"
    "  -h, --help                 this text\n";

/* With --partition K/N and --budget-share on, the rates and in-flight caps given (or their
 * defaults) are the whole job's: this partition takes ceil(value / N) of each (docs/scale-out.md).
 */
static void share_budgets(struct cs_scan_run_options *o)
{
    unsigned n = o->partition_n;
    o->engine.qps_mq = cs_partition_share(o->engine.qps_mq, n, 1000);
    o->engine.resolver_qps_mq = cs_partition_share(o->engine.resolver_qps_mq, n, 1000);
    o->engine.auth_qps_mq = cs_partition_share(o->engine.auth_qps_mq, n, 1000);
    o->engine.max_inflight =
        (unsigned)cs_partition_share(o->engine.max_inflight ? o->engine.max_inflight : 2000, n, 1);
    o->engine.resolver_inflight = (unsigned)cs_partition_share(o->engine.resolver_inflight, n, 1);
    o->engine.auth_inflight = (unsigned)cs_partition_share(o->engine.auth_inflight, n, 1);
}

/*
 * The inputs as a whole: no valid name at all, or more than max_pct % invalid records, is an input
 * error (a wrong --column or delimiter, a file that is not an inventory), not a run of INVALID
 * rows.
 */
static int input_gates(const struct cs_inventory *inv, unsigned long max_pct)
{
    unsigned long names = 0, invalid = 0;
    for (size_t f = 0; f < cs_inventory_file_count(inv); f++) {
        names += cs_inventory_file(inv, f)->names;
        invalid += cs_inventory_file(inv, f)->invalid;
    }
    if (names == invalid) {
        fprintf(stderr,
                "caascan: scan: no names to scan: the inputs hold %lu records, none of "
                "them a valid name\n",
                invalid);
        return CS_EXIT_USAGE;
    }
    if ((double)invalid * 100.0 > (double)max_pct * (double)names) {
        const unsigned long *r = cs_inventory_reason_counts(inv);
        int top = 0;
        for (int k = 1; k < CS_NAME_REASON_COUNT; k++)
            if (r[k] > r[top])
                top = k;
        fprintf(stderr,
                "caascan: scan: %lu of %lu records (%.0f %%) are not valid names, more than "
                "--max-invalid-share %lu %% (most: %s); check --column and --delimiter, or raise "
                "--max-invalid-share\n",
                invalid, names, 100.0 * (double)invalid / (double)names, max_pct,
                cs_name_reason_text(top));
        return CS_EXIT_USAGE;
    }
    return CS_EXIT_OK;
}

/*
 * --perspective NAME=IP[:port],...: the names (copied into buf), every perspective's resolvers
 * one after the other in *addrs, and (*of)[i] the perspective of resolver i. Prints the error and
 * returns false.
 */
static bool parse_perspectives(const char *const *arg, unsigned n, char *buf, size_t size,
                               const char **names, struct cs_addr **addrs, size_t *naddrs,
                               unsigned **of)
{
    size_t used = 0;
    *addrs = NULL;
    *naddrs = 0;
    *of = NULL;
    for (unsigned k = 0; k < n; k++) {
        const char *eq = strchr(arg[k], '=');
        size_t nl = eq ? (size_t)(eq - arg[k]) : 0;
        bool good = nl > 0 && nl <= 32;
        for (size_t i = 0; good && i < nl; i++) {
            char c = arg[k][i];
            good = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '-' || c == '_';
        }
        if (!good || used + nl + 1 > size) {
            fprintf(stderr,
                    "caascan: scan: --perspective: '%s' is not NAME=IP,... (a name of 1 to 32 "
                    "letters, digits, '-' or '_', then the resolvers)\n",
                    arg[k]);
            goto fail;
        }
        memcpy(buf + used, arg[k], nl);
        buf[used + nl] = '\0';
        names[k] = buf + used;
        used += nl + 1;
        for (unsigned j = 0; j < k; j++)
            if (strcmp(names[j], names[k]) == 0) {
                fprintf(stderr, "caascan: scan: --perspective: '%s' is given twice\n", names[k]);
                goto fail;
            }
        struct cs_addr *one = NULL;
        size_t none = 0;
        char err[256];
        if (cs_addr_list_parse(eq + 1, 53, &one, &none, err, sizeof(err)) != CS_OK || none == 0) {
            fprintf(stderr, "caascan: scan: --perspective: %s: %s\n", names[k],
                    none == 0 && one ? "no resolver" : err);
            free(one);
            goto fail;
        }
        struct cs_addr *v = realloc(*addrs, (*naddrs + none) * sizeof(*v));
        unsigned *w = v ? realloc(*of, (*naddrs + none) * sizeof(*w)) : NULL;
        if (v)
            *addrs = v;
        if (w)
            *of = w;
        if (!v || !w) {
            fprintf(stderr, "caascan: scan: --perspective: %s\n", cs_strerror(CS_ENOMEM));
            free(one);
            goto fail;
        }
        for (size_t i = 0; i < none; i++) {
            (*addrs)[*naddrs + i] = one[i];
            (*of)[*naddrs + i] = k;
        }
        *naddrs += none;
        free(one);
    }
    return true;
fail:
    free(*addrs);
    free(*of);
    *addrs = NULL;
    *of = NULL;
    return false;
}

int cmd_scan(int argc, char **argv)
{
    enum {
        O_CA = 256,
        O_ACCOUNT,
        O_ACCOUNT_ID,
        O_PERSPECTIVE,
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
        O_DELIM,
        O_MAXINVALID,
        O_MINANSWERED,
        O_HEALTHWINDOW,
        O_RESUME,
        O_CHECKPOINT,
        O_BUDGETSHARE,
    };
    static const struct option longopts[] = {
        {"output", required_argument, 0, 'o'},
        {"resolvers", required_argument, 0, 'r'},
        {"ca", required_argument, 0, O_CA},
        {"account-uri", required_argument, 0, O_ACCOUNT},
        {"account-id", required_argument, 0, O_ACCOUNT_ID},
        {"perspective", required_argument, 0, O_PERSPECTIVE},
        {"validation-method", required_argument, 0, O_METHOD},
        {"attempts", required_argument, 0, O_ATTEMPTS},
        {"qps", required_argument, 0, O_QPS},
        {"resolver-qps", required_argument, 0, O_RQPS},
        {"max-inflight", required_argument, 0, O_INFLIGHT},
        {"resolver-inflight", required_argument, 0, O_RINFLIGHT},
        OPT_AUTH_LONGOPTS,
        OPT_MODEL_LONGOPTS,
        {"timeout", required_argument, 0, O_TIMEOUT},
        {"min-timeout", required_argument, 0, O_MINTIMEOUT},
        {"shards", required_argument, 0, O_SHARDS},
        {"column", required_argument, 0, O_COLUMN},
        {"keep-columns", required_argument, 0, O_KEEP},
        {"delimiter", required_argument, 0, O_DELIM},
        {"max-invalid-share", required_argument, 0, O_MAXINVALID},
        {"min-answered", required_argument, 0, O_MINANSWERED},
        {"health-window", required_argument, 0, O_HEALTHWINDOW},
        {"input-format", required_argument, 0, O_FORMAT},
        {"partition", required_argument, 0, O_PARTITION},
        {"budget-share", required_argument, 0, O_BUDGETSHARE},
        {"force", no_argument, 0, O_OVERWRITE},
        {"overwrite", no_argument, 0, O_OVERWRITE},
        {"resume", no_argument, 0, O_RESUME},
        {"checkpoint-interval", required_argument, 0, O_CHECKPOINT},
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
    o.checkpoint_ms = 5000;
    cs_auth_config_default(&o.auth);
    o.policy.ca_domain = "letsencrypt.org";
    o.health.min_answered_pct = CS_HEALTH_MIN_ANSWERED_DEFAULT;
    o.health.window_s = CS_HEALTH_WINDOW_DEFAULT;
    o.health.min_lookups = CS_HEALTH_MIN_LOOKUPS_DEFAULT;
    const char *resolvers = NULL, *keep_arg = NULL;
    struct cs_input_options in_opt = {.format = CS_INPUT_AUTO};
    int progress = isatty(2) ? CS_PROGRESS_BAR : CS_PROGRESS_MINUTE;
    bool quiet = false, budget_share = true;
    unsigned long v;
    unsigned long max_invalid_pct = 50;
    int c;
    json_t *optjson = json_object();
    const char *more_uris[16]; /* --account-uri after the first */
    size_t n_more_uris = 0;
    const char *cas[16]; /* --ca, in order: the first decides, the others are fallbacks */
    size_t ncas = 0;
    char ca_buf[2048]; /* copies of the --ca arguments, split in place */
    size_t ca_used = 0;
    const char *persp_arg[16]; /* --perspective NAME=LIST, in order */
    unsigned npersp = 0;
    struct cs_fm_config model; /* --remotes, --allowed-failures, --pass-max-pct, --fail-min-pct */
    bool allowed_given = false;
    cs_fm_config_default(&model);
    o.policy.model = &model;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:r:qh", longopts, NULL)) != -1) {
        bool ok = true;
        switch (c) {
        case 'o':
            o.run_dir = optarg;
            break;
        case 'r':
            resolvers = optarg;
            break;
        case O_CA: {
            size_t alen = strlen(optarg) + 1;
            char *copy = ca_used + alen <= sizeof(ca_buf) ? ca_buf + ca_used : NULL;
            if (copy) {
                memcpy(copy, optarg, alen);
                ca_used += alen;
            }
            char *save = NULL;
            for (char *t = copy ? strtok_r(copy, ",", &save) : NULL; ok && t;
                 t = strtok_r(NULL, ",", &save)) {
                if (ncas == sizeof(cas) / sizeof(cas[0])) {
                    fprintf(stderr, "caascan: scan: --ca: at most %zu CAs\n", ncas);
                    ok = false;
                    break;
                }
                struct cs_caa_policy one = {.ca_domain = t};
                char why[256];
                if (cs_caa_policy_check(&one, why, sizeof(why)) != CS_OK) {
                    fprintf(stderr, "caascan: scan: --ca: '%s': %s\n", t, why);
                    ok = false;
                }
                for (size_t i = 0; ok && i < ncas; i++)
                    if (strcmp(cas[i], t) == 0) {
                        fprintf(stderr, "caascan: scan: --ca: '%s' is given twice\n", t);
                        ok = false;
                    }
                if (ok)
                    cas[ncas++] = t;
            }
            if (ok && (!copy || ncas == 0)) {
                fprintf(stderr, "caascan: scan: --ca: %s\n",
                        copy ? "no CA given" : "the CA names are too long");
                ok = false;
            }
            if (ok) {
                o.policy.ca_domain = cas[0];
                o.other_cas = cas + 1;
                o.n_other_cas = ncas - 1;
            }
            break;
        }
        case O_ACCOUNT:
            if (!o.policy.account_uri) {
                o.policy.account_uri = optarg;
            } else if (n_more_uris < sizeof(more_uris) / sizeof(more_uris[0])) {
                more_uris[n_more_uris++] = optarg;
                o.policy.account_uris = more_uris;
                o.policy.n_account_uris = n_more_uris;
            } else {
                fprintf(stderr, "caascan: scan: --account-uri: at most %zu account URIs\n",
                        sizeof(more_uris) / sizeof(more_uris[0]) + 1);
                ok = false;
            }
            break;
        case O_ACCOUNT_ID:
            o.policy.account_id = optarg;
            break;
        case O_PERSPECTIVE:
            if (npersp == sizeof(persp_arg) / sizeof(persp_arg[0])) {
                fprintf(stderr, "caascan: scan: --perspective: at most %u perspectives\n", npersp);
                ok = false;
            } else {
                persp_arg[npersp++] = optarg;
            }
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
        case O_DELIM:
            ok = opt_delimiter("scan", optarg, &in_opt.delimiter);
            break;
        case O_MAXINVALID:
            ok = opt_uint("scan", "--max-invalid-share", optarg, 0, 100, &max_invalid_pct);
            break;
        case O_MINANSWERED:
            ok = opt_uint("scan", "--min-answered", optarg, 0, 100, &v);
            o.health.min_answered_pct = (unsigned)v;
            break;
        case O_HEALTHWINDOW:
            ok = opt_uint("scan", "--health-window", optarg, 1, 86400, &v);
            o.health.window_s = (unsigned)v;
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
        case O_PARTITION: {
            char pwhy[600];
            ok = cs_partition_parse(optarg, NULL, &o.partition_k, &o.partition_n, NULL, pwhy,
                                    sizeof(pwhy));
            if (!ok)
                fprintf(stderr, "caascan: scan: --partition: %s\n", pwhy);
            break;
        }
        case O_BUDGETSHARE:
            ok = strcmp(optarg, "on") == 0 || strcmp(optarg, "off") == 0;
            budget_share = ok && strcmp(optarg, "on") == 0;
            if (!ok)
                fprintf(stderr, "caascan: scan: --budget-share: '%s' is not on or off\n", optarg);
            break;
        case O_OVERWRITE:
            o.overwrite = true;
            break;
        case O_RESUME:
            o.resume = true;
            break;
        case O_CHECKPOINT: {
            char *end;
            double secs = strtod(optarg, &end);
            ok = end != optarg && *end == '\0' && secs >= 0 && secs <= 3600;
            if (!ok)
                fprintf(stderr,
                        "caascan: scan: --checkpoint-interval: '%s' is not a number of seconds "
                        "from 0 to 3600\n",
                        optarg);
            o.checkpoint_ms = ok ? (unsigned)(secs * 1000.0 + 0.5) : 0;
            if (ok && secs > 0 && o.checkpoint_ms == 0)
                o.checkpoint_ms = 1;
            break;
        }
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
            if (opt_auth("scan", c, optarg, &o.engine, &o.auth, &o.no_auth, &ok) ||
                opt_model("scan", c, optarg, &model, &allowed_given, &ok))
                break;
            json_decref(optjson);
            return opt_fail("scan", c, argv, longopts);
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
    /* The input options in effect, given or not (the manifest records every option). */
    if (!json_object_get(optjson, "max-invalid-share")) {
        char share[24];
        snprintf(share, sizeof(share), "%lu", max_invalid_pct);
        json_object_set_new(optjson, "max-invalid-share", json_string(share));
    }
    if (!json_object_get(optjson, "delimiter"))
        json_object_set_new(optjson, "delimiter", json_string("detect"));
    if (!o.run_dir || optind >= argc) {
        json_decref(optjson);
        return opt_missing("scan", !o.run_dir ? "no output directory: give -o RUN"
                                              : "no input: give at least one INPUT (a file, or - "
                                                "for standard input)");
    }
    char why[256];
    if (cs_caa_policy_check(&o.policy, why, sizeof(why)) != CS_OK) {
        fprintf(stderr, "caascan: scan: %s\n", why);
        json_decref(optjson);
        return CS_EXIT_USAGE;
    }
    if (!opt_model_finish("scan", &model, allowed_given)) {
        json_decref(optjson);
        return CS_EXIT_USAGE;
    }
    struct cs_addr *addrs = NULL;
    size_t naddrs = 0;
    char persp_buf[1024];
    const char *persp_name[16];
    unsigned *persp_of = NULL;
    struct cs_fm_perspectives persp = {0};
    if (npersp > 0) {
        if (resolvers) {
            fprintf(stderr, "caascan: scan: give the resolvers with -r or with --perspective, "
                            "not both\n");
            json_decref(optjson);
            return CS_EXIT_USAGE;
        }
        if (!parse_perspectives(persp_arg, npersp, persp_buf, sizeof(persp_buf), persp_name, &addrs,
                                &naddrs, &persp_of)) {
            json_decref(optjson);
            return CS_EXIT_USAGE;
        }
        persp = (struct cs_fm_perspectives){npersp, persp_name, persp_of, naddrs};
        o.policy.perspectives = &persp;
        json_t *pa = json_array();
        for (unsigned k = 0; pa && k < npersp; k++)
            json_array_append_new(pa, json_string(persp_arg[k]));
        json_object_set_new(optjson, "perspective", pa ? pa : json_null());
    } else if (!opt_resolvers("scan", resolvers, &addrs, &naddrs)) {
        json_decref(optjson);
        return CS_EXIT_USAGE;
    }
    o.resolvers = addrs;
    o.nresolvers = naddrs;
    o.progress = quiet ? CS_PROGRESS_NONE : (enum cs_progress)progress;
    if (o.partition_n > 1) {
        if (budget_share)
            share_budgets(&o);
        json_object_set_new(optjson, "budget-share", json_string(budget_share ? "on" : "off"));
        json_object_set_new(optjson, "partition-rule", json_string(CS_PARTITION_RULE));
    }
    o.options = optjson;

    char *keep_copy = keep_arg ? strdup(keep_arg) : NULL;
    const char **keep = NULL;
    size_t nkeep = 0;
    int rc = CS_EXIT_OK;
    if (keep_arg && (!keep_copy || !opt_split_list(keep_copy, &keep, &nkeep)))
        rc = CS_EXIT_RUNTIME;
    for (size_t k = 0; rc == CS_EXIT_OK && k < nkeep; k++)
        for (size_t f = 0; f < CS_RC_COUNT; f++)
            if (strcmp(keep[k], cs_result_col_name((cs_result_col)f)) == 0 ||
                (f == 0 && o.n_other_cas > 0 && strcmp(keep[k], "other_cas") == 0)) {
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
    if (rc == CS_EXIT_OK)
        rc = input_gates(inv, max_invalid_pct);
    if (rc == CS_EXIT_OK) {
        struct cs_scan_summary sum;
        cs_err e = cs_scan_run(inv, &o, &sum, err, sizeof(err));
        if (e != CS_OK) {
            fprintf(stderr, "caascan: scan: %s\n", err);
            /* Stopped by a signal: 128 + its number (130 SIGINT, 143 SIGTERM, 129 SIGHUP). */
            rc = sum.signal                            ? 128 + sum.signal
                 : sum.unhealthy                       ? CS_EXIT_BROKEN
                 : e == CS_EINVAL || e == CS_EMISMATCH ? CS_EXIT_USAGE
                                                       : CS_EXIT_RUNTIME;
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
            fprintf(stderr, "caascan: scan: %s\n", sum.held_back);
            if (!o.no_auth)
                fprintf(stderr,
                        "caascan: scan: %llu zones and %llu nameserver addresses checked; at most "
                        "%llu queries in one second to one address\n",
                        (unsigned long long)sum.zones, (unsigned long long)sum.servers,
                        (unsigned long long)sum.engine.max_dest_per_second);
            if (!o.no_auth)
                fprintf(stderr,
                        "caascan: scan: %llu direct queries to authoritative servers (%.2f a "
                        "name), %llu through the resolvers (%.2f a name); names asked at every "
                        "address: %llu, spared (--auth-depth sample): %llu\n",
                        (unsigned long long)sum.direct_sent,
                        sum.rows ? (double)sum.direct_sent / (double)sum.rows : 0.0,
                        (unsigned long long)(sum.queries - sum.direct_sent),
                        sum.rows ? (double)(sum.queries - sum.direct_sent) / (double)sum.rows : 0.0,
                        (unsigned long long)sum.names_probed, (unsigned long long)sum.names_spared);
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
    free(persp_of);
    json_decref(optjson);
    return rc;
}
