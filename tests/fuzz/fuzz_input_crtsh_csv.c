/* fuzz_input_crtsh_csv.c -- libFuzzer harness for the crtsh csv reader, with the format forced and
 * with detection. */
#include "fuzz_input_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_reader(data, size, CS_INPUT_CRTSH_CSV, NULL, NULL, 0);
    if (size > 0 && data[0] == '#')
        fuzz_reader(data, size, CS_INPUT_AUTO, NULL, NULL, 0);
    return 0;
}
