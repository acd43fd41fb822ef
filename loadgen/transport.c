/* transport.c: the table of transports, the choice among them, and the
 * target parsing and DNS pinning they share, and the one mapping of a
 * socket errno to a net error kind (see transport.h). The URL is
 * split with http-parser's http_parser_parse_url (already a dependency)
 * and resolved once with getaddrinfo, so no transport library is needed to
 * understand the target. */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <http_parser.h>

#include "loadgen/stats.h"
#include "loadgen/transport.h"
#include "loadgen/transport_native.h"

/* In order of preference for "auto": the first that supports a run gets
 * it. A new transport is one more line here. */
static const transport_ops *const transport_table[] = {
    &transport_native,
    &transport_curl,
};
#define NTRANSPORTS (sizeof transport_table / sizeof transport_table[0])

const char *transport_names(void)
{
    static char names[128];
    if (!names[0]) {
        size_t n = (size_t)snprintf(names, sizeof names, "auto");
        for (size_t i = 0; i < NTRANSPORTS && n < sizeof names; i++)
            n += (size_t)snprintf(names + n, sizeof names - n, "|%s", transport_table[i]->name);
    }
    return names;
}

const transport_ops *transport_choose(const char *name, const transport_config *cfg, char *err,
                                      size_t errlen)
{
    int any = !name || !*name || strcmp(name, "auto") == 0;
    char why[256] = "";
    for (size_t i = 0; i < NTRANSPORTS; i++) {
        const transport_ops *t = transport_table[i];
        if (!any && strcmp(name, t->name) != 0)
            continue;
        if (t->supports(cfg, why, sizeof why))
            return t;
        if (!any) {
            snprintf(err, errlen, "the %s transport cannot run this: %s", t->name, why);
            return NULL;
        }
    }
    if (any)
        snprintf(err, errlen, "no transport can run this: %s", why);
    else
        snprintf(err, errlen, "unknown transport '%s'; expected %s", name, transport_names());
    return NULL;
}

int transport_errno_kind(int err)
{
    switch (err) {
    case ECONNREFUSED:
        return NETERR_REFUSED;
    case ETIMEDOUT:
        return NETERR_TIMEOUT;
    case ENETUNREACH:
    case EHOSTUNREACH:
    case ENETDOWN:
    case EHOSTDOWN:
        return NETERR_UNREACHABLE;
    case ECONNRESET:
    case ECONNABORTED:
    case EPIPE:
        return NETERR_RESET;
    default:
        return NETERR_OTHER;
    }
}

static int copy_field(const char *url, const struct http_parser_url *u, int field, char *out,
                      size_t cap)
{
    if (!(u->field_set & (1 << field)))
        return -1;
    size_t len = u->field_data[field].len;
    if (len >= cap)
        return -1;
    memcpy(out, url + u->field_data[field].off, len);
    out[len] = '\0';
    return 0;
}

/* Scheme, host and port of URL into T. 0 or -1 with ERR. */
static int split_url(transport_target *t, const char *url, char *err, size_t errlen)
{
    struct http_parser_url u;
    http_parser_url_init(&u);
    char scheme[16];
    if (strlen(url) >= sizeof t->url ||
        http_parser_parse_url(url, strlen(url), 0, &u) != 0 ||
        copy_field(url, &u, UF_SCHEMA, scheme, sizeof scheme) != 0 ||
        copy_field(url, &u, UF_HOST, t->host, sizeof t->host) != 0 || !t->host[0]) {
        snprintf(err, errlen, "target '%s' is not a valid URL; expected http[s]://host[:port]",
                 url);
        return -1;
    }
    snprintf(t->url, sizeof t->url, "%s", url);
    if (strcasecmp(scheme, "http") == 0) {
        t->tls = 0;
    } else if (strcasecmp(scheme, "https") == 0) {
        t->tls = 1;
    } else {
        snprintf(err, errlen, "target '%s': unsupported scheme '%s'; expected http or https",
                 url, scheme);
        return -1;
    }
    t->port = (u.field_set & (1 << UF_PORT)) ? u.port : (t->tls ? 443 : 80);
    /* The authority as written: from the host (or its '[') to the end of the port. */
    size_t from = u.field_data[UF_HOST].off, to = from + u.field_data[UF_HOST].len;
    if (from > 0 && url[from - 1] == '[')
        from--, to++;
    if (u.field_set & (1 << UF_PORT))
        to = u.field_data[UF_PORT].off + u.field_data[UF_PORT].len;
    snprintf(t->authority, sizeof t->authority, "%.*s", (int)(to - from), url + from);
    return 0;
}

int transport_target_init(transport_target *t, const char *url, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    if (split_url(t, url, err, errlen) != 0)
        return -1;
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    int gai = getaddrinfo(t->host, NULL, &hints, &res);
    if (gai != 0 || !res) {
        snprintf(err, errlen, "cannot resolve the target host '%s': %s", t->host,
                 gai_strerror(gai));
        return -1;
    }
    memcpy(&t->addr, res->ai_addr, res->ai_addrlen);
    t->addrlen = res->ai_addrlen;
    freeaddrinfo(res);
    if (t->addr.ss_family == AF_INET6)
        ((struct sockaddr_in6 *)&t->addr)->sin6_port = htons((uint16_t)t->port);
    else
        ((struct sockaddr_in *)&t->addr)->sin_port = htons((uint16_t)t->port);
    if (getnameinfo((struct sockaddr *)&t->addr, t->addrlen, t->address, sizeof t->address,
                    NULL, 0, NI_NUMERICHOST) != 0) {
        snprintf(err, errlen, "cannot resolve the target host '%s'", t->host);
        return -1;
    }
    return 0;
}
