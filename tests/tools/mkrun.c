/*
 * mkrun.c -- writes a synthetic run directory of N result rows through the store library, for
 * benchmarks and for trying export/diff/report on big runs.
 *
 *   mkrun DIR N [--seed S] [--shards K] [--perturb P] [--servers M] [--partition K/N]
 *               [--old-format]
 *
 * Row i is a function of i alone (name, status, problems, CAA, zone, nameservers, sources), so two
 * runs of the same N describe the same inventory. --perturb P (0..1) makes a "second night": a
 * share P of the rows, chosen with --seed, get another status and problems, another CAA set, or
 * are dropped, and P * N / 10 new names are added. Statuses follow a skewed mix (90 % OK).
 * --servers M writes M per-server rows (default N / 10). --partition K/N writes only the rows of
 * partition K of N (by registered domain, as scan --partition does) and records it in the
 * manifest as a scan does, so that N such runs are the parts of one job for caascan merge.
 * --old-format writes a run as caascan wrote them before the fail_pct column (schema 2: the
 * result table without fail_pct), for the tests that older runs still read.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "caascan/manifest.h"
#include "caascan/partition.h"
#include "caascan/problem.h"
#include "caascan/result.h"
#include "caascan/shard.h"

static uint64_t splitmix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* Status from a uniform 0..9999 draw: the mix of a large inventory. */
static cs_status pick_status(unsigned d)
{
    static const struct {
        unsigned upto;
        cs_status st;
    } mix[] = {
        {9000, CS_ST_OK},       {9400, CS_ST_AT_RISK},      {9600, CS_ST_CAA_FORBIDS},
        {9700, CS_ST_SERVFAIL}, {9800, CS_ST_TIMEOUT},      {9900, CS_ST_FLAKY},
        {9950, CS_ST_NXDOMAIN}, {9980, CS_ST_DNSSEC_BOGUS}, {10000, CS_ST_INVALID},
    };
    for (size_t i = 0; i < sizeof(mix) / sizeof(mix[0]); i++)
        if (d < mix[i].upto)
            return mix[i].st;
    return CS_ST_OK;
}

static cs_problems problems_for(cs_status st, uint64_t r)
{
    switch (st) {
    case CS_ST_AT_RISK:
        return CS_PB_BIT(CS_PB_AUTH_NOTIMP + (int)(r % 5));
    case CS_ST_CAA_FORBIDS:
        return CS_PB_BIT(CS_PB_CAA_NOT_AUTHORIZED);
    case CS_ST_SERVFAIL:
        return CS_PB_BIT(CS_PB_RESOLVER_SERVFAIL) | CS_PB_BIT(CS_PB_AUTH_SERVFAIL);
    case CS_ST_TIMEOUT:
        return CS_PB_BIT(CS_PB_RESOLVER_TIMEOUT) | CS_PB_BIT(CS_PB_AUTH_TIMEOUT);
    case CS_ST_FLAKY:
        return CS_PB_BIT(CS_PB_INTERMITTENT) | CS_PB_BIT(CS_PB_RESOLVER_SERVFAIL);
    case CS_ST_DNSSEC_BOGUS:
        return CS_PB_BIT(CS_PB_DNSSEC_BOGUS);
    case CS_ST_INVALID:
        return CS_PB_BIT(CS_PB_INVALID_NAME);
    default:
        return 0;
    }
}

struct row_text {
    char name[128], problems[256], caa[160], zone[64], ns[160], detail[256], sources[96];
    char fail_pct[8];
    const char *status, *issuable;
};

/* Fills t for row i; variant != 0 gives the perturbed version. */
static void make_row(uint64_t i, uint64_t variant, struct row_text *t)
{
    uint64_t r = splitmix64(i * 2654435761u + variant);
    uint64_t zone = i / 7; /* about 7 names a zone */
    snprintf(t->zone, sizeof(t->zone), "customer%06" PRIu64 ".example", zone);
    static const char *const labels[] = {"www", "shop", "api", "mail", "cdn", "app", "*.static"};
    snprintf(t->name, sizeof(t->name), "%s.%s", labels[i % 7], t->zone);
    cs_status st = pick_status((unsigned)(r % 10000));
    t->status = cs_status_name(st);
    t->issuable = st == CS_ST_OK || st == CS_ST_AT_RISK ? "yes"
                  : st == CS_ST_FLAKY                   ? "unknown"
                                                        : "no";
    cs_problems_format(problems_for(st, r >> 20), t->problems, sizeof(t->problems));
    /* fail_pct as a scan writes it: 0 for passing names, 100 for certain failures, an estimate
     * for FLAKY ones (1.5 to 98.5), empty for INVALID. */
    if (st == CS_ST_FLAKY)
        snprintf(t->fail_pct, sizeof(t->fail_pct), "%u.5", 1 + (unsigned)((r >> 40) % 98));
    else
        snprintf(t->fail_pct, sizeof(t->fail_pct), "%s",
                 st == CS_ST_INVALID                                             ? ""
                 : st == CS_ST_OK || st == CS_ST_AT_RISK || st == CS_ST_NXDOMAIN ? "0"
                                                                                 : "100");
    unsigned provider = (unsigned)(zone % 50);
    snprintf(t->ns, sizeof(t->ns), "ns1.dns%02u.test/127.0.%u.1;ns2.dns%02u.test/127.0.%u.2",
             provider, provider, provider, provider);
    if (st == CS_ST_CAA_FORBIDS)
        snprintf(t->caa, sizeof(t->caa), "0 issue \"other-ca.test\"");
    else if ((r >> 8) % 3 == 0)
        snprintf(t->caa, sizeof(t->caa),
                 "0 issue \"letsencrypt.org\";0 iodef \"mailto:hostmaster@%s\"", t->zone);
    else
        t->caa[0] = '\0';
    if (st == CS_ST_OK)
        t->detail[0] = '\0';
    else
        snprintf(t->detail, sizeof(t->detail),
                 "ns1.dns%02u.test (127.0.%u.1) answered %s to CAA %s; 2 of 3 lookups via "
                 "127.0.0.53 returned SERVFAIL",
                 provider, provider, (r >> 30) % 2 ? "NOTIMP" : "REFUSED", t->name);
    snprintf(t->sources, sizeof(t->sources), "customers.csv:%" PRIu64 ";crtsh:%" PRIu64, i + 2,
             1000000 + zone);
}

static void usage(void)
{
    fprintf(stderr, "usage: mkrun DIR N [--seed S] [--shards K] [--perturb P] [--servers M] "
                    "[--partition K/N] [--old-format]\n");
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        usage();
        return 2;
    }
    const char *dir = argv[1];
    char *end;
    uint64_t n = strtoull(argv[2], &end, 10), seed = 1, nservers = UINT64_MAX;
    unsigned shards = CS_SHARDS_DEFAULT, part_k = 0, part_n = 0;
    double perturb = 0;
    bool old_format = false;
    if (*end) {
        usage();
        return 2;
    }
    for (int i = 3; i < argc; i += 2) {
        if (strcmp(argv[i], "--old-format") == 0) {
            old_format = true;
            i--;
        } else if (i + 1 == argc) {
            usage();
            return 2;
        } else if (strcmp(argv[i], "--seed") == 0)
            seed = strtoull(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--shards") == 0)
            shards = (unsigned)strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--perturb") == 0)
            perturb = strtod(argv[i + 1], NULL);
        else if (strcmp(argv[i], "--servers") == 0)
            nservers = strtoull(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--partition") == 0 &&
                 sscanf(argv[i + 1], "%u/%u", &part_k, &part_n) == 2 && part_k >= 1 &&
                 part_k <= part_n)
            ;
        else {
            usage();
            return 2;
        }
    }
    if (nservers == UINT64_MAX)
        nservers = n / 10;
    char err[8192];
    cs_run *run;
    if (cs_run_create(&run, dir, CS_RUN_OVERWRITE, err, sizeof(err)) != CS_OK) {
        fprintf(stderr, "mkrun: %s\n", err);
        return 3;
    }
    /* The result header: without fail_pct in the old format. */
    const char *header[CS_RC_COUNT];
    size_t ncols = 0;
    for (size_t c = 0; c < CS_RC_COUNT; c++)
        if (!old_format || c != CS_RC_FAIL_PCT)
            header[ncols++] = cs_result_col_name((cs_result_col)c);
    cs_shard_writer *w = NULL, *ws = NULL;
    cs_manifest *m = cs_manifest_new();
    if (!m || cs_shard_writer_open(&w, dir, "results", header, ncols, shards) != CS_OK ||
        cs_shard_writer_open(&ws, dir, "servers", cs_table_header(CS_TABLE_SERVERS), CS_SC_COUNT,
                             shards) != CS_OK) {
        fprintf(stderr, "mkrun: cannot start the writers (bad --shards?)\n");
        cs_run_abort(run);
        return 2;
    }
    cs_manifest_set_started(m, time(NULL));
    cs_manifest_set_ca(m, "letsencrypt.org");
    cs_manifest_add_resolver(m, "127.0.0.53");
    json_object_set_new(cs_manifest_options(m), "generator", json_string("mkrun"));
    json_object_set_new(cs_manifest_options(m), "perturb", json_real(perturb));
    uint64_t counts[CS_ST_COUNT] = {0};
    uint64_t threshold = (uint64_t)(perturb * 1000000.0);
    uint64_t added = (uint64_t)(perturb * (double)n / 10.0);
    struct row_text t;
    cs_err rc = CS_OK;
    for (uint64_t i = 0; i < n + added && rc == CS_OK; i++) {
        uint64_t pick = splitmix64(i ^ (seed << 32)) % 1000000;
        bool changed = i < n && pick < threshold;
        if (changed && pick % 10 == 0)
            continue; /* removed tonight */
        make_row(i, changed ? seed : 0, &t);
        if (part_n > 1 && cs_partition_of(t.name, true, part_n) != part_k - 1)
            continue;
        const char *f[CS_RC_COUNT] = {
            t.name,
            t.status,
            t.issuable,
            t.fail_pct,
            t.problems,
            "",
            t.caa[0] ? t.zone : "",
            t.caa,
            t.zone,
            t.ns,
            "NOERROR",
            "",
            t.detail,
            t.sources,
            "2026-11-23T02:00:00Z",
        };
        counts[cs_status_parse(t.status)]++;
        if (old_format)
            memmove(&f[CS_RC_FAIL_PCT], &f[CS_RC_FAIL_PCT + 1],
                    (CS_RC_COUNT - CS_RC_FAIL_PCT - 1) * sizeof(f[0]));
        rc = cs_shard_writer_add(w, f);
    }
    for (uint64_t i = 0; i < nservers && rc == CS_OK; i++) {
        char zone[64], ns[64], addr[32], serial[24], rtt[16];
        unsigned provider = (unsigned)((i / 2) % 50);
        snprintf(zone, sizeof(zone), "customer%06" PRIu64 ".example", i / 2);
        snprintf(ns, sizeof(ns), "ns%u.dns%02u.test", (unsigned)(i % 2) + 1, provider);
        snprintf(addr, sizeof(addr), "127.0.%u.%u", provider, (unsigned)(i % 2) + 1);
        snprintf(serial, sizeof(serial), "%" PRIu64, 2026112300 + i % 3);
        snprintf(rtt, sizeof(rtt), "%u", (unsigned)(splitmix64(i) % 90) + 1);
        if (part_n > 1 && cs_partition_of(zone, true, part_n) != part_k - 1)
            continue;
        const char *f[CS_SC_COUNT] = {zone,   ns,  addr, i % 97 == 0 ? "AUTH_NOTIMP" : "",
                                      serial, rtt, "9",  ""};
        rc = cs_shard_writer_add(ws, f);
    }
    if (rc == CS_OK)
        rc = cs_shard_writer_finish(w);
    if (rc == CS_OK)
        rc = cs_shard_writer_finish(ws);
    if (rc != CS_OK) {
        fprintf(stderr, "mkrun: %s\n",
                cs_shard_writer_error(w)[0] ? cs_shard_writer_error(w) : cs_shard_writer_error(ws));
        cs_shard_writer_abort(w);
        cs_shard_writer_abort(ws);
        cs_run_abort(run);
        return 3;
    }
    for (int s = 0; s < CS_ST_COUNT; s++)
        cs_manifest_set_status_count(m, (cs_status)s, counts[s]);
    char digest[64];
    snprintf(digest, sizeof(digest), "mkrun-%" PRIu64 "-%" PRIu64, n, seed);
    cs_manifest_set_member(m, "input_digest", json_string(digest));
    if (part_n > 1)
        cs_manifest_set_member(m, "partition",
                               json_pack("{s:i, s:i, s:s}", "k", (int)part_k, "n", (int)part_n,
                                         "rule", CS_PARTITION_RULE));
    cs_manifest_set_table(m, CS_TABLE_RESULTS, header, ncols, w);
    if (old_format)
        cs_manifest_set_member(m, "schema_version", json_integer(2));
    cs_manifest_set_table(m, CS_TABLE_SERVERS, cs_table_header(CS_TABLE_SERVERS), CS_SC_COUNT, ws);
    if (cs_run_finish(run, m, err, sizeof(err)) != CS_OK) {
        fprintf(stderr, "mkrun: %s\n", err);
        return 3;
    }
    cs_manifest_free(m);
    cs_shard_writer_free(w);
    cs_shard_writer_free(ws);
    return 0;
}
