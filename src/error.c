/* error.c -- texts for the cs_err values of error.h. */
#include "caascan/error.h"

static const char *const cs_err_text[CS_ERR_COUNT] = {
    [CS_OK] = "success",
    [CS_ENOMEM] = "out of memory",
    [CS_EINVAL] = "invalid argument",
    [CS_EIO] = "input/output error",
    [CS_EPARSE] = "malformed input",
    [CS_ENOSPACE] = "no space left in a fixed-size buffer",
    [CS_ENOTFOUND] = "not found",
    [CS_ESOCKET] = "socket error",
    [CS_EFORMAT] = "unrecognised input format",
    [CS_ETOOLONG] = "too long",
    [CS_EINCOMPLETE] = "incomplete run (no manifest.json)",
    [CS_EMISMATCH] = "mismatch",
    [CS_ECORRUPT] = "corrupt data",
};

const char *cs_strerror(int err)
{
    if (err < 0 || err >= CS_ERR_COUNT || cs_err_text[err] == 0)
        return "unknown error";
    return cs_err_text[err];
}
