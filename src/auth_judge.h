/*
 * auth_judge.h -- reading and judging the replies of the authoritative checks (auth_judge.c):
 * referrals, replies, a server's data, and the findings of a zone and of a name. auth.c calls
 * these; they use only the probe types (auth_probe.h), nothing of auth.c. Not part of the
 * library's interface.
 */
#ifndef CAASCAN_AUTH_JUDGE_H
#define CAASCAN_AUTH_JUDGE_H

#include "auth_probe.h"

/* qsort comparator of C strings (char * elements). */
int cs_auth_cmp_str(const void *a, const void *b);

/* True when rr's owner is name (lower case, no trailing dot), compared without case. */
bool cs_auth_owner_is(const ldns_rr *rr, const char *name);

/* Reads a parent server's reply to NS name into ref (kind NONE when it says nothing usable). */
cs_err cs_auth_read_referral(const ldns_pkt *pkt, const char *name, const char *parent_apex,
                             struct auth_referral *ref);
void cs_auth_referral_clear(struct auth_referral *ref);
/* An A or AAAA rdata as an address with port 53. */
cs_err cs_auth_addr_from_rdf(const ldns_rdf *rdf, struct cs_addr *out);

/* Fills r from an answer of the engine to a direct query of qtype in zone apex. */
void cs_auth_read_reply(const struct cs_answer *ans, uint16_t qtype, const char *apex,
                        struct cs_auth_reply *r);
/* Keeps what a reply says about its server: the SOA serial, the NS set at the apex. */
void cs_auth_note_server_data(struct cs_auth_server *s, const ldns_pkt *pkt, uint16_t qtype,
                              const struct cs_auth_reply *r);
/* Keeps the CAA set of a reply when no server returned it before. */
void cs_auth_qname_keep_set(struct cs_auth_qname *q, const ldns_pkt *pkt, unsigned server);

/* Keeps the SOA serial of a negative answer to the apex's CAA (the zone's SOA in its authority
 * section) unless the server has one already, so that the apex's CAA probes stand for the SOA
 * query (--auth-depth sample). Returns whether the answer carried the zone's SOA. */
bool cs_auth_note_negative_serial(struct cs_auth_server *s, const ldns_pkt *pkt,
                                  const struct cs_auth_reply *r);

/* Takes a direct query's answer for server s (and, for a name probe, name q; NULL for a zone
 * probe): reads it into r, keeps the server's data, the name's CAA set and the round trip. */
void cs_auth_take_reply(struct cs_auth_server *s, struct cs_auth_qname *q, uint16_t qtype,
                        const struct cs_answer *ans, struct cs_auth_reply *r);

/* Judges the zone probes of every server and compares the servers (zone problems, detail). */
void cs_auth_judge_zone(struct cs_auth_zone *z, unsigned tries);
/* Judges an address's own questions (auth_probe.h, struct auth_addr) against what its zone's
 * probes there showed: ad->codes and ad->text. */
void cs_auth_judge_address(struct auth_addr *ad, unsigned tries);
/* Counts zone z's server s (judged) at its address ad: whether it failed now and then there
 * (INTERMITTENT, SERVFAIL or a timeout, the zone's probes and its apex's CAA). */
void cs_auth_addr_note(struct auth_addr *ad, const struct cs_auth_server *s);
/* True when the address failed now and then for at least CS_AUTH_SUSPECT_ZONES zones and one in
 * CS_AUTH_SUSPECT_SHARE of the zones judged there: every name of a zone served there is asked,
 * `tries` times, as in a zone whose servers disagree (a server that fails every second query may
 * answer a zone's few sampled queries well by chance; docs/auth.md, "Depth"). */
bool cs_auth_addr_suspect(const struct auth_addr *ad);
#define CS_AUTH_SUSPECT_ZONES 2
#define CS_AUTH_SUSPECT_SHARE 4
/* True when the address fails now and then for most zones it serves: more than half of the zones
 * judged there failed now and then, and at least CS_AUTH_SUSPECT_ZONES of them answered and failed
 * the same question. The server, not a zone, is flaky: every name served there is INTERMITTENT,
 * with the way it fails, even one whose own tries met only its good turns. */
bool cs_auth_addr_flaky(const struct auth_addr *ad);
/* Judges the CAA probes of a name at every server and compares the servers. */
void cs_auth_judge_qname(struct cs_auth_qname *q, unsigned tries);

/* ---- --auth-depth sample (docs/auth.md, "Depth") ---- */

/* True when a climb's CA-side lookup of a level failed or disagreed (not every try the same clean
 * answer): its name is asked at every address whatever the sample says. */
bool cs_auth_level_unclear(const struct cs_ca_level *lv);
/* True when zone z (done) shows that its servers may answer differently for its names: serials or
 * NS sets disagree, the apex's CAA differs between servers, or a server is intermittent. */
bool cs_auth_zone_disagrees(const struct cs_auth_zone *z);
/* Whether name q, below its zone's apex, is asked at every address: a CA-side lookup that failed
 * or disagreed (must_probe), a zone whose servers disagree, an escalated zone, or the sample (the
 * 1-in-CS_AUTH_SAMPLE_ONE_IN hash, else the zone's first CS_AUTH_SAMPLE_FIRST names outside it). */
bool cs_auth_decide_probe(struct cs_auth_qname *q, bool must_probe, struct auth_zone_priv *zp);
/* True when the first `sent` tries of name q show something at some server (an error, a timeout,
 * a finding of the reply) or the servers answered differently: the name gets its other tries. */
bool cs_auth_qname_shows_problem(const struct cs_auth_qname *q, unsigned tries, unsigned sent);
/* Gives a name that was not asked (q->probed false) what the zone's apex CAA probes found at each
 * server (apex_q, done) except their disagreement, which is the apex's own: a server that answers
 * CAA with NOTIMP, REFUSED, SERVFAIL, no SOA or the wrong case does so for every name. */
void cs_auth_judge_spared(struct cs_auth_qname *q, const struct cs_auth_qname *apex_q);

#endif
