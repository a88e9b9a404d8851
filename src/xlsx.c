/*
 * xlsx.c -- workbooks for people with libxlsxwriter (xlsx.h).
 *
 * Only worksheet_write_string(), worksheet_write_number() and worksheet_write_datetime() write
 * cells: never worksheet_write_formula(), and never worksheet_write(), which would guess that a
 * string starting with '=' is a formula. Constant-memory mode keeps one row per sheet in memory;
 * column widths and the autofilter are set when a sheet is finished, which libxlsxwriter allows
 * because it assembles each sheet's XML at workbook_close().
 */
#include "caascan/xlsx.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "caascan/csvout.h"
#include "caascan/fileio.h"
#include "caascan/problem.h"

#define MIN_WIDTH 6.0
#define MAX_WIDTH 60.0
#define CELL_MAX  32767 /* characters a cell holds (Excel) */

static unsigned test_rows_per_sheet; /* cs_xlsx_test_rows_per_sheet() */

void cs_xlsx_test_rows_per_sheet(unsigned rows)
{
    test_rows_per_sheet = rows;
}

/* Severity fills: background and font colours of a status (or a diff change) cell. */
enum sev { SEV_NONE = 0, SEV_BAD, SEV_FLAKY, SEV_RISK, SEV_GOOD, SEV_GREY, SEV_COUNT };

struct cs_xlsx_sheet {
    cs_xlsx *x;
    char *name;
    char **header;
    cs_xlsx_kind *kinds;
    size_t n;
    lxw_worksheet *ws; /* the current part */
    unsigned part;     /* 1, 2, ...: sheets of this table */
    lxw_row_t row;     /* next row of the current part (0 is the header) */
    size_t rows;       /* data rows in all parts */
    double *width;     /* widest cell of each column in the current part */
};

struct cs_xlsx {
    lxw_workbook *wb;
    char *path, *tmp;
    lxw_format *head, *date, *sev[SEV_COUNT];
    cs_xlsx_sheet **sheets;
    size_t nsheets;
    bool device;    /* path is a device or FIFO: tmp is a private file copied into it */
    bool no_fsync;  /* cs_xlsx_defer_sync() */
    cs_strbuf text; /* scratch: a cell made valid for a sheet */
    lxw_error lerr; /* first libxlsxwriter error */
    bool nomem;
};

static enum sev severity_of(const char *s)
{
    cs_status st = cs_status_parse(s);
    if (st == CS_ST_COUNT) {
        if (strcmp(s, "FAILS") == 0 || strcmp(s, "NEW_FAILURE") == 0)
            return SEV_BAD;
        if (strcmp(s, "RECOVERED") == 0)
            return SEV_GOOD;
        return SEV_NONE;
    }
    switch (st) {
    case CS_ST_OK:
        return SEV_GOOD;
    case CS_ST_AT_RISK:
        return SEV_RISK;
    case CS_ST_FLAKY:
        return SEV_FLAKY;
    case CS_ST_INVALID:
        return SEV_GREY;
    default:
        return SEV_BAD;
    }
}

static lxw_format *fill(lxw_workbook *wb, lxw_color_t bg, lxw_color_t font)
{
    lxw_format *f = workbook_add_format(wb);
    if (f) {
        format_set_pattern(f, LXW_PATTERN_SOLID);
        format_set_bg_color(f, bg);
        format_set_font_color(f, font);
    }
    return f;
}

cs_err cs_xlsx_open(cs_xlsx **out, const char *path, char *err, size_t errlen)
{
    *out = NULL;
    if (!path || !*path || strcmp(path, "-") == 0) {
        snprintf(err, errlen,
                 "--format xlsx needs -o FILE: a workbook is binary and is not "
                 "written to standard output");
        return CS_EINVAL;
    }
    /* A path that exists and is not a regular file (/dev/null, a FIFO, /dev/stdout on a pipe) is
     * never replaced by a rename: the workbook is made in a private temporary file and copied
     * into it. A terminal gets no binary. */
    struct stat st;
    bool device = stat(path, &st) == 0 && !S_ISREG(st.st_mode);
    if (device && S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: is a directory; --format xlsx needs -o FILE", path);
        return CS_EINVAL;
    }
    if (device && S_ISCHR(st.st_mode)) {
        int tfd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
        bool tty = tfd >= 0 && isatty(tfd);
        if (tfd >= 0)
            close(tfd);
        if (tty) {
            snprintf(err, errlen,
                     "%s: is a terminal: a workbook is binary and is not written to a terminal",
                     path);
            return CS_EINVAL;
        }
    }
    const char *tmpdir = getenv("TMPDIR");
    cs_xlsx *x = calloc(1, sizeof(*x));
    if (!x || !(x->path = strdup(path)) ||
        (device ? asprintf(&x->tmp, "%s/caascan-xlsx-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp")
                : asprintf(&x->tmp, "%s.tmp", path)) < 0) {
        if (x)
            free(x->path);
        free(x);
        snprintf(err, errlen, "%s: out of memory", path);
        return CS_ENOMEM;
    }
    x->device = device;
    /* libxlsxwriter creates the file only at the end: find an unwritable place now. */
    int fd =
        device ? mkstemp(x->tmp) : open(x->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        cs_io_error(err, errlen, x->tmp, "cannot create", errno);
        free(x->path);
        free(x->tmp);
        free(x);
        return CS_EIO;
    }
    close(fd);
    lxw_workbook_options wo = {.constant_memory = LXW_TRUE, .tmpdir = NULL};
    x->wb = workbook_new_opt(x->tmp, &wo);
    if (!x->wb) {
        unlink(x->tmp);
        snprintf(err, errlen, "%s: cannot start a workbook", path);
        free(x->path);
        free(x->tmp);
        free(x);
        return CS_ENOMEM;
    }
    x->head = workbook_add_format(x->wb);
    if (x->head) {
        format_set_bold(x->head);
        format_set_bottom(x->head, LXW_BORDER_THIN);
    }
    x->date = workbook_add_format(x->wb);
    if (x->date)
        format_set_num_format(x->date, "yyyy-mm-dd hh:mm:ss");
    x->sev[SEV_BAD] = fill(x->wb, 0xFFC7CE, 0x9C0006);
    x->sev[SEV_FLAKY] = fill(x->wb, 0xF8CBAD, 0x833C0B);
    x->sev[SEV_RISK] = fill(x->wb, 0xFFEB9C, 0x9C5700);
    x->sev[SEV_GOOD] = fill(x->wb, 0xC6EFCE, 0x006100);
    x->sev[SEV_GREY] = fill(x->wb, 0xD9D9D9, 0x404040);
    *out = x;
    return CS_OK;
}

/* s made fit for a cell: invalid UTF-8 bytes and control characters other than TAB, LF and CR
 * become '?', and the text is cut to CELL_MAX bytes at a character boundary. *chars gets the
 * number of characters (for the column width). Returns the text (x->text) or NULL. */
static const char *cell_text(cs_xlsx *x, const char *s, size_t *chars)
{
    cs_strbuf *b = &x->text;
    cs_strbuf_clear(b);
    *chars = 0;
    if (cs_strbuf_reserve(b, strlen(s)) != CS_OK)
        return NULL;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t n = 1;
        unsigned char c = p[0];
        bool ok = true;
        if (c < 0x80) {
            ok = c >= 0x20 || c == '\t' || c == '\n' || c == '\r';
        } else {
            n = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 0;
            if (n == 0 || c > 0xF4) {
                ok = false;
                n = 1;
            } else {
                for (size_t i = 1; i < n; i++)
                    if ((p[i] & 0xC0) != 0x80) {
                        ok = false;
                        n = 1;
                        break;
                    }
                /* Overlong or surrogate forms */
                if (ok && n == 3 && ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] >= 0xA0)))
                    ok = false, n = 1;
                if (ok && n == 4 && ((c == 0xF0 && p[1] < 0x90) || (c == 0xF4 && p[1] >= 0x90)))
                    ok = false, n = 1;
            }
        }
        if (b->len + n > CELL_MAX)
            break;
        if (ok)
            cs_strbuf_append(b, (const char *)p, n);
        else
            cs_strbuf_append(b, "?", 1);
        (*chars)++;
        p += n;
    }
    return b->data ? b->data : "";
}

static void set_error(cs_xlsx *x, lxw_error e)
{
    if (e != LXW_NO_ERROR && x->lerr == LXW_NO_ERROR)
        x->lerr = e;
}

static void finish_part(cs_xlsx_sheet *s)
{
    if (!s->ws)
        return;
    for (size_t c = 0; c < s->n; c++) {
        double w = s->width[c] + 2;
        w = w < MIN_WIDTH ? MIN_WIDTH : w > MAX_WIDTH ? MAX_WIDTH : w;
        set_error(s->x, worksheet_set_column(s->ws, (lxw_col_t)c, (lxw_col_t)c, w, NULL));
    }
    set_error(s->x, worksheet_autofilter(s->ws, 0, 0, s->row > 1 ? s->row - 1 : 1,
                                         (lxw_col_t)(s->n - 1)));
}

/* A sheet name libxlsxwriter accepts: at most 31 characters, none of []:*?/\ . */
static void sheet_name(char *buf, size_t size, const char *name, unsigned part)
{
    char suffix[16] = "";
    if (part > 1)
        snprintf(suffix, sizeof(suffix), " (%u)", part);
    size_t room = 31 - strlen(suffix);
    size_t i = 0;
    for (const char *p = name; *p && i < room && i + 1 < size; p++)
        buf[i++] = strchr("[]:*?/\\", *p) ? '_' : *p;
    buf[i] = '\0';
    strncat(buf, suffix, size - strlen(buf) - 1);
}

static cs_err start_part(cs_xlsx_sheet *s)
{
    cs_xlsx *x = s->x;
    finish_part(s);
    s->part++;
    char name[64];
    sheet_name(name, sizeof(name), s->name, s->part);
    s->ws = workbook_add_worksheet(x->wb, name);
    if (!s->ws) {
        set_error(x, LXW_ERROR_SHEETNAME_ALREADY_USED);
        return CS_EIO;
    }
    for (size_t c = 0; c < s->n; c++) {
        size_t chars;
        const char *t = cell_text(x, s->header[c], &chars);
        if (!t)
            return CS_ENOMEM;
        s->width[c] = (double)chars + 2; /* room for the filter button */
        set_error(x, worksheet_write_string(s->ws, 0, (lxw_col_t)c, t, x->head));
    }
    worksheet_freeze_panes(s->ws, 1, 0);
    s->row = 1;
    return x->lerr == LXW_NO_ERROR ? CS_OK : CS_EIO;
}

cs_xlsx_sheet *cs_xlsx_add_table(cs_xlsx *x, const char *name, const char *const *header,
                                 const cs_xlsx_kind *kinds, size_t n)
{
    if (n == 0)
        return NULL;
    cs_xlsx_sheet **v = realloc(x->sheets, (x->nsheets + 1) * sizeof(*v));
    cs_xlsx_sheet *s = calloc(1, sizeof(*s));
    if (v)
        x->sheets = v;
    if (!v || !s) {
        free(s);
        x->nomem = true;
        return NULL;
    }
    x->sheets[x->nsheets++] = s;
    s->x = x;
    s->n = n;
    s->name = strdup(name);
    s->header = calloc(n, sizeof(char *));
    s->kinds = calloc(n, sizeof(cs_xlsx_kind));
    s->width = calloc(n, sizeof(double));
    if (!s->name || !s->header || !s->kinds || !s->width) {
        x->nomem = true;
        return NULL;
    }
    for (size_t c = 0; c < n; c++) {
        s->header[c] = strdup(header[c]);
        if (!s->header[c]) {
            x->nomem = true;
            return NULL;
        }
        s->kinds[c] = kinds ? kinds[c] : CS_XK_TEXT;
    }
    if (start_part(s) != CS_OK)
        return NULL;
    return s;
}

/* True when s is a plain decimal number (no "inf", "nan", hex or spaces). */
static bool plain_number(const char *s, double *v)
{
    if (!*s || strspn(s, "0123456789.-+eE") != strlen(s))
        return false;
    char *end;
    errno = 0;
    *v = strtod(s, &end);
    return *end == '\0' && errno == 0 && isfinite(*v);
}

bool cs_xlsx_parse_utc(const char *s, int *year, int *month, int *day, int *hour, int *min,
                       double *sec)
{
    /* YYYY-MM-DDTHH:MM:SS[.fff]Z, checked character by character. */
    static const char shape[] = "dddd-dd-ddTdd:dd:dd";
    for (size_t i = 0; shape[i]; i++) {
        char c = s[i];
        if (shape[i] == 'd' ? c < '0' || c > '9' : c != shape[i])
            return false;
    }
    const char *p = s + 19;
    double frac = 0, scale = 0.1;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return false;
        while (*p >= '0' && *p <= '9') {
            frac += (*p - '0') * scale;
            scale /= 10;
            p++;
        }
    }
    if (p[0] != 'Z' || p[1] != '\0')
        return false;
#define D2(i) ((s[i] - '0') * 10 + (s[(i) + 1] - '0'))
    *year = D2(0) * 100 + D2(2);
    *month = D2(5);
    *day = D2(8);
    *hour = D2(11);
    *min = D2(14);
    *sec = D2(17) + frac;
#undef D2
    return *month >= 1 && *month <= 12 && *day >= 1 && *day <= 31 && *hour <= 23 && *min <= 59 &&
           *sec < 61;
}

cs_err cs_xlsx_add_row(cs_xlsx_sheet *s, const char *const *cells)
{
    if (!s)
        return CS_EIO;
    cs_xlsx *x = s->x;
    if (s->row >= (test_rows_per_sheet ? test_rows_per_sheet + 1 : LXW_ROW_MAX)) {
        cs_err rc = start_part(s);
        if (rc != CS_OK)
            return rc;
    }
    for (size_t c = 0; c < s->n; c++) {
        const char *v = cells[c] ? cells[c] : "";
        lxw_col_t col = (lxw_col_t)c;
        if (!*v)
            continue; /* an empty cell stays blank */
        double num;
        int y, mo, d, h, mi;
        double sec;
        bool auto_kind = s->kinds[c] == CS_XK_AUTO;
        if ((s->kinds[c] == CS_XK_NUMBER || auto_kind) && plain_number(v, &num)) {
            set_error(x, worksheet_write_number(s->ws, s->row, col, num, NULL));
            size_t w = strlen(v);
            if ((double)w > s->width[c])
                s->width[c] = (double)w;
            continue;
        }
        if ((s->kinds[c] == CS_XK_DATETIME || auto_kind) &&
            cs_xlsx_parse_utc(v, &y, &mo, &d, &h, &mi, &sec)) {
            lxw_datetime dt = {.year = y, .month = mo, .day = d, .hour = h, .min = mi, .sec = sec};
            set_error(x, worksheet_write_datetime(s->ws, s->row, col, &dt, x->date));
            if (s->width[c] < 19)
                s->width[c] = 19;
            continue;
        }
        size_t chars;
        const char *t = cell_text(x, v, &chars);
        if (!t)
            return CS_ENOMEM;
        lxw_format *f = s->kinds[c] == CS_XK_STATUS ? x->sev[severity_of(v)] : NULL;
        set_error(x, worksheet_write_string(s->ws, s->row, col, t, f));
        if ((double)chars > s->width[c])
            s->width[c] = (double)chars;
    }
    s->row++;
    s->rows++;
    return x->lerr == LXW_NO_ERROR ? CS_OK : CS_EIO;
}

void cs_xlsx_defer_sync(cs_xlsx *x)
{
    x->no_fsync = true;
}

size_t cs_xlsx_rows(const cs_xlsx_sheet *s)
{
    return s ? s->rows : 0;
}

static void sheet_free(cs_xlsx_sheet *s)
{
    if (!s)
        return;
    for (size_t c = 0; s->header && c < s->n; c++)
        free(s->header[c]);
    free(s->header);
    free(s->kinds);
    free(s->width);
    free(s->name);
    free(s);
}

/* Copies file from into the device or FIFO to. CS_OK or CS_EIO with err saying why. */
static cs_err copy_into(const char *from, const char *to, char *err, size_t errlen)
{
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        cs_io_error(err, errlen, from, "cannot open", errno);
        return CS_EIO;
    }
    int out = open(to, O_WRONLY | O_CLOEXEC | O_NOCTTY);
    if (out < 0) {
        cs_io_error(err, errlen, to, "cannot open", errno);
        close(in);
        return CS_EIO;
    }
    cs_err rc = CS_OK;
    char buf[65536];
    for (;;) {
        ssize_t n = read(in, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            cs_io_error(err, errlen, from, "read failed", errno);
            rc = CS_EIO;
            break;
        }
        if (n == 0)
            break;
        if (cs_write_all(out, buf, (size_t)n) != CS_OK) {
            cs_io_error(err, errlen, to, "write failed", errno);
            rc = CS_EIO;
            break;
        }
    }
    close(in);
    if (close(out) != 0 && rc == CS_OK) {
        cs_io_error(err, errlen, to, "write failed", errno);
        rc = CS_EIO;
    }
    return rc;
}

cs_err cs_xlsx_close(cs_xlsx *x, bool commit, char *err, size_t errlen)
{
    if (!x)
        return CS_OK;
    for (size_t i = 0; i < x->nsheets; i++)
        finish_part(x->sheets[i]);
    lxw_error e = workbook_close(x->wb);
    cs_err rc = CS_OK;
    if (commit) {
        if (x->nomem) {
            snprintf(err, errlen, "%s: out of memory", x->path);
            rc = CS_ENOMEM;
        } else if (x->lerr != LXW_NO_ERROR || e != LXW_NO_ERROR) {
            snprintf(err, errlen, "%s: writing the workbook failed: %s", x->tmp,
                     lxw_strerror(x->lerr != LXW_NO_ERROR ? x->lerr : e));
            rc = CS_EIO;
        } else if (x->device) {
            rc = copy_into(x->tmp, x->path, err, errlen);
        } else {
            int fd = x->no_fsync ? -2 : open(x->tmp, O_RDONLY | O_CLOEXEC);
            if (fd == -1 || (fd >= 0 && cs_fsync_close(fd) != CS_OK)) {
                cs_io_error(err, errlen, x->tmp, "write failed", errno);
                rc = CS_EIO;
            } else if (rename(x->tmp, x->path) != 0) {
                cs_io_error(err, errlen, x->path, "rename failed", errno);
                rc = CS_EIO;
            }
        }
    }
    if (x->device || !commit || rc != CS_OK)
        unlink(x->tmp);
    for (size_t i = 0; i < x->nsheets; i++)
        sheet_free(x->sheets[i]);
    free(x->sheets);
    cs_strbuf_free(&x->text);
    free(x->path);
    free(x->tmp);
    free(x);
    return rc;
}
