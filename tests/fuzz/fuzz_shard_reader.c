/*
 * fuzz_shard_reader.c -- arbitrary bytes as a shard file: zstd decompression, CSV parsing and the
 * row checks of the shard reader must end in a row stream or a clear error, never a crash.
 * The input is written to one memfd per process and read back through /proc/self/fd.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "caascan/shard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        fd = memfd_create("shard", 0);
        if (fd < 0)
            return 0;
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
        return 0;
    char err[8192];
    cs_shard_reader *r;
    if (cs_shard_reader_open(&r, path, err, sizeof(err)) != CS_OK)
        return 0;
    bool have;
    const char *const *f;
    size_t n;
    cs_shard_reader_header(r, &n);
    while (cs_shard_reader_next(r, &have, &f) == CS_OK && have)
        for (size_t i = 0; i < n; i++)
            (void)f[i][0];
    cs_shard_reader_free(r);
    return 0;
}
