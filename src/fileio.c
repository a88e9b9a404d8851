/* fileio.c -- complete writes, fsync, atomic file replacement and full-disk messages (fileio.h). */
#include "caascan/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static long long inject_after = -1;
static int inject_errno;

void cs_fileio_inject_failure(long long after_bytes, int errnum)
{
    inject_after = after_bytes;
    inject_errno = errnum;
}

cs_err cs_write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        size_t chunk = len;
        if (inject_after >= 0) {
            if (inject_after == 0) {
                errno = inject_errno;
                return CS_EIO;
            }
            if ((long long)chunk > inject_after)
                chunk = (size_t)inject_after;
        }
        ssize_t n = write(fd, p, chunk);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return CS_EIO;
        }
        if (n == 0) {
            errno = EIO;
            return CS_EIO;
        }
        if (inject_after >= 0)
            inject_after -= n;
        p += n;
        len -= (size_t)n;
    }
    return CS_OK;
}

cs_err cs_fsync_close(int fd)
{
    int failed = 0, saved = 0;
    if (inject_after == 0) {
        failed = 1;
        saved = inject_errno;
    } else if (fsync(fd) != 0) {
        failed = 1;
        saved = errno;
    }
    if (close(fd) != 0 && !failed) {
        failed = 1;
        saved = errno;
    }
    if (failed) {
        errno = saved;
        return CS_EIO;
    }
    return CS_OK;
}

cs_err cs_fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return CS_EIO;
    int rc = fsync(fd);
    int saved = errno;
    close(fd);
    if (rc != 0) {
        errno = saved;
        return CS_EIO;
    }
    return CS_OK;
}

cs_err cs_mkdir_parents(const char *path)
{
    char buf[PATH_MAX];
    size_t n = strlen(path);
    if (n >= sizeof(buf)) {
        errno = ENAMETOOLONG;
        return CS_EINVAL;
    }
    memcpy(buf, path, n + 1);
    while (n > 0 && buf[n - 1] == '/') /* "runs/x/" names runs/x */
        buf[--n] = '\0';
    char *last = strrchr(buf, '/');
    if (!last || last == buf)
        return CS_OK;
    *last = '\0';
    for (char *p = buf + 1; p <= last; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST)
            return CS_EIO;
        *p = saved;
    }
    return CS_OK;
}

static void io_error(char *err, size_t errlen, const char *path, const char *what, int errnum,
                     const char *full_note)
{
    if (!err || errlen == 0)
        return;
    int full = errnum == ENOSPC || errnum == EDQUOT || errnum == EFBIG;
    snprintf(err, errlen, "%s: %s: %s%s", path, what, strerror(errnum), full ? full_note : "");
}

void cs_io_error(char *err, size_t errlen, const char *path, const char *what, int errnum)
{
    io_error(err, errlen, path, what, errnum, " (disk full)");
}

void cs_run_io_error(char *err, size_t errlen, const char *path, const char *what, int errnum)
{
    io_error(err, errlen, path, what, errnum,
             " (disk full: the run is left incomplete, without manifest.json)");
}

cs_err cs_write_file_atomic(const char *path, const void *buf, size_t len, char *err, size_t errlen)
{
    char tmp[4096];
    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
        cs_run_io_error(err, errlen, path, "path too long", ENAMETOOLONG);
        return CS_EIO;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        cs_run_io_error(err, errlen, tmp, "cannot create", errno);
        return CS_EIO;
    }
    if (cs_write_all(fd, buf, len) != CS_OK) {
        int e = errno;
        close(fd);
        unlink(tmp);
        cs_run_io_error(err, errlen, tmp, "write failed", e);
        return CS_EIO;
    }
    if (cs_fsync_close(fd) != CS_OK) {
        int e = errno;
        unlink(tmp);
        cs_run_io_error(err, errlen, tmp, "fsync/close failed", e);
        return CS_EIO;
    }
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        cs_run_io_error(err, errlen, path, "rename failed", e);
        return CS_EIO;
    }
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (slash) {
        size_t n = (size_t)(slash - path);
        if (n == 0)
            n = 1;
        if (n >= sizeof(dir))
            n = sizeof(dir) - 1;
        memcpy(dir, path, n);
        dir[n] = '\0';
    } else {
        dir[0] = '.';
        dir[1] = '\0';
    }
    if (cs_fsync_dir(dir) != CS_OK) {
        cs_run_io_error(err, errlen, dir, "fsync failed", errno);
        return CS_EIO;
    }
    return CS_OK;
}

cs_err cs_outfile_open(cs_outfile *of, const char *path, char *err, size_t errlen)
{
    memset(of, 0, sizeof(*of));
    if (!path || strcmp(path, "-") == 0) {
        of->fp = stdout;
        return CS_OK;
    }
    of->path = strdup(path);
    if (!of->path) {
        snprintf(err, errlen, "%s: out of memory", path);
        return CS_ENOMEM;
    }
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        /* A device or FIFO: never replace it by a rename. */
        of->fp = fopen(path, "we");
        if (!of->fp) {
            cs_io_error(err, errlen, path, "cannot open", errno);
            free(of->path);
            of->path = NULL;
            return CS_EIO;
        }
        return CS_OK;
    }
    if (asprintf(&of->tmp, "%s.tmp", path) < 0) {
        free(of->path);
        of->path = NULL;
        of->tmp = NULL;
        snprintf(err, errlen, "%s: out of memory", path);
        return CS_ENOMEM;
    }
    of->fp = fopen(of->tmp, "we");
    if (!of->fp) {
        cs_io_error(err, errlen, of->tmp, "cannot create", errno);
        free(of->path);
        free(of->tmp);
        of->path = of->tmp = NULL;
        return CS_EIO;
    }
    return CS_OK;
}

cs_err cs_outfile_close(cs_outfile *of, bool commit, char *err, size_t errlen)
{
    cs_err rc = CS_OK;
    if (!of->fp)
        return CS_OK;
    if (!of->tmp) {
        if (commit && (fflush(of->fp) != 0 || ferror(of->fp))) {
            cs_io_error(err, errlen, of->path ? of->path : "standard output", "write failed",
                        errno);
            rc = CS_EIO;
        }
        if (of->path && fclose(of->fp) != 0 && commit && rc == CS_OK) {
            cs_io_error(err, errlen, of->path, "close failed", errno);
            rc = CS_EIO;
        }
        free(of->path);
        memset(of, 0, sizeof(*of));
        return rc;
    }
    if (commit) {
        if (fflush(of->fp) != 0 || ferror(of->fp) || fsync(fileno(of->fp)) != 0) {
            cs_io_error(err, errlen, of->tmp, "write failed", errno);
            rc = CS_EIO;
        }
        if (fclose(of->fp) != 0 && rc == CS_OK) {
            cs_io_error(err, errlen, of->tmp, "close failed", errno);
            rc = CS_EIO;
        }
        if (rc == CS_OK && rename(of->tmp, of->path) != 0) {
            cs_io_error(err, errlen, of->path, "rename failed", errno);
            rc = CS_EIO;
        }
    } else {
        fclose(of->fp);
    }
    if (!commit || rc != CS_OK)
        unlink(of->tmp);
    free(of->path);
    free(of->tmp);
    memset(of, 0, sizeof(*of));
    return rc;
}
