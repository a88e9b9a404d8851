/* addr.c -- parsing and printing server addresses and address lists (addr.h). */
#include "caascan/addr.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_port(const char *s, uint16_t *port)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || errno || v < 1 || v > 65535)
        return -1;
    *port = (uint16_t)v;
    return 0;
}

cs_err cs_addr_parse(const char *text, uint16_t default_port, struct cs_addr *out)
{
    char host[INET6_ADDRSTRLEN + 8];
    uint16_t port = default_port;
    const char *colon = strchr(text, ':');
    memset(out, 0, sizeof(*out));

    if (text[0] == '[') { /* [v6]:port or [v6] */
        const char *close = strchr(text, ']');
        if (!close || (size_t)(close - text - 1) >= sizeof(host))
            return CS_EINVAL;
        memcpy(host, text + 1, (size_t)(close - text - 1));
        host[close - text - 1] = '\0';
        if (close[1] == ':') {
            if (parse_port(close + 2, &port))
                return CS_EINVAL;
        } else if (close[1] != '\0') {
            return CS_EINVAL;
        }
    } else if (colon && strchr(colon + 1, ':') == NULL) { /* v4:port */
        if ((size_t)(colon - text) >= sizeof(host))
            return CS_EINVAL;
        memcpy(host, text, (size_t)(colon - text));
        host[colon - text] = '\0';
        if (parse_port(colon + 1, &port))
            return CS_EINVAL;
    } else { /* bare v4 or v6 */
        size_t l = strlen(text);
        if (l >= sizeof(host))
            return CS_EINVAL;
        memcpy(host, text, l + 1);
    }

    struct sockaddr_in *in4 = (struct sockaddr_in *)&out->ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&out->ss;
    if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons(port);
        out->len = sizeof(*in4);
        return CS_OK;
    }
    if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(port);
        out->len = sizeof(*in6);
        return CS_OK;
    }
    return CS_EINVAL;
}

const char *cs_addr_format_ip(const struct cs_addr *a, char *buf, size_t size)
{
    const void *src = a->ss.ss_family == AF_INET6
                          ? (const void *)&((const struct sockaddr_in6 *)&a->ss)->sin6_addr
                          : (const void *)&((const struct sockaddr_in *)&a->ss)->sin_addr;
    if (size == 0)
        return buf;
    if (inet_ntop(a->ss.ss_family, src, buf, (socklen_t)size) == NULL)
        snprintf(buf, size, "?");
    return buf;
}

uint16_t cs_addr_port(const struct cs_addr *a)
{
    if (a->ss.ss_family == AF_INET6)
        return ntohs(((const struct sockaddr_in6 *)&a->ss)->sin6_port);
    return ntohs(((const struct sockaddr_in *)&a->ss)->sin_port);
}

const char *cs_addr_format(const struct cs_addr *a, char *buf, size_t size)
{
    char ip[INET6_ADDRSTRLEN];
    cs_addr_format_ip(a, ip, sizeof(ip));
    if (a->ss.ss_family == AF_INET6)
        snprintf(buf, size, "[%s]:%u", ip, cs_addr_port(a));
    else
        snprintf(buf, size, "%s:%u", ip, cs_addr_port(a));
    return buf;
}

/* Why text is not an address: its port when the address part parses, else the address. */
static void explain_bad(const char *text, char *buf, size_t size)
{
    const char *port = NULL;
    if (text[0] == '[') {
        const char *close = strchr(text, ']');
        port = close && close[1] == ':' ? close + 2 : NULL;
    } else {
        const char *colon = strchr(text, ':');
        port = colon && !strchr(colon + 1, ':') ? colon + 1 : NULL;
    }
    uint16_t p;
    if (port && parse_port(port, &p) != 0) {
        char host[INET6_ADDRSTRLEN + 8];
        size_t hl = (size_t)(port - 1 - text);
        struct cs_addr a;
        if (hl < sizeof(host)) {
            memcpy(host, text, hl);
            host[hl] = '\0';
            if (cs_addr_parse(host, 53, &a) == CS_OK) {
                snprintf(buf, size, "resolver '%s': port must be 1-65535", text);
                return;
            }
        }
    }
    snprintf(buf, size, "'%s' is not an IP address", text);
}

static cs_err list_append(struct cs_addr **v, size_t *n, size_t *cap, const struct cs_addr *a)
{
    if (*n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 8;
        struct cs_addr *nv = realloc(*v, ncap * sizeof(**v));
        if (!nv)
            return CS_ENOMEM;
        *v = nv;
        *cap = ncap;
    }
    (*v)[(*n)++] = *a;
    return CS_OK;
}

/* Trims spaces and a '#' comment in place; returns the start of what is left. */
static char *trim_line(char *s)
{
    char *hash = strchr(s, '#');
    if (hash)
        *hash = '\0';
    while (isspace((unsigned char)*s))
        s++;
    size_t l = strlen(s);
    while (l > 0 && isspace((unsigned char)s[l - 1]))
        s[--l] = '\0';
    return s;
}

static cs_err read_list_file(const char *path, uint16_t default_port, int resolv_conf,
                             struct cs_addr **v, size_t *n, char *errbuf, size_t errsize)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(errbuf, errsize, "%s: %s", path, strerror(errno));
        return CS_EIO;
    }
    size_t cap = 0, lineno = 0;
    char *line = NULL;
    size_t linecap = 0;
    cs_err err = CS_OK;
    while (getline(&line, &linecap, f) >= 0) {
        lineno++;
        char *s = trim_line(line);
        if (resolv_conf) {
            if (strncmp(s, "nameserver", 10) != 0 || !isspace((unsigned char)s[10]))
                continue;
            s = trim_line(s + 10);
            char *pct = strchr(s, '%'); /* link-local scope: not supported, skip the zone */
            if (pct)
                *pct = '\0';
        }
        if (*s == '\0')
            continue;
        struct cs_addr a;
        if (cs_addr_parse(s, default_port, &a) != CS_OK) {
            char why[256];
            explain_bad(s, why, sizeof(why));
            snprintf(errbuf, errsize, "%s:%zu: %s", path, lineno, why);
            err = CS_EINVAL;
            break;
        }
        if ((err = list_append(v, n, &cap, &a)) != CS_OK)
            break;
    }
    if (err == CS_OK && ferror(f)) {
        snprintf(errbuf, errsize, "%s: %s", path, strerror(errno));
        err = CS_EIO;
    }
    free(line);
    fclose(f);
    return err;
}

cs_err cs_addr_list_parse(const char *spec, uint16_t default_port, struct cs_addr **out, size_t *n,
                          char *errbuf, size_t errsize)
{
    *out = NULL;
    *n = 0;
    cs_err err;
    if (spec[0] == '@') {
        err = read_list_file(spec + 1, default_port, 0, out, n, errbuf, errsize);
    } else {
        char *copy = strdup(spec);
        size_t cap = 0;
        err = copy ? CS_OK : CS_ENOMEM;
        char *rest = copy, *tok;
        while (err == CS_OK && (tok = strsep(&rest, ",")) != NULL) {
            char *s = trim_line(tok);
            if (*s == '\0')
                continue;
            struct cs_addr a;
            if (cs_addr_parse(s, default_port, &a) != CS_OK) {
                explain_bad(s, errbuf, errsize);
                err = CS_EINVAL;
                break;
            }
            err = list_append(out, n, &cap, &a);
        }
        free(copy);
    }
    if (err == CS_OK && *n == 0) {
        snprintf(errbuf, errsize, "no address in '%s'", spec);
        err = CS_EINVAL;
    }
    if (err != CS_OK) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return err;
}

cs_err cs_addr_list_resolv_conf(const char *path, struct cs_addr **out, size_t *n, char *errbuf,
                                size_t errsize)
{
    *out = NULL;
    *n = 0;
    cs_err err = read_list_file(path, 53, 1, out, n, errbuf, errsize);
    if (err == CS_OK && *n == 0) {
        snprintf(errbuf, errsize, "%s: no nameserver line", path);
        err = CS_EINVAL;
    }
    if (err != CS_OK) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return err;
}
