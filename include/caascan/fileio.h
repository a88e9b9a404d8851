/*
 * fileio.h -- careful file output for run directories: complete writes, fsync, atomic
 * replacement, and error messages that say when the disk is full.
 *
 * Every write of the store goes through cs_write_all(), so a test can make writes fail (as a full
 * disk would) with cs_fileio_inject_failure().
 */
#ifndef CAASCAN_FILEIO_H
#define CAASCAN_FILEIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "caascan/error.h"

/*
 * Writes all len bytes of buf to fd, retrying short writes and EINTR.
 * Returns CS_OK, or CS_EIO with errno set (ENOSPC when the disk is full).
 */
cs_err cs_write_all(int fd, const void *buf, size_t len);

/* fsync()s and close()s fd (it is closed in every case). Returns CS_OK or CS_EIO with errno. */
cs_err cs_fsync_close(int fd);

/* fsync()s the directory dir so that renames inside it are durable. CS_OK or CS_EIO. */
cs_err cs_fsync_dir(const char *dir);

/*
 * Creates every missing directory above path (as `mkdir -p "$(dirname path)"` does), mode 0755,
 * so that partitions started at once can each write RUNS/NIGHT/part-K. A directory another
 * process creates meanwhile is fine. CS_OK, or CS_EIO with errno (CS_EINVAL for a path longer
 * than PATH_MAX).
 */
cs_err cs_mkdir_parents(const char *path);

/*
 * Formats "PATH: WHAT: strerror(errnum)" into err (errlen bytes); for ENOSPC, EDQUOT and EFBIG it
 * adds "(disk full)".
 */
void cs_io_error(char *err, size_t errlen, const char *path, const char *what, int errnum);
/* As cs_io_error(), for files of a run being written: a full disk also says that the run is left
 * incomplete, without manifest.json. */
void cs_run_io_error(char *err, size_t errlen, const char *path, const char *what, int errnum);

/*
 * Writes len bytes to path (a file of a run directory) atomically: PATH.tmp is written, fsync()ed,
 * renamed over path, and the directory fsync()ed. On failure the temporary file is removed, path is
 * untouched, and err says why. Returns CS_OK or CS_EIO.
 */
cs_err cs_write_file_atomic(const char *path, const void *buf, size_t len, char *err,
                            size_t errlen);

/*
 * An output file written under PATH.tmp and renamed over PATH when complete; or written directly
 * when PATH exists and is not a regular file (a device such as /dev/null, a FIFO); or stdout.
 */
typedef struct cs_outfile {
    FILE *fp;
    char *path; /* NULL for stdout */
    char *tmp;  /* NULL when written directly */
} cs_outfile;

/*
 * Opens path for writing (as path.tmp when it is or will be a regular file), or stdout when path
 * is NULL or "-". Returns CS_OK, CS_EIO or CS_ENOMEM with err saying why.
 */
cs_err cs_outfile_open(cs_outfile *of, const char *path, char *err, size_t errlen);

/*
 * Closes of. With commit, flushes, fsync()s and renames the file into place (stdout is flushed);
 * without, removes the temporary file. Returns CS_OK or CS_EIO with err saying why (the
 * temporary file is then removed).
 */
cs_err cs_outfile_close(cs_outfile *of, bool commit, char *err, size_t errlen);

/*
 * Test hook: after after_bytes more bytes have been written through cs_write_all(), every write
 * fails with errnum (e.g. ENOSPC), and so does cs_fsync_close(). A negative after_bytes turns the
 * injection off. Not thread-safe; for tests only.
 */
void cs_fileio_inject_failure(long long after_bytes, int errnum);

#endif
