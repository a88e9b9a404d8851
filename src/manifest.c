/*
 * manifest.c -- building, writing, loading and validating manifest.json, and the life of a run
 * directory: create (with the RUNNING lock), finish, abort (manifest.h).
 */
#include "caascan/manifest.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "caascan/fileio.h"
#include "caascan/journal.h"
#include "caascan/run_state.h"

struct cs_manifest {
    json_t *root;
};

static const char *const table_keys[CS_TABLE_COUNT] = {"results", "servers"};

void cs_format_utc(time_t t, char *buf, size_t size)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

cs_manifest *cs_manifest_new(void)
{
    cs_manifest *m = calloc(1, sizeof(*m));
    if (!m)
        return NULL;
    m->root = json_object();
    json_t *counts = json_object();
    if (!m->root || !counts) {
        json_decref(counts);
        cs_manifest_free(m);
        return NULL;
    }
    for (int s = 0; s < CS_ST_COUNT; s++)
        json_object_set_new(counts, cs_status_name((cs_status)s), json_integer(0));
    int bad = 0;
    bad |= json_object_set_new(m->root, "schema_version", json_integer(CS_MANIFEST_SCHEMA));
    bad |= json_object_set_new(m->root, "tool", json_string("caascan"));
    bad |= json_object_set_new(m->root, "tool_version", json_string(CAASCAN_VERSION));
    bad |= json_object_set_new(m->root, "started_at", json_null());
    bad |= json_object_set_new(m->root, "finished_at", json_null());
    bad |= json_object_set_new(m->root, "ca", json_null());
    bad |= json_object_set_new(m->root, "resolvers", json_array());
    bad |= json_object_set_new(m->root, "options", json_object());
    bad |= json_object_set_new(m->root, "inputs", json_array());
    bad |= json_object_set_new(m->root, "status_counts", counts);
    bad |= json_object_set_new(m->root, "queries_sent", json_integer(0));
    bad |= json_object_set_new(m->root, "tables", json_object());
    if (bad || json_object_size(counts) != CS_ST_COUNT) {
        cs_manifest_free(m);
        return NULL;
    }
    return m;
}

void cs_manifest_free(cs_manifest *m)
{
    if (!m)
        return;
    json_decref(m->root);
    free(m);
}

static cs_err set_new(json_t *obj, const char *key, json_t *value)
{
    if (!value)
        return CS_ENOMEM;
    return json_object_set_new(obj, key, value) == 0 ? CS_OK : CS_ENOMEM;
}

static cs_err set_time(cs_manifest *m, const char *key, time_t t)
{
    char buf[32];
    cs_format_utc(t, buf, sizeof(buf));
    return set_new(m->root, key, json_string(buf));
}

cs_err cs_manifest_set_started(cs_manifest *m, time_t t)
{
    return set_time(m, "started_at", t);
}

cs_err cs_manifest_set_finished(cs_manifest *m, time_t t)
{
    return set_time(m, "finished_at", t);
}

cs_err cs_manifest_set_ca(cs_manifest *m, const char *ca)
{
    return set_new(m->root, "ca", json_string(ca));
}

cs_err cs_manifest_add_resolver(cs_manifest *m, const char *resolver)
{
    json_t *v = json_string(resolver);
    if (!v)
        return CS_ENOMEM;
    return json_array_append_new(json_object_get(m->root, "resolvers"), v) == 0 ? CS_OK : CS_ENOMEM;
}

json_t *cs_manifest_options(cs_manifest *m)
{
    return json_object_get(m->root, "options");
}

cs_err cs_manifest_add_input(cs_manifest *m, const cs_input_counts *in, size_t *index)
{
    json_t *o = json_pack("{s:s, s:s?, s:I, s:I, s:I, s:I, s:{}}", "path", in->path, "format",
                          in->format, "lines", (json_int_t)in->lines, "names",
                          (json_int_t)in->names, "invalid", (json_int_t)in->invalid, "duplicates",
                          (json_int_t)in->duplicates, "invalid_reasons");
    if (!o)
        return CS_ENOMEM;
    json_t *inputs = json_object_get(m->root, "inputs");
    if (index)
        *index = json_array_size(inputs);
    return json_array_append_new(inputs, o) == 0 ? CS_OK : CS_ENOMEM;
}

cs_err cs_manifest_add_invalid_reason(cs_manifest *m, size_t index, const char *reason,
                                      uint64_t count)
{
    json_t *in = json_array_get(json_object_get(m->root, "inputs"), index);
    if (!in)
        return CS_EINVAL;
    json_t *reasons = json_object_get(in, "invalid_reasons");
    json_int_t old = json_integer_value(json_object_get(reasons, reason));
    return set_new(reasons, reason, json_integer(old + (json_int_t)count));
}

cs_err cs_manifest_set_status_count(cs_manifest *m, cs_status st, uint64_t n)
{
    const char *name = cs_status_name(st);
    if (!name)
        return CS_EINVAL;
    return set_new(json_object_get(m->root, "status_counts"), name, json_integer((json_int_t)n));
}

cs_err cs_manifest_set_member(cs_manifest *m, const char *key, json_t *value)
{
    return set_new(m->root, key, value);
}

cs_err cs_manifest_set_queries_sent(cs_manifest *m, uint64_t n)
{
    return set_new(m->root, "queries_sent", json_integer((json_int_t)n));
}

cs_err cs_manifest_set_table(cs_manifest *m, cs_table t, const char *const *header, size_t ncols,
                             const cs_shard_writer *w)
{
    if ((unsigned)t >= CS_TABLE_COUNT)
        return CS_EINVAL;
    json_t *tab = json_object(), *cols = json_array(), *shards = json_array();
    if (!tab || !cols || !shards)
        goto oom;
    for (size_t i = 0; i < ncols; i++)
        if (json_array_append_new(cols, json_string(header[i])) != 0)
            goto oom;
    unsigned n = cs_shard_writer_nshards(w);
    uint64_t total = 0;
    for (unsigned i = 0; i < n; i++) {
        char path[4096];
        cs_shard_path(path, sizeof(path), ".", cs_table_prefix(t), i);
        uint64_t rows = cs_shard_writer_rows(w, i);
        total += rows;
        if (json_array_append_new(
                shards, json_pack("{s:s, s:I}", "file", path + 2, "rows", (json_int_t)rows)) != 0)
            goto oom;
    }
    char part[128];
    snprintf(part, sizeof(part), "fnv1a64(%s) mod %u", header[0], n);
    json_object_set_new(tab, "columns", cols);
    cols = NULL;
    if (set_new(tab, "partition", json_string(part)) != CS_OK ||
        set_new(tab, "rows", json_integer((json_int_t)total)) != CS_OK)
        goto oom;
    json_object_set_new(tab, "shards", shards);
    shards = NULL;
    return set_new(json_object_get(m->root, "tables"), table_keys[t], tab);
oom:
    json_decref(tab);
    json_decref(cols);
    json_decref(shards);
    return CS_ENOMEM;
}

cs_err cs_manifest_write(const cs_manifest *m, const char *dir, char *err, size_t errlen)
{
    char *text = json_dumps(m->root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (!text) {
        snprintf(err, errlen, "%s/%s: out of memory", dir, CS_MANIFEST_FILE);
        return CS_ENOMEM;
    }
    size_t len = strlen(text);
    char *withnl = realloc(text, len + 2);
    if (!withnl) {
        free(text);
        return CS_ENOMEM;
    }
    withnl[len++] = '\n';
    withnl[len] = '\0';
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, CS_MANIFEST_FILE);
    cs_err rc = cs_write_file_atomic(path, withnl, len, err, errlen);
    free(withnl);
    return rc;
}

/* ---------------------------------------------------------------- loading */

/* True when name is PREFIX-NNNN.csv.zst with at least four digits and no directory part. */
static bool shard_name_ok(const char *name, const char *prefix)
{
    size_t pl = strlen(prefix);
    if (strncmp(name, prefix, pl) != 0 || name[pl] != '-')
        return false;
    const char *p = name + pl + 1;
    size_t digits = strspn(p, "0123456789");
    return digits >= 4 && strcmp(p + digits, ".csv.zst") == 0;
}

static cs_err load_fail(char *err, size_t errlen, const char *path, cs_err rc, const char *why)
{
    snprintf(err, errlen, "%s: %s", path, why);
    return rc;
}

static cs_err check_table(const cs_manifest *m, const char *dir, cs_table t, unsigned flags,
                          const char *mpath, char *err, size_t errlen)
{
    const json_t *tab = json_object_get(json_object_get(m->root, "tables"), table_keys[t]);
    char why[8192];
    if (!tab) {
        if (t == CS_TABLE_SERVERS)
            return CS_OK; /* optional */
        return load_fail(err, errlen, mpath, CS_ECORRUPT, "no tables.results member");
    }
    const json_t *cols = json_object_get(tab, "columns");
    const json_t *shards = json_object_get(tab, "shards");
    /* Columns the result table got later: fix (schema 2) and fail_pct (schema 3). Runs written
     * before lack them, and only them: readers find columns by name, so such runs still read (a
     * missing column reads as empty). */
    static const char *const late[] = {"fix", "fail_pct"};
    const char *const *fixed = cs_table_header(t);
    size_t nfixed = cs_table_ncols(t), nlate = 0;
    for (size_t f = 0; t == CS_TABLE_RESULTS && f < nfixed; f++)
        for (size_t k = 0; k < sizeof(late) / sizeof(late[0]); k++)
            nlate += strcmp(fixed[f], late[k]) == 0;
    if (!json_is_array(cols) || json_array_size(cols) < nfixed - nlate || !json_is_array(shards) ||
        json_array_size(shards) == 0 || !json_is_integer(json_object_get(tab, "rows"))) {
        snprintf(why, sizeof(why), "tables.%s needs columns, shards and rows", table_keys[t]);
        return load_fail(err, errlen, mpath, CS_ECORRUPT, why);
    }
    for (size_t i = 0, f = 0; i < json_array_size(cols); i++, f++) {
        const char *c = json_string_value(json_array_get(cols, i));
        /* A late column the run does not have: the next fixed one must come instead. */
        while (t == CS_TABLE_RESULTS && c && f < nfixed && strcmp(c, fixed[f]) != 0) {
            bool is_late = false;
            for (size_t k = 0; k < sizeof(late) / sizeof(late[0]); k++)
                is_late |= strcmp(fixed[f], late[k]) == 0;
            if (!is_late)
                break;
            f++;
        }
        if (!c || (f < nfixed && strcmp(c, fixed[f]) != 0)) {
            snprintf(why, sizeof(why), "tables.%s.columns[%zu] is not \"%s\"", table_keys[t], i,
                     f < nfixed ? fixed[f] : "a string");
            return load_fail(err, errlen, mpath, CS_ECORRUPT, why);
        }
    }
    json_int_t total = 0;
    for (size_t i = 0; i < json_array_size(shards); i++) {
        const json_t *s = json_array_get(shards, i);
        const char *file = json_string_value(json_object_get(s, "file"));
        const json_t *rows = json_object_get(s, "rows");
        if (!file || !shard_name_ok(file, cs_table_prefix(t)) || !json_is_integer(rows) ||
            json_integer_value(rows) < 0) {
            snprintf(why, sizeof(why),
                     "tables.%s.shards[%zu] needs a file %s-NNNN.csv.zst and rows", table_keys[t],
                     i, cs_table_prefix(t));
            return load_fail(err, errlen, mpath, CS_ECORRUPT, why);
        }
        total += json_integer_value(rows);
        if (!(flags & (CS_MANIFEST_CHECK_FILES | CS_MANIFEST_COUNT_ROWS)))
            continue;
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, file);
        struct stat st;
        if (stat(path, &st) != 0) {
            snprintf(why, sizeof(why), "listed shard %s is missing: %s", path, strerror(errno));
            return load_fail(err, errlen, mpath, CS_ECORRUPT, why);
        }
        if (!(flags & CS_MANIFEST_COUNT_ROWS))
            continue;
        cs_shard_reader *r;
        cs_err rc = cs_shard_reader_open(&r, path, err, errlen);
        if (rc != CS_OK)
            return rc == CS_ENOMEM ? rc : CS_ECORRUPT;
        size_t hn;
        const char *const *h = cs_shard_reader_header(r, &hn);
        bool same = hn == json_array_size(cols);
        for (size_t k = 0; same && k < hn; k++)
            same = strcmp(h[k], json_string_value(json_array_get(cols, k))) == 0;
        if (!same) {
            cs_shard_reader_free(r);
            return load_fail(err, errlen, path, CS_ECORRUPT,
                             "header differs from the manifest's columns");
        }
        bool have;
        const char *const *f;
        while ((rc = cs_shard_reader_next(r, &have, &f)) == CS_OK && have)
            ;
        if (rc != CS_OK) {
            snprintf(err, errlen, "%s", cs_shard_reader_error(r));
            cs_shard_reader_free(r);
            return rc == CS_ENOMEM ? rc : CS_ECORRUPT;
        }
        uint64_t got = cs_shard_reader_rowno(r);
        cs_shard_reader_free(r);
        if (got != (uint64_t)json_integer_value(rows)) {
            snprintf(why, sizeof(why), "%" PRIu64 " rows, the manifest says %" JSON_INTEGER_FORMAT,
                     got, json_integer_value(rows));
            return load_fail(err, errlen, path, CS_ECORRUPT, why);
        }
    }
    if (total != json_integer_value(json_object_get(tab, "rows"))) {
        snprintf(why, sizeof(why), "tables.%s.rows is not the sum of its shards' rows",
                 table_keys[t]);
        return load_fail(err, errlen, mpath, CS_ECORRUPT, why);
    }
    return CS_OK;
}

/* True when another process holds the RUNNING lock of dir. */
static bool run_locked(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, CS_RUN_LOCK_FILE);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    bool locked = flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    close(fd);
    return locked;
}

cs_err cs_manifest_load(cs_manifest **out, const char *dir, unsigned flags, char *err,
                        size_t errlen)
{
    *out = NULL;
    char mpath[4096];
    snprintf(mpath, sizeof(mpath), "%s/%s", dir, CS_MANIFEST_FILE);
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: not a run directory: %s", dir,
                 errno ? strerror(errno) : "not a directory");
        return CS_ENOTFOUND;
    }
    if (stat(mpath, &st) != 0 && errno == ENOENT) {
        if (run_locked(dir))
            return load_fail(err, errlen, dir, CS_EINCOMPLETE,
                             "incomplete run: a scan is still writing it");
        return load_fail(err, errlen, dir, CS_EINCOMPLETE,
                         "incomplete run: no manifest.json (the scan was stopped or failed)");
    }
    json_error_t je;
    json_t *root = json_load_file(mpath, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        char why[512];
        snprintf(why, sizeof(why), "line %d: %s", je.line, je.text);
        return load_fail(err, errlen, mpath, CS_ECORRUPT, why);
    }
    cs_manifest *m = calloc(1, sizeof(*m));
    if (!m) {
        json_decref(root);
        return CS_ENOMEM;
    }
    m->root = root;
    cs_err rc = CS_OK;
    const json_t *schema = json_object_get(root, "schema_version");
    if (!json_is_object(root) || !json_is_integer(schema)) {
        rc = load_fail(err, errlen, mpath, CS_ECORRUPT, "no integer schema_version");
        goto fail;
    }
    if (json_integer_value(schema) < 1 || json_integer_value(schema) > CS_MANIFEST_SCHEMA) {
        char why[256];
        snprintf(why, sizeof(why),
                 "schema version %" JSON_INTEGER_FORMAT " (this caascan reads 1 to %d)",
                 json_integer_value(schema), CS_MANIFEST_SCHEMA);
        rc = load_fail(err, errlen, mpath, CS_EMISMATCH, why);
        goto fail;
    }
    if (!json_is_object(json_object_get(root, "tables")) ||
        !json_is_object(json_object_get(root, "status_counts")) ||
        !json_is_array(json_object_get(root, "inputs"))) {
        rc = load_fail(err, errlen, mpath, CS_ECORRUPT,
                       "tables, status_counts and inputs members are required");
        goto fail;
    }
    for (int t = 0; t < CS_TABLE_COUNT; t++)
        if ((rc = check_table(m, dir, (cs_table)t, flags, mpath, err, errlen)) != CS_OK)
            goto fail;
    *out = m;
    return CS_OK;
fail:
    cs_manifest_free(m);
    return rc;
}

int cs_manifest_schema(const cs_manifest *m)
{
    return (int)json_integer_value(json_object_get(m->root, "schema_version"));
}

static const json_t *table_shards(const cs_manifest *m, cs_table t)
{
    if ((unsigned)t >= CS_TABLE_COUNT)
        return NULL;
    return json_object_get(json_object_get(json_object_get(m->root, "tables"), table_keys[t]),
                           "shards");
}

size_t cs_manifest_nshards(const cs_manifest *m, cs_table t)
{
    return json_array_size(table_shards(m, t));
}

const char *cs_manifest_shard_file(const cs_manifest *m, cs_table t, size_t i)
{
    return json_string_value(json_object_get(json_array_get(table_shards(m, t), i), "file"));
}

uint64_t cs_manifest_shard_rows(const cs_manifest *m, cs_table t, size_t i)
{
    return (uint64_t)json_integer_value(
        json_object_get(json_array_get(table_shards(m, t), i), "rows"));
}

uint64_t cs_manifest_rows(const cs_manifest *m, cs_table t)
{
    if ((unsigned)t >= CS_TABLE_COUNT)
        return 0;
    return (uint64_t)json_integer_value(json_object_get(
        json_object_get(json_object_get(m->root, "tables"), table_keys[t]), "rows"));
}

uint64_t cs_manifest_status_count(const cs_manifest *m, cs_status st)
{
    const char *name = cs_status_name(st);
    if (!name)
        return 0;
    return (uint64_t)json_integer_value(
        json_object_get(json_object_get(m->root, "status_counts"), name));
}

const json_t *cs_manifest_json(const cs_manifest *m)
{
    return m->root;
}

/* ---------------------------------------------------------------- shard paths */

void cs_paths_free(char **paths)
{
    if (!paths)
        return;
    for (char **p = paths; *p; p++)
        free(*p);
    free(paths);
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

cs_err cs_run_table_paths(const char *dir, const cs_manifest *m, cs_table t, char ***paths,
                          size_t *n, char *err, size_t errlen)
{
    *paths = NULL;
    *n = 0;
    size_t cap = 16, count = 0;
    char **v = calloc(cap + 1, sizeof(char *));
    if (!v)
        return CS_ENOMEM;
    if (m) {
        size_t ns = cs_manifest_nshards(m, t);
        for (size_t i = 0; i < ns; i++) {
            if (count == cap) {
                char **p = realloc(v, (cap * 2 + 1) * sizeof(char *));
                if (!p)
                    goto oom;
                v = p;
                cap *= 2;
            }
            if (asprintf(&v[count], "%s/%s", dir, cs_manifest_shard_file(m, t, i)) < 0)
                goto oom;
            v[++count] = NULL;
        }
    } else {
        DIR *d = opendir(dir);
        if (!d) {
            snprintf(err, errlen, "%s: cannot open directory: %s", dir, strerror(errno));
            free(v);
            return CS_EIO;
        }
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (!shard_name_ok(e->d_name, cs_table_prefix(t)))
                continue;
            if (count == cap) {
                char **p = realloc(v, (cap * 2 + 1) * sizeof(char *));
                if (!p) {
                    closedir(d);
                    goto oom;
                }
                v = p;
                cap *= 2;
            }
            if (asprintf(&v[count], "%s/%s", dir, e->d_name) < 0) {
                closedir(d);
                goto oom;
            }
            v[++count] = NULL;
        }
        closedir(d);
        qsort(v, count, sizeof(char *), str_cmp);
    }
    *paths = v;
    *n = count;
    return CS_OK;
oom:
    cs_paths_free(v);
    snprintf(err, errlen, "%s: out of memory", dir);
    return CS_ENOMEM;
}

/* ---------------------------------------------------------------- run life */

struct cs_run {
    char *dir;
    int lock_fd;
};

const char *cs_run_dir(const cs_run *run)
{
    return run->dir;
}

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

static bool is_temporary(const char *name)
{
    if (!has_suffix(name, ".tmp"))
        return false;
    return strncmp(name, "results-", 8) == 0 || strncmp(name, "servers-", 8) == 0 ||
           strcmp(name, CS_MANIFEST_FILE ".tmp") == 0 ||
           strcmp(name, CS_RUN_STATE_FILE ".tmp") == 0;
}

/* What a run keeps between sessions: its journal and run state. */
static bool is_resume_state(const char *name)
{
    return strcmp(name, CS_JOURNAL_FILE) == 0 || strcmp(name, CS_RUN_STATE_FILE) == 0;
}

/* Removes the files of dir whose names match(); returns 0 or the last errno. */
static int remove_matching(const char *dir, bool (*match)(const char *))
{
    DIR *d = opendir(dir);
    if (!d)
        return errno;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d)) != NULL) {
        if (!match(e->d_name))
            continue;
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (unlink(path) != 0 && errno != ENOENT)
            rc = errno;
    }
    closedir(d);
    return rc;
}

static bool is_shard(const char *name)
{
    return shard_name_ok(name, "results") || shard_name_ok(name, "servers");
}

void cs_run_remove_temporaries(const char *dir)
{
    remove_matching(dir, is_temporary);
}

cs_err cs_run_create(cs_run **out, const char *dir, unsigned flags, char *err, size_t errlen)
{
    *out = NULL;
    char spath[4096];
    snprintf(spath, sizeof(spath), "%s/%s", dir, CS_RUN_STATE_FILE);
    if (flags & CS_RUN_RESUME) {
        struct stat rs;
        if (stat(dir, &rs) != 0 || !S_ISDIR(rs.st_mode)) {
            snprintf(err, errlen, "%s: no run to resume: %s", dir,
                     errno ? strerror(errno) : "not a directory");
            return CS_EINVAL;
        }
    } else if (cs_mkdir_parents(dir) != CS_OK || (mkdir(dir, 0755) != 0 && errno != EEXIST)) {
        cs_run_io_error(err, errlen, dir, "cannot create run directory", errno);
        return CS_EIO;
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: exists and is not a directory", dir);
        return CS_EINVAL;
    }
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, CS_RUN_LOCK_FILE);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        cs_run_io_error(err, errlen, path, "cannot create", errno);
        return CS_EIO;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        close(fd);
        if (e == EWOULDBLOCK) {
            snprintf(err, errlen, "%s: another scan is writing this run", dir);
            return CS_EINVAL;
        }
        cs_run_io_error(err, errlen, path, "cannot lock", e);
        return CS_EIO;
    }
    char mpath[4096];
    snprintf(mpath, sizeof(mpath), "%s/%s", dir, CS_MANIFEST_FILE);
    bool complete = access(mpath, F_OK) == 0;
    bool interrupted = !complete && access(spath, F_OK) == 0;
    const char *refusal = NULL;
    if (complete && (flags & CS_RUN_RESUME))
        refusal = "the run is complete (manifest.json is there): nothing to resume";
    else if (complete && !(flags & CS_RUN_OVERWRITE))
        refusal = "a complete run is already there (use --force to replace it)";
    else if ((flags & CS_RUN_RESUME) && !interrupted)
        refusal = "no interrupted run to resume (no " CS_RUN_STATE_FILE ")";
    else if (interrupted && !(flags & (CS_RUN_RESUME | CS_RUN_OVERWRITE)))
        refusal = "an interrupted run is there: continue it with --resume, or start again with "
                  "--force";
    if (refusal) {
        close(fd);
        /* RUNNING was ours only for this check: the run must not look busy. */
        unlink(path);
        snprintf(err, errlen, "%s: %s", dir, refusal);
        return CS_EINVAL;
    }
    if (complete) {
        /* The manifest goes first, so the run is incomplete, never half old and half new. */
        if (unlink(mpath) != 0 || cs_fsync_dir(dir) != CS_OK) {
            cs_run_io_error(err, errlen, mpath, "cannot remove", errno);
            close(fd);
            return CS_EIO;
        }
    }
    /* Starting again: the run state goes first, so a crash in between leaves nothing resumable
     * with a journal of the old run. */
    if (!(flags & CS_RUN_RESUME) &&
        (remove_matching(dir, is_resume_state) != 0 || cs_fsync_dir(dir) != CS_OK)) {
        cs_run_io_error(err, errlen, spath, "cannot remove", errno);
        close(fd);
        return CS_EIO;
    }
    int e = remove_matching(dir, is_shard);
    if (!e)
        e = remove_matching(dir, is_temporary);
    char pid[32];
    int n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
    if (e || ftruncate(fd, 0) != 0 || cs_write_all(fd, pid, (size_t)n) != CS_OK) {
        if (!e)
            e = errno;
        cs_run_io_error(err, errlen, path, "cannot prepare the run directory", e);
        close(fd);
        unlink(path);
        return CS_EIO;
    }
    cs_run *run = calloc(1, sizeof(*run));
    if (!run || !(run->dir = strdup(dir))) {
        free(run);
        close(fd);
        unlink(path);
        return CS_ENOMEM;
    }
    run->lock_fd = fd;
    *out = run;
    return CS_OK;
}

static void run_release(cs_run *run)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", run->dir, CS_RUN_LOCK_FILE);
    unlink(path);
    close(run->lock_fd);
    free(run->dir);
    free(run);
}

cs_err cs_run_finish(cs_run *run, cs_manifest *m, char *err, size_t errlen)
{
    cs_err rc = CS_OK;
    if (json_is_null(json_object_get(m->root, "finished_at"))) {
        if ((rc = cs_manifest_set_finished(m, time(NULL))) != CS_OK) {
            snprintf(err, errlen, "%s: out of memory", run->dir);
            cs_run_abort(run);
            return rc;
        }
    }
    rc = cs_manifest_write(m, run->dir, err, errlen);
    if (rc != CS_OK) {
        cs_run_abort(run);
        return rc;
    }
    /* The run is complete: what was kept for a resume is not needed any more. */
    remove_matching(run->dir, is_resume_state);
    run_release(run);
    return CS_OK;
}

void cs_run_abort(cs_run *run)
{
    if (!run)
        return;
    cs_run_remove_temporaries(run->dir);
    run_release(run);
}
