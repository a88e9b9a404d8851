/*
 * bench_answer_json.c -- CPU time of the JSON lines of `caascan lookup` (answer_json.c) on
 * realistic answers, without the network: what `scripts/bench.sh answer-json` prints.
 *
 *   bench_answer_json [--rounds R] [--answers N] [--lines FILE]
 *
 * The answers are replies a CAA lookup gets, built as wire packets with an OPT record and parsed
 * by cs_pkt_from_wire() as the engine parses them, asked with a 0x20 name whose case the owner
 * names repeat: CAA answers with 1, 2 and 3 records, NXDOMAIN and NOERROR without data (an SOA in
 * the authority section for both), one attempt each, 200 of each kind. The mix is one fifth of
 * each kind; every kind is also timed alone. Each round writes N lines (default 200,000) as
 * `caascan lookup` does; the figure is user+sys CPU per 1,000 lines, best and median of R rounds
 * (default 7).
 * --lines FILE writes one line per distinct answer of the mix, to compare two builds' output.
 * The case of the names is drawn from a fixed seed, so two runs write the same lines.
 */
#include "caascan/answer_json.h"
#include "caascan/query.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DISTINCT 200 /* of each kind: 1,000 replies, which stay in the caches as a lookup's do */

enum kind { CAA1, CAA2, CAA3, NXDOMAIN, NODATA, NKINDS };
static const char *const kind_names[NKINDS] = {"CAA, 1 record", "CAA, 2 records", "CAA, 3 records",
                                               "NXDOMAIN + SOA", "NOERROR/NODATA + SOA"};

struct bench_answer {
    char name[64];
    struct cs_wirequery q;
    struct cs_attempt att;
    struct cs_answer ans;
};

static struct cs_addr server;
static uint64_t seed = 0x2026;

static uint64_t next_rand(void)
{
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    return seed;
}

static void add_rr(ldns_rr_list *list, const char *text)
{
    ldns_rr *rr = NULL;
    if (ldns_rr_new_frm_str(&rr, text, 300, NULL, NULL) != LDNS_STATUS_OK) {
        fprintf(stderr, "bench_answer_json: cannot parse %s\n", text);
        exit(1);
    }
    ldns_rr_list_push_rr(list, rr);
}

/* The reply of a server to a's query, parsed back from wire form as the engine does it. */
static ldns_pkt *reply_for(struct bench_answer *a, enum kind k, unsigned i)
{
    static const char *const caa[3] = {
        "CAA 0 issue \"letsencrypt.org\"",
        "CAA 0 issue \"pki.goog; cansignhttpexchanges=yes\"",
        "CAA 0 iodef \"mailto:security@example.test\"",
    };
    char sent[300], apex[300], rr[600];
    cs_wire_name_str(a->q.buf + 12, a->q.qname_len, sent, sizeof(sent));
    /* The zone: the last three labels of the name, in the case sent (servers copy it). */
    const char *z = sent + strlen(sent);
    for (int dots = 0; z > sent; z--)
        if (z[-1] == '.' && ++dots == 3)
            break;
    snprintf(apex, sizeof(apex), "%s", z);

    ldns_pkt *p = ldns_pkt_new();
    ldns_pkt_set_id(p, (uint16_t)i);
    ldns_pkt_set_qr(p, true);
    ldns_pkt_set_aa(p, true);
    ldns_pkt_set_rcode(p, k == NXDOMAIN ? LDNS_RCODE_NXDOMAIN : LDNS_RCODE_NOERROR);
    snprintf(rr, sizeof(rr), "%s IN CAA", sent);
    ldns_rr *question = NULL;
    ldns_rr_new_question_frm_str(&question, rr, NULL, NULL);
    ldns_rr_list_push_rr(ldns_pkt_question(p), question);
    if (k <= CAA3) {
        for (int r = 0; r <= (int)k; r++) {
            snprintf(rr, sizeof(rr), "%s 300 IN %s", sent, caa[r]);
            add_rr(ldns_pkt_answer(p), rr);
        }
    } else {
        snprintf(rr, sizeof(rr),
                 "%s 300 IN SOA ns1.dnsprov.test. hostmaster.dnsprov.test. %u 3600 600 86400 300",
                 apex, 2026112300 + i % 100);
        add_rr(ldns_pkt_authority(p), rr);
    }
    ldns_pkt_set_qdcount(p, 1);
    ldns_pkt_set_ancount(p, (uint16_t)ldns_rr_list_rr_count(ldns_pkt_answer(p)));
    ldns_pkt_set_nscount(p, (uint16_t)ldns_rr_list_rr_count(ldns_pkt_authority(p)));
    ldns_pkt_set_edns_udp_size(p, 1232);
    ldns_pkt_set_edns_do(p, true);
    uint8_t *wire = NULL;
    size_t n = 0;
    ldns_pkt *parsed = NULL;
    if (ldns_pkt2wire(&wire, p, &n) != LDNS_STATUS_OK ||
        cs_pkt_from_wire(&parsed, wire, n) != LDNS_STATUS_OK) {
        fprintf(stderr, "bench_answer_json: cannot build reply %u\n", i);
        exit(1);
    }
    free(wire);
    ldns_pkt_free(p);
    return parsed;
}

static void build(struct bench_answer *a, enum kind k, unsigned i)
{
    static const char *const zones[] = {"example.test", "shop-online.test", "bank.test"};
    snprintf(a->name, sizeof(a->name), "www%u.n%07u.%s", i % 7, i, zones[i % 3]);
    if (cs_query_build(&a->q, a->name, LDNS_RR_TYPE_CAA, 1, CS_QF_RD | CS_QF_DO | CS_QF_NO0X20) !=
        CS_OK)
        exit(1);
    /* A case of its own for every name, from the fixed seed. */
    for (size_t o = 12; o < 12u + a->q.qname_len; o++) {
        uint8_t c = a->q.buf[o];
        if (((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) && (next_rand() & 1))
            a->q.buf[o] ^= 0x20;
    }
    ldns_pkt *pkt = reply_for(a, k, i);
    a->att = (struct cs_attempt){.server = server,
                                 .outcome = CS_OUT_ANSWER,
                                 .rcode = (int)cs_pkt_rcode(pkt),
                                 .rtt_us = 180 + i % 500};
    a->ans = (struct cs_answer){.name = a->name,
                                .qtype = LDNS_RR_TYPE_CAA,
                                .outcome = CS_OUT_ANSWER,
                                .pkt = pkt,
                                .rcode = cs_pkt_rcode(pkt),
                                .server = &server,
                                .resolver = -1,
                                .case_echoed = true,
                                .rtt_us = a->att.rtt_us,
                                .nattempts = 1,
                                .attempts = &a->att,
                                .sent_qname = a->q.buf + 12,
                                .sent_qname_len = a->q.qname_len};
}

static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static struct cs_answer_writer *writer;
static size_t sink; /* octets written, so that no line can be optimized away */

/* One line as `caascan lookup` makes it; returns its text and length. */
static const char *line_of(const struct cs_answer *ans, size_t *len)
{
    const char *line = cs_answer_writer_line(writer, ans, len);
    if (!line) {
        fprintf(stderr, "bench_answer_json: the writer failed\n");
        exit(1);
    }
    return line;
}

/* Times rounds of nlines lines over answers[0..n); prints best and median ms per 1,000. */
static void time_lines(const char *label, struct bench_answer *const *answers, size_t n,
                       size_t nlines, int rounds)
{
    double ms[64];
    size_t bytes = 0;
    for (int r = 0; r < rounds; r++) {
        double t0 = cpu_seconds();
        for (size_t i = 0; i < nlines; i++) {
            size_t len;
            line_of(&answers[i % n]->ans, &len);
            bytes += len + 1;
        }
        ms[r] = (cpu_seconds() - t0) * 1e3 / ((double)nlines / 1000);
    }
    sink += bytes;
    qsort(ms, (size_t)rounds, sizeof(ms[0]), cmp_double);
    printf("%-22s %6.3f ms best, %6.3f ms median per 1,000 lines (%zu octets a line)\n", label,
           ms[0], ms[rounds / 2], bytes / ((size_t)rounds * nlines));
}

int main(int argc, char **argv)
{
    int rounds = 7;
    size_t nlines = 200000;
    const char *lines_path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
            rounds = atoi(argv[++i]);
        else if (strcmp(argv[i], "--answers") == 0 && i + 1 < argc)
            nlines = strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--lines") == 0 && i + 1 < argc)
            lines_path = argv[++i];
        else {
            fprintf(stderr, "usage: bench_answer_json [--rounds R] [--answers N] [--lines FILE]\n");
            return 2;
        }
    }
    if (rounds < 1 || rounds > 64 || nlines == 0) {
        fprintf(stderr, "bench_answer_json: --rounds 1..64, --answers > 0\n");
        return 2;
    }
    cs_addr_parse("127.0.0.1", 53, &server);
    writer = cs_answer_writer_new();
    static struct bench_answer all[NKINDS * DISTINCT];
    static struct bench_answer *mix[NKINDS * DISTINCT], *bykind[NKINDS][DISTINCT];
    for (unsigned i = 0; i < NKINDS * DISTINCT; i++) {
        build(&all[i], (enum kind)(i % NKINDS), i);
        mix[i] = &all[i];
        bykind[i % NKINDS][i / NKINDS] = &all[i];
    }
    if (lines_path) {
        FILE *f = fopen(lines_path, "w");
        for (size_t i = 0; f && i < NKINDS * DISTINCT; i++) {
            size_t len;
            const char *line = line_of(&mix[i]->ans, &len);
            fwrite(line, 1, len, f);
            fputc('\n', f);
        }
        if (!f || fclose(f) != 0) {
            perror(lines_path);
            return 1;
        }
    }
    time_lines("mix of the five kinds", mix, NKINDS * DISTINCT, nlines, rounds);
    for (int k = 0; k < NKINDS; k++)
        time_lines(kind_names[k], bykind[k], DISTINCT, nlines, rounds);
    for (unsigned i = 0; i < NKINDS * DISTINCT; i++)
        ldns_pkt_free(all[i].ans.pkt);
    cs_answer_writer_free(writer);
    return sink ? 0 : 1;
}
