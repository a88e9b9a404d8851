/* scan_run.c -- an inventory scanned into a run directory (scan_run.h). */
#include "caascan/scan_run.h"
#include "caascan/fail_model.h"
#include "caascan/journal.h"
#include "caascan/manifest.h"
#include "caascan/partition.h"
#include "caascan/progress.h"
#include "caascan/result.h"
#include "caascan/run_state.h"
#include "caascan/scan.h"
#include "caascan/shard.h"
#include "caascan/strmap.h"

#include <errno.h>
#include <event2/event.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* A per-server row of an earlier session, from the journal: fields, NUL-separated. */
struct saved_server {
    uint32_t session;
    char *cells;
};

/*
 * Signals: SIGINT, SIGTERM and SIGHUP only set this flag; the event loop polls it (SIG_POLL_MS),
 * and so do the loops that run outside it (rows of invalid names, shards, the manifest).
 */
static volatile sig_atomic_t stop_signal;
#define SIG_POLL_MS 100

static void on_stop_signal(int sig)
{
    if (!stop_signal)
        stop_signal = sig;
}

static const int stop_signals[] = {SIGINT, SIGTERM, SIGHUP};

static void signals_install(struct sigaction *saved)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    stop_signal = 0;
    for (size_t i = 0; i < 3; i++) {
        sigaction(stop_signals[i], &sa, &saved[i]);
        /* Under nohup a hangup is meant to be ignored: it stays so. */
        if (stop_signals[i] == SIGHUP && saved[i].sa_handler == SIG_IGN)
            sigaction(SIGHUP, &saved[i], NULL);
    }
}

static void signals_restore(const struct sigaction *saved)
{
    for (size_t i = 0; i < 3; i++)
        sigaction(stop_signals[i], &saved[i], NULL);
}

static void signals_block(bool block)
{
    sigset_t set;
    sigemptyset(&set);
    for (size_t i = 0; i < 3; i++)
        sigaddset(&set, stop_signals[i]);
    sigprocmask(block ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

/*
 * Test hook (docs/run-format.md "Test points"): CAASCAN_TEST_POINT=NAME:kill makes the scanner
 * kill itself with SIGKILL at the named point, NAME:pause makes it say so on stderr and sleep
 * up to 10 s (a signal ends the sleep). Points: "start" (the run directory is locked and the
 * journal read, no name asked yet), "shard" (the first result shard is written, the others not
 * yet), "manifest" (every shard written, manifest.json not yet).
 */
static void test_point(const char *name)
{
    const char *spec = getenv("CAASCAN_TEST_POINT");
    size_t n = strlen(name);
    if (!spec || strncmp(spec, name, n) != 0 || spec[n] != ':')
        return;
    fprintf(stderr, "caascan: test point %s\n", spec);
    if (strcmp(spec + n + 1, "kill") == 0)
        raise(SIGKILL);
    struct timespec ts = {10, 0};
    if (strcmp(spec + n + 1, "pause") == 0 && !stop_signal)
        nanosleep(&ts, NULL);
}

struct scan_state {
    const struct cs_scan_run_options *o;
    struct cs_inventory *inv;
    struct event_base *base;
    struct cs_engine *engine;
    struct cs_resolver_pool pool;
    struct cs_scanner *scanner;
    cs_shard_writer *results;
    size_t ncols;      /* fixed + kept columns */
    size_t next_entry; /* next inventory entry to start */
    size_t count;      /* inventory entries */
    size_t window;     /* names in flight at most */
    size_t skipped;    /* entries of other partitions */
    uint64_t start_ns;
    struct cs_scan_summary *sum;
    cs_err failure; /* the first write error */
    char errmsg[512];
    bool stop;
    struct event *tick;
    struct event *sigpoll; /* checks stop_signal while the loop runs */
    /* Resumable runs (docs/run-format.md "Journal"). */
    cs_journal *journal;              /* NULL with --checkpoint-interval 0 */
    struct event *checkpoint;         /* every o->checkpoint_ms */
    unsigned char *done;              /* bitmap of entries whose rows came from the journal */
    struct cs_strmap journaled_zones; /* zones whose per-server rows this session journaled */
    struct saved_server *saved;       /* per-server rows of earlier sessions */
    size_t nsaved, capsaved;
    uint64_t *session_rows; /* rows per session (index session - 1) */
    unsigned nsessions;
    json_t *run_state; /* run-state.json as written for this session */
    char *cellbuf;     /* sources and kept cells */
    size_t cellcap;
    struct cs_health *health;           /* the resolvers' health gate, NULL when off */
    struct event *health_tick;          /* judges it once a second */
    struct cs_progress_limits limits;   /* what held the scan back, sampled once a second */
    size_t total;                       /* rows the run will write (its partition's) */
    char host_where[64], host_name[64]; /* the last address named in the progress line */
    bool total_known;
};

static void feed(struct scan_state *st);

static void fail(struct scan_state *st, cs_err err, const char *fmt, ...)
{
    if (st->failure != CS_OK)
        return;
    st->failure = err;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->errmsg, sizeof(st->errmsg), fmt, ap);
    va_end(ap);
    st->stop = true;
    event_base_loopbreak(st->base);
}

/* Formats a cell with one of the inventory's snprintf-like writers into a fresh string. */
static char *inv_cell(struct scan_state *st, size_t entry, size_t k, bool kept)
{
    for (;;) {
        size_t need = kept ? cs_inventory_format_kept(st->inv, entry, k, st->cellbuf, st->cellcap)
                           : cs_inventory_format_sources(st->inv, entry, st->cellbuf, st->cellcap);
        if (need < st->cellcap)
            return strdup(st->cellbuf ? st->cellbuf : "");
        char *nb = realloc(st->cellbuf, need + 1);
        if (!nb)
            return NULL;
        st->cellbuf = nb;
        st->cellcap = need + 1;
    }
}

struct zone_journal_ctx {
    struct scan_state *st;
    cs_err err;
};

/* Journals the per-server rows of a zone that is done and not journaled yet in this session. */
static void journal_zone(const struct cs_auth_zone *z, void *arg);

/*
 * A checkpoint: the finished rows buffered since the last one (and the per-server rows of zones
 * done since) are written to the journal as complete frames and made durable. A write error
 * stops the scan.
 */
static void checkpoint(struct scan_state *st)
{
    if (!st->journal || st->failure != CS_OK)
        return;
    if (st->scanner && cs_scanner_auth(st->scanner)) {
        struct zone_journal_ctx zc = {.st = st};
        cs_auth_foreach_zone(cs_scanner_auth(st->scanner), journal_zone, &zc);
        if (zc.err != CS_OK) {
            fail(st, zc.err, "%s", cs_strerror(zc.err));
            return;
        }
    }
    if (cs_journal_flush(st->journal) != CS_OK)
        fail(st, CS_EIO, "%s", cs_journal_error(st->journal));
}

/* Rows buffered past this many bytes are written at once, whatever the interval. */
#define JOURNAL_BUFFER_MAX (4u * 1024 * 1024)

static void on_checkpoint(evutil_socket_t fd, short what, void *arg)
{
    checkpoint(arg);
}

/* Writes one row; fixed holds the CS_RC_COUNT fixed cells except sources, checked_at; other_cas
 * the fallback CAs' cell (a run judged for several CAs has that column; NULL: empty). */
static void write_row(struct scan_state *st, size_t entry, const char **fixed,
                      const char *other_cas)
{
    /* A name ended by a stop (a signal, a write error, the health gate) was not checked: its row
     * is not a result, and on resume the name is asked again. */
    if (st->stop)
        return;
    const char **fields = calloc(st->ncols, sizeof(*fields));
    char **owned = calloc(st->ncols, sizeof(*owned));
    size_t nowned = 0;
    if (!fields || !owned) {
        free(fields);
        free(owned);
        fail(st, CS_ENOMEM, "%s", cs_strerror(CS_ENOMEM));
        return;
    }
    char when[32];
    cs_format_utc(time(NULL), when, sizeof(when));
    for (size_t c = 0; c < CS_RC_COUNT; c++)
        fields[c] = fixed[c] ? fixed[c] : "";
    fields[CS_RC_CHECKED_AT] = when;
    char *sources = inv_cell(st, entry, 0, false);
    fields[CS_RC_SOURCES] = sources ? sources : "";
    bool nomem = !sources;
    size_t extra = st->o->n_other_cas > 0 ? 1 : 0;
    if (extra)
        fields[CS_RC_COUNT] = other_cas ? other_cas : "";
    for (size_t k = 0; k + CS_RC_COUNT + extra < st->ncols; k++) {
        char *cell = inv_cell(st, entry, k, true);
        nomem |= !cell;
        fields[CS_RC_COUNT + extra + k] = cell ? cell : "";
        owned[nowned++] = cell;
    }
    if (nomem) {
        /* A row with a lost cell is not written as if complete. */
        fail(st, CS_ENOMEM, "%s", cs_strerror(CS_ENOMEM));
        goto out;
    }
    cs_err err = cs_shard_writer_add(st->results, fields);
    if (err != CS_OK) {
        fail(st, err, "%s", cs_shard_writer_error(st->results));
        goto out;
    }
    if (st->journal) {
        err = cs_journal_add(st->journal, CS_JOURNAL_RESULT, entry, fields, st->ncols);
        if (err != CS_OK) {
            fail(st, err, "%s", cs_strerror(err));
            goto out;
        }
    }
    /* Counted together, so that no count can exceed the rows (the progress line subtracts). */
    st->sum->rows++;
    cs_status status = cs_status_parse(fields[CS_RC_STATUS]);
    if (status < CS_ST_COUNT)
        st->sum->status[status]++;
    if (st->journal && cs_journal_pending(st->journal) >= JOURNAL_BUFFER_MAX)
        checkpoint(st);
out:
    free(sources);
    for (size_t i = 0; i < nowned; i++)
        free(owned[i]);
    free(owned);
    free(fields);
}

/* The fix sentence of an INVALID row: name is not scanned because of why. */
static const char *invalid_fix(const struct scan_state *st, const char *name, const char *why,
                               char *buf, size_t size)
{
    struct cs_finding f = {.code = CS_PB_INVALID_NAME};
    snprintf(f.name, sizeof(f.name), "%s", name);
    /* A reason longer than the finding's answer is cut there; the row's reason column has it
     * whole. */
    size_t n = strlen(why);
    if (n >= sizeof(f.answer))
        n = sizeof(f.answer) - 1;
    memcpy(f.answer, why, n);
    f.answer[n] = '\0';
    cs_fix_format(&f, st->o->policy.ca_domain, buf, size);
    return buf;
}

struct name_ctx {
    struct scan_state *st;
    size_t entry;
};

/* The health gate failed: the rest of the run is cancelled, no manifest is written. */
static void stop_unhealthy(struct scan_state *st)
{
    char what[1024];
    uint64_t lookups, answered;
    cs_health_totals(st->health, &lookups, &answered);
    st->sum->unhealthy = true;
    fail(st, CS_EIO,
         "stopped early: the resolvers answer too few lookups (%llu of %llu answered; "
         "--min-answered %u %% over --health-window %u s): %s",
         (unsigned long long)answered, (unsigned long long)lookups, st->o->health.min_answered_pct,
         st->o->health.window_s, cs_health_describe(st->health, &st->pool, what, sizeof(what)));
    cs_engine_cancel(st->engine);
}

static void name_address(struct scan_state *st, struct cs_engine_limit *l);

/* Once a second: what holds the scan back is sampled, the health gate judged. */
static void on_health_tick(evutil_socket_t fd, short what, void *arg)
{
    struct scan_state *st = arg;
    struct cs_engine_limits lim;
    cs_engine_get_limits(st->engine, &lim);
    name_address(st, &lim.by_kind[cs_progress_main_limit(&lim)]);
    cs_progress_note(&st->limits, &lim, (double)(cs_now_ns() - st->start_ns) / 1e9);
    if (st->health)
        cs_health_set_tail(st->health, st->next_entry >= st->count);
    if (st->health && !st->stop && cs_health_failing(st->health, cs_now_ns(), false))
        stop_unhealthy(st);
}

static void on_name_done(const struct cs_scan_result *res, void *arg)
{
    struct name_ctx *ctx = arg;
    struct scan_state *st = ctx->st;
    const char *fixed[CS_RC_COUNT] = {NULL};
    char problems[1024], detail[256], fix[1024], pct[16];
    fixed[CS_RC_NAME] = res->name;
    const struct cs_verdict *v = res->verdict;
    if (v) {
        cs_problems_format(v->problems, problems, sizeof(problems));
        cs_fm_format_pct(v->fail_pct, pct, sizeof(pct));
        fixed[CS_RC_STATUS] = cs_status_name(v->status);
        fixed[CS_RC_ISSUABLE] = v->issuable;
        fixed[CS_RC_FAIL_PCT] = pct;
        fixed[CS_RC_PROBLEMS] = problems;
        fixed[CS_RC_FIX] = v->fix;
        fixed[CS_RC_CAA_OWNER] = v->caa_owner;
        fixed[CS_RC_CAA] = v->caa;
        fixed[CS_RC_RESOLVER_RCODE] = v->resolver_rcode;
        fixed[CS_RC_EDE] = v->ede;
        fixed[CS_RC_DETAIL] = v->detail;
        fixed[CS_RC_ZONE] = res->zone;
        fixed[CS_RC_NAMESERVERS] = res->nameservers;
    } else if (res->error == CS_EINVAL) {
        /* The normalizer took it, but a level of it cannot be put in a query. */
        snprintf(detail, sizeof(detail), "not scanned: a level of the name cannot be queried");
        fixed[CS_RC_STATUS] = cs_status_name(CS_ST_INVALID);
        fixed[CS_RC_ISSUABLE] = cs_status_issuable(CS_ST_INVALID);
        fixed[CS_RC_PROBLEMS] = cs_problem_name(CS_PB_INVALID_NAME);
        fixed[CS_RC_FIX] =
            invalid_fix(st, res->name, detail + strlen("not scanned: "), fix, sizeof(fix));
        fixed[CS_RC_DETAIL] = detail;
    } else {
        /* Out of memory: the run fails rather than carry a row that was not checked. */
        fail(st, res->error, "%s: not checked: %s", res->name, cs_strerror(res->error));
        free(ctx);
        return;
    }
    write_row(st, ctx->entry, fixed, v ? v->other_cas : NULL);
    free(ctx);
    feed(st);
}

static void write_invalid(struct scan_state *st, size_t entry, const struct cs_inventory_entry *e)
{
    const char *fixed[CS_RC_COUNT] = {NULL};
    char detail[512], fix[1024];
    struct cs_inventory_source_iter it;
    struct cs_inventory_source src;
    cs_inventory_sources(st->inv, entry, &it);
    if (cs_inventory_source_next(&it, &src))
        snprintf(detail, sizeof(detail), "not scanned: %s (%s:%lu)", cs_name_reason_text(e->reason),
                 src.file, src.line);
    else
        snprintf(detail, sizeof(detail), "not scanned: %s", cs_name_reason_text(e->reason));
    fixed[CS_RC_NAME] = e->name_len ? e->name : "(empty)";
    fixed[CS_RC_STATUS] = cs_status_name(CS_ST_INVALID);
    fixed[CS_RC_ISSUABLE] = cs_status_issuable(CS_ST_INVALID);
    fixed[CS_RC_PROBLEMS] = cs_problem_name(CS_PB_INVALID_NAME);
    fixed[CS_RC_FIX] =
        invalid_fix(st, fixed[CS_RC_NAME], detail + strlen("not scanned: "), fix, sizeof(fix));
    fixed[CS_RC_DETAIL] = detail;
    write_row(st, entry, fixed, NULL);
}

/* Whether the name belongs to this run's partition (--partition K/N, by registered domain). */
static bool in_partition(const struct scan_state *st, const struct cs_inventory_entry *e)
{
    return st->o->partition_n <= 1 || cs_partition_of(e->name, e->reason == CS_NAME_OK,
                                                      st->o->partition_n) == st->o->partition_k - 1;
}

/* Whether the entry's row came from the journal of an earlier session. */
static bool entry_done(const struct scan_state *st, size_t i)
{
    return st->done && (st->done[i / 8] & (1u << (i % 8)));
}

/* A stop signal arrived: the scan stops at once; what is finished stays in the journal. */
static void stop_by_signal(struct scan_state *st)
{
    if (st->sum->interrupted)
        return;
    st->sum->interrupted = true;
    st->sum->signal = stop_signal;
    st->stop = true;
    if (st->base)
        event_base_loopbreak(st->base);
}

/* Announces every name the run will scan, so that the scanner frees each climb level once its
 * last name is done (memory for the levels still to be used, not for every level of the run). */
static void announce(struct scan_state *st)
{
    for (size_t i = 0; i < st->count; i++) {
        struct cs_inventory_entry e;
        cs_inventory_get(st->inv, i, &e);
        if (e.reason == CS_NAME_OK && in_partition(st, &e) && !entry_done(st, i) &&
            cs_scanner_expect(st->scanner, e.name) != CS_OK)
            return; /* out of memory: levels are then kept for the run */
    }
}

/* Starts names until the window is full; ends the loop when everything is written. */
static void feed(struct scan_state *st)
{
    while (!st->stop && st->next_entry < st->count &&
           cs_scanner_pending(st->scanner) < st->window) {
        size_t i = st->next_entry++;
        struct cs_inventory_entry e;
        cs_inventory_get(st->inv, i, &e);
        if (!in_partition(st, &e)) {
            st->skipped++;
            continue;
        }
        if (entry_done(st, i))
            continue;      /* its row came from the journal */
        if (stop_signal) { /* a long stretch of invalid names never returns to the loop */
            stop_by_signal(st);
            break;
        }
        if (e.reason != CS_NAME_OK) {
            write_invalid(st, i, &e);
            continue;
        }
        struct name_ctx *ctx = malloc(sizeof(*ctx));
        if (!ctx) {
            fail(st, CS_ENOMEM, "%s", cs_strerror(CS_ENOMEM));
            return;
        }
        ctx->st = st;
        ctx->entry = i;
        cs_err err = cs_scanner_submit(st->scanner, e.name, on_name_done, ctx);
        if (err != CS_OK) {
            free(ctx);
            fail(st, err, "%s: %s", e.name, cs_strerror(err));
            return;
        }
    }
    if ((st->stop || st->next_entry >= st->count) && cs_scanner_pending(st->scanner) == 0)
        event_base_loopbreak(st->base);
}

struct host_ctx {
    const char *where;
    char *host;
    size_t size;
};

static void find_host(const struct cs_auth_zone *z, void *arg)
{
    struct host_ctx *hc = arg;
    char label[64];
    for (size_t i = 0; i < z->nservers && !hc->host[0]; i++)
        if (z->servers[i].ns &&
            strcmp(cs_addr_format(&z->servers[i].addr, label, sizeof(label)), hc->where) == 0)
            snprintf(hc->host, hc->size, "%s", z->servers[i].ns);
}

/* Names the authoritative address a limit holds queries at (ns1.example.net), from the zones
 * checked so far; the last answer is kept, so that the zones are searched when it changes. */
static void name_address(struct scan_state *st, struct cs_engine_limit *l)
{
    if (l->kind != CS_LIMIT_DEST_QPS && l->kind != CS_LIMIT_DEST_INFLIGHT)
        return;
    if (l->resolver >= 0 || !cs_scanner_auth(st->scanner))
        return;
    if (strcmp(st->host_where, l->where) != 0) {
        snprintf(st->host_where, sizeof(st->host_where), "%s", l->where);
        st->host_name[0] = '\0';
        struct host_ctx hc = {l->where, st->host_name, sizeof(st->host_name)};
        cs_auth_foreach_zone(cs_scanner_auth(st->scanner), find_host, &hc);
    }
    snprintf(l->host, sizeof(l->host), "%s", st->host_name);
}

static void print_progress(struct scan_state *st, bool final)
{
    if (!st->total_known) {
        for (size_t i = 0; i < st->count; i++) {
            struct cs_inventory_entry e;
            cs_inventory_get(st->inv, i, &e);
            st->total += in_partition(st, &e);
        }
        st->total_known = true;
    }
    uint64_t done = st->sum->rows, ok = st->sum->status[CS_ST_OK];
    struct cs_engine_stats es;
    cs_engine_get_stats(st->engine, &es);
    struct cs_progress_counts c = {
        .elapsed_s = (double)(cs_now_ns() - st->start_ns) / 1e9,
        .done = done,
        .resumed = st->sum->resumed_rows,
        .total = st->total,
        .not_ok = done > ok ? done - ok : 0,
        .queries = es.sent_udp + es.sent_tcp,
    };
    struct cs_engine_limits lim;
    cs_engine_get_limits(st->engine, &lim);
    name_address(st, &lim.by_kind[cs_progress_main_limit(&lim)]);
    char line[512];
    cs_progress_format(&c, final ? NULL : &lim, &st->o->engine, line, sizeof(line));
    if (st->o->progress == CS_PROGRESS_BAR) {
        int width = 20;
        int filled =
            st->total ? (int)(width * (done < st->total ? done : st->total) / st->total) : width;
        char bar[64];
        for (int i = 0; i < width; i++)
            bar[i] = i < filled ? '#' : '.';
        bar[width] = '\0';
        fprintf(stderr, "\r[%s] %s\033[K%s", bar, line, final ? "\n" : "");
    } else {
        fprintf(stderr, "caascan: scan: %s\n", line);
    }
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    print_progress(arg, false);
}

static void on_sigpoll(evutil_socket_t fd, short what, void *arg)
{
    struct scan_state *st = arg;
    if (stop_signal)
        stop_by_signal(st);
    /* A checkpoint the journal's thread could not write (a full disk) stops the scan at once. */
    else if (st->journal && cs_journal_failed(st->journal))
        fail(st, CS_EIO, "%s", cs_journal_error(st->journal));
}

struct servers_ctx {
    cs_shard_writer *w;
    struct cs_scan_summary *sum;
    struct cs_strmap *zones; /* the zones written, NULL when not wanted */
    cs_err err;
};

typedef cs_err (*server_row_fn)(const char *const *fields, void *arg);

/* The per-server rows of a zone: one per address of each of its nameservers. */
static cs_err zone_server_rows(const struct cs_auth_zone *z, server_row_fn fn, void *arg)
{
    char findings[1024], serial[16], rtt[16], queries[24];
    for (size_t i = 0; i < z->nservers; i++) {
        const struct cs_auth_server *s = &z->servers[i];
        const char *fields[CS_SC_COUNT];
        cs_problems_format(s->findings, findings, sizeof(findings));
        snprintf(serial, sizeof(serial), "%u", (unsigned)s->serial);
        int ms = cs_auth_server_rtt_ms(s);
        snprintf(rtt, sizeof(rtt), "%d", ms);
        snprintf(queries, sizeof(queries), "%llu", (unsigned long long)s->queries);
        fields[CS_SC_ZONE] = z->apex;
        fields[CS_SC_NAMESERVER] = s->ns ? s->ns : "";
        fields[CS_SC_ADDRESS] = s->ip;
        fields[CS_SC_FINDINGS] = findings;
        fields[CS_SC_SERIAL] = s->has_serial ? serial : "";
        fields[CS_SC_RTT_MS] = ms >= 0 ? rtt : "";
        fields[CS_SC_QUERIES] = queries;
        fields[CS_SC_DETAIL] = s->detail.data ? s->detail.data : "";
        cs_err rc = fn(fields, arg);
        if (rc != CS_OK)
            return rc;
    }
    return CS_OK;
}

static cs_err add_server_row(const char *const *fields, void *arg)
{
    struct servers_ctx *sc = arg;
    cs_err rc = cs_shard_writer_add(sc->w, fields);
    if (rc == CS_OK)
        sc->sum->servers++;
    return rc;
}

/* The per-server table: one row per address of each nameserver of each zone checked. */
static void write_zone_servers(const struct cs_auth_zone *z, void *arg)
{
    struct servers_ctx *sc = arg;
    if (sc->err != CS_OK || !z->done)
        return;
    sc->sum->zones++;
    if (sc->zones && !cs_strmap_get(sc->zones, z->apex))
        sc->err = cs_strmap_put(sc->zones, z->apex, (void *)1);
    if (sc->err == CS_OK)
        sc->err = zone_server_rows(z, add_server_row, sc);
}

static cs_err journal_server_row(const char *const *fields, void *arg)
{
    struct scan_state *st = arg;
    return cs_journal_add(st->journal, CS_JOURNAL_SERVER, 0, fields, CS_SC_COUNT);
}

static void journal_zone(const struct cs_auth_zone *z, void *arg)
{
    struct zone_journal_ctx *zc = arg;
    struct scan_state *st = zc->st;
    if (zc->err != CS_OK || !z->done || cs_strmap_get(&st->journaled_zones, z->apex))
        return;
    zc->err = cs_strmap_put(&st->journaled_zones, z->apex, (void *)1);
    if (zc->err == CS_OK)
        zc->err = zone_server_rows(z, journal_server_row, st);
}

/*
 * The per-server rows of earlier sessions for the zones this session did not check: for each such
 * zone, the rows of the last session that checked it.
 */
static cs_err write_saved_servers(struct scan_state *st, struct servers_ctx *sc)
{
    struct cs_strmap last = {0}; /* zone -> last session that journaled it */
    cs_err rc = CS_OK;
    for (size_t i = 0; rc == CS_OK && i < st->nsaved; i++) {
        const char *zone = st->saved[i].cells;
        void **slot = cs_strmap_slot(&last, zone);
        if (!slot)
            rc = cs_strmap_put(&last, zone, (void *)(uintptr_t)st->saved[i].session);
        else if ((uintptr_t)*slot < st->saved[i].session)
            *slot = (void *)(uintptr_t)st->saved[i].session;
    }
    struct cs_strmap counted = {0};
    for (size_t i = 0; rc == CS_OK && i < st->nsaved; i++) {
        const char *zone = st->saved[i].cells;
        if ((uintptr_t)cs_strmap_get(&last, zone) != st->saved[i].session ||
            cs_strmap_get(sc->zones, zone))
            continue;
        const char *fields[CS_SC_COUNT];
        const char *p = st->saved[i].cells;
        for (size_t c = 0; c < CS_SC_COUNT; c++) {
            fields[c] = p;
            p += strlen(p) + 1;
        }
        if (!cs_strmap_get(&counted, zone)) {
            rc = cs_strmap_put(&counted, zone, (void *)1);
            sc->sum->zones++;
        }
        if (rc == CS_OK)
            rc = add_server_row(fields, sc);
    }
    cs_strmap_free(&counted, NULL);
    cs_strmap_free(&last, NULL);
    return rc;
}

/* Takes one row of the journal of an earlier session (cs_journal_read callback). */
static cs_err take_journal_row(const struct cs_journal_row *row, void *arg)
{
    struct scan_state *st = arg;
    if (row->session > st->nsessions) {
        uint64_t *p = realloc(st->session_rows, row->session * sizeof(*p));
        if (!p)
            return CS_ENOMEM;
        memset(p + st->nsessions, 0, (row->session - st->nsessions) * sizeof(*p));
        st->session_rows = p;
        st->nsessions = row->session;
    }
    if (row->kind == CS_JOURNAL_SERVER) {
        size_t len = 0;
        for (size_t c = 0; c < row->ncols; c++)
            len += strlen(row->fields[c]) + 1;
        if (st->nsaved == st->capsaved) {
            size_t cap = st->capsaved ? st->capsaved * 2 : 64;
            struct saved_server *v = realloc(st->saved, cap * sizeof(*v));
            if (!v)
                return CS_ENOMEM;
            st->saved = v;
            st->capsaved = cap;
        }
        char *cells = malloc(len), *q = cells;
        if (!cells)
            return CS_ENOMEM;
        for (size_t c = 0; c < row->ncols; c++) {
            size_t n = strlen(row->fields[c]) + 1;
            memcpy(q, row->fields[c], n);
            q += n;
        }
        st->saved[st->nsaved].session = row->session;
        st->saved[st->nsaved++].cells = cells;
        return CS_OK;
    }
    /* The row must be the entry's: same inputs (the run state says so), same name. */
    struct cs_inventory_entry e;
    cs_inventory_get(st->inv, (size_t)row->entry, &e);
    const char *name = e.reason == CS_NAME_OK || e.name_len ? e.name : "(empty)";
    if (strcmp(row->fields[CS_RC_NAME], name) != 0 || !in_partition(st, &e))
        return CS_EMISMATCH;
    if (!cs_journal_row_stands(row->fields[CS_RC_STATUS], row->fields[CS_RC_PROBLEMS]))
        return CS_JOURNAL_DECLINE; /* asked again in this session */
    cs_err rc = cs_shard_writer_add(st->results, row->fields);
    if (rc != CS_OK)
        return rc;
    st->done[row->entry / 8] |= (unsigned char)(1u << (row->entry % 8));
    st->sum->rows++;
    st->sum->resumed_rows++;
    st->session_rows[row->session - 1]++;
    cs_status status = cs_status_parse(row->fields[CS_RC_STATUS]);
    if (status < CS_ST_COUNT)
        st->sum->status[status]++;
    return CS_OK;
}

static cs_err fill_manifest(struct scan_state *st, cs_manifest *m, time_t started)
{
    const struct cs_scan_run_options *o = st->o;
    cs_err err = cs_manifest_set_started(m, started);
    if (!err)
        err = cs_manifest_set_ca(m, o->policy.ca_domain);
    for (size_t i = 0; !err && i < st->pool.n; i++)
        err = cs_manifest_add_resolver(m, st->pool.v[i].label);
    if (!err) {
        /* Every option with the value in effect; what only the command line knows (the input
         * options, the output) as it was given. */
        json_t *eff = cs_scan_options_json(o, st->inv, false);
        err = eff ? CS_OK : CS_ENOMEM;
        const char *key;
        json_t *v;
        if (!err && o->options)
            json_object_foreach((json_t *)o->options, key, v)
            {
                if (!json_object_get(eff, key) && json_object_set(eff, key, v) != 0)
                    err = CS_ENOMEM;
            }
        if (!err && json_object_update(cs_manifest_options(m), eff) != 0)
            err = CS_ENOMEM;
        json_decref(eff);
    }
    if (!err) {
        /* The sessions that made the run: a resumed run has more than one. */
        json_t *saved = json_object_get(st->run_state, "sessions"), *sessions = json_array();
        size_t n = json_array_size(saved);
        err = sessions ? CS_OK : CS_ENOMEM;
        for (size_t i = 0; !err && i < n; i++) {
            uint64_t rows = i + 1 == n          ? st->sum->rows - st->sum->resumed_rows
                            : i < st->nsessions ? st->session_rows[i]
                                                : 0;
            json_t *one = json_pack("{s:I, s:O, s:I}", "session", (json_int_t)i + 1, "started_at",
                                    json_object_get(json_array_get(saved, i), "started_at"),
                                    "names", (json_int_t)rows);
            if (!one || json_array_append_new(sessions, one) != 0)
                err = CS_ENOMEM;
        }
        if (!err)
            err = cs_manifest_set_member(m, "resumed", json_boolean(n > 1));
        if (!err)
            err = cs_manifest_set_member(m, "sessions", sessions);
        else
            json_decref(sessions);
    }
    for (size_t f = 0; !err && f < cs_inventory_file_count(st->inv); f++) {
        const struct cs_inventory_file *file = cs_inventory_file(st->inv, f);
        cs_input_counts c = {
            .path = file->path,
            .format = cs_input_format_name(file->format),
            .lines = file->lines,
            .names = file->names,
            .invalid = file->invalid,
            .duplicates = file->duplicates,
        };
        size_t index;
        err = cs_manifest_add_input(m, &c, &index);
        for (int r = 0; !err && r < CS_NAME_REASON_COUNT; r++)
            if (file->reasons[r])
                err = cs_manifest_add_invalid_reason(m, index, cs_name_reason_text(r),
                                                     file->reasons[r]);
    }
    for (int s = 0; !err && s < CS_ST_COUNT; s++)
        err = cs_manifest_set_status_count(m, (cs_status)s, st->sum->status[s]);
    if (!err)
        err = cs_manifest_set_queries_sent(m, st->sum->queries);
    if (!err) { /* what caascan merge checks: the same inputs, and which partition this is */
        char digest[17];
        cs_inventory_digest(st->inv, digest);
        err = cs_manifest_set_member(m, "input_digest", json_string(digest));
    }
    if (!err && o->partition_n > 1)
        err = cs_manifest_set_member(m, "partition",
                                     json_pack("{s:i, s:i, s:s}", "k", (int)o->partition_k, "n",
                                               (int)o->partition_n, "rule", CS_PARTITION_RULE));
    return err;
}

/*
 * The session's start: a new run writes its run state; --resume checks the saved one against
 * this command, takes the journal's rows and appends a session. Then the journal is opened.
 */
static cs_err start_session(struct scan_state *st, const char *const *header, time_t started,
                            char *err, size_t errlen)
{
    const struct cs_scan_run_options *o = st->o;
    json_t *now = cs_run_state_new(o, st->inv, header, st->ncols, started);
    st->done = calloc(st->count / 8 + 1, 1);
    if (!now || !st->done) {
        json_decref(now);
        snprintf(err, errlen, "%s: out of memory", o->run_dir);
        return CS_ENOMEM;
    }
    uint64_t keep = 0;
    cs_err rc;
    st->sum->session = 1;
    if (o->resume) {
        json_t *saved = NULL;
        char why[1024];
        rc = cs_run_state_load(o->run_dir, &saved, why, sizeof(why));
        if (rc != CS_OK) {
            json_decref(now);
            snprintf(err, errlen, "--resume: cannot resume %s: %s", o->run_dir, why);
            return rc == CS_ENOMEM ? rc : CS_EINVAL;
        }
        if (cs_run_state_compare(saved, now, why, sizeof(why)) != CS_OK) {
            json_decref(now);
            json_decref(saved);
            snprintf(err, errlen,
                     "--resume: this command differs from the interrupted run in %s: %s (resume "
                     "with the same inputs and options, or start again with --force)",
                     o->run_dir, why);
            return CS_EMISMATCH;
        }
        json_decref(now);
        now = saved;
        st->sum->session = cs_run_state_add_session(now, started);
        struct cs_journal_info info;
        rc = st->sum->session ? cs_journal_read(o->run_dir, st->ncols, CS_SC_COUNT, st->count,
                                                take_journal_row, st, &info, err, errlen)
                              : CS_ENOMEM;
        if (rc == CS_EMISMATCH) {
            snprintf(err, errlen,
                     "--resume: the journal of %s names other names than the inputs: start "
                     "again with --force",
                     o->run_dir);
            rc = CS_EINVAL;
        } else if (rc == CS_EIO && cs_shard_writer_error(st->results)[0]) {
            snprintf(err, errlen, "%s", cs_shard_writer_error(st->results));
        } else if (rc == CS_ENOMEM) {
            snprintf(err, errlen, "%s: out of memory reading the journal", o->run_dir);
        }
        if (rc != CS_OK) {
            json_decref(now);
            return rc;
        }
        keep = info.valid_bytes;
        if (o->progress != CS_PROGRESS_NONE)
            fprintf(
                stderr, "caascan: scan: resuming %s (session %u): %llu of %zu names were done%s\n",
                o->run_dir, st->sum->session, (unsigned long long)st->sum->resumed_rows, st->count,
                info.torn_tail || info.bad_frames
                    ? "; the journal's last checkpoint was cut short: its names are asked again"
                    : "");
    }
    st->run_state = now;
    rc = cs_run_state_write(o->run_dir, now, err, errlen);
    if (rc == CS_OK && o->checkpoint_ms)
        rc = cs_journal_open(&st->journal, o->run_dir, st->sum->session, keep, err, errlen);
    return rc;
}

/* The scan was stopped by a signal: err says what is kept and how to go on. */
static cs_err interrupted(struct scan_state *st, char *err, size_t errlen)
{
    stop_by_signal(st);
    int sig = st->sum->signal;
    snprintf(err, errlen,
             "interrupted by %s: %s is incomplete (no manifest.json); %s: continue it with "
             "`caascan scan --resume -o %s` and the same inputs and options",
             sig == SIGINT   ? "SIGINT"
             : sig == SIGHUP ? "SIGHUP"
                             : "SIGTERM",
             st->o->run_dir,
             st->o->checkpoint_ms ? "the names finished are kept"
                                  : "without checkpoints nothing is kept",
             st->o->run_dir);
    return CS_EINCOMPLETE;
}

/* Writes the shards of w one by one, stopping between two when a signal arrives. */
static cs_err finish_shards(struct scan_state *st, cs_shard_writer *w, bool results, char *err,
                            size_t errlen)
{
    cs_err rc = CS_OK;
    for (unsigned i = 0; rc == CS_OK && i < cs_shard_writer_nshards(w); i++) {
        if (stop_signal)
            return interrupted(st, err, errlen);
        rc = cs_shard_writer_finish_shard(w, i);
        if (rc == CS_OK && results && i == 0)
            test_point("shard");
    }
    if (rc == CS_OK && stop_signal)
        return interrupted(st, err, errlen);
    if (rc == CS_OK)
        rc = cs_shard_writer_sync(w);
    if (rc != CS_OK)
        snprintf(err, errlen, "%s; %s is incomplete (no manifest.json)", cs_shard_writer_error(w),
                 st->o->run_dir);
    return rc;
}

cs_err cs_scan_run(struct cs_inventory *inv, const struct cs_scan_run_options *o,
                   struct cs_scan_summary *sum, char *err, size_t errlen)
{
    struct scan_state st;
    memset(&st, 0, sizeof(st));
    memset(sum, 0, sizeof(*sum));
    st.o = o;
    st.inv = inv;
    st.sum = sum;
    st.count = cs_inventory_count(inv);
    time_t started = time(NULL);
    st.start_ns = cs_now_ns();

    cs_run *run = NULL;
    cs_err rc = cs_run_create(
        &run, o->run_dir, (o->overwrite ? CS_RUN_OVERWRITE : 0) | (o->resume ? CS_RUN_RESUME : 0),
        err, errlen);
    if (rc != CS_OK)
        return rc;
    struct sigaction saved_sa[3];
    signals_install(saved_sa);

    /* Header: the fixed columns, other_cas when fallback CAs are judged, then the kept input
     * columns. */
    size_t nkeep = cs_inventory_keep_count(inv);
    size_t extra = o->n_other_cas > 0 ? 1 : 0;
    st.ncols = CS_RC_COUNT + extra + nkeep;
    const char **header = calloc(st.ncols, sizeof(*header));
    cs_shard_writer *servers = NULL;
    rc = header ? CS_OK : CS_ENOMEM;
    if (rc == CS_OK) {
        memcpy(header, cs_table_header(CS_TABLE_RESULTS), CS_RC_COUNT * sizeof(*header));
        if (extra)
            header[CS_RC_COUNT] = "other_cas";
        for (size_t k = 0; k < nkeep; k++)
            header[CS_RC_COUNT + extra + k] = cs_inventory_keep_name(inv, k);
        rc = cs_shard_writer_open(&st.results, o->run_dir, cs_table_prefix(CS_TABLE_RESULTS),
                                  header, st.ncols, o->shards);
    }
    if (rc == CS_OK)
        rc = cs_shard_writer_open(&servers, o->run_dir, cs_table_prefix(CS_TABLE_SERVERS),
                                  cs_table_header(CS_TABLE_SERVERS), CS_SC_COUNT, o->shards);
    if (rc == CS_OK)
        rc = cs_pool_init(&st.pool, o->resolvers, o->nresolvers, o->engine.min_timeout_ms);
    if (rc != CS_OK) {
        snprintf(err, errlen, "%s: %s", o->run_dir,
                 st.results ? cs_strerror(rc) : "cannot open the result shards");
        goto out;
    }
    if ((rc = start_session(&st, header, started, err, errlen)) != CS_OK)
        goto out;
    st.base = event_base_new();
    st.engine = st.base ? cs_engine_new(st.base, &o->engine, &st.pool) : NULL;
    st.scanner = st.engine ? cs_scanner_new(st.engine, &st.pool, o->tries, &o->policy,
                                            o->no_auth ? NULL : &o->auth)
                           : NULL;
    if (!st.scanner) {
        rc = CS_ENOMEM;
        snprintf(err, errlen, "cannot start the engine");
        goto out;
    }
    cs_scanner_set_other_cas(st.scanner, o->other_cas, o->n_other_cas);
    if (o->health.min_answered_pct > 0) {
        st.health = cs_health_new(&o->health, st.pool.n);
        if (!st.health) {
            rc = CS_ENOMEM;
            snprintf(err, errlen, "cannot start the engine");
            goto out;
        }
        cs_scanner_set_health(st.scanner, st.health);
    }
    st.health_tick = event_new(st.base, -1, EV_PERSIST, on_health_tick, &st);
    struct timeval sec = {1, 0};
    if (!st.health_tick || event_add(st.health_tick, &sec) != 0) {
        rc = CS_ENOMEM;
        snprintf(err, errlen, "cannot start the engine");
        goto out;
    }
    st.window = o->engine.max_inflight ? o->engine.max_inflight : 2000;
    if (o->progress != CS_PROGRESS_NONE) {
        st.tick = event_new(st.base, -1, EV_PERSIST, on_tick, &st);
        struct timeval tv = {o->progress == CS_PROGRESS_BAR ? 0 : 60,
                             o->progress == CS_PROGRESS_BAR ? 250000 : 0};
        event_add(st.tick, &tv);
    }
    st.sigpoll = event_new(st.base, -1, EV_PERSIST, on_sigpoll, &st);
    struct timeval ptv = {0, SIG_POLL_MS * 1000};
    if (!st.sigpoll || event_add(st.sigpoll, &ptv) != 0) {
        rc = CS_ENOMEM;
        snprintf(err, errlen, "cannot start the engine");
        goto out;
    }
    if (st.journal) {
        st.checkpoint = event_new(st.base, -1, EV_PERSIST, on_checkpoint, &st);
        struct timeval ctv = {o->checkpoint_ms / 1000, (o->checkpoint_ms % 1000) * 1000};
        if (!st.checkpoint || event_add(st.checkpoint, &ctv) != 0) {
            rc = CS_ENOMEM;
            snprintf(err, errlen, "cannot start the engine");
            goto out;
        }
    }

    test_point("start");
    announce(&st);
    if (stop_signal)
        stop_by_signal(&st);
    feed(&st);
    if (!(st.next_entry >= st.count && cs_scanner_pending(st.scanner) == 0) && !st.stop)
        event_base_dispatch(st.base);
    /* A stop (signal, write error, health gate) ends the names in flight at once: nothing more
     * is asked, nothing waits for answers. */
    if (st.stop)
        cs_engine_cancel(st.engine);
    /* Let names in flight end (their callbacks own memory) without new ones. */
    while (cs_scanner_pending(st.scanner) > 0 && event_base_loop(st.base, EVLOOP_ONCE) == 0)
        ;

    struct cs_engine_stats es;
    cs_engine_get_stats(st.engine, &es);
    sum->queries = es.sent_udp + es.sent_tcp;
    sum->engine = es;
    sum->levels = cs_scanner_levels(st.scanner);
    sum->seconds = (double)(cs_now_ns() - st.start_ns) / 1e9;
    cs_progress_summary(&st.limits, sum->seconds, &o->engine, sum->held_back,
                        sizeof(sum->held_back));
    if (o->progress != CS_PROGRESS_NONE && !sum->interrupted)
        print_progress(&st, true);

    if (st.health && st.failure == CS_OK && !sum->interrupted &&
        cs_health_failing(st.health, cs_now_ns(), true))
        stop_unhealthy(&st);
    if (!st.stop && stop_signal)
        stop_by_signal(&st);
    if (sum->interrupted) {
        /* What finished before the signal is kept: the rows since the last checkpoint too. */
        if (st.journal && cs_journal_sync(st.journal) != CS_OK)
            fprintf(stderr, "caascan: scan: %s\n", cs_journal_error(st.journal));
        rc = interrupted(&st, err, errlen);
        goto out;
    }
    if (st.failure != CS_OK) {
        rc = st.failure == CS_ENOMEM ? CS_ENOMEM : CS_EIO;
        snprintf(err, errlen, "%s; %s is incomplete (no manifest.json)", st.errmsg, o->run_dir);
        goto out;
    }
    if (sum->rows + st.skipped != st.count) {
        rc = CS_EIO;
        snprintf(err, errlen, "%zu names but %llu rows; %s is incomplete", st.count - st.skipped,
                 (unsigned long long)sum->rows, o->run_dir);
        goto out;
    }
    /* Everything is in the journal before the final write: a crash during it loses nothing. */
    checkpoint(&st);
    if (st.journal && st.failure == CS_OK && cs_journal_sync(st.journal) != CS_OK)
        fail(&st, CS_EIO, "%s", cs_journal_error(st.journal));
    if (st.failure != CS_OK) {
        rc = st.failure == CS_ENOMEM ? CS_ENOMEM : CS_EIO;
        snprintf(err, errlen, "%s; %s is incomplete (no manifest.json)", st.errmsg, o->run_dir);
        goto out;
    }
    if ((rc = finish_shards(&st, st.results, true, err, errlen)) != CS_OK)
        goto out;
    if (cs_scanner_auth(st.scanner)) {
        cs_auth_direct_counts(cs_scanner_auth(st.scanner), &sum->direct_sent,
                              &sum->direct_answered);
        cs_auth_name_counts(cs_scanner_auth(st.scanner), &sum->names_probed, &sum->names_spared);
    }
    if (cs_scanner_auth(st.scanner)) {
        struct cs_strmap zones = {0};
        struct servers_ctx sc = {.w = servers, .sum = sum, .zones = &zones};
        cs_auth_foreach_zone(cs_scanner_auth(st.scanner), write_zone_servers, &sc);
        if (sc.err == CS_OK)
            sc.err = write_saved_servers(&st, &sc);
        cs_strmap_free(&zones, NULL);
        if (sc.err != CS_OK) {
            rc = sc.err;
            snprintf(err, errlen, "%s; %s is incomplete (no manifest.json)",
                     cs_shard_writer_error(servers), o->run_dir);
            goto out;
        }
    }
    if ((rc = finish_shards(&st, servers, false, err, errlen)) != CS_OK)
        goto out;
    cs_manifest *m = cs_manifest_new();
    rc = m ? fill_manifest(&st, m, started) : CS_ENOMEM;
    if (rc == CS_OK)
        rc = cs_manifest_set_table(m, CS_TABLE_RESULTS, header, st.ncols, st.results);
    if (rc == CS_OK)
        rc = cs_manifest_set_table(m, CS_TABLE_SERVERS, cs_table_header(CS_TABLE_SERVERS),
                                   CS_SC_COUNT, servers);
    if (rc == CS_OK)
        test_point("manifest");
    /* Block, then check: a signal before this point leaves the run incomplete (and resumable);
     * one that arrives while the manifest is written finds the run complete. */
    signals_block(true);
    if (rc == CS_OK && stop_signal) {
        signals_block(false);
        rc = interrupted(&st, err, errlen);
    } else if (rc == CS_OK) {
        rc = cs_run_finish(run, m, err, errlen);
        run = NULL; /* freed by cs_run_finish in every case */
        signals_block(false);
    } else {
        signals_block(false);
        snprintf(err, errlen, "building the manifest: %s", cs_strerror(rc));
    }
    cs_manifest_free(m);

out:
    if (rc != CS_OK) {
        if (st.results)
            cs_shard_writer_abort(st.results);
        if (servers)
            cs_shard_writer_abort(servers);
        if (run)
            cs_run_abort(run);
    }
    cs_shard_writer_free(st.results);
    cs_shard_writer_free(servers);
    if (st.tick)
        event_free(st.tick);
    if (st.sigpoll)
        event_free(st.sigpoll);
    if (st.checkpoint)
        event_free(st.checkpoint);
    cs_journal_free(st.journal);
    json_decref(st.run_state);
    for (size_t i = 0; i < st.nsaved; i++)
        free(st.saved[i].cells);
    free(st.saved);
    free(st.session_rows);
    free(st.done);
    cs_strmap_free(&st.journaled_zones, NULL);
    cs_scanner_free(st.scanner);
    cs_engine_free(st.engine);
    if (st.base)
        event_base_free(st.base);
    if (st.pool.v)
        cs_pool_free(&st.pool);
    if (st.health_tick)
        event_free(st.health_tick);
    cs_health_free(st.health);
    free(st.cellbuf);
    free(header);
    signals_restore(saved_sa);
    return rc;
}
