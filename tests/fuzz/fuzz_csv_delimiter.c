/* fuzz_csv_delimiter.c -- libFuzzer harness for the customer CSV delimiter: its detection from
 * the first line and the lines after it (cs_csv_detect_delimiter), and the whole reader with the
 * delimiter detected or forced. The first input byte picks the delimiter (0: detect), the rest
 * is the file. */
#include "fuzz_input_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char delims[] = {0, ',', ';', '\t'};
    if (size == 0)
        return 0;
    char forced = delims[data[0] & 3];
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    const char *nl = memchr(text, '\n', len);
    size_t first = nl ? (size_t)(nl - text) : len;
    char d =
        cs_csv_detect_delimiter(text, first, nl ? nl + 1 : text + len, nl ? len - first - 1 : 0);
    if (d != 0 && d != ',' && d != ';' && d != '\t')
        abort();
    FILE *f = len ? fmemopen((void *)text, len, "rb") : fopen("/dev/null", "rb");
    if (!f)
        return 0;
    struct cs_input_options opt = {.format = (data[0] & 4) ? CS_INPUT_CSV : CS_INPUT_AUTO,
                                   .delimiter = forced};
    struct cs_input *in = NULL;
    char err[512];
    if (cs_input_open_stream(&in, f, "fuzz", &opt, err, sizeof(err)) == CS_OK) {
        const struct cs_input_record *rec;
        while (cs_input_next(in, &rec) == CS_OK && rec)
            if (rec->name.reason == CS_NAME_OK && strlen(rec->name.text) != rec->name.len)
                abort();
    }
    cs_input_close(in);
    fclose(f);
    return 0;
}
