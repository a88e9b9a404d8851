/*
 * caa_parse.c -- taking CAA properties apart: tag classes, the critical flag, validation-method
 * names, policy checks, and the issue/issuewild value parser (caa.h).
 *
 * The value parser runs two grammars over the same octets in one pass. Boulder's parser decides
 * the verdict: split on ";", the first part (blanks trimmed) is the issuer, each further part must
 * be "tag=value" with the tag of ASCII letters and digits only and the value of %x21-3A / %x3C-7E.
 * The RFC 8659 section 4.2 grammar decides whether we call a value malformed: it also wants the
 * issuer to be letter/digit labels with inner hyphens and a parameter tag to be non-empty, but it
 * allows hyphens inside a parameter tag (which Boulder refuses). Where they differ the verdict
 * follows Boulder; docs/caa.md has the table.
 */
#include "caascan/caa.h"

#include <stdio.h>
#include <string.h>

static bool is_wsp(unsigned char c)
{
    return c == ' ' || c == '\t';
}

static bool is_alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static unsigned char fold(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

/* Equal ignoring ASCII case; b is NUL-terminated, a has len octets. */
static bool ascii_case_equal(const char *a, size_t len, const char *b)
{
    size_t blen = strlen(b);
    if (len != blen)
        return false;
    for (size_t i = 0; i < len; i++)
        if (fold((unsigned char)a[i]) != fold((unsigned char)b[i]))
            return false;
    return true;
}

enum cs_caa_tag cs_caa_tag_classify(const char *tag, size_t len)
{
    static const char *const names[] = {"issue", "issuewild", "iodef", "issuemail", "issuevmc"};
    if (tag == NULL)
        return CS_CAA_TAG_UNKNOWN;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (ascii_case_equal(tag, len, names[i]))
            return (enum cs_caa_tag)i;
    return CS_CAA_TAG_UNKNOWN;
}

bool cs_caa_flags_critical(uint8_t flags)
{
    /* RFC 8659: bit 128. Boulder: "many CAA record users have misinterpreted the RFC" and set 1. */
    return (flags & (128 | 1)) != 0;
}

static const char *const method_names[CS_CAA_M_COUNT] = {
    "http-01", "dns-01", "tls-alpn-01", "dns-account-01", "dns-persist-01",
};

const char *cs_caa_method_name(enum cs_caa_method m)
{
    if ((unsigned)m >= CS_CAA_M_COUNT)
        return NULL;
    return method_names[m];
}

enum cs_caa_method cs_caa_method_parse(const char *name)
{
    if (name == NULL)
        return CS_CAA_M_COUNT;
    for (int i = 0; i < CS_CAA_M_COUNT; i++)
        if (strcmp(name, method_names[i]) == 0)
            return (enum cs_caa_method)i;
    return CS_CAA_M_COUNT;
}

size_t cs_caa_methods_format(unsigned mask, char *buf, size_t size)
{
    size_t need = 0;
    if (size > 0)
        buf[0] = '\0';
    mask &= CS_CAA_METHODS_ALL;
    if (mask == 0) {
        int n = snprintf(buf, size, "none");
        return (size_t)n;
    }
    for (int i = 0; i < CS_CAA_M_COUNT; i++) {
        if (!(mask & (1u << i)))
            continue;
        int n = snprintf(buf ? buf + (need < size ? need : size) : NULL,
                         need < size ? size - need : 0, "%s%s", need ? "," : "", method_names[i]);
        need += (size_t)n;
    }
    return need;
}

/* RFC 8659 4.2: issuer-domain-name = label *("." label), label = (ALPHA / DIGIT)
 * *( *("-") (ALPHA / DIGIT)). Returns the offset of the first bad octet (len for a trailing dot),
 * or DOMAIN_OK when it is good. */
#define DOMAIN_OK ((size_t)-1)

static size_t domain_grammar_check(const char *s, size_t len)
{
    size_t label_start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || s[i] == '.') {
            if (i == label_start)
                return i; /* empty label (leading, doubled or trailing dot) */
            if (s[i - 1] == '-')
                return i - 1; /* label ends with a hyphen */
            label_start = i + 1;
            continue;
        }
        unsigned char c = (unsigned char)s[i];
        if (is_alnum(c))
            continue;
        if (c == '-' && i != label_start)
            continue;
        return i;
    }
    return DOMAIN_OK;
}

static void set_why(char *why, size_t size, const char *text)
{
    if (why != NULL && size > 0)
        snprintf(why, size, "%s", text);
}

static bool is_hex(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* An account URI as it can appear in a CAA value: scheme ":", printable ASCII without spaces or
 * ";", valid %-escapes. */
static bool account_uri_check(const char *u, char *why, size_t why_size)
{
    size_t i = 0;
    if (!((u[0] >= 'a' && u[0] <= 'z') || (u[0] >= 'A' && u[0] <= 'Z'))) {
        set_why(why, why_size, "the account URI must start with a scheme such as https:");
        return false;
    }
    while (is_alnum((unsigned char)u[i]) || u[i] == '+' || u[i] == '-' || u[i] == '.')
        i++;
    if (u[i] != ':' || u[i + 1] == '\0') {
        set_why(why, why_size, "the account URI must start with a scheme such as https:");
        return false;
    }
    for (; u[i] != '\0'; i++) {
        unsigned char c = (unsigned char)u[i];
        if (c < 0x21 || c > 0x7e || c == ';') {
            set_why(why, why_size,
                    "the account URI may hold only printable ASCII without spaces or \";\"");
            return false;
        }
        if (c == '%' && !(is_hex((unsigned char)u[i + 1]) && is_hex((unsigned char)u[i + 2]))) {
            set_why(why, why_size, "the account URI has a \"%\" not followed by two hex digits");
            return false;
        }
    }
    return true;
}

/* Let's Encrypt's accountURIPrefixes (Boulder's VA configuration for production and staging):
 * accounts made with ACME v1 keep their /acme/reg/ URI, ACME v2 ones have /acme/acct/. */
static const char *const le_prefixes[] = {
    "https://acme-v01.api.letsencrypt.org/acme/reg/",
    "https://acme-v02.api.letsencrypt.org/acme/acct/",
    "https://acme-staging.api.letsencrypt.org/acme/reg/",
    "https://acme-staging-v02.api.letsencrypt.org/acme/acct/",
};

const char *const *cs_caa_account_prefixes(const char *ca_domain, size_t *n)
{
    if (ca_domain != NULL && strcmp(ca_domain, "letsencrypt.org") == 0) {
        *n = sizeof(le_prefixes) / sizeof(le_prefixes[0]);
        return le_prefixes;
    }
    *n = 0;
    return NULL;
}

bool cs_caa_policy_has_account(const struct cs_caa_policy *pol)
{
    return pol->account_uri != NULL || pol->n_account_uris > 0 || pol->account_id != NULL;
}

static bool equal_text(const char *v, size_t len, const char *s)
{
    return strlen(s) == len && (len == 0 || memcmp(v, s, len) == 0);
}

bool cs_caa_account_matches(const struct cs_caa_policy *pol, const char *v, size_t len)
{
    if (pol->account_uri != NULL && equal_text(v, len, pol->account_uri))
        return true;
    for (size_t k = 0; k < pol->n_account_uris; k++)
        if (pol->account_uris[k] != NULL && equal_text(v, len, pol->account_uris[k]))
            return true;
    if (pol->account_id == NULL)
        return false;
    size_t np, idlen = strlen(pol->account_id);
    const char *const *pre = cs_caa_account_prefixes(pol->ca_domain, &np);
    for (size_t k = 0; k < np; k++) {
        size_t pl = strlen(pre[k]);
        if (len == pl + idlen && memcmp(v, pre[k], pl) == 0 &&
            memcmp(v + pl, pol->account_id, idlen) == 0)
            return true;
    }
    return false;
}

cs_err cs_caa_policy_check(const struct cs_caa_policy *pol, char *why, size_t why_size)
{
    if (pol == NULL || pol->ca_domain == NULL || pol->ca_domain[0] == '\0') {
        set_why(why, why_size, "the CA's issuer domain name is empty");
        return CS_EINVAL;
    }
    size_t len = strlen(pol->ca_domain);
    if (domain_grammar_check(pol->ca_domain, len) != DOMAIN_OK) {
        set_why(why, why_size,
                "the CA's issuer domain name must be letter/digit labels with inner hyphens, "
                "separated by dots, without a trailing dot (RFC 8659 4.2)");
        return CS_EINVAL;
    }
    if (pol->account_uri != NULL && !account_uri_check(pol->account_uri, why, why_size))
        return CS_EINVAL;
    if (pol->n_account_uris > 0 && pol->account_uris == NULL) {
        set_why(why, why_size, "the list of account URIs is missing");
        return CS_EINVAL;
    }
    for (size_t k = 0; k < pol->n_account_uris; k++)
        if (pol->account_uris[k] == NULL || !account_uri_check(pol->account_uris[k], why, why_size))
            return CS_EINVAL;
    if (pol->account_id != NULL) {
        const char *d = pol->account_id;
        size_t n = strlen(d);
        bool digits = n >= 1 && n <= 19 && d[0] != '0';
        for (size_t i = 0; digits && i < n; i++)
            digits = d[i] >= '0' && d[i] <= '9';
        if (!digits) {
            set_why(why, why_size,
                    "--account-id: the account id must be a decimal number from 1 (the last part "
                    "of the account URI, e.g. 123456789 of .../acme/acct/123456789)");
            return CS_EINVAL;
        }
        size_t np;
        if (cs_caa_account_prefixes(pol->ca_domain, &np) == NULL) {
            set_why(why, why_size,
                    "--account-id: the account URI prefixes of this CA are not known (they are "
                    "for letsencrypt.org): give the full URI with --account-uri");
            return CS_EINVAL;
        }
    }
    if (pol->validation_method != NULL &&
        cs_caa_method_parse(pol->validation_method) == CS_CAA_M_COUNT) {
        set_why(why, why_size,
                "unknown validation method (use http-01, dns-01, tls-alpn-01, dns-account-01 or "
                "dns-persist-01)");
        return CS_EINVAL;
    }
    return CS_OK;
}

/* Trims SP/HTAB from both ends of [*b, *e). */
static void trim_wsp(const char **b, const char **e)
{
    while (*b < *e && is_wsp((unsigned char)**b))
        (*b)++;
    while (*e > *b && is_wsp((unsigned char)(*e)[-1]))
        (*e)--;
}

struct defects {
    const char *boulder; /* first defect Boulder rejects */
    size_t boulder_at;
    const char *rfc; /* first defect the RFC grammar rejects that Boulder accepts */
    size_t rfc_at;
    bool params_rfc_bad; /* some parameter breaks the RFC grammar */
};

static void note_boulder(struct defects *d, const char *what, size_t at)
{
    if (d->boulder == NULL) {
        d->boulder = what;
        d->boulder_at = at;
    }
}

static void note_rfc(struct defects *d, const char *what, size_t at)
{
    if (d->rfc == NULL) {
        d->rfc = what;
        d->rfc_at = at;
    }
}

/*
 * Checks one "tag=value" part [b, e) and records it. Returns false when parsing must stop: the
 * part breaks both grammars. A hyphen inside a tag breaks only Boulder's, so parsing goes on to
 * judge the rest by the RFC grammar.
 */
static bool parse_param(const char *base, const char *b, const char *e,
                        struct cs_caa_issue_value *out, struct defects *d)
{
    const char *eq = memchr(b, '=', (size_t)(e - b));
    if (eq == NULL) {
        note_boulder(d, "a parameter is not tag=value", (size_t)(b - base));
        d->params_rfc_bad = true;
        return false;
    }
    const char *tb = b, *te = eq, *vb = eq + 1, *ve = e;
    trim_wsp(&tb, &te);
    trim_wsp(&vb, &ve);

    if (tb == te) {
        /* Boulder checks the characters of the tag, of which there are none. */
        note_rfc(d, "a parameter tag is empty", (size_t)(tb - base));
        d->params_rfc_bad = true;
    }
    for (const char *p = tb; p < te; p++) {
        unsigned char c = (unsigned char)*p;
        if (is_alnum(c))
            continue;
        if (c == '-' && p != tb && is_alnum((unsigned char)te[-1])) {
            /* RFC 8659 allows inner hyphens in a tag; Boulder admits only letters and digits. */
            note_boulder(d, "a parameter tag has a hyphen (RFC 8659 allows it, Boulder does not)",
                         (size_t)(p - base));
            continue;
        }
        note_boulder(d, "a parameter tag has a character other than a letter or digit",
                     (size_t)(p - base));
        d->params_rfc_bad = true;
        return false;
    }
    for (const char *p = vb; p < ve; p++) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x21 || c > 0x7e || c == ';') {
            note_boulder(d, "a parameter value has a space, control or non-ASCII octet",
                         (size_t)(p - base));
            d->params_rfc_bad = true;
            return false;
        }
    }
    if (d->boulder != NULL)
        return true; /* Boulder has given up already: nothing to record */

    struct cs_caa_param prm = {tb, (size_t)(te - tb), vb, (size_t)(ve - vb)};
    if (out->nparams < CS_CAA_MAX_PARAMS)
        out->params[out->nparams] = prm;
    out->nparams++;
    if (prm.tag_len == 10 && memcmp(prm.tag, "accounturi", 10) == 0) {
        if (out->accounturi_count++ == 0)
            out->accounturi = prm;
    } else if (prm.tag_len == 17 && memcmp(prm.tag, "validationmethods", 17) == 0) {
        if (out->validationmethods_count++ == 0)
            out->validationmethods = prm;
    }
    return true;
}

cs_err cs_caa_parse_issue_value(const uint8_t *value, size_t len, struct cs_caa_issue_value *out)
{
    if (out == NULL || (value == NULL && len > 0))
        return CS_EINVAL;
    memset(out, 0, sizeof(*out));
    const char *base = value ? (const char *)value : "";
    const char *end = base + len;
    struct defects d = {0};

    const char *semi = memchr(base, ';', len);
    const char *ib = base, *ie = semi ? semi : end;
    trim_wsp(&ib, &ie);
    out->issuer = ib;
    out->issuer_len = (size_t)(ie - ib);

    size_t bad = domain_grammar_check(ib, out->issuer_len);
    out->issuer_rfc_ok = out->issuer_len == 0 || bad == DOMAIN_OK;
    if (!out->issuer_rfc_ok)
        note_rfc(&d, "the issuer domain name is not letter/digit labels separated by dots",
                 (size_t)(ib - base) + bad);

    if (semi != NULL) {
        const char *rest = semi + 1;
        const char *next = memchr(rest, ';', (size_t)(end - rest));
        const char *rb = rest, *re = end;
        trim_wsp(&rb, &re);
        /* "issuer;" and "issuer; " carry no parameters; anything else is a list of them. */
        if (next != NULL || rb != re) {
            const char *pb = rest;
            for (;;) {
                const char *pe = memchr(pb, ';', (size_t)(end - pb));
                if (pe == NULL)
                    pe = end;
                if (!parse_param(base, pb, pe, out, &d))
                    break;
                if (pe == end)
                    break;
                pb = pe + 1;
            }
        }
    }

    out->boulder_ok = d.boulder == NULL;
    out->params_rfc_ok = !d.params_rfc_bad;
    if (d.boulder != NULL) {
        out->defect = d.boulder;
        out->defect_at = d.boulder_at;
    } else if (d.rfc != NULL) {
        out->defect = d.rfc;
        out->defect_at = d.rfc_at;
    }
    return (out->boulder_ok && out->issuer_rfc_ok && out->params_rfc_ok) ? CS_OK : CS_EPARSE;
}
