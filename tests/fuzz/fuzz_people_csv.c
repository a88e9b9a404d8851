/* fuzz_people_csv.c -- libFuzzer harness for output for people: cells (the input split at 0x1F)
 * written by the neutralising CSV writer parse back with libcsv to the same cells, each with a
 * leading ' exactly when it starts with = + - @ TAB or CR, and to the exact cells with raw;
 * a file name made from the input is safe; the RFC 3339 parser of the xlsx writer never accepts
 * an out-of-range date. */
#include <csv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "caascan/csvout.h"
#include "caascan/export.h"
#include "caascan/xlsx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXCELLS 16

struct back {
    char *cell[MAXCELLS + 1];
    size_t len[MAXCELLS + 1];
    size_t n, rows;
};

static void on_field(void *s, size_t len, void *arg)
{
    struct back *b = arg;
    if (b->n <= MAXCELLS) {
        b->cell[b->n] = malloc(len + 1);
        if (!b->cell[b->n])
            abort();
        memcpy(b->cell[b->n], s, len);
        b->cell[b->n][len] = '\0';
        b->len[b->n] = len;
    }
    b->n++;
}

static void on_row(int c, void *arg)
{
    (void)c;
    ((struct back *)arg)->rows++;
}

static int no_space(unsigned char c)
{
    (void)c;
    return 0; /* spaces are data, as in caascan's own reader */
}

static void round_trip(char **cells, size_t n, bool raw)
{
    cs_strbuf out = {0};
    if (cs_csv_append_cells(&out, (const char *const *)cells, n, raw) != CS_OK)
        abort();
    struct csv_parser p;
    struct back b = {.n = 0};
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0)
        abort();
    csv_set_space_func(&p, no_space);
    if (csv_parse(&p, out.data, out.len, on_field, on_row, &b) != out.len ||
        csv_fini(&p, on_field, on_row, &b) != 0)
        abort(); /* the writer wrote CSV that does not parse */
    if (b.rows != 1 || b.n != n)
        abort();
    for (size_t i = 0; i < n; i++) {
        const char *want = cells[i];
        const char *got = b.cell[i];
        if (!raw && cs_csv_formula_risk(want)) {
            if (got[0] != '\'')
                abort();
            got++;
        }
        if (strcmp(got, want) != 0)
            abort();
        if (!raw && cs_csv_formula_risk(b.cell[i]))
            abort(); /* a spreadsheet would still run it */
    }
    for (size_t i = 0; i < b.n && i <= MAXCELLS; i++)
        free(b.cell[i]);
    csv_free(&p);
    cs_strbuf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (memchr(data, '\0', size))
        return 0; /* cells are C strings */
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char *cells[MAXCELLS];
    size_t n = 0;
    for (char *p = text; n < MAXCELLS;) {
        cells[n++] = p;
        char *sep = strchr(p, 0x1F);
        if (!sep)
            break;
        *sep = '\0';
        p = sep + 1;
    }
    /* One empty cell alone is an empty line, which CSV readers skip: not a row. */
    if (!(n == 1 && cells[0][0] == '\0')) {
        round_trip(cells, n, false);
        round_trip(cells, n, true);
    }

    char name[128];
    cs_export_safe_name((const char *)data, size, name, sizeof(name));
    size_t len = strlen(name);
    if (len == 0 || len > 100 || name[0] == '.' || name[0] == '-' || strpbrk(name, "/\\:*?\"<>|"))
        abort();
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7F)
            abort();

    int y, mo, d, h, mi;
    double sec;
    if (cs_xlsx_parse_utc(text, &y, &mo, &d, &h, &mi, &sec) &&
        (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec < 0 || sec >= 61))
        abort();
    free(text);
    return 0;
}
