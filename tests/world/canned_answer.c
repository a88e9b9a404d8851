/*
 * canned_answer.c -- configuration, zone data and answer logic of cannedns (see canned_answer.h).
 *
 * The answer is built the way an authoritative server builds it (AA, the SOA in negative answers,
 * NXDOMAIN for names that do not exist and NODATA for names that do, empty non-terminals included,
 * in-zone CNAME chains followed), and then the binding's behaviours bend it. Zones are small, so
 * lookups are linear scans over the zone's records. Wildcards and delegations below the apex are
 * not supported: the world does not need them.
 */
#include "canned_answer.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEADER_SIZE     12
#define MAX_CNAME_CHAIN 8
#define REPLY_EDNS_SIZE 1232

static const struct {
    const char *name;
    unsigned bit;
} behaviour_names[] = {
    {"notimp-caa", CANNED_NOTIMP_CAA},
    {"refused-caa", CANNED_REFUSED_CAA},
    {"servfail-caa", CANNED_SERVFAIL_CAA},
    {"silent-caa", CANNED_SILENT_CAA},
    {"nosoa-negative", CANNED_NOSOA_NEGATIVE},
    {"empty-caa", CANNED_EMPTY_CAA},
    {"lowercase-echo", CANNED_LOWERCASE_ECHO},
    {"case-nxdomain", CANNED_CASE_NXDOMAIN},
    {"tc-udp", CANNED_TC_UDP},
    {"formerr-edns", CANNED_FORMERR_EDNS},
    {"no-tcp", CANNED_NO_TCP},
    {"no-aa", CANNED_NO_AA},
    {"silent-edns", CANNED_SILENT_EDNS},
    {"tc-caa", CANNED_TC_CAA},
};

static void zone_clear(struct canned_zone *z)
{
    if (z->origin)
        ldns_rdf_deep_free(z->origin);
    if (z->soa)
        ldns_rr_free(z->soa);
    if (z->rrs)
        ldns_rr_list_deep_free(z->rrs);
    memset(z, 0, sizeof(*z));
}

void canned_config_free(struct canned_config *cfg)
{
    if (!cfg)
        return;
    for (size_t i = 0; i < cfg->site_count; i++) {
        for (size_t j = 0; j < cfg->sites[i].zone_count; j++)
            zone_clear(&cfg->sites[i].zones[j]);
        free(cfg->sites[i].zones);
    }
    free(cfg->sites);
    free(cfg);
}

struct canned_site *canned_config_site(struct canned_config *cfg, const char *address)
{
    for (size_t i = 0; cfg && i < cfg->site_count; i++)
        if (strcmp(cfg->sites[i].address, address) == 0)
            return &cfg->sites[i];
    return NULL;
}

/* Loads a zone file into z (owners lower-cased). Returns false with a message in err. */
static bool zone_load(struct canned_zone *z, const char *file, char *err, size_t errlen)
{
    FILE *fp = fopen(file, "r");
    if (!fp) {
        snprintf(err, errlen, "%s: %s", file, strerror(errno));
        return false;
    }
    ldns_zone *zone = NULL;
    int line = 0;
    ldns_status st = ldns_zone_new_frm_fp_l(&zone, fp, NULL, 3600, LDNS_RR_CLASS_IN, &line);
    fclose(fp);
    if (st != LDNS_STATUS_OK) {
        snprintf(err, errlen, "%s:%d: %s", file, line, ldns_get_errorstr_by_id(st));
        return false;
    }
    if (!ldns_zone_soa(zone)) {
        ldns_zone_deep_free(zone);
        snprintf(err, errlen, "%s: the zone has no SOA record", file);
        return false;
    }
    z->soa = ldns_rr_clone(ldns_zone_soa(zone));
    ldns_dname2canonical(ldns_rr_owner(z->soa));
    z->origin = ldns_rdf_clone(ldns_rr_owner(z->soa));
    z->rrs = ldns_rr_list_clone(ldns_zone_rrs(zone));
    ldns_zone_deep_free(zone);
    if (!z->soa || !z->origin || !z->rrs) {
        snprintf(err, errlen, "%s: out of memory", file);
        return false;
    }
    for (size_t i = 0; i < ldns_rr_list_rr_count(z->rrs); i++)
        ldns_dname2canonical(ldns_rr_owner(ldns_rr_list_rr(z->rrs, i)));
    if (!ldns_rr_list_push_rr(z->rrs, ldns_rr_clone(z->soa))) {
        snprintf(err, errlen, "%s: out of memory", file);
        return false;
    }
    return true;
}

/* Parses one behaviour word into z. Returns false when the word is unknown or malformed. */
static bool behaviour_parse(struct canned_zone *z, const char *word)
{
    if (strncmp(word, "from=", 5) == 0) {
        unsigned char addr[sizeof(struct in6_addr)];
        const char *a = word + 5;
        if (z->from_count >= sizeof(z->from) / sizeof(z->from[0]) ||
            strlen(a) >= sizeof(z->from[0]) ||
            (inet_pton(AF_INET, a, addr) != 1 && inet_pton(AF_INET6, a, addr) != 1))
            return false;
        snprintf(z->from[z->from_count++], sizeof(z->from[0]), "%s", a);
        return true;
    }
    if (strncmp(word, "delay=", 6) == 0) {
        char *end = NULL;
        long ms = strtol(word + 6, &end, 10);
        if (end == word + 6 || *end != '\0' || ms < 1 || ms > 60000)
            return false;
        z->delay_ms = (unsigned)ms;
        return true;
    }
    if (strncmp(word, "servfail-caa=", 13) == 0) {
        char *end = NULL;
        long k = strtol(word + 13, &end, 10);
        if (!end || *end != '/')
            return false;
        const char *nstart = end + 1;
        long n = strtol(nstart, &end, 10);
        if (end == nstart || *end != '\0' || k < 1 || n < 1 || k > n || n > 1000000)
            return false;
        z->behaviours |= CANNED_SERVFAIL_CAA;
        z->share_k = (unsigned)k;
        z->share_n = (unsigned)n;
        return true;
    }
    for (size_t i = 0; i < sizeof(behaviour_names) / sizeof(behaviour_names[0]); i++) {
        if (strcmp(word, behaviour_names[i].name) == 0) {
            z->behaviours |= behaviour_names[i].bit;
            if (behaviour_names[i].bit == CANNED_SERVFAIL_CAA && z->share_n == 0) {
                z->share_k = 1;
                z->share_n = 1;
            }
            return true;
        }
    }
    return false;
}

/* Splits line into at most max words separated by blanks (modifies line). Returns the count. */
static size_t split_words(char *line, char **words, size_t max)
{
    size_t n = 0;
    char *p = line;
    while (*p && n < max) {
        while (*p && isspace((unsigned char)*p))
            p++;
        if (!*p)
            break;
        words[n++] = p;
        while (*p && !isspace((unsigned char)*p))
            p++;
        if (*p)
            *p++ = '\0';
    }
    return n;
}

/* Adds an empty zone binding to the site for address (created when new); NULL when out of memory.
 */
static struct canned_zone *config_add_zone(struct canned_config *cfg, const char *address)
{
    struct canned_site *site = canned_config_site(cfg, address);
    if (!site) {
        struct canned_site *sites = realloc(cfg->sites, (cfg->site_count + 1) * sizeof(*sites));
        if (!sites)
            return NULL;
        cfg->sites = sites;
        site = &sites[cfg->site_count++];
        memset(site, 0, sizeof(*site));
        snprintf(site->address, sizeof(site->address), "%s", address);
    }
    struct canned_zone *zones = realloc(site->zones, (site->zone_count + 1) * sizeof(*zones));
    if (!zones)
        return NULL;
    site->zones = zones;
    memset(&zones[site->zone_count], 0, sizeof(zones[0]));
    return &zones[site->zone_count++];
}

struct canned_config *canned_config_load(const char *path, char *err, size_t errlen)
{
    FILE *fp = fopen(path, "r");
    if (!fp) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    struct canned_config *cfg = calloc(1, sizeof(*cfg));
    char *line = NULL;
    size_t cap = 0;
    int lineno = 0;
    bool ok = cfg != NULL;
    if (!ok)
        snprintf(err, errlen, "%s: out of memory", path);
    /* Zone files are named relative to the configuration file's directory. */
    const char *slash = strrchr(path, '/');
    int dirlen = slash ? (int)(slash - path) : 1;
    const char *dir = slash ? path : ".";

    while (ok && getline(&line, &cap, fp) != -1) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *words[32];
        size_t n = split_words(line, words, 32);
        if (n == 0)
            continue;
        if (n < 2 || n == 32) {
            snprintf(err, errlen, "%s:%d: expected ADDRESS ZONEFILE [BEHAVIOUR...]", path, lineno);
            ok = false;
            break;
        }
        unsigned char addrbuf[sizeof(struct in6_addr)];
        if (strlen(words[0]) >= sizeof(cfg->sites[0].address) ||
            (inet_pton(AF_INET, words[0], addrbuf) != 1 &&
             inet_pton(AF_INET6, words[0], addrbuf) != 1)) {
            snprintf(err, errlen, "%s:%d: %s is not a numeric IP address", path, lineno, words[0]);
            ok = false;
            break;
        }
        struct canned_zone *z = config_add_zone(cfg, words[0]);
        if (!z) {
            snprintf(err, errlen, "%s: out of memory", path);
            ok = false;
            break;
        }
        char file[4096];
        if (words[1][0] == '/')
            snprintf(file, sizeof(file), "%s", words[1]);
        else
            snprintf(file, sizeof(file), "%.*s/%s", dirlen, dir, words[1]);
        if (!zone_load(z, file, err, errlen)) {
            ok = false;
            break;
        }
        for (size_t i = 2; i < n; i++) {
            if (!behaviour_parse(z, words[i])) {
                snprintf(err, errlen, "%s:%d: unknown behaviour %s", path, lineno, words[i]);
                ok = false;
                break;
            }
        }
        struct canned_site *site = canned_config_site(cfg, words[0]);
        if (z->behaviours & CANNED_NO_TCP)
            site->no_tcp = true;
        if (z->delay_ms > site->delay_ms)
            site->delay_ms = z->delay_ms;
    }
    free(line);
    fclose(fp);
    if (ok && cfg->site_count == 0) {
        snprintf(err, errlen, "%s: no zone configured", path);
        ok = false;
    }
    if (!ok) {
        canned_config_free(cfg);
        return NULL;
    }
    return cfg;
}

/* A reply of a bare header: the query's id, opcode and RD, with rcode, and no section. */
static bool header_reply(const uint8_t *query, uint8_t rcode, uint8_t **reply, size_t *reply_len)
{
    uint8_t *r = calloc(1, HEADER_SIZE);
    if (!r)
        return false;
    r[0] = query[0];
    r[1] = query[1];
    r[2] = (uint8_t)(0x80 | (query[2] & 0x79)); /* QR, opcode, RD */
    r[3] = (uint8_t)(rcode & 0x0f);
    *reply = r;
    *reply_len = HEADER_SIZE;
    return true;
}

static bool name_has_upper(const ldns_rdf *name)
{
    const uint8_t *d = ldns_rdf_data(name);
    for (size_t i = 0; i < ldns_rdf_size(name); i++)
        if (d[i] >= 'A' && d[i] <= 'Z')
            return true;
    return false;
}

/* The zone of site that holds lname (lower case): the one with the longest origin. */
static struct canned_zone *zone_for(struct canned_site *site, const ldns_rdf *lname)
{
    struct canned_zone *best = NULL;
    for (size_t i = 0; i < site->zone_count; i++) {
        struct canned_zone *z = &site->zones[i];
        if (ldns_dname_compare(lname, z->origin) != 0 && !ldns_dname_is_subdomain(lname, z->origin))
            continue;
        if (!best || ldns_dname_label_count(z->origin) > ldns_dname_label_count(best->origin))
            best = z;
    }
    return best;
}

/* Pushes a copy of rr into section of p with its owner replaced by owner (when not NULL). */
static bool push_copy(ldns_pkt *p, ldns_pkt_section section, const ldns_rr *rr,
                      const ldns_rdf *owner)
{
    ldns_rr *c = ldns_rr_clone(rr);
    if (!c)
        return false;
    if (owner) {
        ldns_rdf *o = ldns_rdf_clone(owner);
        if (!o) {
            ldns_rr_free(c);
            return false;
        }
        ldns_rdf_deep_free(ldns_rr_owner(c));
        ldns_rr_set_owner(c, o);
    }
    if (!ldns_pkt_push_rr(p, section, c)) {
        ldns_rr_free(c);
        return false;
    }
    return true;
}

/* Pushes the zone's SOA into the authority section, with the negative-caching TTL. */
static bool push_negative_soa(ldns_pkt *p, const struct canned_zone *z)
{
    ldns_rr *soa = ldns_rr_clone(z->soa);
    if (!soa)
        return false;
    ldns_rdf *minimum = ldns_rr_rdf(soa, 6);
    if (minimum && ldns_rdf_size(minimum) == 4) {
        uint32_t min = ldns_rdf2native_int32(minimum);
        if (min < ldns_rr_ttl(soa))
            ldns_rr_set_ttl(soa, min);
    }
    if (!ldns_pkt_push_rr(p, LDNS_SECTION_AUTHORITY, soa)) {
        ldns_rr_free(soa);
        return false;
    }
    return true;
}

/*
 * Fills the answer to (lname, qtype) from zone z into p: records, CNAME chain, SOA for negative
 * answers. owner is the name to write as owner of the records at the query name.
 */
static bool fill_answer(ldns_pkt *p, struct canned_zone *z, const ldns_rdf *lname,
                        const ldns_rdf *owner, ldns_rr_type qtype)
{
    ldns_rdf *cur = ldns_rdf_clone(lname);
    const ldns_rdf *out_owner = owner;
    bool ok = cur != NULL, negative = false;
    for (int depth = 0; ok && depth < MAX_CNAME_CHAIN; depth++) {
        bool exists = false, answered = false;
        const ldns_rr *cname = NULL;
        for (size_t i = 0; ok && i < ldns_rr_list_rr_count(z->rrs); i++) {
            const ldns_rr *rr = ldns_rr_list_rr(z->rrs, i);
            if (ldns_dname_compare(ldns_rr_owner(rr), cur) != 0) {
                if (!exists && ldns_dname_is_subdomain(ldns_rr_owner(rr), cur))
                    exists = true; /* an empty non-terminal */
                continue;
            }
            exists = true;
            if (ldns_rr_get_type(rr) == qtype || qtype == LDNS_RR_TYPE_ANY) {
                ok = push_copy(p, LDNS_SECTION_ANSWER, rr, out_owner);
                answered = true;
            } else if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME) {
                cname = rr;
            }
        }
        if (!ok || answered)
            break;
        if (cname && qtype != LDNS_RR_TYPE_CNAME && ldns_rr_rdf(cname, 0)) {
            ok = push_copy(p, LDNS_SECTION_ANSWER, cname, out_owner);
            ldns_rdf *next = ldns_rdf_clone(ldns_rr_rdf(cname, 0));
            if (!next) {
                ok = false;
                break;
            }
            ldns_dname2canonical(next);
            ldns_rdf_deep_free(cur);
            cur = next;
            out_owner = NULL; /* records further down the chain keep their own owners */
            if (ldns_dname_compare(cur, z->origin) != 0 && !ldns_dname_is_subdomain(cur, z->origin))
                break; /* the target is outside the zone: the resolver follows it */
            continue;
        }
        if (!exists)
            ldns_pkt_set_rcode(p, LDNS_RCODE_NXDOMAIN);
        negative = true;
        break;
    }
    if (cur)
        ldns_rdf_deep_free(cur);
    if (ok && negative && !(z->behaviours & CANNED_NOSOA_NEGATIVE))
        ok = push_negative_soa(p, z);
    return ok;
}

/* Converts p to wire format into *reply; truncates to a TC answer when it exceeds limit. */
static bool finish(ldns_pkt *p, size_t limit, uint8_t **reply, size_t *reply_len)
{
    uint8_t *wire = NULL;
    size_t size = 0;
    if (ldns_pkt2wire(&wire, p, &size) != LDNS_STATUS_OK)
        return false;
    if (size > limit) {
        free(wire);
        ldns_rr_list_deep_free(ldns_pkt_answer(p));
        ldns_rr_list_deep_free(ldns_pkt_authority(p));
        ldns_rr_list_deep_free(ldns_pkt_additional(p));
        ldns_pkt_set_answer(p, ldns_rr_list_new());
        ldns_pkt_set_authority(p, ldns_rr_list_new());
        ldns_pkt_set_additional(p, ldns_rr_list_new());
        ldns_pkt_set_ancount(p, 0);
        ldns_pkt_set_nscount(p, 0);
        ldns_pkt_set_arcount(p, 0);
        ldns_pkt_set_tc(p, true);
        if (ldns_pkt2wire(&wire, p, &size) != LDNS_STATUS_OK)
            return false;
    }
    *reply = wire;
    *reply_len = size;
    return true;
}

/* Builds the reply to a parsed query q with one question; false for silence or failure. */
static bool answer_query(struct canned_site *site, const char *client, const ldns_pkt *q, bool tcp,
                         uint8_t **reply, size_t *reply_len)
{
    const ldns_rr *question = ldns_rr_list_rr(ldns_pkt_question(q), 0);
    const ldns_rdf *qname = ldns_rr_owner(question);
    ldns_rr_type qtype = ldns_rr_get_type(question);
    bool edns = ldns_pkt_edns(q);
    if (!qname || ldns_rdf_get_type(qname) != LDNS_RDF_TYPE_DNAME)
        return false;

    ldns_rdf *lname = ldns_rdf_clone(qname);
    ldns_pkt *p = ldns_pkt_new();
    ldns_rr *echo = ldns_rr_new();
    bool ok = lname && p && echo, send = true;
    if (!ok)
        goto out;
    ldns_dname2canonical(lname);
    struct canned_zone *z = zone_for(site, lname);
    unsigned beh = z ? z->behaviours : 0;
    if (z && z->from_count > 0) {
        bool listed = false;
        for (size_t i = 0; client && i < z->from_count; i++)
            listed = listed || strcmp(client, z->from[i]) == 0;
        if (!listed)
            beh = 0; /* this client gets the well-behaved answer */
    }
    bool is_caa = qtype == LDNS_RR_TYPE_CAA;
    const ldns_rdf *owner = (beh & CANNED_LOWERCASE_ECHO) ? lname : qname;

    ldns_pkt_set_id(p, ldns_pkt_id(q));
    ldns_pkt_set_qr(p, true);
    ldns_pkt_set_opcode(p, LDNS_PACKET_QUERY);
    ldns_pkt_set_rd(p, ldns_pkt_rd(q));
    ldns_pkt_set_cd(p, ldns_pkt_cd(q));
    ldns_pkt_set_aa(p, z && !(beh & CANNED_NO_AA));
    ldns_pkt_set_rcode(p, LDNS_RCODE_NOERROR);
    ldns_rdf *echo_name = ldns_rdf_clone(owner);
    if (!echo_name) {
        ok = false;
        goto out;
    }
    ldns_rr_set_owner(echo, echo_name);
    ldns_rr_set_type(echo, qtype);
    ldns_rr_set_class(echo, ldns_rr_get_class(question));
    ldns_rr_set_question(echo, true);
    if (!ldns_pkt_push_rr(p, LDNS_SECTION_QUESTION, echo)) {
        ok = false;
        goto out;
    }
    echo = NULL; /* owned by p */

    size_t limit = 512;
    if (edns && ldns_pkt_edns_udp_size(q) > limit)
        limit = ldns_pkt_edns_udp_size(q) < 4096 ? ldns_pkt_edns_udp_size(q) : 4096;
    if (tcp)
        limit = 65535;

    if (!z) {
        ldns_pkt_set_rcode(p, LDNS_RCODE_REFUSED);
    } else if ((beh & CANNED_SILENT_EDNS) && edns) {
        send = false;
    } else if ((beh & CANNED_FORMERR_EDNS) && edns) {
        ldns_pkt_set_rcode(p, LDNS_RCODE_FORMERR);
        edns = false;
    } else if (ldns_rr_get_class(question) != LDNS_RR_CLASS_IN) {
        ldns_pkt_set_rcode(p, LDNS_RCODE_REFUSED);
    } else if (is_caa && (beh & CANNED_SILENT_CAA)) {
        send = false;
    } else if ((!tcp && (beh & CANNED_TC_UDP)) || (is_caa && (beh & CANNED_TC_CAA))) {
        ldns_pkt_set_tc(p, true);
    } else if (is_caa && (beh & CANNED_NOTIMP_CAA)) {
        ldns_pkt_set_rcode(p, LDNS_RCODE_NOTIMPL);
    } else if (is_caa && (beh & CANNED_REFUSED_CAA)) {
        ldns_pkt_set_rcode(p, LDNS_RCODE_REFUSED);
    } else if (is_caa && (beh & CANNED_SERVFAIL_CAA) && z->caa_queries % z->share_n < z->share_k) {
        ldns_pkt_set_rcode(p, LDNS_RCODE_SERVFAIL);
    } else if (is_caa && (beh & CANNED_EMPTY_CAA)) {
        edns = false; /* not even an OPT record */
    } else if (is_caa && (beh & CANNED_CASE_NXDOMAIN) && name_has_upper(qname)) {
        ldns_pkt_set_rcode(p, LDNS_RCODE_NXDOMAIN);
        if (!(beh & CANNED_NOSOA_NEGATIVE))
            ok = push_negative_soa(p, z);
    } else {
        ok = fill_answer(p, z, lname, owner, qtype);
    }
    if (z && is_caa)
        z->caa_queries++;
    if (!ok || !send)
        goto out;
    if (edns) {
        ldns_pkt_set_edns_udp_size(p, REPLY_EDNS_SIZE);
        ldns_pkt_set_edns_do(p, ldns_pkt_edns_do(q));
    }
    ok = finish(p, limit, reply, reply_len);
out:
    if (echo)
        ldns_rr_free(echo);
    if (p)
        ldns_pkt_free(p);
    if (lname)
        ldns_rdf_deep_free(lname);
    return ok && send;
}

bool canned_answer(struct canned_site *site, const char *client, const uint8_t *query, size_t len,
                   bool tcp, uint8_t **reply, size_t *reply_len)
{
    *reply = NULL;
    *reply_len = 0;
    if (len < HEADER_SIZE || (query[2] & 0x80))
        return false; /* too short to answer, or itself a response */
    uint8_t opcode = (query[2] >> 3) & 0x0f;
    if (opcode != LDNS_PACKET_QUERY)
        return header_reply(query, LDNS_RCODE_NOTIMPL, reply, reply_len);
    ldns_pkt *q = NULL;
    if (ldns_wire2pkt(&q, query, len) != LDNS_STATUS_OK)
        return header_reply(query, LDNS_RCODE_FORMERR, reply, reply_len);
    bool sent;
    if (ldns_pkt_qdcount(q) != 1 || ldns_rr_list_rr_count(ldns_pkt_question(q)) != 1)
        sent = header_reply(query, LDNS_RCODE_FORMERR, reply, reply_len);
    else
        sent = answer_query(site, client, q, tcp, reply, reply_len);
    ldns_pkt_free(q);
    return sent;
}
