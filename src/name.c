/*
 * name.c -- normalizing one inventory name (see name.h and docs/input.md for the rules).
 *
 * Pure-ASCII names, almost all of an inventory, never reach libidn2: they are checked label by
 * label here (LDH, lengths, hyphens) and only "xn--" labels are handed to libidn2 to prove that
 * they decode. Names with other bytes must be UTF-8; they are converted with idn2_to_ascii_8z()
 * under UTS #46 non-transitional processing with NFC input (what browsers and the CA/B Forum
 * expect: "faß.de" stays distinct from "fass.de") and the result goes through the ASCII checks.
 * libidn2's STD3 rules are not used: they silently drop '_' instead of rejecting it.
 */
#include "caascan/name.h"

#include <arpa/inet.h>
#include <idn2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define IDN_FLAGS (IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT)
#define LABEL_MAX 63
/* Longest UTF-8 text that can still convert to a name of CS_NAME_MAX octets. */
#define UNICODE_INPUT_MAX 1024

static const char *const reason_text[CS_NAME_REASON_COUNT] = {
    [CS_NAME_OK] = "ok",
    [CS_NAME_EMPTY] = "empty",
    [CS_NAME_MISSING_FIELD] = "missing_field",
    [CS_NAME_EMPTY_LABEL] = "empty_label",
    [CS_NAME_LABEL_TOO_LONG] = "label_too_long",
    [CS_NAME_NAME_TOO_LONG] = "name_too_long",
    [CS_NAME_BAD_CHARACTER] = "bad_character",
    [CS_NAME_UNDERSCORE] = "underscore",
    [CS_NAME_BAD_HYPHEN] = "bad_hyphen",
    [CS_NAME_RESERVED_LABEL] = "reserved_label",
    [CS_NAME_IDN_INVALID] = "idn_invalid",
    [CS_NAME_INVALID_UTF8] = "invalid_utf8",
    [CS_NAME_IP_ADDRESS] = "ip_address",
    [CS_NAME_NUMERIC_TLD] = "numeric_tld",
    [CS_NAME_EMAIL_ADDRESS] = "email_address",
    [CS_NAME_URL] = "url",
    [CS_NAME_URL_PATH] = "url_path",
    [CS_NAME_WILDCARD_POSITION] = "wildcard_position",
    [CS_NAME_SINGLE_LABEL] = "single_label",
};

const char *cs_name_reason_text(cs_name_reason reason)
{
    if ((unsigned)reason >= CS_NAME_REASON_COUNT)
        return NULL;
    return reason_text[reason];
}

cs_name_reason cs_name_reason_parse(const char *text)
{
    for (int i = 0; i < CS_NAME_REASON_COUNT; i++)
        if (strcmp(text, reason_text[i]) == 0)
            return (cs_name_reason)i;
    return CS_NAME_REASON_COUNT;
}

size_t cs_utf8_sequence(const unsigned char *s, size_t avail)
{
    if (avail == 0)
        return 0;
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    size_t n;
    uint32_t cp;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (avail < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    /* Overlong forms, surrogates and values above U+10FFFF. */
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

size_t cs_name_display(const char *in, size_t len, char *buf, size_t size)
{
    const unsigned char *s = (const unsigned char *)in;
    size_t o = 0, i = 0;
    if (size == 0)
        return 0;
    while (i < len) {
        size_t n = cs_utf8_sequence(s + i, len - i);
        if (o + (n ? n : 1) > CS_NAME_DISPLAY_MAX || o + (n ? n : 1) + 4 > size) {
            if (o + 4 <= size) {
                memcpy(buf + o, "...", 3);
                o += 3;
            }
            break;
        }
        if (n == 0 || (n == 1 && (s[i] < 0x20 || s[i] == 0x7f))) {
            buf[o++] = '?';
            i++;
        } else {
            memcpy(buf + o, s + i, n);
            o += n;
            i += n;
        }
    }
    buf[o] = '\0';
    return o;
}

static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static cs_err invalid(struct cs_name *out, cs_name_reason reason)
{
    out->text[0] = '\0';
    out->len = 0;
    out->wildcard = false;
    out->reason = reason;
    return CS_EPARSE;
}

/* True when s[0..len) (no NUL inside) parses as an address of family af. */
static bool parses_as_address(int af, const unsigned char *s, size_t len)
{
    char tmp[64];
    unsigned char addr[16];
    if (len == 0 || len >= sizeof(tmp))
        return false;
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    return inet_pton(af, tmp, addr) == 1;
}

/*
 * Takes the host out of "scheme://host[:port][/path][?query][#fragment]". On success points
 * s and len at the host; otherwise returns the reason.
 */
static cs_name_reason url_host(const unsigned char **s, size_t *len, const unsigned char *sep)
{
    const unsigned char *p = *s, *end = *s + *len;
    if (sep == p || !is_alpha(p[0]))
        return CS_NAME_URL;
    for (const unsigned char *q = p; q < sep; q++)
        if (!is_alpha(*q) && !is_digit(*q) && *q != '+' && *q != '-' && *q != '.')
            return CS_NAME_URL;
    const unsigned char *host = sep + 3, *hend = host;
    while (hend < end && *hend != '/' && *hend != '?' && *hend != '#')
        hend++;
    if (memchr(host, '@', (size_t)(hend - host)))
        return CS_NAME_URL; /* user information: which part is the host is a guess */
    if (hend > host && host[0] == '[') {
        const unsigned char *close = memchr(host, ']', (size_t)(hend - host));
        if (close && parses_as_address(AF_INET6, host + 1, (size_t)(close - host - 1)))
            return CS_NAME_IP_ADDRESS;
        return CS_NAME_URL;
    }
    const unsigned char *colon = memchr(host, ':', (size_t)(hend - host));
    if (colon) {
        size_t digits = (size_t)(hend - colon - 1);
        if (digits == 0 || digits > 5)
            return CS_NAME_URL;
        for (const unsigned char *q = colon + 1; q < hend; q++)
            if (!is_digit(*q))
                return CS_NAME_URL;
        hend = colon;
    }
    if (hend == host)
        return CS_NAME_URL;
    *s = host;
    *len = (size_t)(hend - host);
    return CS_NAME_OK;
}

/* Checks an "xn--" label (lower case) with libidn2: it must decode and re-encode to itself. */
static cs_err check_alabel(const unsigned char *label, size_t len, cs_name_reason *reason)
{
    char tmp[LABEL_MAX + 1];
    char *back = NULL;
    memcpy(tmp, label, len);
    tmp[len] = '\0';
    int rc = idn2_to_ascii_8z(tmp, &back, IDN_FLAGS);
    if (rc == IDN2_MALLOC)
        return CS_ENOMEM;
    *reason = (rc == IDN2_OK && strcmp(back, tmp) == 0) ? CS_NAME_OK : CS_NAME_IDN_INVALID;
    idn2_free(back);
    return CS_OK;
}

/*
 * The checks for an ASCII name (no "*." prefix, no trailing dot). Writes the lower-case form
 * after prefix_len bytes of out->text.
 */
static cs_err check_ascii(const unsigned char *s, size_t len, size_t prefix_len,
                          struct cs_name *out)
{
    size_t labels = 0;
    const unsigned char *end = s + len, *label = s;
    const unsigned char *last = s;
    while (label <= end) {
        const unsigned char *lend = memchr(label, '.', (size_t)(end - label));
        if (!lend)
            lend = end;
        size_t llen = (size_t)(lend - label);
        if (llen == 0)
            return invalid(out, CS_NAME_EMPTY_LABEL);
        if (llen > LABEL_MAX)
            return invalid(out, CS_NAME_LABEL_TOO_LONG);
        for (size_t i = 0; i < llen; i++) {
            unsigned char c = label[i];
            if (c == '_')
                return invalid(out, CS_NAME_UNDERSCORE);
            if (!is_alpha(c) && !is_digit(c) && c != '-')
                return invalid(out, CS_NAME_BAD_CHARACTER);
        }
        if (label[0] == '-' || label[llen - 1] == '-')
            return invalid(out, CS_NAME_BAD_HYPHEN);
        if (llen >= 4 && label[2] == '-' && label[3] == '-') {
            if ((label[0] | 0x20) != 'x' || (label[1] | 0x20) != 'n')
                return invalid(out, CS_NAME_RESERVED_LABEL);
            unsigned char low[LABEL_MAX];
            for (size_t i = 0; i < llen; i++)
                low[i] = (unsigned char)(label[i] >= 'A' && label[i] <= 'Z' ? label[i] | 0x20
                                                                            : label[i]);
            cs_name_reason r;
            cs_err err = check_alabel(low, llen, &r);
            if (err != CS_OK)
                return err;
            if (r != CS_NAME_OK)
                return invalid(out, r);
        }
        labels++;
        last = label;
        label = lend + 1;
    }
    if (prefix_len + len > CS_NAME_MAX)
        return invalid(out, CS_NAME_NAME_TOO_LONG);
    if (labels < 2)
        return invalid(out, CS_NAME_SINGLE_LABEL);
    bool numeric = true;
    for (const unsigned char *q = last; q < end; q++)
        numeric = numeric && is_digit(*q);
    if (numeric)
        return invalid(out, parses_as_address(AF_INET, s, len) ? CS_NAME_IP_ADDRESS
                                                               : CS_NAME_NUMERIC_TLD);
    for (size_t i = 0; i < len; i++)
        out->text[prefix_len + i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] | 0x20 : s[i]);
    out->len = prefix_len + len;
    out->text[out->len] = '\0';
    out->reason = CS_NAME_OK;
    return CS_OK;
}

cs_err cs_name_normalize(const char *in, size_t len, struct cs_name *out)
{
    if (!out || (!in && len > 0))
        return CS_EINVAL;
    out->flags = 0;
    const unsigned char *s = (const unsigned char *)in;
    if (len >= 3 && s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf) {
        s += 3;
        len -= 3;
    }
    while (len > 0 && is_space(s[0])) {
        s++;
        len--;
    }
    while (len > 0 && is_space(s[len - 1]))
        len--;
    if (len == 0)
        return invalid(out, CS_NAME_EMPTY);
    for (size_t i = 0; i < len; i++)
        if (s[i] < 0x20 || s[i] == 0x7f)
            return invalid(out, CS_NAME_BAD_CHARACTER);

    const unsigned char *sep = memmem(s, len, "://", 3);
    if (sep) {
        cs_name_reason r = url_host(&s, &len, sep);
        if (r != CS_NAME_OK)
            return invalid(out, r);
        out->flags |= CS_NAME_FROM_URL;
    } else if (memchr(s, '@', len)) {
        return invalid(out, CS_NAME_EMAIL_ADDRESS);
    } else {
        const unsigned char *slash = memchr(s, '/', len);
        if (slash)
            return invalid(out, slash > s ? CS_NAME_URL_PATH : CS_NAME_BAD_CHARACTER);
    }
    if (len >= 2 && s[0] == '[' && s[len - 1] == ']' && parses_as_address(AF_INET6, s + 1, len - 2))
        return invalid(out, CS_NAME_IP_ADDRESS);
    if (memchr(s, ':', len))
        return invalid(out, parses_as_address(AF_INET6, s, len) ? CS_NAME_IP_ADDRESS
                                                                : CS_NAME_BAD_CHARACTER);
    if (len > 1 && s[len - 1] == '.')
        len--;
    else if (len == 1 && s[0] == '.')
        return invalid(out, CS_NAME_EMPTY);

    size_t prefix = 0;
    if (len >= 2 && s[0] == '*' && s[1] == '.') {
        s += 2;
        len -= 2;
        prefix = 2;
    }
    if (memchr(s, '*', len))
        return invalid(out, CS_NAME_WILDCARD_POSITION);
    memcpy(out->text, "*.", prefix);
    out->wildcard = prefix != 0;

    bool ascii = true;
    for (size_t i = 0; i < len && ascii; i++)
        ascii = s[i] < 0x80;
    if (ascii) {
        cs_err err = check_ascii(s, len, prefix, out);
        if (err == CS_OK)
            out->wildcard = prefix != 0;
        return err;
    }

    /* Unicode: valid UTF-8, ASCII parts already LDH, then UTS #46 with libidn2. */
    for (size_t i = 0; i < len;) {
        size_t n = cs_utf8_sequence(s + i, len - i);
        if (n == 0)
            return invalid(out, CS_NAME_INVALID_UTF8);
        if (n == 1 && !is_alpha(s[i]) && !is_digit(s[i]) && s[i] != '-' && s[i] != '.')
            return invalid(out, s[i] == '_' ? CS_NAME_UNDERSCORE : CS_NAME_BAD_CHARACTER);
        i += n;
    }
    if (len > UNICODE_INPUT_MAX)
        return invalid(out, CS_NAME_NAME_TOO_LONG);
    char tmp[UNICODE_INPUT_MAX + 1];
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    char *ace = NULL;
    int rc = idn2_to_ascii_8z(tmp, &ace, IDN_FLAGS);
    switch (rc) {
    case IDN2_OK:
        break;
    case IDN2_MALLOC:
        return CS_ENOMEM;
    case IDN2_TOO_BIG_DOMAIN:
        return invalid(out, CS_NAME_NAME_TOO_LONG);
    case IDN2_TOO_BIG_LABEL:
        return invalid(out, CS_NAME_LABEL_TOO_LONG);
    default:
        return invalid(out, CS_NAME_IDN_INVALID);
    }
    size_t alen = strlen(ace);
    /* UTS #46 maps U+3002 and friends to '.', so a trailing one becomes a trailing dot. */
    if (alen > 1 && ace[alen - 1] == '.')
        alen--;
    cs_err err = check_ascii((const unsigned char *)ace, alen, prefix, out);
    idn2_free(ace);
    if (err == CS_OK)
        out->wildcard = prefix != 0;
    return err;
}
