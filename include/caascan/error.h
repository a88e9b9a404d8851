/*
 * error.h -- the one error enum of libcaascan and its text.
 *
 * Every library function that can fail returns a cs_err (0 is success) and documents which
 * values it returns. cs_strerror() turns one into a short phrase for "caascan: what: why".
 */
#ifndef CAASCAN_ERROR_H
#define CAASCAN_ERROR_H

typedef enum cs_err {
    CS_OK = 0,
    CS_ENOMEM,      /* out of memory */
    CS_EINVAL,      /* invalid argument or option value */
    CS_EIO,         /* read or write failed (errno says more) */
    CS_EPARSE,      /* malformed input: file, packet or value */
    CS_ENOSPACE,    /* a fixed-size buffer or table is full */
    CS_ENOTFOUND,   /* the thing asked for does not exist */
    CS_ESOCKET,     /* a socket could not be created, bound or used */
    CS_EFORMAT,     /* input format not recognised */
    CS_ETOOLONG,    /* a line, field or name is longer than allowed */
    CS_EINCOMPLETE, /* a run directory without its manifest */
    CS_EMISMATCH,   /* two things that must agree do not (schema, shard count) */
    CS_ECORRUPT,    /* stored data fails its checks */
    CS_ERR_COUNT
} cs_err;

/* Returns a static, human-readable phrase for err; never NULL. */
const char *cs_strerror(int err);

#endif
