/*
 * caa.h -- judging a CAA record set for one CA, as Let's Encrypt's Boulder does (SPEC.md step 3).
 *
 * Input is the relevant record set of a name (the first non-empty set of the RFC 8659 climb; the
 * climb is done elsewhere), whether the name is a wildcard, and the CA's identity (its issuer
 * domain name, optionally an ACME account URI and the validation method the orders use). Output is
 * a verdict: whether the CA may issue, every finding as problem codes, the record that decided and
 * one sentence a person can act on. Everything here is pure logic over byte strings: no network,
 * no allocation. docs/caa.md lists every rule and the Boulder behaviour each one matches.
 */
#ifndef CAASCAN_CAA_H
#define CAASCAN_CAA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ldns/ldns.h>

#include "caascan/error.h"
#include "caascan/problem.h"

/* One CAA resource record: views into memory the caller owns (e.g. an ldns_rr). */
struct cs_caa_record {
    uint8_t flags;   /* 128 is the critical flag (Boulder also treats 1 as critical) */
    const char *tag; /* property tag, not NUL-terminated; may be NULL when tag_len is 0 */
    size_t tag_len;
    const uint8_t *value; /* property value, raw octets; may be NULL when value_len is 0 */
    size_t value_len;
};

/* The property tags Boulder recognises (compared ignoring ASCII case); anything else is UNKNOWN. */
enum cs_caa_tag {
    CS_CAA_TAG_ISSUE = 0,
    CS_CAA_TAG_ISSUEWILD,
    CS_CAA_TAG_IODEF,
    CS_CAA_TAG_ISSUEMAIL,
    CS_CAA_TAG_ISSUEVMC, /* BIMI (verified mark certificates): known, so a critical one does not
                          * block issuance, as in Boulder */
    CS_CAA_TAG_UNKNOWN,
};

/* Classifies a property tag of len octets. */
enum cs_caa_tag cs_caa_tag_classify(const char *tag, size_t len);

/* True when flags carry the critical bit as Boulder reads it: 128 or 1. */
bool cs_caa_flags_critical(uint8_t flags);

/* ACME validation methods Boulder knows (core.AcmeChallenge.IsValid); bit (1 << m) in masks. */
enum cs_caa_method {
    CS_CAA_M_HTTP01 = 0,
    CS_CAA_M_DNS01,
    CS_CAA_M_TLSALPN01,
    CS_CAA_M_DNSACCOUNT01,
    CS_CAA_M_DNSPERSIST01,
    CS_CAA_M_COUNT
};
#define CS_CAA_METHODS_ALL ((1u << CS_CAA_M_COUNT) - 1)

/* "http-01", "dns-01", ...; NULL for a value out of range. */
const char *cs_caa_method_name(enum cs_caa_method m);
/* Parses an exact (case-sensitive, as Boulder compares) method name; CS_CAA_M_COUNT if unknown. */
enum cs_caa_method cs_caa_method_parse(const char *name);
/*
 * Writes the names of the methods in mask as "http-01,dns-01" (enum order) into buf, or "none" for
 * an empty mask. NUL-terminated, truncated to size; returns the length the full text needs.
 */
size_t cs_caa_methods_format(unsigned mask, char *buf, size_t size);

struct cs_fm_perspectives;
struct cs_fm_config;

/*
 * Who wants to issue: the CA and, optionally, the ACME account and validation method.
 *
 * One ACME account is known under several URIs (RFC 8657 accounturi): Boulder accepts an
 * accounturi that equals any of its account URI prefixes followed by the account id (ACME v1
 * ".../acme/reg/ID" and v2 ".../acme/acct/ID"). The account is given as full URIs (account_uri
 * and account_uris[]), as an id the CA's prefixes are put in front of (account_id, with
 * cs_caa_account_prefixes()), or both; an accounturi that equals any of them matches.
 */
struct cs_caa_policy {
    const char *ca_domain;           /* issuer domain name, e.g. "letsencrypt.org"; required */
    const char *account_uri;         /* full ACME account URI, or NULL when unknown */
    const char *validation_method;   /* "http-01", "dns-01", ..., or NULL when unknown */
    const char *const *account_uris; /* more full account URIs (n_account_uris of them) */
    size_t n_account_uris;
    const char *account_id; /* decimal ACME account id, or NULL; needs prefixes for ca_domain */
    /* How the scan's resolvers stand for the CA's perspectives (fail_model.h), NULL: as one. */
    const struct cs_fm_perspectives *perspectives;
    /* The CA's perspectives and the status thresholds (fail_model.h), NULL: Let's Encrypt's. */
    const struct cs_fm_config *model;
};

/*
 * The account URI prefixes a CA's ACME server gives its accounts, as Boulder's
 * accountURIPrefixes: for letsencrypt.org production and staging, ACME v1 and v2. Sets *n and
 * returns the list (static), or NULL with *n = 0 for a CA whose prefixes are not known.
 */
const char *const *cs_caa_account_prefixes(const char *ca_domain, size_t *n);

/* True when the policy names an account (account_uri, account_uris or account_id). */
bool cs_caa_policy_has_account(const struct cs_caa_policy *pol);

/* True when the accounturi value v (len octets) is one of the policy's account's URIs. */
bool cs_caa_account_matches(const struct cs_caa_policy *pol, const char *v, size_t len);

/*
 * Checks a policy before use: ca_domain must be a non-empty issuer-domain-name (RFC 8659 4.2
 * grammar: letter/digit labels with inner hyphens, no trailing dot); account_uri, when given, must
 * look like a URI that can appear in a CAA value (scheme ":", printable ASCII without ";" or
 * spaces, valid %-escapes), and so must every account_uris[i]; account_id, when given, 1 to 19
 * decimal digits without leading zero, for a CA whose prefixes are known; validation_method, when
 * given, one of cs_caa_method_name(). Returns CS_OK, or CS_EINVAL with a phrase for "caascan: --ca:
 * why" in why (may be NULL).
 */
cs_err cs_caa_policy_check(const struct cs_caa_policy *pol, char *why, size_t why_size);

/* One "tag=value" parameter of an issue/issuewild value: views into the value. */
struct cs_caa_param {
    const char *tag;
    size_t tag_len;
    const char *value;
    size_t value_len;
};

#define CS_CAA_MAX_PARAMS 16

/*
 * An issue/issuewild value taken apart. Two parsers run over the same bytes: Boulder's (the one
 * whose verdict counts) and the RFC 8659 section 4.2 grammar (stricter in a few corners, laxer in
 * one: hyphens in parameter tags). Whitespace (SP, HTAB) around the parts is removed.
 */
struct cs_caa_issue_value {
    const char *issuer; /* issuer domain name as written, may be empty ("; ..." or "") */
    size_t issuer_len;
    size_t nparams; /* parameters parsed; only the first CS_CAA_MAX_PARAMS are in params[] */
    struct cs_caa_param params[CS_CAA_MAX_PARAMS];
    /* RFC 8657 parameters, looked up with Boulder's exact (case-sensitive) tag comparison. */
    unsigned accounturi_count;             /* how many "accounturi" parameters */
    struct cs_caa_param accounturi;        /* the first one */
    unsigned validationmethods_count;      /* how many "validationmethods" parameters */
    struct cs_caa_param validationmethods; /* the first one */
    bool boulder_ok;    /* Boulder's parser accepts the value (else it authorizes no CA) */
    bool issuer_rfc_ok; /* the issuer part follows the RFC 8659 grammar */
    bool params_rfc_ok; /* the parameter part follows the RFC 8659 grammar */
    const char *defect; /* static phrase for the first defect (Boulder's first), or NULL */
    size_t defect_at;   /* octet offset of that defect in the value */
};

/*
 * Parses an issue/issuewild property value of len octets into out (views into value).
 * Returns CS_OK when both parsers accept it, CS_EPARSE when either rejects it (out says which and
 * why, and holds what was parsed), CS_EINVAL when value is NULL with len > 0 or out is NULL.
 */
cs_err cs_caa_parse_issue_value(const uint8_t *value, size_t len, struct cs_caa_issue_value *out);

/* The judgement of one record set. */
struct cs_caa_verdict {
    bool authorized;      /* the CA may issue for the name */
    cs_problems problems; /* CAA_* findings; CAA_NOT_AUTHORIZED exactly when !authorized */
    int deciding_record;  /* index of the record that decided, -1 when none did (no records, or
                           * no relevant records) */
    unsigned methods;     /* validation methods (bit 1 << cs_caa_method) for which the set
                           * authorizes the CA with the policy's account; all when it does not
                           * restrict them, 0 when not authorized */
    char reason[256];     /* one sentence, e.g.
                           * CAA 0 issue "other-ca.test" does not name letsencrypt.org */
};

/*
 * Evaluates the n records of recs (the relevant record set; n may be 0) for a name that is a
 * wildcard or not, for the CA of pol, into out. Returns CS_OK with out filled, or CS_EINVAL when
 * an argument is NULL (recs may be NULL when n is 0), n is larger than INT_MAX, or pol fails
 * cs_caa_policy_check().
 */
cs_err cs_caa_evaluate(const struct cs_caa_record *recs, size_t n, bool wildcard,
                       const struct cs_caa_policy *pol, struct cs_caa_verdict *out);

/*
 * Makes a record view of a CAA ldns_rr (into its rdata; valid while rr lives). Accepts ldns's
 * parsed form (int8, tag, long string; the value rdf is missing when the value is empty) and a
 * single raw rdf (unknown-type form). Returns CS_OK, CS_EINVAL for NULL arguments or a non-CAA rr,
 * CS_EPARSE for rdata that is not a CAA rdata.
 */
cs_err cs_caa_record_from_rr(const ldns_rr *rr, struct cs_caa_record *out);

/*
 * Writes rec in presentation form, `0 issue "letsencrypt.org; accounturi=..."`: the value quoted,
 * `"` and `\` escaped with a backslash, octets outside printable ASCII as \DDD. A tag that is not
 * 1-255 letters and digits cannot be written that way, so such a record is written in the RFC 3597
 * generic form `\# LEN HEX`. NUL-terminated and truncated to size (buf may be NULL when size is 0);
 * returns the length the full text needs, like snprintf.
 */
size_t cs_caa_format(const struct cs_caa_record *rec, char *buf, size_t size);

#endif
