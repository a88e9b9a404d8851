/*
 * input_csv.c -- the customer CSV reader (RFC 4180, parsed by libcsv in strict mode).
 *
 * The file is fed to libcsv one line at a time, so that every row knows the line it starts on
 * even when a quoted field holds newlines: a row starts on the first line fed while libcsv is
 * between rows. A row (quoted newlines included) longer than CS_INPUT_RECORD_MAX is an error,
 * which also stops an unbalanced quote from swallowing the rest of the file into memory.
 *
 * The delimiter is ',', ';' or tab: --delimiter, or else the one that splits the first line into
 * the most fields, consistently with the lines after it (cs_csv_detect_delimiter; spreadsheets
 * in many locales save with ';', whose other columns then hold decimal commas).
 *
 * The first row is a header when one of its fields is a known name-column word (domain,
 * hostname, fqdn, san, name), the --column name or a --keep-columns name. Without a header the
 * name column is --column N, or else the first field of the first row that is a valid name.
 */
#include "input_impl.h"

#include <csv.h>
#include <stdlib.h>
#include <string.h>

/* libcsv's parser state between rows (ROW_NOT_BEGUN in libcsv.c; stable since libcsv 3.0). */
#define LIBCSV_ROW_NOT_BEGUN 0

/* The smallest step of libcsv's field buffer (see feed): its first allocation. */
#define CSV_BLK_MIN 4096

struct field {
    size_t off, len;
};

struct row {
    unsigned long line;
    size_t first, n; /* fields[first .. first+n) */
};

struct csv_state {
    struct csv_parser parser;
    bool parser_ok;
    /* Completed rows waiting to be read, and the row being parsed (its fields at the end). */
    char *bytes;
    size_t nbytes, cap_bytes;
    struct field *fields;
    size_t nfields, cap_fields;
    size_t cur_first; /* first field of the row being parsed */
    struct row *rows;
    size_t nrows, cap_rows, head;
    unsigned long row_line; /* where the row being parsed starts */
    size_t row_bytes;       /* bytes fed since then */
    bool fini;
    bool oom;

    bool header_done;
    char delim; /* the field delimiter in use */
    size_t name_col;
    size_t *keep_cols;
    const char **kept;
};

static void on_field(void *data, size_t len, void *arg)
{
    struct cs_input *in = arg;
    struct csv_state *st = in->state;
    if (st->oom)
        return;
    if (st->nbytes + len + 1 > st->cap_bytes) {
        size_t cap = st->cap_bytes ? st->cap_bytes : 4096;
        while (cap < st->nbytes + len + 1)
            cap *= 2;
        char *b = realloc(st->bytes, cap);
        if (!b) {
            st->oom = true;
            return;
        }
        st->bytes = b;
        st->cap_bytes = cap;
    }
    if (st->nfields == st->cap_fields) {
        size_t cap = st->cap_fields ? st->cap_fields * 2 : 64;
        struct field *f = realloc(st->fields, cap * sizeof(*f));
        if (!f) {
            st->oom = true;
            return;
        }
        st->fields = f;
        st->cap_fields = cap;
    }
    if (len > 0)
        memcpy(st->bytes + st->nbytes, data, len);
    st->bytes[st->nbytes + len] = '\0';
    st->fields[st->nfields++] = (struct field){st->nbytes, len};
    st->nbytes += len + 1;
}

static void on_row(int c, void *arg)
{
    struct cs_input *in = arg;
    struct csv_state *st = in->state;
    if (st->oom)
        return;
    if (st->nrows == st->cap_rows) {
        size_t cap = st->cap_rows ? st->cap_rows * 2 : 8;
        struct row *r = realloc(st->rows, cap * sizeof(*r));
        if (!r) {
            st->oom = true;
            return;
        }
        st->rows = r;
        st->cap_rows = cap;
    }
    st->rows[st->nrows++] = (struct row){st->row_line, st->cur_first, st->nfields - st->cur_first};
    st->cur_first = st->nfields;
    /* A row ended inside a line (a bare CR): the next one starts on this line. */
    st->row_line = in->line;
    st->row_bytes = 0;
}

/* Feeds the parser until at least one row is complete or the input ends. */
static cs_err feed(struct cs_input *in)
{
    struct csv_state *st = in->state;
    while (st->head == st->nrows && !st->fini) {
        if (st->head > 0) {
            /* Every queued row was read: drop them, keep the partial row's fields. */
            size_t keep_from = st->cur_first;
            size_t boff = keep_from < st->nfields ? st->fields[keep_from].off : st->nbytes;
            memmove(st->bytes, st->bytes + boff, st->nbytes - boff);
            st->nbytes -= boff;
            for (size_t i = keep_from; i < st->nfields; i++)
                st->fields[i - keep_from] =
                    (struct field){st->fields[i].off - boff, st->fields[i].len};
            st->nfields -= keep_from;
            st->cur_first = 0;
            st->nrows = st->head = 0;
        }
        if (in->pos == in->len && !input_fill(in)) {
            cs_err err = input_read_status(in);
            if (err != CS_OK)
                return err;
            st->fini = true;
            if (csv_fini(&st->parser, on_field, on_row, in) != 0)
                return input_fail(in, CS_EPARSE, st->row_line,
                                  "unterminated quoted field (the input ends inside quotes)");
            break;
        }
        if (!in->partial_line && st->parser.pstate == LIBCSV_ROW_NOT_BEGUN &&
            st->cur_first == st->nfields) {
            st->row_line = in->line;
            st->row_bytes = 0;
        }
        const unsigned char *p = in->buf + in->pos;
        size_t avail = in->len - in->pos;
        const unsigned char *nl = memchr(p, '\n', avail);
        size_t n = nl ? (size_t)(nl - p) + 1 : avail;
        if (st->row_bytes + n > CS_INPUT_RECORD_MAX)
            return input_fail(in, CS_ETOOLONG, st->row_line,
                              "CSV row longer than %d bytes (an unbalanced quote?)",
                              CS_INPUT_RECORD_MAX);
        /* libcsv grows its field buffer by the block size (128 bytes by default) each time it
         * is full: fixed steps make a multi-megabyte field quadratic, and a large fixed block
         * (1 MiB) is allocated by every input, however small. A block as large as the buffer
         * doubles it instead: amortized linear, and a small input allocates CSV_BLK_MIN. */
        size_t bufsize = csv_get_buffer_size(&st->parser);
        csv_set_blk_size(&st->parser, bufsize > CSV_BLK_MIN ? bufsize : CSV_BLK_MIN);
        size_t used = csv_parse(&st->parser, p, n, on_field, on_row, in);
        if (st->oom)
            return CS_ENOMEM;
        if (used != n) {
            int e = csv_error(&st->parser);
            if (e == CSV_ENOMEM || e == CSV_ETOOBIG)
                return CS_ENOMEM;
            return input_fail(in, CS_EPARSE, in->line,
                              "malformed CSV: a quote inside an unquoted field or text after a "
                              "closing quote");
        }
        in->pos += n;
        st->row_bytes += n;
        if (nl) {
            in->line++;
            in->partial_line = false;
        } else {
            in->partial_line = true;
        }
    }
    if (st->oom)
        return CS_ENOMEM;
    return CS_OK;
}

/* The next complete row, or NULL at the end. */
static cs_err next_row(struct cs_input *in, const struct row **row)
{
    struct csv_state *st = in->state;
    *row = NULL;
    cs_err err = feed(in);
    if (err != CS_OK)
        return err;
    if (st->head < st->nrows)
        *row = &st->rows[st->head++];
    return CS_OK;
}

static const char *field_text(struct csv_state *st, const struct row *r, size_t i, size_t *len)
{
    const struct field *f = &st->fields[r->first + i];
    *len = f->len;
    return st->bytes + f->off;
}

static bool parse_column_number(const char *s, size_t *out)
{
    char *end;
    if (!s || !*s || *s < '0' || *s > '9')
        return false;
    unsigned long v = strtoul(s, &end, 10);
    if (*end || v == 0 || v > 100000)
        return false;
    *out = v - 1;
    return true;
}

static const char *const name_words[] = {"domain", "hostname", "fqdn", "san", "name"};
#define N_WORDS (sizeof(name_words) / sizeof(name_words[0]))

/* Decides header or data from the first row; on "data" the row must be read again. */
static cs_err read_header(struct cs_input *in, const struct row *r, bool *is_header)
{
    struct csv_state *st = in->state;
    size_t column_no = 0;
    bool numeric = parse_column_number(in->opt.column, &column_no);
    *is_header = false;
    for (size_t i = 0; i < r->n && !*is_header; i++) {
        size_t len;
        const char *f = field_text(st, r, i, &len);
        for (size_t w = 0; w < N_WORDS; w++)
            *is_header = *is_header || input_field_is(f, len, name_words[w]);
        if (in->opt.column && !numeric)
            *is_header = *is_header || input_field_is(f, len, in->opt.column);
        for (size_t k = 0; k < in->opt.n_keep; k++)
            *is_header = *is_header || input_field_is(f, len, in->opt.keep_columns[k]);
    }

    if (*is_header) {
        bool found = false;
        if (numeric) {
            st->name_col = column_no;
            found = true;
        } else if (in->opt.column) {
            for (size_t i = 0; i < r->n && !found; i++) {
                size_t len;
                const char *f = field_text(st, r, i, &len);
                if (input_field_is(f, len, in->opt.column)) {
                    st->name_col = i;
                    found = true;
                }
            }
            if (!found)
                return input_fail(in, CS_EPARSE, r->line, "no column \"%s\" in the header",
                                  in->opt.column);
        } else {
            for (size_t w = 0; w < N_WORDS && !found; w++)
                for (size_t i = 0; i < r->n && !found; i++) {
                    size_t len;
                    const char *f = field_text(st, r, i, &len);
                    if (input_field_is(f, len, name_words[w])) {
                        st->name_col = i;
                        found = true;
                    }
                }
            if (!found)
                return input_fail(in, CS_EPARSE, r->line,
                                  "the header has no name column (domain, hostname, fqdn, san, "
                                  "name): choose one with --column");
        }
        for (size_t k = 0; k < in->opt.n_keep; k++) {
            bool kfound = false;
            for (size_t i = 0; i < r->n && !kfound; i++) {
                size_t len;
                const char *f = field_text(st, r, i, &len);
                if (input_field_is(f, len, in->opt.keep_columns[k])) {
                    st->keep_cols[k] = i;
                    kfound = true;
                }
            }
            if (!kfound)
                return input_fail(in, CS_EPARSE, r->line, "no column \"%s\" in the header",
                                  in->opt.keep_columns[k]);
        }
        return CS_OK;
    }

    if (in->opt.column && !numeric)
        return input_fail(in, CS_EPARSE, r->line,
                          "no header row, so there is no column \"%s\" (a header names it, or "
                          "give --column a number)",
                          in->opt.column);
    if (in->opt.n_keep > 0)
        return input_fail(in, CS_EPARSE, r->line,
                          "no header row, so there is no column \"%s\" to keep",
                          in->opt.keep_columns[0]);
    if (numeric) {
        st->name_col = column_no;
        return CS_OK;
    }
    for (size_t i = 0; i < r->n; i++) {
        size_t len;
        const char *f = field_text(st, r, i, &len);
        struct cs_name n;
        cs_err err = cs_name_normalize(f, len, &n);
        if (err == CS_ENOMEM)
            return err;
        if (err == CS_OK) {
            st->name_col = i;
            return CS_OK;
        }
    }
    return input_fail(in, CS_EPARSE, r->line,
                      "cannot tell the name column: no header (domain, hostname, fqdn, san, "
                      "name) and no field of the first row is a host name; use --column");
}

/* Fields of line[0..len) split at delim, quotes respected; *open: the line ends inside quotes. */
static size_t count_fields(const char *line, size_t len, char delim, bool *open)
{
    size_t n = 1;
    bool quoted = false;
    for (size_t i = 0; i < len; i++) {
        if (line[i] == '"')
            quoted = !quoted; /* "" inside quotes flips twice: no change */
        else if (!quoted && line[i] == delim)
            n++;
    }
    *open = quoted;
    return n;
}

char cs_csv_detect_delimiter(const char *line, size_t len, const char *rest, size_t rest_len)
{
    static const char cands[] = {',', ';', '\t'};
    char best = 0;
    size_t best_fields = 1;
    bool best_consistent = false;
    if (len > 0 && line[len - 1] == '\r')
        len--;
    for (size_t c = 0; c < sizeof(cands); c++) {
        bool open;
        size_t n = count_fields(line, len, cands[c], &open);
        if (n < 2 || open)
            continue;
        /* Consistent: the next complete lines (up to 8) split into as many fields. */
        bool consistent = true;
        const char *p = rest, *end = rest + rest_len;
        for (int k = 0; k < 8 && p < end; k++) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            if (!nl)
                break; /* a line cut by the buffer says nothing */
            size_t l = (size_t)(nl - p);
            if (l > 0 && p[l - 1] == '\r')
                l--;
            bool lopen;
            if (l > 0 && (count_fields(p, l, cands[c], &lopen) != n || lopen)) {
                consistent = false;
                break; /* a quoted newline also ends the look: it cannot be judged by line */
            }
            p = nl + 1;
        }
        if ((consistent && !best_consistent) ||
            (consistent == best_consistent && n > best_fields)) {
            best = cands[c];
            best_fields = n;
            best_consistent = consistent;
        }
    }
    return best;
}

char cs_csv_delimiter_parse(const char *text)
{
    if (strcmp(text, ",") == 0 || strcmp(text, "comma") == 0)
        return ',';
    if (strcmp(text, ";") == 0 || strcmp(text, "semicolon") == 0)
        return ';';
    if (strcmp(text, "\t") == 0 || strcmp(text, "tab") == 0 || strcmp(text, "\\t") == 0)
        return '\t';
    return 0;
}

static cs_err csv_start(struct cs_input *in)
{
    struct csv_state *st = calloc(1, sizeof(*st));
    if (!st)
        return input_fail(in, CS_ENOMEM, 0, "%s", cs_strerror(CS_ENOMEM));
    in->state = st;
    if (in->opt.n_keep > 0) {
        st->keep_cols = calloc(in->opt.n_keep, sizeof(*st->keep_cols));
        st->kept = calloc(in->opt.n_keep, sizeof(*st->kept));
        if (!st->keep_cols || !st->kept)
            return input_fail(in, CS_ENOMEM, 0, "%s", cs_strerror(CS_ENOMEM));
    }
    if (csv_init(&st->parser, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0)
        return input_fail(in, CS_ENOMEM, 0, "%s", cs_strerror(CS_ENOMEM));
    st->parser_ok = true;
    st->row_line = 1;
    char delim = in->opt.delimiter;
    if (!delim) {
        /* The first line is in the buffer (cs_input_open saw to it), and what follows of it. */
        const char *p = (const char *)in->buf + in->pos;
        size_t avail = in->len - in->pos;
        const char *nl = memchr(p, '\n', avail);
        size_t l = nl ? (size_t)(nl - p) : avail;
        delim = cs_csv_detect_delimiter(p, l, nl ? nl + 1 : p + l, nl ? avail - l - 1 : 0);
        if (!delim)
            delim = ',';
    }
    st->delim = delim;
    csv_set_delim(&st->parser, (unsigned char)delim);

    const struct row *r;
    cs_err err = next_row(in, &r);
    if (err != CS_OK)
        return err;
    if (!r)
        return input_fail(in, CS_EPARSE, 0, "empty input: no CSV rows");
    bool is_header;
    err = read_header(in, r, &is_header);
    if (err != CS_OK)
        return err;
    if (!is_header)
        st->head--; /* the first row is data: read it again */
    st->header_done = true;
    return CS_OK;
}

static cs_err csv_next(struct cs_input *in, bool *done)
{
    struct csv_state *st = in->state;
    const struct row *r;
    cs_err err = next_row(in, &r);
    if (err != CS_OK)
        return err;
    if (!r) {
        *done = true;
        return CS_OK;
    }
    in->rec.line = r->line;
    for (size_t k = 0; k < in->opt.n_keep; k++) {
        size_t len;
        st->kept[k] = st->keep_cols[k] < r->n ? field_text(st, r, st->keep_cols[k], &len) : "";
    }
    in->rec.kept = in->opt.n_keep > 0 ? st->kept : NULL;
    if (st->name_col >= r->n) {
        in->rec.original = "";
        in->rec.original_len = 0;
        in->rec.name.reason = CS_NAME_MISSING_FIELD;
        return CS_OK;
    }
    size_t len;
    const char *f = field_text(st, r, st->name_col, &len);
    in->rec.original = f;
    in->rec.original_len = len;
    err = cs_name_normalize(f, len, &in->rec.name);
    return err == CS_EPARSE ? CS_OK : err;
}

static void csv_state_free(struct cs_input *in)
{
    struct csv_state *st = in->state;
    if (!st)
        return;
    if (st->parser_ok)
        csv_free(&st->parser);
    free(st->bytes);
    free(st->fields);
    free(st->rows);
    free(st->keep_cols);
    free(st->kept);
    free(st);
}

const struct input_ops input_csv_ops = {csv_start, csv_next, csv_state_free};
