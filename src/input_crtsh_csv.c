/*
 * input_crtsh_csv.c -- the crt.sh CSV reader (the "Export CSV" of a crt.sh search).
 *
 * crt.sh writes its CSV by hand, not by RFC 4180: inside a quoted field a quote is escaped as
 * backslash-quote (\"), not doubled; an empty date is the literal "&nbsp;"; and "Matching
 * Identities" holds one name a line inside its quotes. libcsv cannot read that escape, so this
 * file has its own small parser: \" is a quote (always, so a field cannot end in a backslash --
 * crt.sh fields never do), any other backslash is kept as it is, "" after a closing quote is also
 * read as a quote (RFC 4180 files pass too). The header is required; its columns are found by
 * name, so their order does not matter. Every line of "Matching Identities" is one record.
 */
#include "input_impl.h"

#include <stdlib.h>
#include <string.h>

enum { COL_ID, COL_NOT_AFTER, COL_COMMON_NAME, COL_IDENTITIES, COL_ISSUER, COL_COUNT };

static const char *const col_names[COL_COUNT] = {
    [COL_ID] = "crt.sh ID",
    [COL_NOT_AFTER] = "Not After",
    [COL_COMMON_NAME] = "Common Name",
    [COL_IDENTITIES] = "Matching Identities",
    [COL_ISSUER] = "Issuer Name",
};

struct crtsh_csv_state {
    char *bytes; /* the fields of the current row, each NUL-terminated */
    size_t len, cap;
    size_t *offs; /* start of each field in bytes */
    size_t nfields, cap_fields;
    unsigned long row_line;
    size_t col[COL_COUNT];
    size_t width; /* fields a row needs: 1 + the largest column index */
    /* The row being handed out. */
    uint64_t id;
    const char *names;
    size_t names_len, cursor;
    bool in_row, any_name;
};

static cs_err put(struct crtsh_csv_state *st, char c)
{
    if (st->len + 1 > st->cap) {
        size_t cap = st->cap ? st->cap * 2 : 4096;
        char *b = realloc(st->bytes, cap);
        if (!b)
            return CS_ENOMEM;
        st->bytes = b;
        st->cap = cap;
    }
    st->bytes[st->len++] = c;
    return CS_OK;
}

static cs_err end_field(struct crtsh_csv_state *st, size_t start)
{
    if (st->nfields == st->cap_fields) {
        size_t cap = st->cap_fields ? st->cap_fields * 2 : 16;
        size_t *o = realloc(st->offs, cap * sizeof(*o));
        if (!o)
            return CS_ENOMEM;
        st->offs = o;
        st->cap_fields = cap;
    }
    st->offs[st->nfields++] = start;
    return put(st, '\0');
}

/* Reads one row into st; *got is false at the end of the input. */
static cs_err read_row(struct cs_input *in, struct crtsh_csv_state *st, bool *got)
{
    enum { START, UNQUOTED, QUOTED, AFTER_QUOTE } state = START;
    st->len = st->nfields = 0;
    *got = false;
    if (input_peekc(in) < 0)
        return input_read_status(in);
    *got = true;
    st->row_line = in->line;
    size_t start = 0;
    for (;;) {
        int c = input_getc(in);
        if (st->len > CS_INPUT_RECORD_MAX)
            return input_fail(in, CS_ETOOLONG, st->row_line, "CSV row longer than %d bytes",
                              CS_INPUT_RECORD_MAX);
        if (c < 0) {
            cs_err err = input_read_status(in);
            if (err != CS_OK)
                return err;
            if (state == QUOTED)
                return input_fail(in, CS_EPARSE, st->row_line,
                                  "unterminated quoted field (the input ends inside quotes)");
            return end_field(st, start);
        }
        cs_err err = CS_OK;
        /* Outside quotes a comma ends the field and a line end (LF, CR or CRLF) the row. */
        if (state != QUOTED && (c == ',' || c == '\n' || c == '\r')) {
            if (c == ',') {
                err = end_field(st, start);
                start = st->len;
                state = START;
                if (err != CS_OK)
                    return err;
                continue;
            }
            if (c == '\r' && input_peekc(in) == '\n')
                input_getc(in);
            return end_field(st, start);
        }
        switch (state) {
        case START:
        case UNQUOTED:
            if (c == '"' && state == START) {
                state = QUOTED;
            } else {
                err = put(st, (char)c);
                state = UNQUOTED;
            }
            break;
        case QUOTED:
            if (c == '\\' && input_peekc(in) == '"') {
                input_getc(in);
                err = put(st, '"');
            } else if (c == '"') {
                state = AFTER_QUOTE;
            } else {
                err = put(st, (char)c);
            }
            break;
        case AFTER_QUOTE:
            if (c == '"') {
                err = put(st, '"');
                state = QUOTED;
            } else {
                return input_fail(in, CS_EPARSE, in->line,
                                  "malformed crt.sh CSV: text after a closing quote");
            }
            break;
        }
        if (err != CS_OK)
            return err;
    }
}

static const char *field(struct crtsh_csv_state *st, int col)
{
    return st->bytes + st->offs[st->col[col]];
}

static cs_err crtsh_csv_start(struct cs_input *in)
{
    struct crtsh_csv_state *st = calloc(1, sizeof(*st));
    if (!st)
        return input_fail(in, CS_ENOMEM, 0, "%s", cs_strerror(CS_ENOMEM));
    in->state = st;
    bool got;
    cs_err err = read_row(in, st, &got);
    if (err != CS_OK)
        return err;
    for (int c = 0; c < COL_COUNT; c++) {
        bool found = false;
        for (size_t i = 0; i < st->nfields && !found; i++) {
            const char *f = st->bytes + st->offs[i];
            if (input_field_is(f, strlen(f), col_names[c])) {
                st->col[c] = i;
                found = true;
            }
        }
        if (!found)
            return input_fail(in, CS_EPARSE, 1,
                              "not a crt.sh CSV export: no \"%s\" column in the header",
                              col_names[c]);
        if (st->col[c] + 1 > st->width)
            st->width = st->col[c] + 1;
    }
    return CS_OK;
}

static const char *date_or_null(const char *s)
{
    return *s == '\0' || strcmp(s, "&nbsp;") == 0 ? NULL : s;
}

/* Reads the next certificate row; *end at the end of the input. */
static cs_err next_cert(struct cs_input *in, struct crtsh_csv_state *st, bool *end)
{
    for (;;) {
        bool got;
        cs_err err = read_row(in, st, &got);
        if (err != CS_OK)
            return err;
        if (!got) {
            *end = true;
            return CS_OK;
        }
        if (st->nfields == 1 && st->bytes[0] == '\0')
            continue; /* an empty line */
        if (st->nfields < st->width)
            return input_fail(in, CS_EPARSE, st->row_line,
                              "crt.sh CSV row with %zu fields, the header has %zu or more",
                              st->nfields, st->width);
        const char *id = field(st, COL_ID);
        char *stop;
        unsigned long long v = strtoull(id, &stop, 10);
        if (id[0] < '0' || id[0] > '9' || *stop != '\0' || v == 0)
            return input_fail(in, CS_EPARSE, st->row_line, "bad crt.sh ID \"%.40s\"", id);
        st->id = v;
        st->names = field(st, COL_IDENTITIES);
        st->names_len = strlen(st->names);
        st->cursor = 0;
        st->any_name = false;
        st->in_row = true;
        *end = false;
        return CS_OK;
    }
}

static void fill_cert(struct cs_input *in, struct crtsh_csv_state *st)
{
    const char *cn = field(st, COL_COMMON_NAME), *issuer = field(st, COL_ISSUER);
    in->rec.line = st->row_line;
    in->rec.crtsh_id = st->id;
    in->rec.common_name = *cn ? cn : NULL;
    in->rec.issuer_name = *issuer ? issuer : NULL;
    in->rec.not_after = date_or_null(field(st, COL_NOT_AFTER));
}

static cs_err crtsh_csv_next(struct cs_input *in, bool *done)
{
    struct crtsh_csv_state *st = in->state;
    for (;;) {
        if (st->in_row) {
            while (st->cursor < st->names_len) {
                char *p = (char *)st->names + st->cursor;
                char *nl = memchr(p, '\n', st->names_len - st->cursor);
                size_t n = nl ? (size_t)(nl - p) : st->names_len - st->cursor;
                st->cursor += n + (nl ? 1 : 0);
                if (n > 0 && p[n - 1] == '\r')
                    n--;
                p[n] = '\0'; /* the row is ours: end each name in place */
                bool blank = true;
                for (size_t i = 0; i < n && blank; i++)
                    blank = p[i] == ' ' || p[i] == '\t';
                if (blank)
                    continue;
                fill_cert(in, st);
                in->rec.original = p;
                in->rec.original_len = n;
                st->any_name = true;
                cs_err err = cs_name_normalize(p, n, &in->rec.name);
                return err == CS_EPARSE ? CS_OK : err;
            }
            st->in_row = false;
            if (!st->any_name) {
                fill_cert(in, st);
                in->rec.original = "";
                in->rec.name.reason = CS_NAME_EMPTY;
                return CS_OK;
            }
        }
        bool end;
        cs_err err = next_cert(in, st, &end);
        if (err != CS_OK)
            return err;
        if (end) {
            *done = true;
            return CS_OK;
        }
    }
}

static void crtsh_csv_free(struct cs_input *in)
{
    struct crtsh_csv_state *st = in->state;
    if (!st)
        return;
    free(st->bytes);
    free(st->offs);
    free(st);
}

const struct input_ops input_crtsh_csv_ops = {crtsh_csv_start, crtsh_csv_next, crtsh_csv_free};
