/*
 * addr.h -- server addresses as users write them: "192.0.2.53", "192.0.2.53:5353", "2001:db8::53",
 * "[2001:db8::53]:5353"; lists of them ("a,b,c" or "@file", one a line, '#' comments); and the
 * nameservers of the system's resolv.conf.
 */
#ifndef CAASCAN_ADDR_H
#define CAASCAN_ADDR_H

#include "caascan/error.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct cs_addr {
    struct sockaddr_storage ss;
    socklen_t len;
};

/*
 * Parses one address with an optional port (default_port when none).
 * \retval CS_OK
 * \retval CS_EINVAL  not an IPv4 or IPv6 address, or a bad port
 */
cs_err cs_addr_parse(const char *text, uint16_t default_port, struct cs_addr *out);

/* Writes "192.0.2.53:53" or "[2001:db8::53]:53" into buf; returns buf. */
const char *cs_addr_format(const struct cs_addr *a, char *buf, size_t size);
/* Writes the address without the port; returns buf. */
const char *cs_addr_format_ip(const struct cs_addr *a, char *buf, size_t size);
/* The port in host byte order. */
uint16_t cs_addr_port(const struct cs_addr *a);

/*
 * Parses "a,b,c" or "@file" into a newly allocated array (*out, *n). On error, *errmsg (a static
 * or caller-buffer text) says which entry or line is wrong.
 * \retval CS_OK
 * \retval CS_EINVAL  an entry does not parse (errbuf names it)
 * \retval CS_EIO     the file cannot be read (errbuf says why)
 * \retval CS_ENOMEM
 */
cs_err cs_addr_list_parse(const char *spec, uint16_t default_port, struct cs_addr **out, size_t *n,
                          char *errbuf, size_t errsize);

/* Reads the "nameserver" lines of a resolv.conf file; same results as cs_addr_list_parse. */
cs_err cs_addr_list_resolv_conf(const char *path, struct cs_addr **out, size_t *n, char *errbuf,
                                size_t errsize);

#endif
