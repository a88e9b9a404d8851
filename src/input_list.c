/*
 * input_list.c -- the plain-list reader: one name a line.
 *
 * Blank lines and lines whose first non-blank character is '#' are not names and are skipped
 * (they still count as lines). A line longer than CS_INPUT_LINE_MAX is not kept in memory: the
 * rest is read and dropped, and the record is INVALID with reason name_too_long.
 */
#include "input_impl.h"

#include <stdlib.h>
#include <string.h>

struct list_state {
    char *line;
    size_t cap;
};

static cs_err list_start(struct cs_input *in)
{
    struct list_state *st = calloc(1, sizeof(*st));
    if (!st)
        return input_fail(in, CS_ENOMEM, 0, "%s", cs_strerror(CS_ENOMEM));
    in->state = st;
    return CS_OK;
}

/* Appends n bytes to the line unless it is already at the limit (then sets *truncated). */
static cs_err append(struct list_state *st, size_t *len, const unsigned char *p, size_t n,
                     bool *truncated)
{
    if (*len + n > CS_INPUT_LINE_MAX) {
        n = CS_INPUT_LINE_MAX - *len;
        *truncated = true;
    }
    if (*len + n + 1 > st->cap) {
        size_t cap = st->cap ? st->cap : 256;
        while (cap < *len + n + 1)
            cap *= 2;
        char *line = realloc(st->line, cap);
        if (!line)
            return CS_ENOMEM;
        st->line = line;
        st->cap = cap;
    }
    memcpy(st->line + *len, p, n);
    *len += n;
    st->line[*len] = '\0';
    return CS_OK;
}

/* Reads one line without its '\n'; *got is false at the end of the input. */
static cs_err read_line(struct cs_input *in, size_t *len, bool *truncated, bool *got)
{
    struct list_state *st = in->state;
    *len = 0;
    *truncated = false;
    *got = false;
    for (;;) {
        if (in->pos == in->len && !input_fill(in))
            return input_read_status(in);
        *got = true;
        const unsigned char *p = in->buf + in->pos;
        size_t avail = in->len - in->pos;
        const unsigned char *nl = memchr(p, '\n', avail);
        size_t n = nl ? (size_t)(nl - p) : avail;
        if (append(st, len, p, n, truncated) != CS_OK)
            return CS_ENOMEM;
        in->pos += n;
        if (nl) {
            in->pos++;
            in->line++;
            in->partial_line = false;
            return CS_OK;
        }
        in->partial_line = true;
    }
}

static cs_err list_next(struct cs_input *in, bool *done)
{
    struct list_state *st = in->state;
    for (;;) {
        unsigned long line = in->line;
        size_t len;
        bool truncated, got;
        cs_err err = read_line(in, &len, &truncated, &got);
        if (err != CS_OK)
            return err;
        if (!got) {
            *done = true;
            return CS_OK;
        }
        if (len > 0 && st->line[len - 1] == '\r')
            len--;
        st->line[len] = '\0';
        size_t i = 0;
        while (i < len && (st->line[i] == ' ' || st->line[i] == '\t'))
            i++;
        if (i == len || st->line[i] == '#')
            continue;
        in->rec.line = line;
        in->rec.original = st->line;
        in->rec.original_len = len;
        if (truncated) {
            in->rec.name.reason = CS_NAME_NAME_TOO_LONG;
            in->rec.name.text[0] = '\0';
            return CS_OK;
        }
        err = cs_name_normalize(st->line, len, &in->rec.name);
        return err == CS_EPARSE ? CS_OK : err;
    }
}

static void list_free(struct cs_input *in)
{
    struct list_state *st = in->state;
    if (st)
        free(st->line);
    free(st);
}

const struct input_ops input_list_ops = {list_start, list_next, list_free};
