/*
 * cmd_lookup.c -- caascan lookup: plain bulk lookups through the engine, one JSON line per name.
 *
 * Names come from the arguments and files ('-' or no argument: standard input), one a line;
 * blank lines and lines starting with '#' are skipped. Every name read ends as exactly one output
 * line, in the order answers complete. Reading is paced by the engine: at most about twice the
 * in-flight cap of names wait in memory, whatever the size of the input.
 */
#include "commands.h"
#include "options.h"

#include "caascan/answer_json.h"
#include "caascan/engine.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage_text[] =
    "usage: caascan lookup -t TYPE [options] [NAME|FILE|-]...\n"
    "\n"
    "Bulk DNS lookups, one JSON line per name on standard output (or -o FILE).\n"
    "An argument that is '-' or a readable file is read as a list of names, one a line;\n"
    "any other argument is a name. Without arguments, names are read from standard input.\n"
    "\n"
    "  -t, --type TYPE          record type (A, AAAA, CAA, SOA, NS, TXT, ...; default A)\n"
    "  -r, --resolvers LIST     resolvers: IP[:port],... or FILE (default: /etc/resolv.conf)\n"
    "  -s, --server IP[:port]   ask this server directly, without recursion (RD=0)\n"
    "      --qps N              global query rate limit (default 0: none)\n"
    "      --resolver-qps N     rate limit per resolver (default 0: none)\n"
    "      --auth-qps N         rate limit for --server (default 0: none)\n"
    "      --max-inflight N     queries in flight at most (default 2000)\n"
    "      --resolver-inflight N  of those, on one resolver at most (default 128)\n"
    "      --auth-inflight N    of those, on the --server address at most (default 32)\n"
    "      --attempts N         attempts per name, each on another resolver (default 3)\n"
    "      --timeout MS         longest wait for one attempt (default 4000)\n"
    "      --min-timeout MS     shortest wait, however fast the server (default 1000)\n"
    "      --dnssec             set the DO bit\n"
    "      --cd                 set the CD bit (checking disabled)\n"
    "      --norecurse          clear the RD bit\n"
    "      --tcp                ask over TCP only\n"
    "      --no-edns            send no OPT record\n"
    "  -o, --output FILE        write the JSON lines to FILE\n"
    "  -q, --quiet              no summary on standard error\n"
    "  -h, --help               this text\n";

struct lookup {
    struct event_base *base;
    struct cs_engine *engine;
    struct cs_query_spec spec;
    struct cs_addr server;
    FILE *out;
    char **args;
    int nargs, argi;
    FILE *in;
    const char *in_name;
    char *line;
    size_t linecap;
    bool eof;
    bool io_error;
    size_t window;
    uint64_t names, written, invalid;
    struct cs_answer_writer *writer;
};

static void on_answer(struct cs_answer *ans, void *arg);

/* Writes one line (line NULL: the writer failed, out of memory). */
static void write_line(struct lookup *L, const char *line, size_t len)
{
    if (!line || fwrite(line, 1, len, L->out) != len || fputc('\n', L->out) == EOF)
        L->io_error = true;
}

/* Opens the next argument as input; returns false at the end of the arguments. */
static bool next_source(struct lookup *L, const char **single_name)
{
    *single_name = NULL;
    if (L->nargs == 0 && L->argi == 0) {
        L->argi = 1;
        L->in = stdin;
        L->in_name = "-";
        return true;
    }
    if (L->argi >= L->nargs)
        return false;
    const char *a = L->args[L->argi++];
    struct stat st;
    if (strcmp(a, "-") == 0) {
        L->in = stdin;
        L->in_name = "-";
    } else if (stat(a, &st) == 0 && !S_ISDIR(st.st_mode)) {
        L->in = fopen(a, "r");
        if (!L->in) {
            fprintf(stderr, "caascan: lookup: %s: %s\n", a, strerror(errno));
            L->io_error = true;
            return next_source(L, single_name);
        }
        L->in_name = a;
    } else {
        *single_name = a;
    }
    return true;
}

static void emit_invalid(struct lookup *L, const char *name, const char *why)
{
    char tbuf[16];
    json_t *j = json_object();
    /* Mnemonics and error texts are ASCII; the name goes through cs_json_octets(). */
    if (json_object_set_new_nocheck(j, "name",
                                    cs_json_octets((const uint8_t *)name, strlen(name))) ||
        json_object_set_new_nocheck(
            j, "type", json_string_nocheck(cs_rr_type_name(L->spec.qtype, tbuf, sizeof(tbuf)))) ||
        json_object_set_new_nocheck(j, "outcome", json_string_nocheck("invalid_name")) ||
        json_object_set_new_nocheck(j, "error", json_string_nocheck(why))) {
        json_decref(j);
        j = NULL;
    }
    size_t len = 0;
    const char *line = cs_answer_writer_dump(L->writer, j, &len);
    write_line(L, line, len);
    json_decref(j);
    L->written++;
    L->invalid++;
}

static void submit_name(struct lookup *L, const char *name)
{
    L->names++;
    L->spec.name = name;
    cs_err err = cs_engine_submit(L->engine, &L->spec);
    if (err == CS_EINVAL)
        emit_invalid(L, name, "not a valid domain name");
    else if (err != CS_OK)
        emit_invalid(L, name, cs_strerror(err));
}

/* Reads and submits names until the window is full or the input ends. */
static void feed(struct lookup *L)
{
    while (!L->eof && cs_engine_pending(L->engine) < L->window) {
        if (!L->in) {
            const char *single;
            if (!next_source(L, &single)) {
                L->eof = true;
                break;
            }
            if (single) {
                submit_name(L, single);
                continue;
            }
        }
        ssize_t n = getline(&L->line, &L->linecap, L->in);
        if (n < 0) {
            if (ferror(L->in)) {
                fprintf(stderr, "caascan: lookup: %s: %s\n", L->in_name, strerror(errno));
                L->io_error = true;
            }
            if (L->in != stdin)
                fclose(L->in);
            L->in = NULL;
            continue;
        }
        bool has_nul = memchr(L->line, '\0', (size_t)n) != NULL;
        char *s = L->line;
        while (*s == ' ' || *s == '\t')
            s++;
        size_t len = strlen(s);
        while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r' || s[len - 1] == ' ' ||
                           s[len - 1] == '\t'))
            s[--len] = '\0';
        if (has_nul) {
            L->names++;
            emit_invalid(L, s, "a NUL byte inside the name");
            continue;
        }
        if (len == 0 || s[0] == '#')
            continue;
        submit_name(L, s);
    }
    if (L->eof && cs_engine_pending(L->engine) == 0)
        event_base_loopbreak(L->base);
}

static void on_answer(struct cs_answer *ans, void *arg)
{
    struct lookup *L = arg;
    size_t len = 0;
    const char *line = cs_answer_writer_line(L->writer, ans, &len);
    write_line(L, line, len);
    L->written++;
    feed(L);
}

int cmd_lookup(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"type", required_argument, 0, 't'},
        {"resolvers", required_argument, 0, 'r'},
        {"server", required_argument, 0, 's'},
        {"qps", required_argument, 0, 1},
        {"resolver-qps", required_argument, 0, 2},
        {"auth-qps", required_argument, 0, 3},
        {"max-inflight", required_argument, 0, 4},
        {"attempts", required_argument, 0, 5},
        {"timeout", required_argument, 0, 6},
        {"min-timeout", required_argument, 0, 7},
        {"dnssec", no_argument, 0, 8},
        {"cd", no_argument, 0, 9},
        {"norecurse", no_argument, 0, 10},
        {"tcp", no_argument, 0, 11},
        {"no-edns", no_argument, 0, 12},
        {"resolver-inflight", required_argument, 0, 13},
        {"auth-inflight", required_argument, 0, 14},
        {"output", required_argument, 0, 'o'},
        {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    struct lookup L;
    memset(&L, 0, sizeof(L));
    struct cs_engine_config cfg;
    cs_engine_config_default(&cfg);
    const char *resolvers = NULL, *server = NULL, *outpath = NULL;
    uint16_t qtype = LDNS_RR_TYPE_A;
    unsigned flags = CS_QF_RD;
    bool quiet = false;
    unsigned long v;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":t:r:s:o:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 't':
            if (!opt_qtype("lookup", optarg, &qtype))
                return CS_EXIT_USAGE;
            break;
        case 'r':
            resolvers = optarg;
            break;
        case 's':
            server = optarg;
            break;
        case 1:
            if (!opt_rate("lookup", "--qps", optarg, &cfg.qps_mq))
                return CS_EXIT_USAGE;
            break;
        case 2:
            if (!opt_rate("lookup", "--resolver-qps", optarg, &cfg.resolver_qps_mq))
                return CS_EXIT_USAGE;
            break;
        case 3:
            if (!opt_rate("lookup", "--auth-qps", optarg, &cfg.auth_qps_mq))
                return CS_EXIT_USAGE;
            break;
        case 4:
            if (!opt_uint("lookup", "--max-inflight", optarg, 1, 1000000, &v))
                return CS_EXIT_USAGE;
            cfg.max_inflight = (unsigned)v;
            break;
        case 5:
            if (!opt_uint("lookup", "--attempts", optarg, 1, CS_MAX_ATTEMPTS, &v))
                return CS_EXIT_USAGE;
            cfg.attempts = (unsigned)v;
            break;
        case 6:
            if (!opt_uint("lookup", "--timeout", optarg, 1, 600000, &v))
                return CS_EXIT_USAGE;
            cfg.timeout_ms = (uint32_t)v;
            break;
        case 7:
            if (!opt_uint("lookup", "--min-timeout", optarg, 1, 600000, &v))
                return CS_EXIT_USAGE;
            cfg.min_timeout_ms = (uint32_t)v;
            break;
        case 8:
            flags |= CS_QF_DO;
            break;
        case 9:
            flags |= CS_QF_CD;
            break;
        case 10:
            flags &= ~(unsigned)CS_QF_RD;
            break;
        case 11:
            flags |= CS_QF_TCP_ONLY;
            break;
        case 12:
            flags |= CS_QF_NOEDNS;
            break;
        case 13:
            if (!opt_uint("lookup", "--resolver-inflight", optarg, 1, 1000000, &v))
                return CS_EXIT_USAGE;
            cfg.resolver_inflight = (unsigned)v;
            break;
        case 14:
            if (!opt_uint("lookup", "--auth-inflight", optarg, 1, 1000000, &v))
                return CS_EXIT_USAGE;
            cfg.auth_inflight = (unsigned)v;
            break;
        case 'o':
            outpath = optarg;
            break;
        case 'q':
            quiet = true;
            break;
        case 'h':
            fputs(usage_text, stdout);
            return CS_EXIT_OK;
        default:
            return opt_fail("lookup", c, argv, longopts);
        }
    }
    if (resolvers && server) {
        fprintf(stderr, "caascan: lookup: give either --resolvers or --server, not both\n");
        return CS_EXIT_USAGE;
    }

    struct cs_resolver_pool pool;
    struct cs_resolver_pool *poolp = NULL;
    if (server) {
        if (cs_addr_parse(server, 53, &L.server) != CS_OK) {
            fprintf(stderr, "caascan: lookup: --server: '%s' is not an IP address\n", server);
            return CS_EXIT_USAGE;
        }
        flags &= ~(unsigned)CS_QF_RD;
        L.spec.server = &L.server;
    } else {
        int rc = opt_pool("lookup", resolvers, cfg.min_timeout_ms, &pool);
        if (rc != CS_EXIT_OK)
            return rc;
        poolp = &pool;
    }

    L.out = stdout;
    if (outpath && !(L.out = fopen(outpath, "w"))) {
        fprintf(stderr, "caascan: lookup: %s: %s\n", outpath, strerror(errno));
        if (poolp)
            cs_pool_free(poolp);
        return CS_EXIT_USAGE;
    }
    static char outbuf[1 << 16];
    setvbuf(L.out, outbuf, _IOFBF, sizeof(outbuf));

    L.writer = cs_answer_writer_new();
    L.base = L.writer ? event_base_new() : NULL;
    L.engine = L.base ? cs_engine_new(L.base, &cfg, poolp) : NULL;
    if (!L.engine) {
        fprintf(stderr, "caascan: lookup: cannot start the engine: %s\n", strerror(errno));
        return CS_EXIT_RUNTIME;
    }
    L.spec.qtype = qtype;
    L.spec.flags = flags;
    L.spec.cb = on_answer;
    L.spec.arg = &L;
    L.args = argv + optind;
    L.nargs = argc - optind;
    /* Names queued in the engine: twice what can be in flight at once, which with one --server
     * is its own cap, not the global one (each queued name holds a query block). */
    size_t inflight = server ? cfg.auth_inflight : (size_t)cfg.resolver_inflight * pool.n;
    L.window = 2 * (inflight < cfg.max_inflight ? inflight : cfg.max_inflight);

    uint64_t t0 = cs_now_ns();
    feed(&L);
    if (!(L.eof && cs_engine_pending(L.engine) == 0))
        event_base_dispatch(L.base);
    double secs = (double)(cs_now_ns() - t0) / 1e9;

    struct cs_engine_stats st;
    cs_engine_get_stats(L.engine, &st);
    if (fflush(L.out) != 0 || ferror(L.out)) {
        fprintf(stderr, "caascan: lookup: writing the output: %s\n", strerror(errno));
        L.io_error = true;
    }
    if (L.out != stdout)
        fclose(L.out);
    if (!quiet)
        fprintf(stderr,
                "caascan: lookup: %llu names in %.2f s (%.0f/s): %llu answers, %llu timeouts, "
                "%llu case mismatches, %llu TCP fallbacks, %llu network errors, %llu invalid; "
                "%llu queries sent; %llu unsolicited, %llu wrong-source, %llu wrong-question "
                "packets ignored\n",
                (unsigned long long)L.names, secs, secs > 0 ? (double)L.names / secs : 0.0,
                (unsigned long long)st.answers, (unsigned long long)st.timeouts,
                (unsigned long long)st.case_mismatches, (unsigned long long)st.tcp_fallbacks,
                (unsigned long long)st.neterrs + st.tcp_failures, (unsigned long long)L.invalid,
                (unsigned long long)(st.sent_udp + st.sent_tcp), (unsigned long long)st.unsolicited,
                (unsigned long long)st.wrong_source, (unsigned long long)st.wrong_question);
    cs_engine_free(L.engine);
    event_base_free(L.base);
    if (poolp)
        cs_pool_free(poolp);
    free(L.line);
    cs_answer_writer_free(L.writer);
    if (L.written != L.names) {
        fprintf(stderr, "caascan: lookup: %llu names read but %llu written\n",
                (unsigned long long)L.names, (unsigned long long)L.written);
        return CS_EXIT_RUNTIME;
    }
    return L.io_error ? CS_EXIT_RUNTIME : CS_EXIT_OK;
}
