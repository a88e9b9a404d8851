/*
 * input_impl.h -- what the readers in src/input_*.c share: the byte buffer with line counting,
 * error reporting, and the table of reader operations. Private to libcaascan.
 */
#ifndef CAASCAN_INPUT_IMPL_H
#define CAASCAN_INPUT_IMPL_H

#include "caascan/input.h"

#include <stdbool.h>

#define IN_BUFSIZE (64 * 1024)

struct cs_input;

struct input_ops {
    /* Reads the header or whatever comes first; may fail like cs_input_open. */
    cs_err (*start)(struct cs_input *in);
    /* Fills in->rec with the next record: CS_OK and *done false, or *done true at the end. */
    cs_err (*next)(struct cs_input *in, bool *done);
    void (*free)(struct cs_input *in);
};

struct cs_input {
    FILE *f;
    bool own_file;
    char *label;
    cs_input_format fmt;
    struct cs_input_options opt;
    const struct input_ops *ops;
    void *state; /* the reader's own */

    unsigned char *buf; /* read buffer: bytes [pos, len) not consumed yet */
    size_t pos, len;
    bool eof, read_error;
    unsigned long line; /* line of the next byte (1-based) */
    bool partial_line;  /* bytes seen since the last newline */
    bool seen_any;      /* any byte at all */

    cs_err err; /* sticky error */
    char errmsg[512];
    struct cs_input_record rec;
};

/* Reads more bytes into in->buf (keeping the unconsumed ones); false at the end or on error. */
bool input_fill(struct cs_input *in);

/* Next byte, or -1 at the end of the input; counts lines. */
static inline int input_getc(struct cs_input *in)
{
    if (in->pos == in->len && !input_fill(in))
        return -1;
    unsigned char c = in->buf[in->pos++];
    if (c == '\n') {
        in->line++;
        in->partial_line = false;
    } else {
        in->partial_line = true;
    }
    return c;
}

/* The next byte without consuming it, or -1. */
static inline int input_peekc(struct cs_input *in)
{
    if (in->pos == in->len && !input_fill(in))
        return -1;
    return in->buf[in->pos];
}

/* Sets the sticky error with the message "LABEL:LINE: text" (line 0: "LABEL: text"). */
cs_err input_fail(struct cs_input *in, cs_err err, unsigned long line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The error a failed read left: an I/O error message, or CS_OK at a clean end of file. */
cs_err input_read_status(struct cs_input *in);

/* ASCII case-insensitive comparison of a field (trimmed of spaces) with a word. */
bool input_field_is(const char *field, size_t len, const char *word);

extern const struct input_ops input_list_ops;
extern const struct input_ops input_csv_ops;
extern const struct input_ops input_crtsh_json_ops;
extern const struct input_ops input_crtsh_csv_ops;

#endif
