/* scan_run.c -- an inventory scanned into a run directory (scan_run.h). */
#include "caascan/scan_run.h"
#include "caascan/manifest.h"
#include "caascan/result.h"
#include "caascan/scan.h"
#include "caascan/shard.h"

#include <event2/event.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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
    struct event *sigint, *sigterm;
    char *cellbuf; /* sources and kept cells */
    size_t cellcap;
    struct cs_health *health; /* the resolvers' health gate, NULL when off */
    struct event *health_tick; /* judges it once a second */
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

/* Writes one row; fixed holds the CS_RC_COUNT fixed cells except sources, checked_at. */
static void write_row(struct scan_state *st, size_t entry, const char **fixed)
{
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
    for (size_t k = 0; k + CS_RC_COUNT < st->ncols; k++) {
        char *cell = inv_cell(st, entry, k, true);
        nomem |= !cell;
        fields[CS_RC_COUNT + k] = cell ? cell : "";
        owned[nowned++] = cell;
    }
    if (nomem) {
        /* A row with a lost cell is not written as if complete. */
        fail(st, CS_ENOMEM, "%s", cs_strerror(CS_ENOMEM));
        goto out;
    }
    cs_err err = cs_shard_writer_add(st->results, fields);
    if (err != CS_OK)
        fail(st, err, "%s", cs_shard_writer_error(st->results));
    else
        st->sum->rows++;
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
    snprintf(f.answer, sizeof(f.answer), "%s", why);
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
         (unsigned long long)answered, (unsigned long long)lookups,
         st->o->health.min_answered_pct, st->o->health.window_s,
         cs_health_describe(st->health, &st->pool, what, sizeof(what)));
    cs_engine_cancel(st->engine);
}

static void on_health_tick(evutil_socket_t fd, short what, void *arg)
{
    struct scan_state *st = arg;
    if (!st->stop && cs_health_failing(st->health, cs_now_ns(), false))
        stop_unhealthy(st);
}

static void on_name_done(const struct cs_scan_result *res, void *arg)
{
    struct name_ctx *ctx = arg;
    struct scan_state *st = ctx->st;

    const char *fixed[CS_RC_COUNT] = {NULL};
    char problems[1024], detail[256], fix[1024];
    fixed[CS_RC_NAME] = res->name;
    const struct cs_verdict *v = res->verdict;
    if (v) {
        cs_problems_format(v->problems, problems, sizeof(problems));
        fixed[CS_RC_STATUS] = cs_status_name(v->status);
        fixed[CS_RC_ISSUABLE] = v->issuable;
        fixed[CS_RC_PROBLEMS] = problems;
        fixed[CS_RC_FIX] = v->fix;
        fixed[CS_RC_CAA_OWNER] = v->caa_owner;
        fixed[CS_RC_CAA] = v->caa;
        fixed[CS_RC_RESOLVER_RCODE] = v->resolver_rcode;
        fixed[CS_RC_EDE] = v->ede;
        fixed[CS_RC_DETAIL] = v->detail;
        fixed[CS_RC_ZONE] = res->zone;
        fixed[CS_RC_NAMESERVERS] = res->nameservers;
        st->sum->status[v->status]++;
    } else if (res->error == CS_EINVAL) {
        /* The normalizer took it, but a level of it cannot be put in a query. */
        snprintf(detail, sizeof(detail), "not scanned: a level of the name cannot be queried");
        fixed[CS_RC_STATUS] = cs_status_name(CS_ST_INVALID);
        fixed[CS_RC_ISSUABLE] = cs_status_issuable(CS_ST_INVALID);
        fixed[CS_RC_PROBLEMS] = cs_problem_name(CS_PB_INVALID_NAME);
        fixed[CS_RC_FIX] = invalid_fix(st, res->name, detail + strlen("not scanned: "), fix,
                                       sizeof(fix));
        fixed[CS_RC_DETAIL] = detail;
        st->sum->status[CS_ST_INVALID]++;
    } else {
        /* Out of memory: the run fails rather than carry a row that was not checked. */
        fail(st, res->error, "%s: not checked: %s", res->name, cs_strerror(res->error));
        free(ctx);
        return;
    }
    write_row(st, ctx->entry, fixed);
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
    fixed[CS_RC_FIX] = invalid_fix(st, fixed[CS_RC_NAME], detail + strlen("not scanned: "), fix,
                                   sizeof(fix));
    fixed[CS_RC_DETAIL] = detail;
    st->sum->status[CS_ST_INVALID]++;
    write_row(st, entry, fixed);
}

/* Whether the name belongs to this run's partition (--partition K/N). */
static bool in_partition(const struct scan_state *st, const struct cs_inventory_entry *e)
{
    return st->o->partition_n <= 1 ||
           cs_shard_of(e->name, st->o->partition_n) == st->o->partition_k - 1;
}

/* Announces every name the run will scan, so that the scanner frees each climb level once its
 * last name is done (memory for the levels still to be used, not for every level of the run). */
static void announce(struct scan_state *st)
{
    for (size_t i = 0; i < st->count; i++) {
        struct cs_inventory_entry e;
        cs_inventory_get(st->inv, i, &e);
        if (e.reason == CS_NAME_OK && in_partition(st, &e) &&
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

static void print_progress(struct scan_state *st, bool final)
{
    uint64_t done = st->sum->rows;
    double secs = (double)(cs_now_ns() - st->start_ns) / 1e9;
    struct cs_engine_stats es;
    cs_engine_get_stats(st->engine, &es);
    uint64_t q = es.sent_udp + es.sent_tcp;
    uint64_t not_ok = done - st->sum->status[CS_ST_OK];
    if (st->o->progress == CS_PROGRESS_BAR) {
        int width = 30;
        int filled = st->count ? (int)(width * done / st->count) : width;
        char bar[64];
        for (int i = 0; i < width; i++)
            bar[i] = i < filled ? '#' : '.';
        bar[width] = '\0';
        fprintf(stderr, "\r[%s] %llu/%zu names, %.0f q/s, %llu not OK\033[K%s", bar,
                (unsigned long long)done, st->count, secs > 0 ? (double)q / secs : 0.0,
                (unsigned long long)not_ok, final ? "\n" : "");
    } else {
        fprintf(stderr,
                "caascan: scan: %llu of %zu names done, %llu not OK, %llu queries, %.0f s\n",
                (unsigned long long)done, st->count, (unsigned long long)not_ok,
                (unsigned long long)q, secs);
    }
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    print_progress(arg, false);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    struct scan_state *st = arg;
    st->sum->interrupted = true;
    st->stop = true;
    /* End the names in flight at once: the run is abandoned, nothing waits for answers. */
    cs_engine_cancel(st->engine);
    event_base_loopbreak(st->base);
}

struct servers_ctx {
    cs_shard_writer *w;
    struct cs_scan_summary *sum;
    cs_err err;
};

/* The per-server table: one row per address of each nameserver of each zone checked. */
static void write_zone_servers(const struct cs_auth_zone *z, void *arg)
{
    struct servers_ctx *sc = arg;
    if (sc->err != CS_OK || !z->done)
        return;
    sc->sum->zones++;
    char findings[1024], serial[16], rtt[16], queries[24];
    for (size_t i = 0; i < z->nservers && sc->err == CS_OK; i++) {
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
        sc->err = cs_shard_writer_add(sc->w, fields);
        if (sc->err == CS_OK)
            sc->sum->servers++;
    }
}

static cs_err fill_manifest(struct scan_state *st, cs_manifest *m, time_t started)
{
    const struct cs_scan_run_options *o = st->o;
    cs_err err = cs_manifest_set_started(m, started);
    if (!err)
        err = cs_manifest_set_ca(m, o->policy.ca_domain);
    for (size_t i = 0; !err && i < st->pool.n; i++)
        err = cs_manifest_add_resolver(m, st->pool.v[i].label);
    if (!err && o->options)
        err = json_object_update(cs_manifest_options(m), (json_t *)o->options) ? CS_ENOMEM : CS_OK;
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
    return err;
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
    cs_err rc = cs_run_create(&run, o->run_dir, o->overwrite ? CS_RUN_OVERWRITE : 0, err, errlen);
    if (rc != CS_OK)
        return rc;

    /* Header: the fixed columns, then the kept input columns. */
    size_t nkeep = cs_inventory_keep_count(inv);
    st.ncols = CS_RC_COUNT + nkeep;
    const char **header = calloc(st.ncols, sizeof(*header));
    cs_shard_writer *servers = NULL;
    rc = header ? CS_OK : CS_ENOMEM;
    if (rc == CS_OK) {
        memcpy(header, cs_table_header(CS_TABLE_RESULTS), CS_RC_COUNT * sizeof(*header));
        for (size_t k = 0; k < nkeep; k++)
            header[CS_RC_COUNT + k] = cs_inventory_keep_name(inv, k);
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
    if (o->health.min_answered_pct > 0) {
        st.health = cs_health_new(&o->health, st.pool.n);
        if (!st.health) {
            rc = CS_ENOMEM;
            snprintf(err, errlen, "cannot start the engine");
            goto out;
        }
        cs_scanner_set_health(st.scanner, st.health);
        st.health_tick = event_new(st.base, -1, EV_PERSIST, on_health_tick, &st);
        struct timeval sec = {1, 0};
        if (!st.health_tick || event_add(st.health_tick, &sec) != 0) {
            rc = CS_ENOMEM;
            snprintf(err, errlen, "cannot start the engine");
            goto out;
        }
    }
    st.window = o->engine.max_inflight ? o->engine.max_inflight : 2000;
    if (o->progress != CS_PROGRESS_NONE) {
        st.tick = event_new(st.base, -1, EV_PERSIST, on_tick, &st);
        struct timeval tv = {o->progress == CS_PROGRESS_BAR ? 0 : 60,
                             o->progress == CS_PROGRESS_BAR ? 250000 : 0};
        event_add(st.tick, &tv);
    }
    st.sigint = evsignal_new(st.base, SIGINT, on_signal, &st);
    st.sigterm = evsignal_new(st.base, SIGTERM, on_signal, &st);
    event_add(st.sigint, NULL);
    event_add(st.sigterm, NULL);

    announce(&st);
    feed(&st);
    if (!(st.next_entry >= st.count && cs_scanner_pending(st.scanner) == 0) && !st.stop)
        event_base_dispatch(st.base);
    /* After a stop, let names in flight end (their callbacks own memory) without new ones. */
    while (cs_scanner_pending(st.scanner) > 0 && event_base_loop(st.base, EVLOOP_ONCE) == 0)
        ;

    struct cs_engine_stats es;
    cs_engine_get_stats(st.engine, &es);
    sum->queries = es.sent_udp + es.sent_tcp;
    sum->engine = es;
    sum->levels = cs_scanner_levels(st.scanner);
    sum->seconds = (double)(cs_now_ns() - st.start_ns) / 1e9;
    if (o->progress != CS_PROGRESS_NONE && !sum->interrupted)
        print_progress(&st, true);

    if (st.health && st.failure == CS_OK && !sum->interrupted &&
        cs_health_failing(st.health, cs_now_ns(), true))
        stop_unhealthy(&st);
    if (sum->interrupted) {
        rc = CS_EINCOMPLETE;
        snprintf(err, errlen, "interrupted: %s is incomplete (no manifest.json)", o->run_dir);
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
    if ((rc = cs_shard_writer_finish(st.results)) != CS_OK) {
        snprintf(err, errlen, "%s; %s is incomplete (no manifest.json)",
                 cs_shard_writer_error(st.results), o->run_dir);
        goto out;
    }
    if (cs_scanner_auth(st.scanner))
        cs_auth_direct_counts(cs_scanner_auth(st.scanner), &sum->direct_sent,
                              &sum->direct_answered);
    if (cs_scanner_auth(st.scanner)) {
        struct servers_ctx sc = {.w = servers, .sum = sum};
        cs_auth_foreach_zone(cs_scanner_auth(st.scanner), write_zone_servers, &sc);
        if (sc.err != CS_OK) {
            rc = sc.err;
            snprintf(err, errlen, "%s; %s is incomplete (no manifest.json)",
                     cs_shard_writer_error(servers), o->run_dir);
            goto out;
        }
    }
    if ((rc = cs_shard_writer_finish(servers)) != CS_OK) {
        snprintf(err, errlen, "%s; %s is incomplete (no manifest.json)",
                 cs_shard_writer_error(servers), o->run_dir);
        goto out;
    }
    cs_manifest *m = cs_manifest_new();
    rc = m ? fill_manifest(&st, m, started) : CS_ENOMEM;
    if (rc == CS_OK)
        rc = cs_manifest_set_table(m, CS_TABLE_RESULTS, header, st.ncols, st.results);
    if (rc == CS_OK)
        rc = cs_manifest_set_table(m, CS_TABLE_SERVERS, cs_table_header(CS_TABLE_SERVERS),
                                   CS_SC_COUNT, servers);
    if (rc == CS_OK) {
        rc = cs_run_finish(run, m, err, errlen);
        run = NULL; /* freed by cs_run_finish in every case */
    } else {
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
    if (st.sigint)
        event_free(st.sigint);
    if (st.sigterm)
        event_free(st.sigterm);
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
    return rc;
}
