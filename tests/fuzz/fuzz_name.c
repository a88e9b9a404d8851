/* fuzz_name.c -- libFuzzer harness for the name normalizer: never crashes, and a valid result
 * is a fixed point (normalizing it again gives the same name). */
#include "caascan/name.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cs_name n, again;
    char shown[CS_NAME_DISPLAY_MAX + 4];
    cs_name_display((const char *)data, size, shown, sizeof(shown));
    cs_err err = cs_name_normalize((const char *)data, size, &n);
    if (err == CS_OK) {
        if (n.reason != CS_NAME_OK || n.len == 0 || n.len > CS_NAME_MAX || strlen(n.text) != n.len)
            abort();
        if (cs_name_normalize(n.text, n.len, &again) != CS_OK || again.len != n.len ||
            memcmp(again.text, n.text, n.len) != 0 || again.wildcard != n.wildcard)
            abort();
    } else if (err == CS_EPARSE) {
        if (n.reason == CS_NAME_OK || cs_name_reason_text(n.reason) == NULL)
            abort();
    }
    return 0;
}
