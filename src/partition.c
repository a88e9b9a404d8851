/*
 * partition.c -- partitions of a scan by registered domain, and --partition K/N / auto
 */
#include "caascan/partition.h"

#include "caascan/hash.h"

#include <errno.h>
#include <libpsl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *cs_partition_key(const char *name)
{
    if (name[0] == '*' && name[1] == '.')
        name += 2;
    const char *reg = psl_registrable_domain(psl_builtin(), name);
    return reg ? reg : name;
}

bool cs_partition_is_suffix(const char *zone)
{
    return psl_is_public_suffix(psl_builtin(), zone) != 0;
}

/* A hash of its own (not the shards' fnv1a64 of the name), so that partitions and shards do not
 * line up. */
static uint64_t part_hash(const char *tag, const char *text)
{
    uint64_t h = cs_fnv1a64_add(CS_FNV1A64_BASIS, tag, strlen(tag) + 1);
    h = cs_fnv1a64_add(h, text, strlen(text));
    /* fnv1a64's low bits mix poorly for short keys: fold the high half in. */
    return h ^ (h >> 29) ^ (h >> 47);
}

unsigned cs_partition_of(const char *name, bool valid, unsigned n)
{
    if (n <= 1)
        return 0;
    uint64_t h = valid ? part_hash("partition", cs_partition_key(name))
                       : part_hash("partition-invalid", name ? name : "");
    return (unsigned)(h % n);
}

uint64_t cs_partition_share(uint64_t value, unsigned n, uint64_t floor)
{
    if (value == 0 || n <= 1)
        return value;
    uint64_t s = (value + n - 1) / n;
    uint64_t lo = value < floor ? value : floor;
    return s < lo ? lo : s;
}

/* A whole decimal number without sign or junk; false otherwise. */
static bool number(const char *s, unsigned long *out)
{
    if (!s || *s < '0' || *s > '9')
        return false;
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end != '\0' || v > 100000000UL)
        return false;
    *out = v;
    return true;
}

static bool env_number(cs_getenv_fn env, const char *var, unsigned long *out, bool *present,
                       char *why, size_t whylen)
{
    const char *s = env(var);
    *present = s != NULL && *s != '\0';
    if (!*present)
        return true;
    if (!number(s, out)) {
        snprintf(why, whylen, "%s is '%s', not a whole number", var, s);
        return false;
    }
    return true;
}

static bool from_slurm(cs_getenv_fn env, unsigned long want_n, unsigned *k, unsigned *n, char *why,
                       size_t whylen)
{
    unsigned long id, count, min, max = 0, step = 1;
    bool has_id, has_count, has_min, has_max, has_step;
    if (!env_number(env, "SLURM_ARRAY_TASK_ID", &id, &has_id, why, whylen) ||
        !env_number(env, "SLURM_ARRAY_TASK_COUNT", &count, &has_count, why, whylen) ||
        !env_number(env, "SLURM_ARRAY_TASK_MIN", &min, &has_min, why, whylen) ||
        !env_number(env, "SLURM_ARRAY_TASK_MAX", &max, &has_max, why, whylen) ||
        !env_number(env, "SLURM_ARRAY_TASK_STEP", &step, &has_step, why, whylen))
        return false;
    if (!has_count || !has_min) {
        snprintf(why, whylen,
                 "SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_%s is not (a Slurm job "
                 "array sets both)",
                 !has_count ? "COUNT" : "MIN");
        return false;
    }
    if (has_step && step != 1) {
        snprintf(why, whylen,
                 "SLURM_ARRAY_TASK_STEP is %lu: submit the array as --array=0-%lu (every index, "
                 "step 1) so that its tasks are the partitions",
                 step, count ? count - 1 : 0);
        return false;
    }
    if (count < 1 || count > CS_PARTITIONS_MAX || id < min || id - min >= count ||
        (has_max && max - min + 1 != count)) {
        snprintf(why, whylen,
                 "the Slurm array variables do not describe task %lu of %lu contiguous tasks "
                 "(SLURM_ARRAY_TASK_ID %lu, _MIN %lu, _COUNT %lu%s): submit the array as "
                 "--array=0-%lu",
                 id >= min ? id - min : 0, count, id, min, count, has_max ? ", _MAX given" : "",
                 count ? count - 1 : 0);
        return false;
    }
    if (want_n && want_n != count) {
        snprintf(why, whylen,
                 "--partition auto/%lu, but the Slurm array has %lu tasks "
                 "(SLURM_ARRAY_TASK_COUNT)",
                 want_n, count);
        return false;
    }
    *k = (unsigned)(id - min + 1);
    *n = (unsigned)count;
    return true;
}

static bool from_kubernetes(cs_getenv_fn env, unsigned long want_n, unsigned *k, unsigned *n,
                            char *why, size_t whylen)
{
    unsigned long idx, count = 0;
    bool has_idx, has_count;
    if (!env_number(env, "JOB_COMPLETION_INDEX", &idx, &has_idx, why, whylen) ||
        !env_number(env, "CAASCAN_PARTITIONS", &count, &has_count, why, whylen))
        return false;
    if (has_count && want_n && count != want_n) {
        snprintf(why, whylen, "--partition auto/%lu, but CAASCAN_PARTITIONS is %lu", want_n, count);
        return false;
    }
    if (!has_count)
        count = want_n;
    if (!count) {
        snprintf(why, whylen,
                 "JOB_COMPLETION_INDEX is set but the number of partitions is not: set "
                 "CAASCAN_PARTITIONS to the Job's completions, or give --partition auto/N");
        return false;
    }
    if (count > CS_PARTITIONS_MAX || idx >= count) {
        snprintf(why, whylen,
                 "JOB_COMPLETION_INDEX %lu is not an index of %lu partitions (0 to %lu): the "
                 "Job's completions and CAASCAN_PARTITIONS (or auto/N) must agree",
                 idx, count, count - 1);
        return false;
    }
    *k = (unsigned)idx + 1;
    *n = (unsigned)count;
    return true;
}

bool cs_partition_parse(const char *arg, cs_getenv_fn env, unsigned *k, unsigned *n,
                        const char **engine, char *why, size_t whylen)
{
    if (!env)
        env = (cs_getenv_fn)getenv;
    if (strncmp(arg, "auto", 4) == 0 && (arg[4] == '\0' || arg[4] == '/')) {
        unsigned long want_n = 0;
        if (arg[4] == '/' &&
            (!number(arg + 5, &want_n) || want_n < 1 || want_n > CS_PARTITIONS_MAX)) {
            snprintf(why, whylen, "'%s' is not auto or auto/N with N from 1 to %u", arg,
                     CS_PARTITIONS_MAX);
            return false;
        }
        const char *slurm = env("SLURM_ARRAY_TASK_ID"), *kube = env("JOB_COMPLETION_INDEX");
        bool has_slurm = slurm && *slurm, has_kube = kube && *kube;
        if (has_slurm && has_kube) {
            snprintf(why, whylen,
                     "auto: both SLURM_ARRAY_TASK_ID and JOB_COMPLETION_INDEX are set; give "
                     "--partition K/N");
            return false;
        }
        if (!has_slurm && !has_kube) {
            snprintf(why, whylen,
                     "auto: neither SLURM_ARRAY_TASK_ID (a Slurm job array) nor "
                     "JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) is set; give --partition "
                     "K/N to run one partition by hand");
            return false;
        }
        char sub[400];
        bool ok = has_slurm ? from_slurm(env, want_n, k, n, sub, sizeof(sub))
                            : from_kubernetes(env, want_n, k, n, sub, sizeof(sub));
        if (!ok) {
            snprintf(why, whylen, "auto: %s", sub);
            return false;
        }
        if (engine)
            *engine = has_slurm ? "slurm" : "kubernetes";
        return true;
    }
    const char *slash = strchr(arg, '/');
    char kbuf[32];
    unsigned long a, b;
    if (!slash || (size_t)(slash - arg) >= sizeof(kbuf)) {
        snprintf(why, whylen, "'%s' is not K/N (1 <= K <= N) or auto", arg);
        return false;
    }
    memcpy(kbuf, arg, (size_t)(slash - arg));
    kbuf[slash - arg] = '\0';
    if (!number(kbuf, &a) || !number(slash + 1, &b) || b < 1 || b > CS_PARTITIONS_MAX) {
        snprintf(why, whylen, "'%s' is not K/N with 1 <= K <= N <= %u, or auto", arg,
                 CS_PARTITIONS_MAX);
        return false;
    }
    if (a == 0) {
        snprintf(why, whylen,
                 "'%s': partitions are numbered from 1 (1/%lu to %lu/%lu); a job engine's 0-based "
                 "index is read by --partition auto",
                 arg, b, b, b);
        return false;
    }
    if (a > b) {
        snprintf(why, whylen, "'%s': K is above N (partitions are 1/%lu to %lu/%lu)", arg, b, b, b);
        return false;
    }
    *k = (unsigned)a;
    *n = (unsigned)b;
    if (engine)
        *engine = "command line";
    return true;
}
