/*
 * cmd_check.c -- caascan check: the scan's checks for a few names, explained step by step for a
 * person: each level of the climb, what every resolver answered, which set is relevant and why
 * the CA would or would not issue.
 */
#include "commands.h"
#include "options.h"

#include "caascan/csvout.h"
#include "caascan/fail_model.h"
#include "caascan/name.h"
#include "caascan/scan.h"

#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
    "usage: caascan check [options] NAME...\n"
    "\n"
    "Checks each NAME as a CA's CAA check would and explains every step.\n"
    "Exit status 0 when every name is issuable, 1 when one is not (or unknown).\n"
    "\n"
    "  -r, --resolvers LIST       resolvers: IP[:port],... or FILE (default: /etc/resolv.conf)\n"
    "      --ca DOMAIN            CA issuer domain (default letsencrypt.org)\n"
    "      --account-uri URI      ACME account URI, for RFC 8657 accounturi\n"
    "      --validation-method M  http-01, dns-01, tls-alpn-01, ...\n" OPT_MODEL_USAGE
    "      --attempts N           lookups of every CAA level (default 3)\n"
    "      --timeout MS           longest wait for one query (default 8000)\n"
    "      --min-timeout MS       shortest wait (default 8000)\n"
    "      --json                 one JSON object a line per name (status, problems, fixes,\n"
    "                             levels, servers) instead of the explanation\n" OPT_AUTH_USAGE
    "  -h, --help                 this text\n";

struct check {
    struct event_base *base;
    const struct cs_resolver_pool *pool;
    const struct cs_caa_policy *policy;
    unsigned not_ok;
    unsigned auth_tries;
    bool json;
    bool json_failed; /* out of memory or a write error while writing JSON */
};

/* ---- --json ----------------------------------------------------------------------------- */

/* A JSON string; invalid UTF-8 becomes '?' rather than losing the object. */
static json_t *jstr(const char *s)
{
    json_t *v = json_string(s ? s : "");
    if (v || !s)
        return v;
    char copy[2048];
    size_t i = 0;
    for (; s[i] && i + 1 < sizeof(copy); i++)
        copy[i] = (unsigned char)s[i] >= 0x80 ? '?' : s[i];
    copy[i] = '\0';
    return json_string(copy);
}

/* A ';'-joined list cell as an array of strings. */
static json_t *jlist(const char *cell)
{
    json_t *a = json_array();
    size_t pos = 0, len;
    const char *item;
    while (a && cell && cs_list_next(cell, &pos, &item, &len)) {
        char buf[2048];
        snprintf(buf, sizeof(buf), "%.*s", (int)len, item);
        json_array_append_new(a, jstr(buf));
    }
    return a;
}

static json_t *jproblems(cs_problems set)
{
    json_t *a = json_array();
    for (int c = 0; a && c < CS_PB_COUNT; c++)
        if (set & CS_PB_BIT(c))
            json_array_append_new(a, json_string(cs_problem_name((cs_problem)c)));
    return a;
}

static json_t *jopt(const char *s)
{
    return s && s[0] ? jstr(s) : json_null();
}

static json_t *jfinding(const struct cs_finding *f, const char *ca)
{
    char text[4096];
    cs_fix_format(f, ca, text, sizeof(text));
    return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "code",
                     cs_problem_name(f->code), "party",
                     cs_party_name(cs_problem_info(f->code)->party), "text", jstr(text), "server",
                     jopt(f->server), "address", jopt(f->address), "name", jopt(f->name), "zone",
                     jopt(f->zone), "qtype", jopt(f->qtype), "answer", jopt(f->answer));
}

static json_t *jtry(const struct cs_resolver_pool *pool, const struct cs_ca_try *t)
{
    static const char *const results[] = {"data", "empty", "nxdomain", "error", "timeout"};
    char rb[16];
    json_t *o =
        json_pack("{s:s, s:s, s:o, s:b, s:b}", "resolver",
                  t->resolver < pool->n ? pool->v[t->resolver].label : "?", "result",
                  (unsigned)t->result < 5 ? results[t->result] : "?", "rcode",
                  t->rcode >= 0 ? json_string(cs_rcode_name((unsigned)t->rcode, rb, sizeof(rb)))
                                : json_null(),
                  "case_mismatch", t->case_mismatch, "dnssec", t->dnssec);
    if (o && t->ede >= 0) {
        json_object_set_new(o, "ede", json_integer(t->ede));
        json_object_set_new(o, "ede_text", jopt(t->ede_text));
    }
    return o;
}

/* The servers of the name's zones, each once: zone, nameserver, address, serial, findings. */
static json_t *jservers(const struct cs_scan_result *res)
{
    json_t *a = json_array();
    const struct cs_auth_result *ar = res->auth;
    for (size_t i = 0; a && ar && i < ar->nlevels; i++) {
        const struct cs_auth_zone *z = ar->zones[i];
        bool seen = !z;
        for (size_t j = 0; j < i && !seen; j++)
            seen = ar->zones[j] == z;
        if (seen)
            continue;
        for (size_t k = 0; k < z->nservers; k++) {
            const struct cs_auth_server *s = &z->servers[k];
            cs_problems found = s->zone_probs;
            for (size_t l = 0; l < ar->nlevels; l++) {
                const struct cs_auth_qname *q = ar->qnames[l];
                if (q && q->zone == z && q->server_probs)
                    found |= q->server_probs[k];
                if (q && q->zone == z && q->server_answer && q->server_answer[k])
                    found |= CS_PB_BIT(CS_PB_AUTH_INCONSISTENT_CAA);
            }
            int rtt = cs_auth_server_rtt_ms(s);
            json_array_append_new(
                a, json_pack("{s:s, s:o, s:o, s:o, s:o, s:o}", "zone", z->apex, "nameserver",
                             jopt(s->ns), "address", jopt(s->ip), "serial",
                             s->has_serial ? json_integer(s->serial) : json_null(), "rtt_ms",
                             rtt >= 0 ? json_integer(rtt) : json_null(), "findings",
                             jproblems(found)));
        }
    }
    return a;
}

static void json_out(struct check *ck, json_t *o)
{
    if (!o ||
        json_dumpf(o, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10)) != 0)
        ck->json_failed = true;
    else
        putchar('\n');
    json_decref(o);
}

static void json_name(struct check *ck, const struct cs_scan_result *res)
{
    const struct cs_verdict *v = res->verdict;
    json_t *fixes = json_array(), *levels = json_array();
    for (size_t i = 0; fixes && i < v->nfindings; i++)
        json_array_append_new(fixes, jfinding(&v->findings[i], ck->policy->ca_domain));
    for (size_t i = 0; levels && i < res->nlevels; i++) {
        const struct cs_ca_level *lv = res->levels[i];
        json_t *tries = json_array();
        for (unsigned k = 0; tries && k < lv->ntries; k++)
            json_array_append_new(tries, jtry(ck->pool, &lv->tries[k]));
        json_array_append_new(levels, json_pack("{s:s, s:b, s:b, s:o}", "name", lv->name,
                                                "relevant", (int)i == v->relevant, "deciding",
                                                (int)i == v->deciding, "tries", tries));
    }
    long tenths = lround(v->fail_pct * 10.0);
    json_out(ck,
             json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
                       "name", res->name, "status", cs_status_name(v->status), "issuable",
                       v->issuable, "fail_pct",
                       tenths % 10 ? json_real((double)tenths / 10.0) : json_integer(tenths / 10),
                       "problems", jproblems(v->problems), "fixes", fixes, "caa_owner",
                       jopt(v->caa_owner), "caa", jlist(v->caa), "zone", jopt(res->zone),
                       "nameservers", jlist(res->nameservers), "ede", jopt(v->ede), "detail",
                       jstr(v->detail), "levels", levels, "servers", jservers(res)));
}

/* An input that is not a name: the same members, nothing looked up. */
static void json_invalid(struct check *ck, const char *input, const char *why)
{
    struct cs_finding f = {.code = CS_PB_INVALID_NAME};
    snprintf(f.name, sizeof(f.name), "%s", input);
    snprintf(f.answer, sizeof(f.answer), "%s", why);
    json_t *fixes = json_array();
    json_array_append_new(fixes, jfinding(&f, ck->policy->ca_domain));
    char detail[600];
    snprintf(detail, sizeof(detail), "not scanned: %s", why);
    json_out(ck, json_pack("{s:o, s:s, s:s, s:n, s:[s], s:o, s:n, s:[], s:n, s:[], s:n, s:s, "
                           "s:[], s:[]}",
                           "name", jstr(input), "status", "INVALID", "issuable", "no", "fail_pct",
                           "problems", "INVALID_NAME", "fixes", fixes, "caa_owner", "caa", "zone",
                           "nameservers", "ede", "detail", detail, "levels", "servers"));
}

/* The fix sentences, one a line, with who must act. */
static void print_fixes(const struct check *ck, const struct cs_verdict *v)
{
    if (!v->nfindings)
        return;
    printf("  fix:\n");
    for (size_t i = 0; i < v->nfindings; i++) {
        char text[4096];
        cs_fix_format(&v->findings[i], ck->policy->ca_domain, text, sizeof(text));
        printf("    [%s] %s\n", cs_party_name(cs_problem_info(v->findings[i].code)->party), text);
    }
}

/* One reply of a server, in a few words: "NOERROR AA, 1 CAA record". */
static void print_reply(const struct cs_auth_reply *r)
{
    char rb[16];
    if (r->rcode < 0) {
        if (r->outcome == CS_OUT_TCP_FAILED && r->truncated)
            printf("TC over UDP, then TCP failed");
        else
            printf("%s", r->outcome == CS_OUT_TIMEOUT ? "no answer" : cs_outcome_name(r->outcome));
        return;
    }
    printf("%s", cs_rcode_name((unsigned)r->rcode, rb, sizeof(rb)));
    if (r->aa)
        printf(" AA");
    if (r->outcome == CS_OUT_CASE_MISMATCH)
        printf(" (case not echoed)");
    if (r->shape == CS_SHAPE_ANSWER)
        printf(r->sig ? " with CAA" : " with an alias");
    else if (r->shape == CS_SHAPE_EMPTY)
        printf(" empty");
    else if (r->shape == CS_SHAPE_NODATA || r->shape == CS_SHAPE_NXDOMAIN)
        printf(r->soa ? " +SOA" : " without SOA");
    if (r->truncated)
        printf(" (TC over UDP)");
}

static void print_auth(const struct check *ck, const struct cs_scan_result *res)
{
    const struct cs_auth_result *ar = res->auth;
    char buf[1024];
    printf("  authoritative servers (each address asked directly, RD=0, 0x20; %u tries):\n",
           ck->auth_tries);
    for (size_t i = 0; i < ar->nlevels; i++) {
        const struct cs_auth_zone *z = ar->zones[i];
        if (!z) {
            printf("    %s: the zone holding it was not found\n", res->levels[i]->name);
            continue;
        }
        bool seen = false;
        for (size_t j = 0; j < i; j++)
            seen |= ar->zones[j] == z;
        if (!seen) {
            printf("    zone %s:%s\n", z->apex, z->nservers ? "" : " no server to ask");
            if (z->why_unchecked)
                printf("      %s\n", z->why_unchecked);
            for (size_t k = 0; k < z->nservers; k++) {
                const struct cs_auth_server *s = &z->servers[k];
                cs_problems_format(s->zone_probs, buf, sizeof(buf));
                printf("      %s (%s)", s->ns ? s->ns : "?", s->ip[0] ? s->ip : "no address");
                if (s->has_serial)
                    printf(" serial %u", (unsigned)s->serial);
                int rtt = cs_auth_server_rtt_ms(s);
                if (rtt >= 0)
                    printf(", RTT %d ms", rtt);
                if (s->has_ns)
                    printf(", NS %s", s->ns_set);
                printf(": %s\n", buf[0] ? buf : "ok");
            }
        }
        const struct cs_auth_qname *q = ar->qnames[i];
        if (!q || !q->replies)
            continue;
        printf("    CAA %s:\n", q->name);
        for (size_t k = 0; k < z->nservers; k++) {
            const struct cs_auth_server *s = &z->servers[k];
            if (!s->has_addr)
                continue;
            printf("      %-34s", s->ns ? s->ns : "?");
            for (unsigned t = 0; t < ck->auth_tries; t++) {
                printf(t ? "; " : " ");
                print_reply(&q->replies[k * ck->auth_tries + t]);
            }
            printf("\n");
        }
    }
}

static void print_try(const struct cs_resolver_pool *pool, const struct cs_ca_try *t)
{
    char rb[16];
    printf("      via %-22s ", t->resolver < pool->n ? pool->v[t->resolver].label : "?");
    if (t->result == CS_TRY_TIMEOUT)
        printf("no answer");
    else if (t->case_mismatch)
        printf("answer with the query name in another case (dropped, as a CA's resolver does)");
    else if (t->rcode < 0)
        printf("malformed answer");
    else
        printf("%s", cs_rcode_name((unsigned)t->rcode, rb, sizeof(rb)));
    if (t->result == CS_TRY_DATA)
        printf(", CAA records");
    else if (t->result == CS_TRY_EMPTY)
        printf(", no CAA records");
    if (t->ede >= 0) {
        const char *n = cs_ede_name((uint16_t)t->ede);
        printf(", EDE %d (%s)%s%s", t->ede, n ? n : "unknown", t->ede_text ? ": " : "",
               t->ede_text ? t->ede_text : "");
    }
    if (t->cd_checked)
        printf(", asked again with CD=1: %s",
               t->cd_rcode < 0 ? "no answer"
                               : cs_rcode_name((unsigned)t->cd_rcode, rb, sizeof(rb)));
    if (t->dnssec)
        printf(" -> DNSSEC validation failure");
    printf("\n");
}

static void on_done(const struct cs_scan_result *res, void *arg)
{
    struct check *ck = arg;
    if (!res->verdict) {
        if (ck->json)
            json_out(ck, json_pack("{s:s, s:s, s:s}", "name", res->name, "status", "ERROR", "error",
                                   cs_strerror(res->error)));
        else
            printf("%s: could not be checked: %s\n\n", res->name, cs_strerror(res->error));
        ck->not_ok++;
        return;
    }
    const struct cs_verdict *v = res->verdict;
    if (ck->json) {
        json_name(ck, res);
        if (strcmp(v->issuable, "yes") != 0)
            ck->not_ok++;
        return;
    }
    char problems[1024];
    cs_problems_format(v->problems, problems, sizeof(problems));
    char pct[16];
    cs_fm_format_pct(v->fail_pct, pct, sizeof(pct));
    printf("%s: %s (issuable: %s; the CAA check fails %s %% of issuance attempts)\n", res->name,
           cs_status_name(v->status), v->issuable, pct);
    if (res->wildcard)
        printf("  a wildcard: the climb starts at %s and issuewild records count when there are "
               "any\n",
               res->levels[0]->name);
    printf("  CAA climb (RFC 8659), %u lookups a level, each via another resolver:\n",
           res->nlevels ? res->levels[0]->ntries : 0);
    bool past = false;
    for (size_t i = 0; i < res->nlevels; i++) {
        const struct cs_ca_level *lv = res->levels[i];
        if (past) {
            printf("    %s: not needed (a lower level decided)\n", lv->name);
            continue;
        }
        printf("    %s%s\n", lv->name,
               (int)i == v->relevant ? "  <- relevant CAA set"
               : (int)i == v->deciding && v->relevant < 0 && v->status != CS_ST_OK &&
                       v->status != CS_ST_NXDOMAIN
                   ? "  <- the check fails here"
                   : "");
        for (unsigned k = 0; k < lv->ntries; k++)
            print_try(ck->pool, &lv->tries[k]);
        if (lv->alias)
            printf("      %s is an alias: the CAA set is the alias target's (%s)\n", lv->name,
                   lv->caa_owner ? lv->caa_owner : "none");
        if ((int)i == v->relevant || (int)i == v->deciding)
            past = (int)i == v->relevant || v->status == CS_ST_SERVFAIL ||
                   v->status == CS_ST_TIMEOUT || v->status == CS_ST_DNSSEC_BOGUS;
    }
    if (res->auth)
        print_auth(ck, res);
    if (v->caa[0])
        printf("  relevant set at %s: %s\n", v->caa_owner, v->caa);
    printf("  CA %s: %s\n", ck->policy->ca_domain, v->detail);
    printf("  problems: %s\n", problems[0] ? problems : "none");
    print_fixes(ck, v);
    printf("\n");
    if (strcmp(v->issuable, "yes") != 0)
        ck->not_ok++;
}

int cmd_check(int argc, char **argv)
{
    enum {
        O_CA = 256,
        O_ACCOUNT,
        O_METHOD,
        O_ATTEMPTS,
        O_TIMEOUT,
        O_MINTIMEOUT,
        O_JSON,
    };
    static const struct option longopts[] = {
        {"resolvers", required_argument, 0, 'r'},
        {"ca", required_argument, 0, O_CA},
        {"account-uri", required_argument, 0, O_ACCOUNT},
        {"validation-method", required_argument, 0, O_METHOD},
        {"attempts", required_argument, 0, O_ATTEMPTS},
        {"timeout", required_argument, 0, O_TIMEOUT},
        {"min-timeout", required_argument, 0, O_MINTIMEOUT},
        {"json", no_argument, 0, O_JSON},
        OPT_AUTH_LONGOPTS,
        OPT_MODEL_LONGOPTS,
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    struct cs_fm_config model;
    bool allowed_given = false;
    cs_fm_config_default(&model);
    struct cs_caa_policy policy = {.ca_domain = "letsencrypt.org", .model = &model};
    struct cs_engine_config cfg;
    cs_engine_config_default(&cfg);
    cfg.timeout_ms = 8000; /* as scan: the resolver's own recursion is waited for */
    cfg.min_timeout_ms = 8000;
    cfg.auth_qps_mq = CS_AUTH_QPS_DEFAULT_MQ;
    struct cs_auth_config acfg;
    cs_auth_config_default(&acfg);
    bool no_auth = false, json = false;
    const char *resolvers = NULL;
    unsigned tries = 3;
    unsigned long v;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":r:h", longopts, NULL)) != -1) {
        bool ok = true;
        switch (c) {
        case 'r':
            resolvers = optarg;
            break;
        case O_CA:
            policy.ca_domain = optarg;
            break;
        case O_ACCOUNT:
            policy.account_uri = optarg;
            break;
        case O_METHOD:
            policy.validation_method = optarg;
            break;
        case O_ATTEMPTS:
            ok = opt_uint("check", "--attempts", optarg, 1, CS_MAX_ATTEMPTS, &v);
            tries = (unsigned)v;
            break;
        case O_TIMEOUT:
            ok = opt_uint("check", "--timeout", optarg, 1, 600000, &v);
            cfg.timeout_ms = (uint32_t)v;
            break;
        case O_MINTIMEOUT:
            ok = opt_uint("check", "--min-timeout", optarg, 1, 600000, &v);
            cfg.min_timeout_ms = (uint32_t)v;
            break;
        case O_JSON:
            json = true;
            break;
        case 'h':
            fputs(usage_text, stdout);
            return CS_EXIT_OK;
        default:
            if (opt_auth("check", c, optarg, &cfg, &acfg, &no_auth, &ok) ||
                opt_model("check", c, optarg, &model, &allowed_given, &ok))
                break;
            return opt_fail("check", c, argv, longopts);
        }
        if (!ok)
            return CS_EXIT_USAGE;
    }
    if (optind >= argc) {
        return opt_missing("check", "no NAME: give at least one name to check");
    }
    char why[256];
    if (cs_caa_policy_check(&policy, why, sizeof(why)) != CS_OK) {
        fprintf(stderr, "caascan: check: %s\n", why);
        return CS_EXIT_USAGE;
    }
    if (!opt_model_finish("check", &model, allowed_given))
        return CS_EXIT_USAGE;
    struct cs_resolver_pool pool;
    int rc = opt_pool("check", resolvers, cfg.min_timeout_ms, &pool);
    if (rc != CS_EXIT_OK)
        return rc;
    struct check ck = {.pool = &pool, .policy = &policy, .auth_tries = acfg.tries, .json = json};
    ck.base = event_base_new();
    struct cs_engine *engine = ck.base ? cs_engine_new(ck.base, &cfg, &pool) : NULL;
    struct cs_scanner *scanner =
        engine ? cs_scanner_new(engine, &pool, tries, &policy, no_auth ? NULL : &acfg) : NULL;
    if (!scanner) {
        fprintf(stderr, "caascan: check: cannot start the engine\n");
        cs_engine_free(engine);
        if (ck.base)
            event_base_free(ck.base);
        cs_pool_free(&pool);
        return CS_EXIT_RUNTIME;
    }
    if (!json) {
        printf("resolvers:");
        for (size_t i = 0; i < pool.n; i++)
            printf(" %s", pool.v[i].label);
        printf("\n\n");
    }
    rc = CS_EXIT_OK;
    /* One name at a time, so that the explanations come in the order asked. */
    for (int i = optind; i < argc; i++) {
        struct cs_name n;
        cs_name_normalize(argv[i], strlen(argv[i]), &n);
        if (n.reason != CS_NAME_OK) {
            if (json) {
                json_invalid(&ck, argv[i], cs_name_reason_text(n.reason));
            } else {
                struct cs_finding f = {.code = CS_PB_INVALID_NAME};
                char text[1024];
                snprintf(f.name, sizeof(f.name), "%s", argv[i]);
                snprintf(f.answer, sizeof(f.answer), "%s", cs_name_reason_text(n.reason));
                cs_fix_format(&f, policy.ca_domain, text, sizeof(text));
                printf("%s: INVALID (not a name a CA would check: %s)\n  fix:\n    [%s] %s\n\n",
                       argv[i], cs_name_reason_text(n.reason),
                       cs_party_name(cs_problem_info(CS_PB_INVALID_NAME)->party), text);
            }
            ck.not_ok++;
            continue;
        }
        if (cs_scanner_submit(scanner, n.text, on_done, &ck) != CS_OK) {
            rc = CS_EXIT_RUNTIME;
            break;
        }
        while (cs_scanner_pending(scanner) > 0 && event_base_loop(ck.base, EVLOOP_ONCE) == 0)
            ;
    }
    if (fflush(stdout) != 0 || ferror(stdout) || ck.json_failed) {
        fprintf(stderr, "caascan: check: cannot write the output\n");
        rc = CS_EXIT_RUNTIME;
    }
    cs_scanner_free(scanner);
    cs_engine_free(engine);
    event_base_free(ck.base);
    cs_pool_free(&pool);
    if (rc == CS_EXIT_OK && ck.not_ok)
        rc = CS_EXIT_FOUND;
    return rc;
}
