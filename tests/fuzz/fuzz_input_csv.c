/* fuzz_input_csv.c -- libFuzzer harness for the customer CSV reader (header detection, kept
 * columns): the first input byte picks the options, the rest is the file. */
#include "fuzz_input_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const keep[] = {"customer_id", "plan"};
    static const char *const columns[] = {NULL, "domain", "2", "fqdn"};
    if (size == 0) {
        fuzz_reader(data, size, CS_INPUT_CSV, NULL, NULL, 0);
        return 0;
    }
    uint8_t sel = data[0];
    fuzz_reader(data + 1, size - 1, CS_INPUT_CSV, columns[sel & 3], (sel & 4) ? keep : NULL,
                (sel & 4) ? 2 : 0);
    return 0;
}
