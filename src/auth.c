/*
 * auth.c -- the authoritative checks (auth.h): finding zones, their servers and addresses, and
 * asking every address directly. The judging of the replies is in auth_judge.c.
 *
 * Run-wide tables, each keyed by a lower-case name and each entry made once per run:
 *   apexes  level name -> the apex of the zone holding it (discovery)
 *   zones   apex -> struct cs_auth_zone (NS set, servers, zone probes)
 *   hosts   nameserver name -> its addresses
 *   qnames  name -> struct cs_auth_qname (CAA at every server of its zone)
 * Every entry that is still being worked on keeps a list of waiters, called once it is done.
 */
#include "auth_judge.h"

#include <ctype.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

/* ---- waiters --------------------------------------------------------------------------- */

static cs_err wait_on(struct auth_waiter **list, void (*cb)(void *), void *arg)
{
    struct auth_waiter *w = malloc(sizeof(*w));
    if (!w)
        return CS_ENOMEM;
    w->cb = cb;
    w->arg = arg;
    w->next = *list;
    *list = w;
    return CS_OK;
}

static void wake(struct auth_waiter **list)
{
    struct auth_waiter *w = *list;
    *list = NULL;
    while (w) {
        struct auth_waiter *next = w->next;
        w->cb(w->arg);
        free(w);
        w = next;
    }
}

static void waiters_free(struct auth_waiter *w)
{
    while (w) {
        struct auth_waiter *next = w->next;
        free(w);
        w = next;
    }
}

/* ---- names ----------------------------------------------------------------------------- */

/* The parent of a name ("a.b.c" -> "b.c"), NULL for a single label. */
static const char *parent_of(const char *name)
{
    const char *dot = strchr(name, '.');
    return dot ? dot + 1 : NULL;
}

/* The run's tables: an apex, a zone (made, and its discovery started, when new; seed: a
 * referral's NS names and glue to use instead of asking the resolvers; NULL when out of memory),
 * a name; and a question to a server of the zone holding name's parent (NS at name; CS_EINVAL for
 * a TLD). */
struct auth_apex *cs_auth_apex_get(struct cs_auth *a, const char *name);
struct cs_auth_zone *cs_auth_zone_get(struct cs_auth *a, const char *apex,
                                      const struct auth_referral *seed);
struct cs_auth_qname *cs_auth_qname_get(struct cs_auth *a, const char *name, struct cs_auth_zone *z,
                                        bool must_probe);
cs_err cs_auth_ask_parent(struct cs_auth *a, const char *name,
                          void (*cb)(struct auth_referral *ref, void *arg), void *arg);

/* ---- sending --------------------------------------------------------------------------- */

struct send_ctx {
    struct cs_auth *a;
    void (*fn)(struct cs_answer *ans, void *arg);
    void *arg;
};

static void on_sent_answer(struct cs_answer *ans, void *arg)
{
    struct send_ctx ctx = *(struct send_ctx *)arg;
    free(arg);
    if (ans->resolver < 0 && ans->pkt)
        ctx.a->answered++;
    ctx.fn(ans, ctx.arg);
}

/*
 * Sends one query: to server (RD=0) or, when server is NULL, through the resolvers (RD=1, CD=1).
 * fn runs once with the answer; when the query cannot even be sent, fn runs at once with a
 * synthesized network error so that callers have one path.
 */
static void send_query(struct cs_auth *a, const struct cs_addr *server, const char *name,
                       uint16_t qtype, unsigned flags, void (*fn)(struct cs_answer *, void *),
                       void *arg)
{
    struct send_ctx *ctx = malloc(sizeof(*ctx));
    struct cs_query_spec spec = {
        .name = name,
        .qtype = qtype,
        .flags = server ? flags : (CS_QF_RD | CS_QF_DO | CS_QF_CD | flags),
        .server = server,
        .attempts = server ? 1 : 0,
        .timeout_ms = server ? a->timeout_ms : 0,
        .min_timeout_ms = server ? a->min_timeout_ms : 0,
        .cb = on_sent_answer,
        .arg = ctx,
    };
    cs_err err = CS_ENOMEM;
    if (ctx) {
        ctx->a = a;
        ctx->fn = fn;
        ctx->arg = arg;
        err = cs_engine_submit(a->engine, &spec);
    }
    if (err != CS_OK) {
        free(ctx);
        struct cs_answer none = {.name = name,
                                 .qtype = qtype,
                                 .outcome = CS_OUT_NETERR,
                                 .server = server,
                                 .resolver = -1};
        fn(&none, arg);
        return;
    }
    if (server)
        a->queries++;
    else
        a->lookups++;
}

/* ---- hosts: a nameserver name's addresses ---------------------------------------------- */

static void host_finish(struct auth_host *h)
{
    if (h->naddrs == 0 && h->nglue > 0) {
        /* The name does not resolve, but the parent gave glue: use it (and say so). */
        h->addrs = h->glue;
        h->naddrs = h->nglue;
        h->glue = NULL;
        h->nglue = 0;
        h->from_glue = true;
    }
    h->done = true;
    wake(&h->waiters);
}

static void on_host_answer(struct cs_answer *ans, void *arg)
{
    struct auth_host *h = arg;
    if (ans->pkt && ans->outcome == CS_OUT_ANSWER) {
        const ldns_rr_list *an = ldns_pkt_answer(ans->pkt);
        for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++) {
            const ldns_rr *rr = ldns_rr_list_rr(an, i);
            ldns_rr_type ty = ldns_rr_get_type(rr);
            if ((ty != LDNS_RR_TYPE_A && ty != LDNS_RR_TYPE_AAAA) || ldns_rr_rd_count(rr) != 1)
                continue;
            struct cs_addr ad;
            if (cs_auth_addr_from_rdf(ldns_rr_rdf(rr, 0), &ad) != CS_OK)
                continue;
            struct cs_addr *v = realloc(h->addrs, (h->naddrs + 1) * sizeof(*v));
            if (!v)
                continue;
            h->addrs = v;
            h->addrs[h->naddrs++] = ad;
        }
        if (ans->rcode == LDNS_RCODE_NXDOMAIN)
            h->nxdomain = true;
    } else {
        h->failed = true;
        if (ans->pkt)
            cs_rcode_name(ans->rcode, h->why, sizeof(h->why));
        else
            snprintf(h->why, sizeof(h->why), "%s", cs_outcome_name(ans->outcome));
    }
    if (--h->outstanding == 0)
        host_finish(h);
}

static struct auth_host *host_get(struct cs_auth *a, const char *name)
{
    struct auth_host *h = cs_strmap_get(&a->hosts, name);
    if (h)
        return h;
    h = calloc(1, sizeof(*h));
    if (!h || !(h->name = strdup(name)) || cs_strmap_put(&a->hosts, h->name, h) != CS_OK) {
        if (h)
            free(h->name);
        free(h);
        return NULL;
    }
    h->outstanding = 3; /* A, AAAA, and the hold while sending */
    send_query(a, NULL, name, LDNS_RR_TYPE_A, 0, on_host_answer, h);
    send_query(a, NULL, name, LDNS_RR_TYPE_AAAA, 0, on_host_answer, h);
    if (--h->outstanding == 0)
        host_finish(h);
    return h;
}

static void host_free(void *p)
{
    struct auth_host *h = p;
    waiters_free(h->waiters);
    free(h->addrs);
    free(h->glue);
    free(h->name);
    free(h);
}

/* ---- apexes: which zone holds a name --------------------------------------------------- */

static void apex_set(struct auth_apex *ap, const char *apex)
{
    ap->done = true;
    if (apex && !(ap->apex = strdup(apex)))
        ap->apex = NULL;
    wake(&ap->waiters);
}

static void apex_ask_parent(struct auth_apex *ap);

static void on_apex_via_parent_apex(void *arg)
{
    struct auth_apex *ap = arg;
    struct auth_apex *pa = ap->parent;
    if (!pa->apex) {
        apex_set(ap, NULL);
        return;
    }
    /* An alias: the name is in the zone that holds its parent, unless that is the root. */
    apex_set(ap, pa->apex[0] ? pa->apex : NULL);
}

static void on_apex_soa(struct cs_answer *ans, void *arg)
{
    struct auth_apex *ap = arg;
    struct cs_auth *a = ap->a;
    if (ans->pkt && ans->outcome == CS_OUT_ANSWER &&
        (ans->rcode == LDNS_RCODE_NOERROR || ans->rcode == LDNS_RCODE_NXDOMAIN)) {
        const ldns_rr_list *an = ldns_pkt_answer(ans->pkt);
        bool alias = false;
        for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++) {
            const ldns_rr *rr = ldns_rr_list_rr(an, i);
            ldns_rr_type ty = ldns_rr_get_type(rr);
            if (ty == LDNS_RR_TYPE_CNAME || ty == LDNS_RR_TYPE_DNAME)
                alias = true;
            else if (ty == LDNS_RR_TYPE_SOA && !alias && cs_auth_owner_is(rr, ap->name)) {
                apex_set(ap, ap->name);
                return;
            }
        }
        const char *up = parent_of(ap->name);
        if (alias && up) {
            /* A name with an alias is never an apex: it lives in its parent's zone. */
            ap->parent = cs_auth_apex_get(a, up);
            if (ap->parent && !ap->parent->done &&
                wait_on(&ap->parent->waiters, on_apex_via_parent_apex, ap) == CS_OK)
                return;
            if (ap->parent && ap->parent->done)
                on_apex_via_parent_apex(ap);
            else
                apex_set(ap, NULL);
            return;
        }
        const ldns_rr_list *ns = ldns_pkt_authority(ans->pkt);
        for (size_t i = 0; !alias && i < ldns_rr_list_rr_count(ns); i++) {
            const ldns_rr *rr = ldns_rr_list_rr(ns, i);
            if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_SOA)
                continue;
            char *owner = cs_dname_text(ldns_rr_owner(rr));
            if (owner && owner[0] && cs_auth_name_in(ap->name, owner)) {
                apex_set(ap, owner);
                free(owner);
                return;
            }
            free(owner);
        }
    }
    /* The resolvers cannot tell (the zone's servers fail them): ask the parent zone. */
    apex_ask_parent(ap);
}

struct auth_apex *cs_auth_apex_get(struct cs_auth *a, const char *name)
{
    struct auth_apex *ap = cs_strmap_get(&a->apexes, name);
    if (ap)
        return ap;
    ap = calloc(1, sizeof(*ap));
    if (!ap || !(ap->name = strdup(name)) || cs_strmap_put(&a->apexes, ap->name, ap) != CS_OK) {
        if (ap)
            free(ap->name);
        free(ap);
        return NULL;
    }
    ap->a = a;
    send_query(a, NULL, name, LDNS_RR_TYPE_SOA, 0, on_apex_soa, ap);
    return ap;
}

/* The referral the parent zone gave (or not): the apex, and the zone's servers with glue. */
static void on_parent_referral(struct auth_referral *ref, void *arg)
{
    struct auth_apex *ap = arg;
    if (ref->kind == AUTH_REF_CHILD) {
        struct cs_auth_zone *z = cs_auth_zone_get(ap->a, ref->apex, ref);
        (void)z; /* seeded with the referral's NS names and glue */
        apex_set(ap, ref->apex);
    } else if (ref->kind == AUTH_REF_IN_PARENT) {
        apex_set(ap, ref->parent_apex);
    } else {
        apex_set(ap, NULL);
    }
}

static void apex_ask_parent(struct auth_apex *ap)
{
    if (cs_auth_ask_parent(ap->a, ap->name, on_parent_referral, ap) != CS_OK)
        apex_set(ap, NULL);
}

static void apex_free(void *p)
{
    struct auth_apex *ap = p;
    waiters_free(ap->waiters);
    free(ap->apex);
    free(ap->name);
    free(ap);
}

/* ---- asking the parent zone for a delegation -------------------------------------------- */

struct ask_parent {
    struct cs_auth *a;
    char *name;
    struct auth_apex *pap; /* the parent name's apex */
    struct cs_auth_zone *pz;
    size_t next_server;
    unsigned asked;
    void (*cb)(struct auth_referral *ref, void *arg);
    void *arg;
};

static void ask_parent_end(struct ask_parent *ap, struct auth_referral *ref)
{
    ap->cb(ref, ap->arg);
    cs_auth_referral_clear(ref);
    free(ap->name);
    free(ap);
}

static void ask_next_server(struct ask_parent *ap);

static void on_parent_ns_answer(struct cs_answer *ans, void *arg)
{
    struct ask_parent *ap = arg;
    struct auth_referral ref;
    memset(&ref, 0, sizeof(ref));
    ref.parent_apex = ap->pz->apex;
    if (ans->pkt && cs_auth_read_referral(ans->pkt, ap->name, ap->pz->apex, &ref) == CS_OK &&
        ref.kind != AUTH_REF_NONE) {
        ask_parent_end(ap, &ref);
        return;
    }
    cs_auth_referral_clear(&ref);
    ask_next_server(ap);
}

static void ask_next_server(struct ask_parent *ap)
{
    struct cs_auth_zone *pz = ap->pz;
    while (ap->next_server < pz->nservers && ap->asked < 3) {
        struct cs_auth_server *s = &pz->servers[ap->next_server++];
        if (!s->has_addr)
            continue;
        ap->asked++;
        send_query(ap->a, &s->addr, ap->name, LDNS_RR_TYPE_NS, CS_QF_DO, on_parent_ns_answer, ap);
        return;
    }
    struct auth_referral none;
    memset(&none, 0, sizeof(none));
    ask_parent_end(ap, &none);
}

static void on_parent_zone_ready(void *arg)
{
    struct ask_parent *ap = arg;
    ask_next_server(ap);
}

static void on_parent_apex(void *arg)
{
    struct ask_parent *ap = arg;
    const char *papex = ap->pap->apex;
    if (!papex || !papex[0] || !(ap->pz = cs_auth_zone_get(ap->a, papex, NULL))) {
        struct auth_referral none;
        memset(&none, 0, sizeof(none));
        ask_parent_end(ap, &none);
        return;
    }
    if (ap->pz->ready)
        on_parent_zone_ready(ap);
    else if (wait_on(&ap->pz->priv->ready_waiters, on_parent_zone_ready, ap) != CS_OK) {
        struct auth_referral none;
        memset(&none, 0, sizeof(none));
        ask_parent_end(ap, &none);
    }
}

cs_err cs_auth_ask_parent(struct cs_auth *a, const char *name,
                          void (*cb)(struct auth_referral *ref, void *arg), void *arg)
{
    const char *up = parent_of(name);
    if (!up)
        return CS_EINVAL; /* a TLD: the root is not asked */
    struct ask_parent *ap = calloc(1, sizeof(*ap));
    if (!ap || !(ap->name = strdup(name))) {
        free(ap);
        return CS_ENOMEM;
    }
    ap->a = a;
    ap->cb = cb;
    ap->arg = arg;
    ap->pap = cs_auth_apex_get(a, up);
    if (!ap->pap) {
        free(ap->name);
        free(ap);
        return CS_ENOMEM;
    }
    if (ap->pap->done)
        on_parent_apex(ap);
    else if (wait_on(&ap->pap->waiters, on_parent_apex, ap) != CS_OK) {
        free(ap->name);
        free(ap);
        return CS_ENOMEM;
    }
    return CS_OK;
}

/* ---- zones ----------------------------------------------------------------------------- */

static void zone_probe_all(struct cs_auth_zone *z);

static void zone_outstanding_done(struct cs_auth_zone *z)
{
    if (--z->priv->outstanding > 0)
        return;
    cs_auth_judge_zone(z, z->priv->a->tries);
    for (size_t i = 0; z->priv->addr && i < z->nservers; i++)
        if (z->priv->addr[i])
            cs_auth_addr_note(z->priv->addr[i], &z->servers[i]);
    z->done = true;
    wake(&z->priv->done_waiters);
}

static void zone_lookup_hosts(struct cs_auth_zone *z);
static void ns_round_probe(struct cs_auth *a, struct cs_auth_server *s);

/* The servers are final: the zone probes start and waiting names are let in. */
static void zone_ready(struct cs_auth_zone *z)
{
    struct auth_zone_priv *zp = z->priv;
    /* The cell lists the servers sorted, so that it does not change with the order of the NS
     * records in whichever answer came first. */
    cs_strbuf cell = {0};
    char **items = calloc(z->nservers + 1, sizeof(*items));
    size_t nitems = 0;
    for (size_t i = 0; items && i < z->nservers; i++) {
        cs_strbuf one = {0};
        if (cs_strbuf_printf(&one, "%s/%s", z->servers[i].ns ? z->servers[i].ns : "?",
                             z->servers[i].ip) == CS_OK)
            items[nitems++] = one.data;
    }
    if (items)
        qsort(items, nitems, sizeof(*items), cs_auth_cmp_str);
    for (size_t i = 0; i < nitems; i++) {
        cs_strbuf_printf(&cell, "%s%s", i ? ";" : "", items[i]);
        free(items[i]);
    }
    free(items);
    z->nameservers = cell.data ? cell.data : strdup("");
    if (zp->nns == 0 && !z->why_unchecked)
        z->why_unchecked = strdup("no NS records found");
    z->ready = true;
    /* Hold the zone open while its apex name and probes start. */
    zp->outstanding = 1;
    zone_probe_all(z);
    wake(&zp->ready_waiters);
    zone_outstanding_done(z);
}

/* One NS round is answered: names some server listed that are new get their turn (a few rounds
 * at most), so that every nameserver any server of the zone lists is asked. */
static void zone_ns_round_done(struct cs_auth_zone *z)
{
    struct auth_zone_priv *zp = z->priv;
    if (--zp->round_pending > 0)
        return;
    zp->rounds++;
    if (zp->nns > zp->nhosts && zp->rounds < 3)
        zone_lookup_hosts(z);
    else
        zone_ready(z);
}

/* Orders addresses: IPv4 before IPv6, then by their octets. */
static int addr_order(const struct cs_addr *a, const struct cs_addr *b)
{
    int fa = a->ss.ss_family, fb = b->ss.ss_family;
    if (fa != fb)
        return fa == AF_INET ? -1 : fb == AF_INET ? 1 : fa - fb;
    if (fa == AF_INET)
        return memcmp(&((const struct sockaddr_in *)&a->ss)->sin_addr,
                      &((const struct sockaddr_in *)&b->ss)->sin_addr, 4);
    if (fa == AF_INET6)
        return memcmp(&((const struct sockaddr_in6 *)&a->ss)->sin6_addr,
                      &((const struct sockaddr_in6 *)&b->ss)->sin6_addr, 16);
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every new NS name's addresses are in: one server per address, each asked for the NS set. */
static void zone_add_servers(struct cs_auth_zone *z)
{
    struct auth_zone_priv *zp = z->priv;
    size_t n = z->nservers;
    for (size_t i = zp->nserved; i < zp->nhosts; i++)
        n += zp->hosts[i] && zp->hosts[i]->naddrs ? zp->hosts[i]->naddrs : 1;
    struct cs_auth_server *v = realloc(z->servers, (n ? n : 1) * sizeof(*v));
    if (!v) {
        zp->nserved = zp->nhosts;
        zp->nns = zp->nhosts; /* no further rounds */
        zp->round_pending = 1;
        zone_ns_round_done(z);
        return;
    }
    z->servers = v;
    size_t first = z->nservers, k = z->nservers;
    for (size_t i = zp->nserved; i < zp->nhosts; i++) {
        struct auth_host *h = zp->hosts[i];
        size_t na = h && h->naddrs ? h->naddrs : 1;
        /* A name's addresses in address order (answers come in any order). */
        size_t order[64];
        size_t no = na < 64 ? na : 64;
        for (size_t j = 0; j < no; j++)
            order[j] = j;
        for (size_t j = 1; h && h->naddrs && j < no; j++)
            for (size_t m = j;
                 m > 0 && addr_order(&h->addrs[order[m - 1]], &h->addrs[order[m]]) > 0; m--) {
                size_t t = order[m];
                order[m] = order[m - 1];
                order[m - 1] = t;
            }
        for (size_t jj = 0; jj < na; jj++) {
            size_t j = jj < no ? order[jj] : jj;
            struct cs_auth_server *s = &z->servers[k++];
            memset(s, 0, sizeof(*s));
            s->zone = z;
            s->ns = strdup(zp->ns[i]);
            if (h && h->naddrs) {
                s->addr = h->addrs[j];
                s->has_addr = true;
                cs_addr_format_ip(&s->addr, s->ip, sizeof(s->ip));
            }
            s->probes = calloc(cs_auth_zone_probe_count(zp->a->tries), sizeof(*s->probes));
            if (!s->ns || !s->probes)
                s->has_addr = false; /* not asked: nothing to keep the answers in */
            if (!s->has_addr) {
                s->findings |= CS_PB_BIT(CS_PB_NS_NO_ADDRESS);
                s->zone_probs |= CS_PB_BIT(CS_PB_NS_NO_ADDRESS);
                s->zone_described |= CS_PB_BIT(CS_PB_NS_NO_ADDRESS);
                if (!h)
                    cs_strbuf_printf(&s->detail, "the address of %s could not be looked up",
                                     zp->ns[i]);
                else if (h->failed && !h->nxdomain)
                    cs_strbuf_printf(&s->detail, "nameserver %s does not resolve (%s)", zp->ns[i],
                                     h->why);
                else
                    cs_strbuf_printf(&s->detail, "nameserver %s has no address (%s)", zp->ns[i],
                                     h->nxdomain ? "NXDOMAIN" : "no A or AAAA record");
            } else if (h->from_glue) {
                /* A CA's resolver would use the parent's glue, so the address is probed; the
                 * name itself still has no address of its own. */
                s->findings |= CS_PB_BIT(CS_PB_NS_NO_ADDRESS);
                s->zone_probs |= CS_PB_BIT(CS_PB_NS_NO_ADDRESS);
                s->zone_described |= CS_PB_BIT(CS_PB_NS_NO_ADDRESS);
                cs_strbuf_printf(&s->detail,
                                 "nameserver %s does not resolve; its glue address is used",
                                 zp->ns[i]);
            }
        }
    }
    z->nservers = k;
    zp->nserved = zp->nhosts;
    zp->round_pending = 1;
    for (size_t i = first; i < k; i++)
        if (z->servers[i].has_addr)
            ns_round_probe(zp->a, &z->servers[i]);
    zone_ns_round_done(z);
}

/* The new NS names that did not resolve to any address (their servers cannot be asked unless
 * glue gives one). */
static bool zone_hosts_without_address(const struct auth_zone_priv *zp)
{
    for (size_t i = zp->nserved; i < zp->nhosts; i++)
        if (zp->hosts[i] && zp->hosts[i]->naddrs == 0)
            return true;
    return false;
}

/* Gives each new NS name without an address the zone's glue for it, as a CA's resolver would use
 * it (the name keeps its NS_NO_ADDRESS finding; the address gets probed). */
static void zone_apply_glue(struct auth_zone_priv *zp)
{
    for (size_t i = zp->nserved; i < zp->nhosts; i++) {
        struct auth_host *h = zp->hosts[i];
        if (!h || h->naddrs > 0)
            continue;
        for (size_t g = 0; g < zp->glue.n; g++) {
            if (strcmp(zp->glue.name[g], zp->ns[i]) != 0)
                continue;
            struct cs_addr *v = realloc(h->addrs, (h->naddrs + 1) * sizeof(*v));
            if (!v)
                break;
            h->addrs = v;
            h->addrs[h->naddrs++] = zp->glue.addr[g];
            h->from_glue = true;
        }
    }
}

/* The parent's referral for a zone whose NS names did not all resolve: its glue. */
static void on_glue_referral(struct auth_referral *ref, void *arg)
{
    struct cs_auth_zone *z = arg;
    struct auth_zone_priv *zp = z->priv;
    if (ref->kind == AUTH_REF_CHILD && strcmp(ref->apex, z->apex) == 0)
        for (size_t g = 0; g < ref->glue.n; g++) {
            char *name = strdup(ref->glue.name[g]);
            if (!name || cs_auth_glue_add(&zp->glue, name, &ref->glue.addr[g]) != CS_OK)
                break;
        }
    zone_apply_glue(zp);
    zone_add_servers(z);
}

static void on_zone_host(void *arg)
{
    struct cs_auth_zone *z = arg;
    struct auth_zone_priv *zp = z->priv;
    if (--zp->hosts_pending > 0)
        return;
    if (zone_hosts_without_address(zp)) {
        /* A CA's resolver that follows the delegation uses the parent's glue for a name that
         * does not resolve: ask the parent once per zone (only zones with such a name pay). */
        if (!zp->glue_asked) {
            zp->glue_asked = true;
            if (cs_auth_ask_parent(zp->a, z->apex, on_glue_referral, z) == CS_OK)
                return;
        }
        zone_apply_glue(zp);
    }
    zone_add_servers(z);
}

/* Looks up the addresses of the NS names not looked up yet. */
static void zone_lookup_hosts(struct cs_auth_zone *z)
{
    struct auth_zone_priv *zp = z->priv;
    struct auth_host **v = realloc(zp->hosts, (zp->nns ? zp->nns : 1) * sizeof(*v));
    if (!v) {
        zp->nns = zp->nhosts;
        zone_ready(z);
        return;
    }
    zp->hosts = v;
    zp->hosts_pending = 1;
    size_t from = zp->nhosts;
    /* The round's new names in name order, so that the servers, and every detail and fix that
     * lists them, come out the same whatever order the NS answers had. */
    qsort(zp->ns + from, zp->nns - from, sizeof(*zp->ns), cmp_names);
    zp->nhosts = zp->nns;
    for (size_t i = from; i < zp->nns; i++) {
        struct auth_host *h = host_get(zp->a, zp->ns[i]);
        zp->hosts[i] = h;
        if (!h)
            continue;
        for (size_t g = 0; g < zp->glue.n; g++)
            if (strcmp(zp->glue.name[g], zp->ns[i]) == 0 && !h->done) {
                struct cs_addr *gv = realloc(h->glue, (h->nglue + 1) * sizeof(*gv));
                if (gv) {
                    h->glue = gv;
                    h->glue[h->nglue++] = zp->glue.addr[g];
                }
            }
        if (!h->done && wait_on(&h->waiters, on_zone_host, z) == CS_OK)
            zp->hosts_pending++;
    }
    on_zone_host(z);
}

static cs_err zone_add_ns(struct auth_zone_priv *zp, const char *name)
{
    for (size_t i = 0; i < zp->nns; i++)
        if (strcmp(zp->ns[i], name) == 0)
            return CS_OK;
    char **v = realloc(zp->ns, (zp->nns + 1) * sizeof(*v));
    if (!v)
        return CS_ENOMEM;
    zp->ns = v;
    if (!(v[zp->nns] = strdup(name)))
        return CS_ENOMEM;
    zp->nns++;
    return CS_OK;
}

static void zone_seed(struct cs_auth_zone *z, const struct auth_referral *ref)
{
    struct auth_zone_priv *zp = z->priv;
    for (size_t i = 0; i < ref->nns; i++)
        zone_add_ns(zp, ref->ns[i]);
    for (size_t g = 0; g < ref->glue.n; g++) {
        char *name = strdup(ref->glue.name[g]);
        if (!name || cs_auth_glue_add(&zp->glue, name, &ref->glue.addr[g]) != CS_OK)
            break;
    }
}

static void on_zone_referral(struct auth_referral *ref, void *arg)
{
    struct cs_auth_zone *z = arg;
    if (ref->kind == AUTH_REF_CHILD && strcmp(ref->apex, z->apex) == 0)
        zone_seed(z, ref);
    else if (!z->why_unchecked)
        z->why_unchecked = strdup("the NS set could not be found (the resolvers failed and the "
                                  "parent zone gave no delegation)");
    zone_lookup_hosts(z);
}

static void on_zone_ns(struct cs_answer *ans, void *arg)
{
    struct cs_auth_zone *z = arg;
    struct auth_zone_priv *zp = z->priv;
    if (ans->pkt && ans->outcome == CS_OUT_ANSWER && ans->rcode == LDNS_RCODE_NOERROR) {
        const ldns_rr_list *an = ldns_pkt_answer(ans->pkt);
        for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++) {
            const ldns_rr *rr = ldns_rr_list_rr(an, i);
            if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_NS || ldns_rr_rd_count(rr) != 1 ||
                !cs_auth_owner_is(rr, z->apex))
                continue;
            char *ns = cs_dname_text(ldns_rr_rdf(rr, 0));
            if (ns && ns[0])
                zone_add_ns(zp, ns);
            free(ns);
        }
    }
    if (zp->nns == 0 && cs_auth_ask_parent(zp->a, z->apex, on_zone_referral, z) == CS_OK)
        return;
    zone_lookup_hosts(z);
}

struct cs_auth_zone *cs_auth_zone_get(struct cs_auth *a, const char *apex,
                                      const struct auth_referral *seed)
{
    struct cs_auth_zone *z = cs_strmap_get(&a->zones, apex);
    if (z)
        return z;
    z = calloc(1, sizeof(*z));
    if (!z || !(z->priv = calloc(1, sizeof(*z->priv))) || !(z->apex = strdup(apex)) ||
        cs_strmap_put(&a->zones, z->apex, z) != CS_OK) {
        if (z) {
            free(z->apex);
            free(z->priv);
        }
        free(z);
        return NULL;
    }
    z->priv->a = a;
    if (seed && seed->nns > 0) {
        /* The parent's referral: its NS names and glue (the resolvers failed on this zone). */
        zone_seed(z, seed);
        zone_lookup_hosts(z);
    } else {
        send_query(a, NULL, apex, LDNS_RR_TYPE_NS, 0, on_zone_ns, z);
    }
    return z;
}

void cs_auth_zone_free(struct cs_auth_zone *z)
{
    struct auth_zone_priv *zp = z->priv;
    for (size_t i = 0; i < z->nservers; i++) {
        struct cs_auth_server *s = &z->servers[i];
        free(s->ns);
        free(s->ns_set);
        free(s->probes);
        cs_strbuf_free(&s->detail);
    }
    free(z->servers);
    for (size_t i = 0; i < zp->nns; i++)
        free(zp->ns[i]);
    free(zp->ns);
    cs_auth_glue_clear(&zp->glue);
    free(zp->hosts);
    free(zp->addr);
    free(zp->soa_in_caa);
    waiters_free(zp->ready_waiters);
    waiters_free(zp->done_waiters);
    waiters_free(zp->sample_waiters);
    free(zp);
    cs_strbuf_free(&z->detail);
    free(z->nameservers);
    free(z->why_unchecked);
    free(z->apex);
    free(z);
}

/* ---- direct probes --------------------------------------------------------------------- */

struct probe_ctx {
    struct cs_auth_server *server;
    struct cs_auth_reply *reply;
    struct cs_auth_zone *zone;   /* a zone probe: its zone */
    struct cs_auth_qname *qname; /* a name probe: its name */
    struct auth_addr *addr;      /* an address's own question: its address */
    uint16_t qtype;
};

static void qname_reply_done(struct cs_auth_qname *q);
static void addr_outstanding_done(struct auth_addr *ad);

/* The one who waits for a probe's answer: its name, its address or its zone. */
static void probe_owner_done(struct cs_auth_zone *z, struct cs_auth_qname *q, struct auth_addr *ad)
{
    if (q)
        qname_reply_done(q);
    else if (ad)
        addr_outstanding_done(ad);
    else
        zone_outstanding_done(z);
}

static void on_probe(struct cs_answer *ans, void *arg)
{
    struct probe_ctx *pc = arg;
    cs_auth_take_reply(pc->server, pc->qname, pc->qtype, ans, pc->reply);
    struct cs_auth_zone *z = pc->zone;
    struct cs_auth_qname *q = pc->qname;
    struct auth_addr *ad = pc->addr;
    /* Sampling: a negative answer to the apex's CAA gives the serial (no SOA query needed). */
    struct cs_auth_zone *sz = pc->server->zone;
    if (q && ans->pkt && q->priv->a->depth == CS_AUTH_DEPTH_SAMPLE &&
        strcmp(q->name, sz->apex) == 0 &&
        cs_auth_note_negative_serial(pc->server, ans->pkt, pc->reply) && sz->priv->soa_in_caa)
        sz->priv->soa_in_caa[pc->server - sz->servers] = true;
    free(pc);
    probe_owner_done(z, q, ad);
}

/* Asks server s qtype at name; the answer goes to slot, and then to the name q, the address ad or
 * else the zone z, whichever is given first. */
static void probe(struct cs_auth *a, struct cs_auth_server *s, const char *name, uint16_t qtype,
                  unsigned flags, struct cs_auth_reply *slot, struct cs_auth_zone *z,
                  struct cs_auth_qname *q, struct auth_addr *ad)
{
    struct probe_ctx *pc = malloc(sizeof(*pc));
    slot->outcome = 0xff;
    slot->rcode = -1;
    if (q)
        q->priv->outstanding++;
    else if (ad)
        ad->outstanding++;
    else
        z->priv->outstanding++;
    if (!pc) {
        struct cs_answer none = {.name = name, .qtype = qtype, .outcome = CS_OUT_NETERR};
        cs_auth_read_reply(&none, qtype, s->zone->apex, slot);
        probe_owner_done(z, q, ad);
        return;
    }
    pc->server = s;
    pc->reply = slot;
    pc->zone = z;
    pc->qname = q;
    pc->addr = ad;
    pc->qtype = qtype;
    s->queries++;
    send_query(a, &s->addr, name, qtype, flags, on_probe, pc);
}

static void on_ns_round(struct cs_answer *ans, void *arg)
{
    struct cs_auth_server *s = arg;
    struct cs_auth_zone *z = s->zone;
    struct cs_auth_reply *r = &s->probes[AUTH_PROBE_NS(z->priv->a->tries)];
    cs_auth_take_reply(s, NULL, LDNS_RR_TYPE_NS, ans, r);
    /* Every name this server lists is a nameserver of the zone too. */
    for (const char *p = s->has_ns ? s->ns_set : ""; *p;) {
        const char *e = strchr(p, ';');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        char name[256];
        if (len > 0 && len < sizeof(name)) {
            memcpy(name, p, len);
            name[len] = '\0';
            zone_add_ns(z->priv, name);
        }
        p += len + (e ? 1 : 0);
    }
    zone_ns_round_done(z);
}

static void ns_round_probe(struct cs_auth *a, struct cs_auth_server *s)
{
    s->queries++;
    s->zone->priv->round_pending++;
    send_query(a, &s->addr, s->zone->apex, LDNS_RR_TYPE_NS, CS_QF_DO, on_ns_round, s);
}

static void on_apex_qname_done(void *arg)
{
    zone_outstanding_done(arg);
}

/* The questions of the server program at s's address, asked at zone z's apex: SOA over TCP
 * without EDNS (a server that drops every query with an OPT record is EDNS_BROKEN, and its TCP is
 * judged on its own), SOA without EDNS, CAA in lower case. Their answers go to the zone, or to the
 * address ad when given. */
static void probe_wide(struct cs_auth *a, struct cs_auth_server *s, struct cs_auth_zone *z,
                       struct auth_addr *ad)
{
    struct cs_auth_reply *p = s->probes;
    unsigned tries = a->tries;
    probe(a, s, z->apex, LDNS_RR_TYPE_SOA, CS_QF_NOEDNS | CS_QF_TCP_ONLY, &p[AUTH_PROBE_TCP(tries)],
          z, NULL, ad);
    probe(a, s, z->apex, LDNS_RR_TYPE_SOA, CS_QF_NOEDNS, &p[AUTH_PROBE_NOEDNS(tries)], z, NULL, ad);
    probe(a, s, z->apex, LDNS_RR_TYPE_CAA, CS_QF_DO | CS_QF_NO0X20, &p[AUTH_PROBE_LOWER(tries)], z,
          NULL, ad);
}

/* ---- an address's own questions (--auth-depth sample) ---------------------------------- */

static void addr_outstanding_done(struct auth_addr *ad)
{
    if (--ad->outstanding > 0)
        return;
    cs_auth_judge_address(ad, ad->zone->priv->a->tries);
    ad->done = true;
    wake(&ad->waiters);
}

static void on_addr_apex_done(void *arg)
{
    addr_outstanding_done(arg);
}

/* The address of server i of zone z. The first zone to reach an address asks its questions, at
 * its own apex; they are judged once that and the zone's apex CAA probes are answered. */
static struct auth_addr *addr_get(struct cs_auth *a, struct cs_auth_zone *z, size_t i)
{
    struct cs_auth_server *s = &z->servers[i];
    struct auth_addr *ad = cs_strmap_get(&a->addrs, s->ip);
    if (ad)
        return ad;
    ad = calloc(1, sizeof(*ad));
    if (!ad || !(ad->ip = strdup(s->ip)) || cs_strmap_put(&a->addrs, ad->ip, ad) != CS_OK) {
        if (ad)
            free(ad->ip);
        free(ad);
        return NULL;
    }
    ad->zone = z;
    ad->server = i;
    ad->outstanding = 1; /* held while asking */
    probe_wide(a, s, z, ad);
    struct cs_auth_qname *aq = z->priv->apex_q;
    if (aq && !aq->done && wait_on(&aq->priv->waiters, on_addr_apex_done, ad) == CS_OK)
        ad->outstanding++;
    addr_outstanding_done(ad);
    return ad;
}

static void addr_free(void *p)
{
    struct auth_addr *ad = p;
    waiters_free(ad->waiters);
    free(ad->text);
    free(ad->ip);
    free(ad);
}

/* ---- zone probes ----------------------------------------------------------------------- */

/* Sampling: SOA at the apex, once, at every address whose answers to the apex's CAA did not carry
 * the zone's SOA (a negative answer does; an answer with CAA records does not). Decided on those
 * answers alone, not on a serial that came some other way first, so that what is asked does not
 * depend on which answer came first. */
static void zone_ask_soa(struct cs_auth_zone *z)
{
    struct cs_auth *a = z->priv->a;
    for (size_t i = 0; i < z->nservers; i++) {
        struct cs_auth_server *s = &z->servers[i];
        if (s->has_addr && !(z->priv->soa_in_caa && z->priv->soa_in_caa[i]))
            probe(a, s, z->apex, LDNS_RR_TYPE_SOA, CS_QF_DO, &s->probes[0], z, NULL, NULL);
    }
}

static void on_apex_qname_soa(void *arg)
{
    struct cs_auth_zone *z = arg;
    zone_ask_soa(z);
    zone_outstanding_done(z);
}

static void on_zone_addr_done(void *arg)
{
    zone_outstanding_done(arg);
}

/* --auth-depth sample (docs/auth.md, "What each address is asked"): the apex's CAA, SOA only where
 * that gave no serial, and each address's own questions once per run. */
static void zone_probe_sample(struct cs_auth_zone *z)
{
    struct auth_zone_priv *zp = z->priv;
    struct cs_auth *a = zp->a;
    unsigned tries = a->tries;
    for (size_t i = 0; i < z->nservers; i++) {
        struct cs_auth_reply *p = z->servers[i].probes;
        for (size_t k = 0; p && k < cs_auth_zone_probe_count(tries); k++) {
            if (k == AUTH_PROBE_NS(tries))
                continue; /* asked already */
            p[k].outcome = CS_OUT_CANCELLED;
            p[k].rcode = -1;
        }
    }
    zp->soa_in_caa = calloc(z->nservers + 1, sizeof(*zp->soa_in_caa));
    struct cs_auth_qname *aq = cs_auth_qname_get(a, z->apex, z, false);
    zp->apex_q = aq;
    zp->addr = calloc(z->nservers + 1, sizeof(*zp->addr));
    for (size_t i = 0; zp->addr && i < z->nservers; i++) {
        if (!z->servers[i].has_addr)
            continue;
        struct auth_addr *ad = addr_get(a, z, i);
        zp->addr[i] = ad;
        if (ad && !ad->done && wait_on(&ad->waiters, on_zone_addr_done, z) == CS_OK)
            zp->outstanding++;
    }
    if (aq && !aq->done && wait_on(&aq->priv->waiters, on_apex_qname_soa, z) == CS_OK)
        zp->outstanding++;
    else
        zone_ask_soa(z);
}

static void zone_probe_all(struct cs_auth_zone *z)
{
    struct cs_auth *a = z->priv->a;
    unsigned tries = a->tries;
    if (a->depth == CS_AUTH_DEPTH_SAMPLE) {
        zone_probe_sample(z);
        return;
    }
    for (size_t i = 0; i < z->nservers; i++) {
        struct cs_auth_server *s = &z->servers[i];
        if (!s->has_addr)
            continue;
        for (unsigned t = 0; t < tries; t++)
            probe(a, s, z->apex, LDNS_RR_TYPE_SOA, CS_QF_DO, &s->probes[t], z, NULL, NULL);
        probe_wide(a, s, z, NULL);
    }
    /* The apex's own CAA probes are compared with the lower-case one. */
    struct cs_auth_qname *aq = cs_auth_qname_get(a, z->apex, z, false);
    z->priv->apex_q = aq;
    if (aq && !aq->done && wait_on(&aq->priv->waiters, on_apex_qname_done, z) == CS_OK)
        z->priv->outstanding++;
}

/* ---- names of a climb ------------------------------------------------------------------ */

static void qname_finish(struct cs_auth_qname *q)
{
    cs_auth_judge_qname(q, q->priv->a->tries);
    struct cs_auth_zone *z = q->zone;
    if (q->priv->a->depth == CS_AUTH_DEPTH_SAMPLE && z && z->priv) {
        if (!q->probed)
            cs_auth_judge_spared(q, z->priv->apex_q);
        else if (q->problems)
            z->priv->escalated = true; /* the zone's later names are all asked, `tries` times */
        if (q->probed && strcmp(q->name, z->apex) != 0 && z->priv->sample_pending > 0 &&
            --z->priv->sample_pending == 0)
            wake(&z->priv->sample_waiters);
    }
    q->done = true;
    wake(&q->priv->waiters);
}

static void qname_send(struct cs_auth_qname *q, unsigned from, unsigned to);

static void qname_reply_done(struct cs_auth_qname *q)
{
    if (--q->priv->outstanding > 0)
        return;
    struct cs_auth *a = q->priv->a;
    /* Sampling: a name asked once whose answers show something gets its other tries. */
    if (a->depth == CS_AUTH_DEPTH_SAMPLE && q->probed && q->priv->sent < a->tries &&
        cs_auth_qname_shows_problem(q, a->tries, q->priv->sent)) {
        qname_send(q, q->priv->sent, a->tries);
        return;
    }
    qname_finish(q);
}

/* Asks CAA at q's name tries [from, to) at every address of its zone. */
static void qname_send(struct cs_auth_qname *q, unsigned from, unsigned to)
{
    struct cs_auth_zone *z = q->zone;
    struct cs_auth *a = q->priv->a;
    unsigned tries = a->tries;
    q->priv->outstanding = 1;
    q->priv->sent = to;
    for (size_t i = 0; q->replies && i < z->nservers; i++) {
        struct cs_auth_server *s = &z->servers[i];
        for (unsigned t = from; s->has_addr && t < to; t++)
            probe(a, s, q->name, LDNS_RR_TYPE_CAA, CS_QF_DO, &q->replies[i * tries + t], NULL, q,
                  NULL);
    }
    qname_reply_done(q);
}

static void qname_start(void *arg)
{
    struct cs_auth_qname *q = arg;
    struct cs_auth_zone *z = q->zone;
    struct cs_auth *a = q->priv->a;
    unsigned tries = a->tries;
    q->probed = true;
    unsigned send = tries;
    if (a->depth == CS_AUTH_DEPTH_SAMPLE && strcmp(q->name, z->apex) != 0) {
        struct auth_zone_priv *zp = z->priv;
        /* A zone at an address that fails now and then is asked as one whose servers disagree. */
        bool suspect = false;
        for (size_t i = 0; zp->addr && i < z->nservers && !suspect; i++)
            suspect = cs_auth_addr_suspect(zp->addr[i]);
        if (!q->priv->decided) {
            q->priv->decided = true;
            q->priv->picked = suspect || cs_auth_decide_probe(q, q->priv->must_probe, zp);
            /* Left out while names of the zone are being asked: decided again once they are
             * done, so that a finding on one of them (the zone escalates) reaches this one. */
            if (!q->priv->picked && zp->sample_pending > 0 &&
                wait_on(&zp->sample_waiters, qname_start, q) == CS_OK)
                return;
        } else if (zp->escalated || suspect) {
            q->priv->picked = true;
        }
        q->probed = q->priv->picked;
        /* A sampled name of a zone that shows nothing is asked once at each address; a name
         * that must be asked, in a zone whose servers disagree or that escalated, `tries`
         * times. */
        if (!q->priv->must_probe && !zp->escalated && !suspect && !cs_auth_zone_disagrees(z))
            send = 1;
        if (q->probed)
            zp->sample_pending++;
    }
    if (q->probed)
        a->names_probed++;
    else
        a->names_spared++;
    q->replies = calloc(z->nservers * tries + 1, sizeof(*q->replies));
    q->tries = q->replies ? tries : 0;
    for (size_t k = 0; q->replies && k < z->nservers * tries; k++) {
        q->replies[k].outcome = CS_OUT_CANCELLED;
        q->replies[k].rcode = -1;
    }
    qname_send(q, 0, q->probed ? send : 0);
}

struct cs_auth_qname *cs_auth_qname_get(struct cs_auth *a, const char *name, struct cs_auth_zone *z,
                                        bool must_probe)
{
    struct cs_auth_qname *q = cs_strmap_get(&a->qnames, name);
    if (q) {
        if (must_probe)
            q->priv->must_probe = true; /* in time when the name has not started yet */
        return q;
    }
    q = calloc(1, sizeof(*q));
    if (!q || !(q->priv = calloc(1, sizeof(*q->priv))) || !(q->name = strdup(name)) ||
        cs_strmap_put(&a->qnames, q->name, q) != CS_OK) {
        if (q) {
            free(q->name);
            free(q->priv);
        }
        free(q);
        return NULL;
    }
    q->zone = z;
    q->priv->a = a;
    q->priv->must_probe = must_probe;
    /* Sampling decides a name below the apex on its zone's findings: it waits for the zone. */
    bool after_zone = a->depth == CS_AUTH_DEPTH_SAMPLE && strcmp(name, z->apex) != 0;
    if (after_zone ? z->done : z->ready)
        qname_start(q);
    else if (wait_on(after_zone ? &z->priv->done_waiters : &z->priv->ready_waiters, qname_start,
                     q) != CS_OK)
        qname_finish(q); /* out of memory: judged with no replies */
    return q;
}

void cs_auth_release_name(struct cs_auth *a, const char *name)
{
    struct cs_auth_qname *q = cs_strmap_get(&a->qnames, name);
    /* A zone's apex probes stay with the zone; work or waiters left keep it too. */
    if (!q || !q->done || q->priv->outstanding || q->priv->waiters ||
        (q->zone && q->zone->priv && q->zone->priv->apex_q == q))
        return;
    cs_strmap_remove(&a->qnames, name);
    cs_auth_qname_free(q);
}

void cs_auth_qname_free(struct cs_auth_qname *q)
{
    for (unsigned i = 0; i < q->nsets; i++)
        ldns_rr_list_deep_free(q->sets[i]);
    free(q->sets);
    free(q->set_server);
    free(q->replies);
    for (size_t i = 0; q->server_detail && i < q->zone->nservers; i++)
        free(q->server_detail[i]);
    free(q->server_detail);
    for (size_t i = 0; q->server_answer && i < q->zone->nservers; i++)
        free(q->server_answer[i]);
    free(q->server_answer);
    free(q->server_probs);
    cs_strbuf_free(&q->detail);
    waiters_free(q->priv->waiters);
    free(q->priv);
    free(q->name);
    free(q);
}

/* ---- a name's check -------------------------------------------------------------------- */

struct auth_task {
    struct cs_auth *a;
    cs_auth_done_cb cb;
    void *arg;
    struct cs_ca_level *const *levels;
    size_t n;
    size_t next;    /* next level whose zone is to be found */
    size_t waiting; /* zones and names not done yet, plus one hold */
    const char **zname;
    struct cs_auth_zone **zones;
    struct cs_auth_qname **qnames;
    struct auth_apex *pending; /* the apex lookup being waited for */
};

static void task_find_zones(struct auth_task *t);

static void task_done(struct auth_task *t)
{
    struct cs_auth_result res = {
        .nlevels = t->n,
        .zones = t->zones,
        .qnames = t->qnames,
    };
    t->cb(&res, t->arg);
    free(t->zname);
    free(t->zones);
    free(t->qnames);
    free(t);
}

static void task_unwait(void *arg)
{
    struct auth_task *t = arg;
    if (--t->waiting == 0)
        task_done(t);
}

/* Every level has its zone name (or none): get the zones and the names' probes. */
static void task_attach(struct auth_task *t)
{
    struct cs_auth *a = t->a;
    t->waiting = 1;
    for (size_t i = 0; i < t->n; i++) {
        if (!t->zname[i])
            continue;
        struct cs_auth_zone *z = cs_auth_zone_get(a, t->zname[i], NULL);
        t->zones[i] = z;
        if (!z)
            continue;
        bool seen = false;
        for (size_t j = 0; j < i; j++)
            seen |= t->zones[j] == z;
        if (!seen && !z->done && wait_on(&z->priv->done_waiters, task_unwait, t) == CS_OK)
            t->waiting++;
        struct cs_auth_qname *q =
            cs_auth_qname_get(a, t->levels[i]->name, z, cs_auth_level_unclear(t->levels[i]));
        t->qnames[i] = q;
        if (q && !q->done && wait_on(&q->priv->waiters, task_unwait, t) == CS_OK)
            t->waiting++;
    }
    task_unwait(t);
}

/* Gives level i's zone apex to it and every level above it that the zone holds. */
static void task_assign(struct auth_task *t, const char *apex)
{
    size_t i = t->next;
    if (!apex || !apex[0]) {
        t->next = i + 1;
        return;
    }
    for (size_t j = 0; j < i; j++)
        if (!t->zname[j] && cs_auth_name_in(t->levels[j]->name, apex))
            t->zname[j] = apex;
    while (i < t->n && cs_auth_name_in(t->levels[i]->name, apex))
        t->zname[i++] = apex;
    t->next = i > t->next ? i : t->next + 1;
}

static void on_task_apex(void *arg)
{
    struct auth_task *t = arg;
    task_assign(t, t->pending->apex);
    t->pending = NULL;
    task_find_zones(t);
}

static void task_find_zones(struct auth_task *t)
{
    while (t->next < t->n) {
        const struct cs_ca_level *lv = t->levels[t->next];
        if (lv->soa_owner && cs_auth_name_in(lv->name, lv->soa_owner)) {
            /* A CA-side negative answer named the zone already. */
            task_assign(t, lv->soa_owner);
            continue;
        }
        struct auth_apex *ap = cs_auth_apex_get(t->a, lv->name);
        if (ap && !ap->done) {
            t->pending = ap;
            if (wait_on(&ap->waiters, on_task_apex, t) == CS_OK)
                return;
            t->pending = NULL;
        }
        task_assign(t, ap ? ap->apex : NULL);
    }
    task_attach(t);
}

cs_err cs_auth_check(struct cs_auth *a, struct cs_ca_level *const *levels, size_t nlevels,
                     cs_auth_done_cb cb, void *arg)
{
    struct auth_task *t = calloc(1, sizeof(*t));
    if (!t)
        return CS_ENOMEM;
    t->a = a;
    t->cb = cb;
    t->arg = arg;
    t->levels = levels;
    t->n = nlevels;
    t->zname = calloc(nlevels + 1, sizeof(*t->zname));
    t->zones = calloc(nlevels + 1, sizeof(*t->zones));
    t->qnames = calloc(nlevels + 1, sizeof(*t->qnames));
    if (!t->zname || !t->zones || !t->qnames) {
        free(t->zname);
        free(t->zones);
        free(t->qnames);
        free(t);
        return CS_ENOMEM;
    }
    task_find_zones(t);
    return CS_OK;
}

/* ---- the run-wide state ---------------------------------------------------------------- */

void cs_auth_config_default(struct cs_auth_config *cfg)
{
    cfg->depth = CS_AUTH_DEPTH_SAMPLE;
    cfg->tries = 2;
    cfg->timeout_ms = 3000;
    cfg->min_timeout_ms = 1000;
}

struct cs_auth *cs_auth_new(struct cs_engine *engine, const struct cs_auth_config *cfg)
{
    struct cs_auth *a = calloc(1, sizeof(*a));
    if (!a)
        return NULL;
    a->engine = engine;
    struct cs_auth_config def;
    cs_auth_config_default(&def);
    a->tries = cfg && cfg->tries ? cfg->tries : def.tries;
    a->depth = cfg ? cfg->depth : def.depth;
    if (a->tries > CS_MAX_ATTEMPTS)
        a->tries = CS_MAX_ATTEMPTS;
    a->timeout_ms = cfg && cfg->timeout_ms ? cfg->timeout_ms : def.timeout_ms;
    a->min_timeout_ms = cfg && cfg->min_timeout_ms ? cfg->min_timeout_ms : def.min_timeout_ms;
    if (a->min_timeout_ms > a->timeout_ms)
        a->min_timeout_ms = a->timeout_ms;
    return a;
}

static void qname_free(void *p)
{
    cs_auth_qname_free(p);
}

static void zone_free(void *p)
{
    cs_auth_zone_free(p);
}

void cs_auth_free(struct cs_auth *a)
{
    if (!a)
        return;
    cs_strmap_free(&a->qnames, qname_free);
    cs_strmap_free(&a->zones, zone_free);
    cs_strmap_free(&a->apexes, apex_free);
    cs_strmap_free(&a->hosts, host_free);
    cs_strmap_free(&a->addrs, addr_free);
    free(a);
}

size_t cs_auth_zone_count(const struct cs_auth *a)
{
    return a->zones.count;
}

struct zone_visit {
    void (*fn)(const struct cs_auth_zone *, void *);
    void *arg;
};

static void visit_zone(void *val, void *arg)
{
    struct zone_visit *v = arg;
    v->fn(val, v->arg);
}

void cs_auth_foreach_zone(const struct cs_auth *a, void (*fn)(const struct cs_auth_zone *, void *),
                          void *arg)
{
    struct zone_visit v = {fn, arg};
    cs_strmap_foreach(&a->zones, visit_zone, &v);
}

uint64_t cs_auth_queries(const struct cs_auth *a)
{
    return a->queries + a->lookups;
}

void cs_auth_name_counts(const struct cs_auth *a, uint64_t *probed, uint64_t *spared)
{
    *probed = a->names_probed;
    *spared = a->names_spared;
}

void cs_auth_direct_counts(const struct cs_auth *a, uint64_t *sent, uint64_t *answered)
{
    *sent = a->queries;
    *answered = a->answered;
}

int cs_auth_server_rtt_ms(const struct cs_auth_server *s)
{
    if (s->nrtt == 0)
        return -1;
    uint32_t v[sizeof(s->rtt_ms) / sizeof(s->rtt_ms[0])];
    memcpy(v, s->rtt_ms, s->nrtt * sizeof(v[0]));
    for (unsigned i = 1; i < s->nrtt; i++)
        for (unsigned j = i; j > 0 && v[j - 1] > v[j]; j--) {
            uint32_t x = v[j];
            v[j] = v[j - 1];
            v[j - 1] = x;
        }
    return (int)v[s->nrtt / 2];
}
