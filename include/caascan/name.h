/*
 * name.h -- normalizing one host name from an inventory into the form caascan scans.
 *
 * cs_name_normalize() trims surrounding white space and a UTF-8 byte-order mark, removes one
 * trailing dot, lower-cases, converts IDN U-labels to A-labels (UTS #46 non-transitional, with
 * libidn2), recognises a leading "*." as a wildcard and takes the host out of an unambiguous URL.
 * Whatever cannot be scanned gets a reason (a stable snake_case key, see cs_name_reason_text())
 * instead of a name. docs/input.md lists every rule and the reasons.
 */
#ifndef CAASCAN_NAME_H
#define CAASCAN_NAME_H

#include "caascan/error.h"

#include <stdbool.h>
#include <stddef.h>

/* Longest name in text form, without the trailing dot (255 octets in wire form). */
#define CS_NAME_MAX 253

/* Why a name is invalid. The order is stable: values are stored and counted per reason. */
typedef enum cs_name_reason {
    CS_NAME_OK = 0,
    CS_NAME_EMPTY,             /* "empty": nothing left after trimming */
    CS_NAME_MISSING_FIELD,     /* "missing_field": the row has no such column */
    CS_NAME_EMPTY_LABEL,       /* "empty_label": "a..b", ".a.b", "a.b.." */
    CS_NAME_LABEL_TOO_LONG,    /* "label_too_long": a label longer than 63 octets */
    CS_NAME_NAME_TOO_LONG,     /* "name_too_long": longer than 253 octets (A-label form) */
    CS_NAME_BAD_CHARACTER,     /* "bad_character": outside letters, digits, '-' and '.' */
    CS_NAME_UNDERSCORE,        /* "underscore": '_' (never in a certificate name) */
    CS_NAME_BAD_HYPHEN,        /* "bad_hyphen": a label starting or ending with '-' */
    CS_NAME_RESERVED_LABEL,    /* "reserved_label": "ab--cd" (R-LDH label other than xn--) */
    CS_NAME_IDN_INVALID,       /* "idn_invalid": UTS #46 / IDNA2008 rejects it, or bad xn-- */
    CS_NAME_INVALID_UTF8,      /* "invalid_utf8": bytes that are not UTF-8 */
    CS_NAME_IP_ADDRESS,        /* "ip_address": an IPv4 or IPv6 address */
    CS_NAME_NUMERIC_TLD,       /* "numeric_tld": last label all digits ("10.1.2") */
    CS_NAME_EMAIL_ADDRESS,     /* "email_address": contains '@' */
    CS_NAME_URL,               /* "url": a URL whose host is not unambiguous */
    CS_NAME_URL_PATH,          /* "url_path": "host/path" without a scheme */
    CS_NAME_WILDCARD_POSITION, /* "wildcard_position": '*' other than a whole leftmost label */
    CS_NAME_SINGLE_LABEL,      /* "single_label": a bare TLD or one label */
    CS_NAME_REASON_COUNT
} cs_name_reason;

/* Flags of a normalized name: notes for the record, not reasons. */
enum {
    CS_NAME_FROM_URL = 1u << 0, /* the host was taken from a URL ("https://host/path") */
};

/* One normalized name. */
struct cs_name {
    /*
     * The name as caascan prints it: A-labels, lower case, no trailing dot, with the "*." prefix
     * when wildcard is set. Empty when the name is invalid.
     */
    char text[CS_NAME_MAX + 1];
    size_t len;
    bool wildcard;         /* leading "*." label: CAA is evaluated with issuewild semantics */
    cs_name_reason reason; /* CS_NAME_OK, or why the name is invalid */
    unsigned flags;        /* CS_NAME_FROM_URL... */
};

/*
 * Normalizes len bytes at in (not NUL-terminated; NUL bytes are bad characters) into out.
 * Returns CS_OK for a valid name, CS_EPARSE for an invalid one (out->reason says why, out->text
 * is empty), CS_ENOMEM when libidn2 cannot allocate, CS_EINVAL for a NULL argument.
 */
cs_err cs_name_normalize(const char *in, size_t len, struct cs_name *out);

/* The DNS name to look up: text without the "*." of a wildcard. */
static inline const char *cs_name_dns(const struct cs_name *n)
{
    return n->wildcard ? n->text + 2 : n->text;
}

/* "empty_label", "ip_address"... for a reason; "ok" for CS_NAME_OK; NULL when out of range. */
const char *cs_name_reason_text(cs_name_reason reason);
/* Parses a reason key; returns CS_NAME_REASON_COUNT when unknown. */
cs_name_reason cs_name_reason_parse(const char *text);

/*
 * Makes raw input text printable for reports: control bytes and bytes that are not UTF-8 become
 * '?', and text longer than CS_NAME_DISPLAY_MAX bytes is cut at a character boundary and ends
 * in "...". Writes a NUL-terminated string into buf (size >= CS_NAME_DISPLAY_MAX + 4) and
 * returns its length.
 */
#define CS_NAME_DISPLAY_MAX 256
size_t cs_name_display(const char *in, size_t len, char *buf, size_t size);

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when s[0..avail) does not start one. */
size_t cs_utf8_sequence(const unsigned char *s, size_t avail);

#endif
