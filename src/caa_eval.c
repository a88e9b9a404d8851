/*
 * caa_eval.c -- the verdict on a relevant CAA record set for one CA (caa.h, SPEC.md step 3).
 *
 * The decision follows Boulder's validateCAA (va/caa.go) step by step:
 *   1. no records: any CA may issue;
 *   2. an unknown tag (not issue, issuewild, iodef, issuemail, issuevmc; ASCII case ignored)
 *      with flag bit 128 or 1 anywhere in the set: no CA may issue;
 *   3. the relevant properties: issuewild when the name is a wildcard and at least one issuewild
 *      exists, else issue; none at all: any CA may issue;
 *   4. a relevant property authorizes when Boulder's parser accepts its value, the issuer equals
 *      the CA's exactly, its accounturi (if any, given once) is one of the configured account's
 *      URIs (full URIs, or the CA's prefixes followed by the account id) and its
 *      validationmethods (if any, given once) admit the configured method; one is enough.
 * On top of the verdict every relevant property is judged on its own so that all findings can be
 * reported: malformed values (always), and, when the set does not authorize, the reasons why
 * (empty issuer, issuer that matches only after case folding or trailing-dot removal, parameter
 * mismatch). Without a configured validation method the set is judged for every method Boulder
 * knows and authorizes when at least one works; verdict.methods says which.
 */
#include "caascan/caa.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Why one relevant property does or does not authorize, from the closest to the furthest miss. */
enum rec_outcome {
    REC_AUTHORIZES = 0,
    REC_ACCOUNT_TWICE,
    REC_ACCOUNT_NONE,      /* has accounturi, the policy gives none */
    REC_ACCOUNT_DIFFERENT, /* has another accounturi */
    REC_METHODS_TWICE,
    REC_METHOD_EXCLUDED, /* validationmethods leaves out the method (or every method) */
    REC_MALFORMED_CA,    /* Boulder cannot parse it, and the issuer part names the CA */
    REC_NONCANONICAL,    /* names the CA only after case folding or trailing-dot removal */
    REC_MALFORMED,       /* Boulder cannot parse it */
    REC_EMPTY_ISSUER,    /* ";" or "": forbids every CA */
    REC_OTHER_CA,        /* names another CA */
};

struct rec_judgement {
    enum rec_outcome outcome;
    unsigned methods; /* methods it authorizes (REC_AUTHORIZES) */
    bool malformed;   /* either grammar rejects it (reported as CAA_MALFORMED) */
    struct cs_caa_issue_value iv;
};

static bool bytes_equal(const char *a, size_t alen, const char *b)
{
    size_t blen = strlen(b);
    return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

/* The issuer names the CA only once case is folded and one trailing dot removed. */
static bool issuer_noncanonical(const char *issuer, size_t len, const char *ca)
{
    size_t calen = strlen(ca);
    if (len > 0 && issuer[len - 1] == '.')
        len--;
    if (len != calen)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char a = (unsigned char)issuer[i], b = (unsigned char)ca[i];
        if (a >= 'A' && a <= 'Z')
            a = (unsigned char)(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z')
            b = (unsigned char)(b - 'A' + 'a');
        if (a != b)
            return false;
    }
    return true;
}

/*
 * Boulder's caaValidationMethodMatches for one method: walk the comma-separated list in order; a
 * label that is not 1*(ALPHA / DIGIT / "-") fails the whole parameter at that point, a label that
 * is not a known method is skipped, the method itself succeeds. (So "http-01,!" admits http-01
 * while "!,http-01" admits nothing: the walk stops at the first bad label.)
 */
static bool method_listed(const struct cs_caa_param *vm, enum cs_caa_method m)
{
    const char *name = cs_caa_method_name(m);
    const char *p = vm->value, *end = vm->value + vm->value_len;
    for (;;) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *le = comma ? comma : end;
        if (le == p)
            return false;
        for (const char *q = p; q < le; q++) {
            unsigned char c = (unsigned char)*q;
            bool ok = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                      c == '-';
            if (!ok)
                return false;
        }
        if (bytes_equal(p, (size_t)(le - p), name))
            return true;
        if (comma == NULL)
            return false;
        p = comma + 1;
    }
}

static void judge_record(const struct cs_caa_record *rec, const struct cs_caa_policy *pol,
                         struct rec_judgement *j)
{
    memset(j, 0, sizeof(*j));
    cs_err perr = cs_caa_parse_issue_value(rec->value, rec->value_len, &j->iv);
    const struct cs_caa_issue_value *iv = &j->iv;
    bool names_ca = bytes_equal(iv->issuer, iv->issuer_len, pol->ca_domain);
    bool noncanon = !names_ca && issuer_noncanonical(iv->issuer, iv->issuer_len, pol->ca_domain);

    /* A trailing dot after the CA's own name is classed as non-canonical, not as malformed. */
    j->malformed = perr != CS_OK && !(noncanon && iv->boulder_ok && iv->params_rfc_ok);

    if (!iv->boulder_ok) {
        j->outcome = names_ca ? REC_MALFORMED_CA : noncanon ? REC_NONCANONICAL : REC_MALFORMED;
        return;
    }
    if (!names_ca) {
        j->outcome = noncanon              ? REC_NONCANONICAL
                     : iv->issuer_len == 0 ? REC_EMPTY_ISSUER
                                           : REC_OTHER_CA;
        return;
    }
    if (iv->accounturi_count > 1) {
        j->outcome = REC_ACCOUNT_TWICE;
        return;
    }
    if (iv->accounturi_count == 1) {
        if (!cs_caa_policy_has_account(pol)) {
            j->outcome = REC_ACCOUNT_NONE;
            return;
        }
        if (!cs_caa_account_matches(pol, iv->accounturi.value, iv->accounturi.value_len)) {
            j->outcome = REC_ACCOUNT_DIFFERENT;
            return;
        }
    }
    if (iv->validationmethods_count > 1) {
        j->outcome = REC_METHODS_TWICE;
        return;
    }
    unsigned methods = CS_CAA_METHODS_ALL;
    if (iv->validationmethods_count == 1) {
        methods = 0;
        for (int m = 0; m < CS_CAA_M_COUNT; m++)
            if (method_listed(&iv->validationmethods, (enum cs_caa_method)m))
                methods |= 1u << m;
    }
    unsigned wanted = CS_CAA_METHODS_ALL;
    if (pol->validation_method != NULL)
        wanted = 1u << cs_caa_method_parse(pol->validation_method);
    if ((methods & wanted) == 0) {
        j->outcome = REC_METHOD_EXCLUDED;
        j->methods = methods;
        return;
    }
    j->outcome = REC_AUTHORIZES;
    j->methods = methods & wanted;
}

/* Appends to a fixed buffer, truncating; keeps it NUL-terminated. */
struct text {
    char *buf;
    size_t size, len;
};

static void text_add(struct text *t, const char *fmt, ...)
{
    if (t->len + 1 >= t->size)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->buf + t->len, t->size - t->len, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    t->len += (size_t)n;
    if (t->len >= t->size)
        t->len = t->size - 1;
}

/* "CAA 0 issue "..."" with the presentation cut to keep room for the rest of the sentence. */
static void text_add_record(struct text *t, const struct cs_caa_record *rec)
{
    char shown[140];
    size_t need = cs_caa_format(rec, shown, sizeof(shown));
    text_add(t, "CAA %s%s", shown, need >= sizeof(shown) ? "..." : "");
}

/* Text of up to max octets of a parameter value, with non-printables as '?'. */
static void text_add_param(struct text *t, const struct cs_caa_param *p, size_t max)
{
    char v[100];
    size_t n = p->value_len < max ? p->value_len : max;
    if (n >= sizeof(v))
        n = sizeof(v) - 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p->value[i];
        v[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    v[n] = '\0';
    text_add(t, "%s%s", v, p->value_len > n ? "..." : "");
}

static const char *tag_word(bool use_wild)
{
    return use_wild ? "issuewild" : "issue";
}

cs_err cs_caa_evaluate(const struct cs_caa_record *recs, size_t n, bool wildcard,
                       const struct cs_caa_policy *pol, struct cs_caa_verdict *out)
{
    if (out == NULL || pol == NULL || (recs == NULL && n > 0) || n > INT_MAX)
        return CS_EINVAL;
    if (cs_caa_policy_check(pol, NULL, 0) != CS_OK)
        return CS_EINVAL;
    memset(out, 0, sizeof(*out));
    out->deciding_record = -1;
    struct text reason = {out->reason, sizeof(out->reason), 0};
    const char *ca = pol->ca_domain;

    if (n == 0) {
        out->authorized = true;
        out->methods = CS_CAA_METHODS_ALL;
        text_add(&reason, "no CAA records: any CA may issue");
        return CS_OK;
    }

    size_t n_issue = 0, n_wild = 0;
    int critical = -1;
    for (size_t i = 0; i < n; i++) {
        enum cs_caa_tag tag = cs_caa_tag_classify(recs[i].tag, recs[i].tag_len);
        if (tag == CS_CAA_TAG_ISSUE)
            n_issue++;
        else if (tag == CS_CAA_TAG_ISSUEWILD)
            n_wild++;
        else if (tag == CS_CAA_TAG_UNKNOWN && cs_caa_flags_critical(recs[i].flags) && critical < 0)
            critical = (int)i;
    }
    bool use_wild = wildcard && n_wild > 0;
    enum cs_caa_tag relevant = use_wild ? CS_CAA_TAG_ISSUEWILD : CS_CAA_TAG_ISSUE;
    size_t n_relevant = use_wild ? n_wild : n_issue;

    /* Judge every relevant property, for the verdict and for the findings. */
    int best = -1; /* the relevant record that came closest to authorizing */
    enum rec_outcome best_outcome = REC_OTHER_CA;
    struct rec_judgement best_j = {0};
    int authorizer = -1;
    unsigned methods = 0;
    bool any_empty = false, any_noncanon = false, any_param = false;
    for (size_t i = 0; i < n; i++) {
        if (cs_caa_tag_classify(recs[i].tag, recs[i].tag_len) != relevant)
            continue;
        struct rec_judgement j;
        judge_record(&recs[i], pol, &j);
        if (j.malformed)
            out->problems |= CS_PB_BIT(CS_PB_CAA_MALFORMED);
        if (j.outcome == REC_AUTHORIZES) {
            methods |= j.methods;
            if (authorizer < 0)
                authorizer = (int)i;
        }
        any_empty |= j.outcome == REC_EMPTY_ISSUER;
        any_noncanon |= j.outcome == REC_NONCANONICAL;
        any_param |= j.outcome >= REC_ACCOUNT_TWICE && j.outcome <= REC_METHOD_EXCLUDED;
        if (best < 0 || j.outcome < best_outcome) {
            best = (int)i;
            best_outcome = j.outcome;
            best_j = j;
        }
    }

    if (critical >= 0) {
        out->problems |=
            CS_PB_BIT(CS_PB_CAA_CRITICAL_UNKNOWN) | CS_PB_BIT(CS_PB_CAA_NOT_AUTHORIZED);
        out->deciding_record = critical;
        text_add_record(&reason, &recs[critical]);
        text_add(&reason, " is an unknown property marked critical: no CA may issue");
        return CS_OK;
    }

    if (n_relevant == 0) {
        out->authorized = true;
        out->methods = CS_CAA_METHODS_ALL;
        text_add(&reason, "no %s property in the CAA set: any CA may issue",
                 wildcard ? "issue or issuewild" : "issue");
        return CS_OK;
    }

    if (authorizer >= 0) {
        out->authorized = true;
        out->methods = methods;
        out->deciding_record = authorizer;
        text_add_record(&reason, &recs[authorizer]);
        text_add(&reason, " authorizes %s", ca);
        if (pol->validation_method == NULL && methods != CS_CAA_METHODS_ALL) {
            char names[80];
            cs_caa_methods_format(methods, names, sizeof(names));
            text_add(&reason, " only for validation methods %s", names);
        }
        return CS_OK;
    }

    out->problems |= CS_PB_BIT(CS_PB_CAA_NOT_AUTHORIZED);
    if (any_empty)
        out->problems |= CS_PB_BIT(CS_PB_CAA_EMPTY_ISSUER);
    if (any_noncanon)
        out->problems |= CS_PB_BIT(CS_PB_CAA_ISSUER_NONCANONICAL);
    if (any_param)
        out->problems |= CS_PB_BIT(CS_PB_CAA_PARAM_MISMATCH);
    out->deciding_record = best;

    const struct cs_caa_record *rec = &recs[best];
    const struct cs_caa_issue_value *iv = &best_j.iv;
    if (best_outcome == REC_OTHER_CA && n_relevant > 1) {
        text_add(&reason, "none of the %zu %s properties names %s (first: ", n_relevant,
                 tag_word(use_wild), ca);
        text_add_record(&reason, rec);
        text_add(&reason, ")");
        return CS_OK;
    }
    text_add_record(&reason, rec);
    switch (best_outcome) {
    case REC_ACCOUNT_TWICE:
        text_add(&reason, " gives accounturi %u times, which no account satisfies",
                 iv->accounturi_count);
        break;
    case REC_ACCOUNT_NONE:
        text_add(&reason, " allows only the account ");
        text_add_param(&reason, &iv->accounturi, 60);
        text_add(&reason, " and no account URI was given to compare");
        break;
    case REC_ACCOUNT_DIFFERENT:
        text_add(&reason, " allows only the account ");
        text_add_param(&reason, &iv->accounturi, 60);
        text_add(&reason, ", not the configured one");
        break;
    case REC_METHODS_TWICE:
        text_add(&reason, " gives validationmethods %u times, which no method satisfies",
                 iv->validationmethods_count);
        break;
    case REC_METHOD_EXCLUDED: {
        char names[80];
        cs_caa_methods_format(best_j.methods, names, sizeof(names));
        if (pol->validation_method != NULL)
            text_add(&reason, " does not allow validation method %s (it allows %s)",
                     pol->validation_method, names);
        else
            text_add(&reason, " allows no validation method %s uses", ca);
        break;
    }
    case REC_MALFORMED_CA:
    case REC_MALFORMED:
        text_add(&reason, " does not parse (%s), so it authorizes no CA", iv->defect);
        break;
    case REC_NONCANONICAL:
        text_add(&reason,
                 " names %s only after case folding or trailing-dot removal; the CA "
                 "compares exactly",
                 ca);
        break;
    case REC_EMPTY_ISSUER:
        text_add(&reason, " forbids issuance by every CA");
        break;
    case REC_OTHER_CA:
    case REC_AUTHORIZES:
        text_add(&reason, " does not name %s", ca);
        break;
    }
    return CS_OK;
}
