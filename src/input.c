/*
 * input.c -- opening an inventory input, detecting its format, and the byte buffer the readers
 * share. The readers themselves are input_list.c, input_csv.c, input_crtsh_json.c and
 * input_crtsh_csv.c.
 *
 * Detection looks at the first line only (after a UTF-8 BOM and leading white space), so that
 * stdin can be detected without reading it all:
 *   '[' or '{'                       crt.sh JSON
 *   starts with "crt.sh ID,"         crt.sh CSV
 *   has a ',', ';' or tab outside    customer CSV (header words: domain, hostname, fqdn, san,
 *   quotes, or is a lone header      name, or the --column name)
 *   anything else                    plain list
 */
#include "input_impl.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const char *const format_names[CS_INPUT_FORMAT_COUNT] = {
    [CS_INPUT_AUTO] = "auto",
    [CS_INPUT_LIST] = "list",
    [CS_INPUT_CSV] = "csv",
    [CS_INPUT_CRTSH_JSON] = "crtsh-json",
    [CS_INPUT_CRTSH_CSV] = "crtsh-csv",
};

const char *cs_input_format_name(cs_input_format fmt)
{
    if ((unsigned)fmt >= CS_INPUT_FORMAT_COUNT)
        return NULL;
    return format_names[fmt];
}

cs_input_format cs_input_format_parse(const char *name)
{
    for (int i = 0; i < CS_INPUT_FORMAT_COUNT; i++)
        if (strcmp(name, format_names[i]) == 0)
            return (cs_input_format)i;
    return CS_INPUT_FORMAT_COUNT;
}

bool input_fill(struct cs_input *in)
{
    if (in->eof || in->read_error)
        return false;
    if (in->pos > 0) {
        memmove(in->buf, in->buf + in->pos, in->len - in->pos);
        in->len -= in->pos;
        in->pos = 0;
    }
    if (in->len == IN_BUFSIZE)
        return true;
    size_t n = fread(in->buf + in->len, 1, IN_BUFSIZE - in->len, in->f);
    if (n == 0) {
        if (ferror(in->f))
            in->read_error = true;
        else
            in->eof = true;
        return false;
    }
    in->len += n;
    in->seen_any = true;
    return true;
}

cs_err input_fail(struct cs_input *in, cs_err err, unsigned long line, const char *fmt, ...)
{
    char text[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    if (line > 0)
        snprintf(in->errmsg, sizeof(in->errmsg), "%s:%lu: %s", in->label, line, text);
    else
        snprintf(in->errmsg, sizeof(in->errmsg), "%s: %s", in->label, text);
    in->err = err;
    return err;
}

cs_err input_read_status(struct cs_input *in)
{
    if (in->read_error)
        return input_fail(in, CS_EIO, in->line, "read failed: %s", strerror(errno));
    return CS_OK;
}

bool input_field_is(const char *field, size_t len, const char *word)
{
    while (len > 0 && (field[0] == ' ' || field[0] == '\t')) {
        field++;
        len--;
    }
    while (len > 0 && (field[len - 1] == ' ' || field[len - 1] == '\t'))
        len--;
    size_t wlen = strlen(word);
    if (len != wlen)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char a = (unsigned char)field[i], b = (unsigned char)word[i];
        if (a >= 'A' && a <= 'Z')
            a |= 0x20;
        if (b >= 'A' && b <= 'Z')
            b |= 0x20;
        if (a != b)
            return false;
    }
    return true;
}

static const char *const header_words[] = {"domain", "hostname", "fqdn", "san", "name"};

/* Looks at the first line in the buffer (the BOM already skipped). */
static cs_input_format detect(struct cs_input *in)
{
    const unsigned char *p = in->buf + in->pos, *end = in->buf + in->len;
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    if (p < end && (*p == '[' || *p == '{'))
        return CS_INPUT_CRTSH_JSON;
    const unsigned char *eol = memchr(p, '\n', (size_t)(end - p));
    if (!eol)
        eol = end;
    size_t llen = (size_t)(eol - p);
    if (llen > 0 && p[llen - 1] == '\r')
        llen--;
    static const char crtsh[] = "crt.sh ID,";
    if (llen >= sizeof(crtsh) - 1 && input_field_is((const char *)p, sizeof(crtsh) - 1, crtsh))
        return CS_INPUT_CRTSH_CSV;
    if (in->opt.delimiter || cs_csv_detect_delimiter((const char *)p, llen, "", 0) != 0)
        return CS_INPUT_CSV; /* --delimiter says it is a customer CSV */
    for (size_t i = 0; i < sizeof(header_words) / sizeof(header_words[0]); i++)
        if (input_field_is((const char *)p, llen, header_words[i]))
            return CS_INPUT_CSV;
    if (in->opt.column && input_field_is((const char *)p, llen, in->opt.column))
        return CS_INPUT_CSV;
    return CS_INPUT_LIST;
}

static const struct input_ops *ops_for(cs_input_format fmt)
{
    switch (fmt) {
    case CS_INPUT_LIST:
        return &input_list_ops;
    case CS_INPUT_CSV:
        return &input_csv_ops;
    case CS_INPUT_CRTSH_JSON:
        return &input_crtsh_json_ops;
    case CS_INPUT_CRTSH_CSV:
        return &input_crtsh_csv_ops;
    default:
        return NULL;
    }
}

static void copy_error(const struct cs_input *in, char *err, size_t errsize)
{
    if (err && errsize > 0)
        snprintf(err, errsize, "%s", in->errmsg);
}

static cs_err open_common(struct cs_input **out, FILE *f, bool own, const char *label,
                          const struct cs_input_options *opt, char *err, size_t errsize)
{
    struct cs_input *in = calloc(1, sizeof(*in));
    if (!in || !(in->label = strdup(label)) || !(in->buf = malloc(IN_BUFSIZE))) {
        if (in) {
            free(in->label);
            free(in);
        }
        if (own)
            fclose(f);
        if (err && errsize > 0)
            snprintf(err, errsize, "%s: %s", label, cs_strerror(CS_ENOMEM));
        return CS_ENOMEM;
    }
    in->f = f;
    in->own_file = own;
    in->line = 1;
    if (opt)
        in->opt = *opt;
    if ((unsigned)in->opt.format >= CS_INPUT_FORMAT_COUNT) {
        input_fail(in, CS_EINVAL, 0, "unknown input format");
        goto fail;
    }

    if (!input_fill(in) && input_read_status(in) != CS_OK)
        goto fail;
    if (in->len >= 3 && memcmp(in->buf, "\xef\xbb\xbf", 3) == 0)
        in->pos = 3;
    /* Blank lines before the content are read here (and counted); nothing else is. */
    for (;;) {
        size_t i = in->pos;
        while (i < in->len && (in->buf[i] == ' ' || in->buf[i] == '\t' || in->buf[i] == '\r' ||
                               in->buf[i] == '\n'))
            i++;
        if (i < in->len)
            break;
        while (in->pos < in->len)
            input_getc(in);
        if (!input_fill(in)) {
            if (input_read_status(in) == CS_OK)
                input_fail(in, CS_EPARSE, 0, "empty input: no names");
            goto fail;
        }
    }
    /* Have the first line (or 64 KiB of it) in the buffer for detection. */
    while (!memchr(in->buf + in->pos, '\n', in->len - in->pos) && in->len - in->pos < IN_BUFSIZE &&
           input_fill(in))
        ;
    if (input_read_status(in) != CS_OK)
        goto fail;
    in->fmt = in->opt.format != CS_INPUT_AUTO ? in->opt.format : detect(in);
    in->ops = ops_for(in->fmt);
    if (in->ops->start(in) != CS_OK)
        goto fail;
    *out = in;
    return CS_OK;

fail:;
    cs_err e = in->err;
    copy_error(in, err, errsize);
    cs_input_close(in);
    return e;
}

cs_err cs_input_open(struct cs_input **out, const char *path, const struct cs_input_options *opt,
                     char *err, size_t errsize)
{
    if (!out || !path)
        return CS_EINVAL;
    *out = NULL;
    if (strcmp(path, "-") == 0)
        return open_common(out, stdin, false, "-", opt, err, errsize);
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (err && errsize > 0)
            snprintf(err, errsize, "%s: %s", path, strerror(errno));
        return CS_EIO;
    }
    return open_common(out, f, true, path, opt, err, errsize);
}

cs_err cs_input_open_stream(struct cs_input **out, FILE *f, const char *label,
                            const struct cs_input_options *opt, char *err, size_t errsize)
{
    if (!out || !f || !label)
        return CS_EINVAL;
    *out = NULL;
    return open_common(out, f, false, label, opt, err, errsize);
}

cs_err cs_input_next(struct cs_input *in, const struct cs_input_record **rec)
{
    *rec = NULL;
    if (in->err != CS_OK)
        return in->err;
    bool done = false;
    memset(&in->rec, 0, sizeof(in->rec));
    cs_err err = in->ops->next(in, &done);
    if (err != CS_OK) {
        if (in->err == CS_OK)
            input_fail(in, err, in->line, "%s", cs_strerror(err));
        return in->err;
    }
    if (!done)
        *rec = &in->rec;
    return CS_OK;
}

const char *cs_input_error(const struct cs_input *in)
{
    return in->errmsg;
}

cs_input_format cs_input_format_of(const struct cs_input *in)
{
    return in->fmt;
}

unsigned long cs_input_lines(const struct cs_input *in)
{
    return in->line - 1 + (in->partial_line ? 1 : 0);
}

const char *cs_input_label(const struct cs_input *in)
{
    return in->label;
}

void cs_input_close(struct cs_input *in)
{
    if (!in)
        return;
    if (in->ops && in->ops->free)
        in->ops->free(in);
    if (in->own_file && in->f)
        fclose(in->f);
    free(in->buf);
    free(in->label);
    free(in);
}
