/*
 * serve.c: `searcher serve -i DIR --listen ADDR:PORT`, the HTTP/1.1 JSON server (stage:
 * ranked hits -> output, for scripts and services that should not pay a process start and
 * an index open per query).
 *
 * Built on libmicrohttpd (loaded when the server starts, serve_mhd.c): a pool of polling
 * threads sized to the cores, keep-alive, and the index shared read-only by all of them.  The query path takes no lock: a request
 * acquires a reference to the current index generation (serve_index.c), searches, and
 * releases it; a reload swaps generations under running queries.  The main thread only
 * waits for signals and polls CURRENT: SIGHUP or a new CURRENT reloads, SIGTERM/SIGINT
 * stop accepting, let requests in progress finish and exit 0.
 *
 * Endpoints: GET|POST /search, GET /health, /stats, /regions, /sections.  Every error we
 * answer is {"error":{"code","message"}}: 400 with the searcher's codes (syntax, stopwords_only,
 * unknown_filter, too_long, invalid), 404 not_found, 405 method_not_allowed,
 * 408 timeout, 413 body_too_large, 414 uri_too_long, 503 overloaded, 500 internal.
 */
#include "serve.h"
#include "serve_index.h"
#include "serve_json.h"
#include "serve_mhd.h"
#include "serve_request.h"
#include "serve_stats.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "poisk/search.h"
#include "regions.h"

typedef struct serve_config {
    const char *dir;
    const char *listen;
    unsigned threads, max_connections, timeout_s, reload_ms;
    size_t max_body, max_uri;
    poisk_serve_limits limits;
    int quiet;
} serve_config;

typedef struct server {
    serve_config cfg;
    struct MHD_Daemon *daemon;
    poisk_serve_slot *slot;
    poisk_serve_stats stats;
    atomic_uint connections;      /* open TCP connections */
    atomic_uint active;           /* requests between first byte and completion */
    time_t started;
} server;

enum endpoint { EP_NONE, EP_SEARCH, EP_HEALTH, EP_STATS, EP_REGIONS, EP_SECTIONS };

/* Per-request state, created when the request line arrives (uri_log) and freed when
 * MHD reports the request complete (request_completed), which also writes the log line. */
typedef struct request {
    uint64_t t0_ns;
    size_t uri_len;
    int seen;                     /* the access handler ran once */
    int answered;                 /* a response is queued */
    unsigned status;
    enum endpoint ep;
    char method[12];
    char path[128];
    poisk_strbuf body;
} request;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- responses ------------------------------------------------------------------------ */

static enum MHD_Result respond(struct MHD_Connection *c, request *rq, unsigned status,
                               char *body, size_t len, int close_after)
{
    struct MHD_Response *r =
        body ? poisk_mhd_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE) : NULL;
    if (!r) {
        free(body);
        return MHD_NO;
    }
    poisk_mhd_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                                  "application/json; charset=utf-8");
    if (close_after)
        poisk_mhd_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        poisk_mhd_add_response_header(r, MHD_HTTP_HEADER_ALLOW,
                                      rq && rq->ep == EP_SEARCH ? "GET, HEAD, POST" : "GET, HEAD");
    enum MHD_Result ret = poisk_mhd_queue_response(c, status, r);
    poisk_mhd_destroy_response(r);
    if (rq && ret == MHD_YES) {
        rq->status = status;
        rq->answered = 1;
    }
    return ret;
}

static enum MHD_Result respond_error(struct MHD_Connection *c, request *rq, unsigned status,
                                     const char *code, const char *message)
{
    size_t len;
    char *body = poisk_json_error(code, message, &len);
    /* Errors that leave unread input on the connection (or come from a misbehaving client)
     * close it: the next bytes could not be parsed as a request anyway. */
    int close_after = status == MHD_HTTP_CONTENT_TOO_LARGE || status == MHD_HTTP_URI_TOO_LONG ||
                      status == MHD_HTTP_SERVICE_UNAVAILABLE || status == MHD_HTTP_REQUEST_TIMEOUT;
    return respond(c, rq, status, body, len, close_after);
}

static unsigned status_of_rc(int rc)
{
    switch (rc) {
    case POISK_ESYNTAX: case POISK_ESTOPWORDS: case POISK_EFILTER: case POISK_ETOOLONG:
    case POISK_EINVAL:
        return MHD_HTTP_BAD_REQUEST;
    default:
        return MHD_HTTP_INTERNAL_SERVER_ERROR;
    }
}

static enum MHD_Result respond_rc(struct MHD_Connection *c, request *rq, const poisk_error *err)
{
    return respond_error(c, rq, status_of_rc(err->rc), poisk_errcode_name(err->rc),
                         err->message[0] ? err->message : poisk_strerror(err->rc));
}

static enum MHD_Result respond_buf(struct MHD_Connection *c, request *rq, poisk_strbuf *b)
{
    size_t len;
    char *body = poisk_strbuf_take(b, &len);
    if (!body)
        return respond_error(c, rq, MHD_HTTP_INTERNAL_SERVER_ERROR, "no_memory", "out of memory");
    return respond(c, rq, MHD_HTTP_OK, body, len, 0);
}

/* ---- /search -------------------------------------------------------------------------- */

typedef struct arg_walk {
    poisk_serve_query *sq;
    const poisk_serve_limits *lim;
    poisk_error err;
    int rc;
} arg_walk;

static enum MHD_Result arg_visit(void *cls, enum MHD_ValueKind kind, const char *key,
                                 size_t key_size, const char *value, size_t value_size)
{
    (void)kind;
    arg_walk *w = cls;
    w->rc = poisk_serve_query_set(w->sq, key, key_size, value, value_size, w->lim, &w->err);
    return w->rc == POISK_OK ? MHD_YES : MHD_NO;
}

static void json_member_sep(poisk_strbuf *b, const char *name)
{
    poisk_strbuf_printf(b, ",\"%s\":", name);
}

static enum MHD_Result handle_search(server *srv, struct MHD_Connection *c, request *rq,
                                     int from_body)
{
    poisk_serve_query sq;
    poisk_serve_query_init(&sq);
    poisk_error err = { 0 };
    int rc;
    if (from_body) {
        rc = poisk_serve_query_from_json(&sq, rq->body.data ? rq->body.data : "", rq->body.len,
                                         &srv->cfg.limits, &err);
    } else {
        arg_walk w = { &sq, &srv->cfg.limits, { 0 }, POISK_OK };
        poisk_mhd_get_connection_values_n(c, MHD_GET_ARGUMENT_KIND, arg_visit, &w);
        rc = w.rc;
        err = w.err;
    }
    if (rc == POISK_OK)
        rc = poisk_serve_query_check(&sq, &err);
    if (rc != POISK_OK) {
        poisk_serve_query_free(&sq);
        atomic_fetch_add(&srv->stats.query_errors, 1);
        return respond_rc(c, rq, &err);
    }

    poisk_search_options o;
    poisk_search_options_init(&o);
    poisk_serve_query_options(&sq, &srv->cfg.limits, &o);
    poisk_serve_index *h = poisk_serve_slot_acquire(srv->slot);
    uint64_t t0 = now_ns();
    poisk_results *res = NULL;
    rc = poisk_search(poisk_serve_index_get(h), sq.q, &o, &res, &err);
    char *hits = NULL;
    size_t hits_len = 0;
    if (rc == POISK_OK && !(hits = poisk_results_json_hits(res, &hits_len)))
        rc = poisk_error_set(&err, POISK_ENOMEM, "out of memory formatting hits");
    uint64_t took_us = (now_ns() - t0) / 1000;
    poisk_serve_query_free(&sq);
    if (rc != POISK_OK) {
        poisk_results_free(res);
        poisk_serve_index_release(h);
        atomic_fetch_add(&srv->stats.query_errors, 1);
        return respond_rc(c, rq, &err);
    }

    poisk_strbuf b = { 0 };
    poisk_strbuf_puts(&b, "{\"hits\":");
    poisk_strbuf_append(&b, hits, hits_len);
    poisk_strbuf_printf(&b, ",\"took_us\":%llu", (unsigned long long)took_us);
    if (o.count) {
        json_member_sep(&b, "total");
        poisk_strbuf_printf(&b, "%lld", (long long)poisk_results_total(res));
    }
    const char *notice = poisk_results_notice(res);
    if (notice) {
        json_member_sep(&b, "notice");
        poisk_strbuf_json_string(&b, notice, strlen(notice));
    }
    poisk_strbuf_puts(&b, "}\n");
    free(hits);
    poisk_results_free(res);
    poisk_serve_index_release(h);   /* after the last use of anything the results borrowed */
    atomic_fetch_add(&srv->stats.queries, 1);
    poisk_serve_stats_record(&srv->stats, took_us);
    return respond_buf(c, rq, &b);
}

/* ---- /health, /stats, /regions, /sections ---------------------------------------------- */

static enum MHD_Result handle_health(server *srv, struct MHD_Connection *c, request *rq)
{
    poisk_serve_index *h = poisk_serve_slot_acquire(srv->slot);
    const poisk_index_stats *st = poisk_serve_index_stats(h);
    poisk_strbuf b = { 0 };
    poisk_strbuf_printf(&b, "{\"status\":\"ok\",\"generation\":%llu,\"passages\":%llu}\n",
                        (unsigned long long)st->generation, (unsigned long long)st->passages);
    poisk_serve_index_release(h);
    return respond_buf(c, rq, &b);
}

static enum MHD_Result handle_stats(server *srv, struct MHD_Connection *c, request *rq)
{
    poisk_serve_index *h = poisk_serve_slot_acquire(srv->slot);
    const poisk_index_stats *st = poisk_serve_index_stats(h);
    poisk_strbuf b = { 0 };
    poisk_strbuf_puts(&b, "{\"index\":{\"dir\":");
    poisk_strbuf_json_string(&b, srv->cfg.dir, strlen(srv->cfg.dir));
    poisk_strbuf_printf(&b, ",\"generation\":%llu,\"bytes_on_disk\":%llu,\"passages\":%llu,"
                        "\"regions\":%zu,\"sections\":{",
                        (unsigned long long)st->generation, (unsigned long long)st->bytes_on_disk,
                        (unsigned long long)st->passages, st->regions);
    int first = 1;
    for (int s = 0; s < POISK_SECTION_COUNT; s++) {
        if (!st->section_passages[s])
            continue;
        poisk_strbuf_printf(&b, "%s\"%s\":%llu", first ? "" : ",", poisk_section_id(s),
                            (unsigned long long)st->section_passages[s]);
        first = 0;
    }
    poisk_serve_index_release(h);
    poisk_serve_stats *ss = &srv->stats;
    poisk_strbuf_printf(&b, "}},\"queries_served\":%llu,\"query_errors\":%llu,\"requests\":%llu,"
                        "\"latency_us\":{\"p50\":%llu,\"p90\":%llu,\"p99\":%llu,\"max\":%llu},"
                        "\"reloads\":%llu,\"connections\":%u,\"threads\":%u,\"uptime_s\":%lld}\n",
                        (unsigned long long)atomic_load(&ss->queries),
                        (unsigned long long)atomic_load(&ss->query_errors),
                        (unsigned long long)atomic_load(&ss->requests),
                        (unsigned long long)poisk_serve_stats_percentile(ss, 0.50),
                        (unsigned long long)poisk_serve_stats_percentile(ss, 0.90),
                        (unsigned long long)poisk_serve_stats_percentile(ss, 0.99),
                        (unsigned long long)atomic_load(&ss->max_us),
                        (unsigned long long)poisk_serve_slot_reloads(srv->slot),
                        atomic_load(&srv->connections), srv->cfg.threads,
                        (long long)(time(NULL) - srv->started));
    return respond_buf(c, rq, &b);
}

static enum MHD_Result handle_regions(server *srv, struct MHD_Connection *c, request *rq)
{
    poisk_serve_index *h = poisk_serve_slot_acquire(srv->slot);
    poisk_index *idx = poisk_serve_index_get(h);
    poisk_strbuf b = { 0 };
    poisk_strbuf_puts(&b, "{\"regions\":[");
    size_t n = poisk_index_region_count(idx);
    for (size_t i = 0; i < n; i++) {
        const char *slug = NULL;
        uint32_t lo = 0, hi = 0;
        if (poisk_index_region_at(idx, i, &slug, &lo, &hi) != POISK_OK || !slug)
            continue;
        const poisk_region *r = poisk_region_lookup(slug, strlen(slug));
        const char *name = r ? r->nominative : slug;
        poisk_strbuf_puts(&b, b.data[b.len - 1] == '[' ? "{\"region\":" : ",{\"region\":");
        poisk_strbuf_json_string(&b, slug, strlen(slug));
        poisk_strbuf_puts(&b, ",\"region_name\":");
        poisk_strbuf_json_string(&b, name, strlen(name));
        poisk_strbuf_printf(&b, ",\"passages\":%llu}", (unsigned long long)(hi - lo));
    }
    poisk_strbuf_puts(&b, "]}\n");
    poisk_serve_index_release(h);
    return respond_buf(c, rq, &b);
}

static enum MHD_Result handle_sections(server *srv, struct MHD_Connection *c, request *rq)
{
    poisk_serve_index *h = poisk_serve_slot_acquire(srv->slot);
    const poisk_index_stats *st = poisk_serve_index_stats(h);
    poisk_strbuf b = { 0 };
    poisk_strbuf_puts(&b, "{\"sections\":[");
    for (int s = 0; s < POISK_SECTION_COUNT; s++)
        poisk_strbuf_printf(&b, "%s{\"section\":\"%s\",\"passages\":%llu}", s ? "," : "",
                            poisk_section_id(s), (unsigned long long)st->section_passages[s]);
    poisk_strbuf_puts(&b, "]}\n");
    poisk_serve_index_release(h);
    return respond_buf(c, rq, &b);
}

/* ---- MHD callbacks --------------------------------------------------------------------- */

static enum endpoint endpoint_of(const char *url)
{
    static const struct { const char *path; enum endpoint ep; } routes[] = {
        { "/search", EP_SEARCH }, { "/health", EP_HEALTH }, { "/stats", EP_STATS },
        { "/regions", EP_REGIONS }, { "/sections", EP_SECTIONS },
    };
    for (size_t i = 0; i < sizeof routes / sizeof *routes; i++)
        if (strcmp(url, routes[i].path) == 0)
            return routes[i].ep;
    return EP_NONE;
}

/* Called with the raw request URI before anything else: the only place that sees its
 * full length (query string included) and the start of the request. */
static void *uri_log(void *cls, const char *uri, struct MHD_Connection *c)
{
    (void)cls; (void)c;
    request *rq = calloc(1, sizeof *rq);
    if (!rq)
        return NULL;
    rq->t0_ns = now_ns();
    rq->uri_len = strlen(uri);
    size_t n = strcspn(uri, "?");
    if (n >= sizeof rq->path)
        n = sizeof rq->path - 1;
    for (size_t i = 0; i < n; i++) {       /* the log line must stay one printable line */
        unsigned char ch = (unsigned char)uri[i];
        rq->path[i] = ch < 0x20 || ch == 0x7F ? '?' : (char)ch;
    }
    return rq;
}

/* libmicrohttpd 0.9 refuses MHD_queue_response() while a request body is still arriving
 * and has no response hook when it drops a connection at the idle timeout, yet a client
 * trickling a body past the deadline, streaming a chunked body past the size limit, or
 * never finishing its headers, must still learn why it is cut off.  So the error is written straight to
 * the socket (a few hundred bytes: the kernel buffer takes them) and the connection is
 * closed by returning MHD_NO. */
static enum MHD_Result respond_on_socket(struct MHD_Connection *c, request *rq, unsigned status,
                                       const char *reason, const char *code, const char *message)
{
    size_t len;
    char *body = poisk_json_error(code, message, &len);
    const union MHD_ConnectionInfo *ci =
        poisk_mhd_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (body && ci) {
        char head[256];
        int n = snprintf(head, sizeof head, "HTTP/1.1 %u %s\r\nConnection: close\r\n"
                         "Content-Type: application/json; charset=utf-8\r\n"
                         "Content-Length: %zu\r\n\r\n", status, reason, len);
        if (send(ci->connect_fd, head, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) == n &&
            send(ci->connect_fd, body, len, MSG_NOSIGNAL | MSG_DONTWAIT) == (ssize_t)len)
            rq->status = status;
    }
    free(body);
    rq->answered = 1;
    return MHD_NO;
}

static void request_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                              enum MHD_RequestTerminationCode toe)
{
    server *srv = cls;
    request *rq = *con_cls;
    if (!rq)
        return;
    /* The idle timeout hit a request that had started (its request line arrived) but was
     * never answered: headers that never end, or a body that stopped.  libmicrohttpd
     * closes such a connection silently; the client learns why from a 408. */
    if (toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED && !rq->answered) {
        char msg[128];
        snprintf(msg, sizeof msg, "request not received within %u s", srv->cfg.timeout_s);
        respond_on_socket(c, rq, MHD_HTTP_REQUEST_TIMEOUT, "Request Timeout", "timeout", msg);
    }
    if (rq->seen)
        atomic_fetch_sub(&srv->active, 1);
    if (!srv->cfg.quiet) {
        /* No status of ours: say why, so the log explains every request line. */
        static const char *const why[] = {
            [MHD_REQUEST_TERMINATED_COMPLETED_OK] = "completed",
            [MHD_REQUEST_TERMINATED_WITH_ERROR] = "refused-by-libmicrohttpd",   /* 431, 400 */
            [MHD_REQUEST_TERMINATED_TIMEOUT_REACHED] = "timeout",
            [MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN] = "shutdown",
            [MHD_REQUEST_TERMINATED_READ_ERROR] = "read-error",
            [MHD_REQUEST_TERMINATED_CLIENT_ABORT] = "client-closed",
        };
        char status[32];
        if (rq->status)
            snprintf(status, sizeof status, "%u", rq->status);
        else
            snprintf(status, sizeof status, "-(%s)", (unsigned)toe < sizeof why / sizeof *why &&
                     why[toe] ? why[toe] : "closed");
        fprintf(stderr, "%s %s %s %lluus\n", rq->method[0] ? rq->method : "-", rq->path, status,
                (unsigned long long)((now_ns() - rq->t0_ns) / 1000));
    }
    poisk_strbuf_free(&rq->body);
    free(rq);
    *con_cls = NULL;
}

static void connection_notify(void *cls, struct MHD_Connection *c, void **socket_context,
                              enum MHD_ConnectionNotificationCode toe)
{
    (void)c; (void)socket_context;
    server *srv = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED)
        atomic_fetch_add(&srv->connections, 1);
    else
        atomic_fetch_sub(&srv->connections, 1);
}

static int method_allowed(enum endpoint ep, const char *method)
{
    if (!strcmp(method, "GET") || !strcmp(method, "HEAD"))
        return 1;
    return ep == EP_SEARCH && !strcmp(method, "POST");
}

/* First call for a request: everything decidable from the request line and headers. */
static enum MHD_Result request_start(server *srv, struct MHD_Connection *c, request *rq,
                                     const char *url, const char *method)
{
    rq->seen = 1;
    atomic_fetch_add(&srv->active, 1);
    atomic_fetch_add(&srv->stats.requests, 1);
    snprintf(rq->method, sizeof rq->method, "%s", method);
    if (atomic_load(&srv->connections) > srv->cfg.max_connections)
        return respond_error(c, rq, MHD_HTTP_SERVICE_UNAVAILABLE, "overloaded",
                             "connection limit reached; retry shortly");
    if (rq->uri_len > srv->cfg.max_uri) {
        char msg[128];
        snprintf(msg, sizeof msg, "request URI is %zu bytes, over the limit of %zu; use POST",
                 rq->uri_len, srv->cfg.max_uri);
        return respond_error(c, rq, MHD_HTTP_URI_TOO_LONG, "uri_too_long", msg);
    }
    rq->ep = endpoint_of(url);
    if (rq->ep == EP_NONE)
        return respond_error(c, rq, MHD_HTTP_NOT_FOUND, "not_found",
                             "no such endpoint; try /search, /health, /stats, /regions, /sections");
    if (!method_allowed(rq->ep, method))
        return respond_error(c, rq, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
                             rq->ep == EP_SEARCH ? "use GET or POST" : "use GET");
    const char *cl =
        poisk_mhd_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl && strtoull(cl, NULL, 10) > srv->cfg.max_body) {
        char msg[128];
        snprintf(msg, sizeof msg, "request body is over the limit of %zu bytes", srv->cfg.max_body);
        return respond_error(c, rq, MHD_HTTP_CONTENT_TOO_LARGE, "body_too_large", msg);
    }
    return MHD_YES;
}

static enum MHD_Result request_body(server *srv, struct MHD_Connection *c, request *rq,
                                    const char *data, size_t *size)
{
    size_t n = *size;
    *size = 0;
    char msg[128];
    if (now_ns() - rq->t0_ns > (uint64_t)srv->cfg.timeout_s * 1000000000u) {
        snprintf(msg, sizeof msg, "request not received within %u s", srv->cfg.timeout_s);
        return respond_on_socket(c, rq, MHD_HTTP_REQUEST_TIMEOUT, "Request Timeout", "timeout", msg);
    }
    if (rq->body.len + n > srv->cfg.max_body) {   /* chunked: no Content-Length to check */
        snprintf(msg, sizeof msg, "request body is over the limit of %zu bytes", srv->cfg.max_body);
        return respond_on_socket(c, rq, MHD_HTTP_CONTENT_TOO_LARGE, "Content Too Large",
                               "body_too_large", msg);
    }
    if (rq->ep == EP_SEARCH && !strcmp(rq->method, "POST"))
        poisk_strbuf_append(&rq->body, data, n);
    return MHD_YES;
}

static enum MHD_Result access_handler(void *cls, struct MHD_Connection *c, const char *url,
                                      const char *method, const char *version,
                                      const char *upload_data, size_t *upload_data_size,
                                      void **con_cls)
{
    (void)version;
    server *srv = cls;
    request *rq = *con_cls;
    if (!rq)   /* uri_log could not allocate */
        return respond_error(c, NULL, MHD_HTTP_INTERNAL_SERVER_ERROR, "no_memory", "out of memory");
    if (!rq->seen)
        return request_start(srv, c, rq, url, method);
    if (rq->answered) {      /* rejected from the headers: drop any body that follows */
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (*upload_data_size)
        return request_body(srv, c, rq, upload_data, upload_data_size);
    if (rq->body.failed)
        return respond_error(c, rq, MHD_HTTP_INTERNAL_SERVER_ERROR, "no_memory", "out of memory");
    switch (rq->ep) {
    case EP_SEARCH:   return handle_search(srv, c, rq, !strcmp(rq->method, "POST"));
    case EP_HEALTH:   return handle_health(srv, c, rq);
    case EP_STATS:    return handle_stats(srv, c, rq);
    case EP_REGIONS:  return handle_regions(srv, c, rq);
    case EP_SECTIONS: return handle_sections(srv, c, rq);
    default:          return respond_error(c, rq, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
                                           "unrouted request");
    }
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    const server *srv = cls;
    if (srv->cfg.quiet)
        return;
    fputs("searcher: http: ", stderr);
    vfprintf(stderr, fmt, ap);
}

/* ---- command line ---------------------------------------------------------------------- */

static const char serve_usage[] =
"usage: searcher serve [options] -i INDEX_DIR [--listen ADDR:PORT]\n"
"\n"
"HTTP/1.1 JSON server over one index.  Endpoints:\n"
"  GET  /search?q=...&k=&section=&sector=&region=&all=1&explain=1&by_region=1&count=1\n"
"  POST /search   JSON body with the same names; filters may be arrays\n"
"       -> {\"hits\": [...], \"took_us\": T} (+ \"total\" with count), hits as in --json\n"
"  GET  /health, /stats, /regions, /sections\n"
"Errors: {\"error\": {\"code\", \"message\"}} with status 400 (query errors: syntax,\n"
"stopwords_only, unknown_filter, too_long, invalid), 404, 405, 408, 413, 414, 503, 500.\n"
"The index is reloaded without downtime on SIGHUP or when its CURRENT file changes.\n"
"\n"
"options:\n"
"  -i, --index DIR          index directory (default: $POISK_INDEX)\n"
"      --listen ADDR:PORT   address to bind (default 127.0.0.1:8765; port 0 picks one)\n"
"      --threads N          worker threads (default: the number of cores)\n"
"      --max-connections N  open connections before 503 (default 256)\n"
"      --max-query BYTES    longest query or filter value (default 8192)\n"
"      --max-k N            largest k (default 10000)\n"
"      --max-body BYTES     largest POST body (default 65536)\n"
"      --max-uri BYTES      longest request URI (default 32768); request lines over\n"
"                           2*BYTES+32K and headers over that get libmicrohttpd's\n"
"                           own 414/431 (HTML body)\n"
"      --timeout SECONDS    idle connection / slow request limit: a started request\n"
"                           not received in time gets 408 (default 10)\n"
"      --reload-interval MS how often to check CURRENT (default 500; 0: only SIGHUP)\n"
"  -q, --quiet              no per-request log lines on stderr\n"
"  -h, --help               this help\n";

static int parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-' || v > max)
        return 0;
    *out = v;
    return 1;
}

static int serve_parse_args(int argc, char **argv, serve_config *cfg)
{
    static const struct option longopts[] = {
        { "index", required_argument, 0, 'i' },
        { "listen", required_argument, 0, 'l' },
        { "threads", required_argument, 0, 't' },
        { "max-connections", required_argument, 0, 'C' },
        { "max-query", required_argument, 0, 'Q' },
        { "max-k", required_argument, 0, 'K' },
        { "max-body", required_argument, 0, 'B' },
        { "max-uri", required_argument, 0, 'U' },
        { "timeout", required_argument, 0, 'T' },
        { "reload-interval", required_argument, 0, 'R' },
        { "quiet", no_argument, 0, 'q' },
        { "help", no_argument, 0, 'h' },
        { 0, 0, 0, 0 }
    };
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    *cfg = (serve_config){
        .dir = getenv("POISK_INDEX"), .listen = "127.0.0.1:8765",
        .threads = cores > 0 ? (unsigned)cores : 2, .max_connections = 256,
        .timeout_s = 10, .reload_ms = 500, .max_body = 65536, .max_uri = 32768,
        .limits = { POISK_MAX_QUERY_BYTES, POISK_MAX_K },
    };
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "i:qh", longopts, NULL)) != -1) {
        unsigned long long v = 0;
        int ok = 1;
        switch (c) {
        case 'i': cfg->dir = optarg; break;
        case 'l': cfg->listen = optarg; break;
        case 'q': cfg->quiet = 1; break;
        case 'h': fputs(serve_usage, stdout); return 0;
        case 't': ok = parse_uint(optarg, 1024, &v) && v > 0; cfg->threads = (unsigned)v; break;
        case 'C': ok = parse_uint(optarg, 100000, &v) && v > 0; cfg->max_connections = (unsigned)v; break;
        case 'Q': ok = parse_uint(optarg, 1u << 24, &v) && v > 0; cfg->limits.max_query_bytes = v; break;
        case 'K': ok = parse_uint(optarg, POISK_MAX_K, &v) && v > 0; cfg->limits.max_k = (unsigned)v; break;
        case 'B': ok = parse_uint(optarg, 1u << 30, &v); cfg->max_body = v; break;
        case 'U': ok = parse_uint(optarg, 1u << 20, &v) && v >= 64; cfg->max_uri = v; break;
        case 'T': ok = parse_uint(optarg, 86400, &v) && v > 0; cfg->timeout_s = (unsigned)v; break;
        case 'R': ok = parse_uint(optarg, 3600000, &v); cfg->reload_ms = (unsigned)v; break;
        default:
            fprintf(stderr, "searcher serve: unknown option or missing value '%s'; see searcher serve --help\n",
                    argv[optind - 1]);
            return 2;
        }
        if (!ok) {
            fprintf(stderr, "searcher serve: bad value '%s' for %s; see searcher serve --help\n",
                    optarg, argv[optind - 1 > 0 ? optind - 1 : 0]);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "searcher serve: unexpected argument '%s'; see searcher serve --help\n",
                argv[optind]);
        return 2;
    }
    if (!cfg->dir || !*cfg->dir) {
        fprintf(stderr, "searcher serve: no index: give -i DIR or set POISK_INDEX\n");
        return 2;
    }
    return -1;
}

/* "ADDR:PORT" or "[V6ADDR]:PORT" into a socket address. */
static int parse_listen(const char *spec, struct sockaddr_storage *ss, socklen_t *len)
{
    char host[256];
    const char *colon = strrchr(spec, ':');
    if (!colon || colon == spec || (size_t)(colon - spec) >= sizeof host || !colon[1])
        return 0;
    const char *h = spec, *he = colon;
    if (*h == '[') {
        if (he[-1] != ']')
            return 0;
        h++, he--;
    }
    memcpy(host, h, (size_t)(he - h));
    host[he - h] = 0;
    unsigned long long port;
    if (!parse_uint(colon + 1, 65535, &port))
        return 0;
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                              .ai_flags = AI_PASSIVE | AI_NUMERICSERV }, *res;
    if (getaddrinfo(host, colon + 1, &hints, &res) != 0)
        return 0;
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
    freeaddrinfo(res);
    return 1;
}

/* ---- lifecycle ------------------------------------------------------------------------- */

static void log_generation(const server *srv, const char *what)
{
    poisk_serve_index *h = poisk_serve_slot_acquire(srv->slot);
    const poisk_index_stats *st = poisk_serve_index_stats(h);
    fprintf(stderr, "searcher: %s %s (generation %llu, %llu passages)\n", what, srv->cfg.dir,
            (unsigned long long)st->generation, (unsigned long long)st->passages);
    poisk_serve_index_release(h);
}

static void serve_reload(server *srv)
{
    poisk_error err = { 0 };
    if (poisk_serve_slot_reload(srv->slot, &err) != POISK_OK)
        fprintf(stderr, "searcher: reload of %s failed, still serving the previous index: %s\n",
                srv->cfg.dir, err.message);
    else
        log_generation(srv, "reloaded");
}

/* The main thread's job: wait for signals, poll CURRENT, and stop cleanly. */
static void serve_control_loop(server *srv, const sigset_t *sigs)
{
    unsigned ms = srv->cfg.reload_ms ? srv->cfg.reload_ms : 1000;
    for (;;) {
        struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
        int sig = sigtimedwait(sigs, NULL, &ts);
        if (sig == SIGTERM || sig == SIGINT)
            return;
        if (sig == SIGHUP)
            serve_reload(srv);
        else if (sig < 0 && srv->cfg.reload_ms && poisk_serve_slot_changed(srv->slot))
            serve_reload(srv);
    }
}

/* Stop accepting, give requests in progress up to 5 s to finish, then stop the daemon. */
static void serve_stop(server *srv)
{
    poisk_mhd_quiesce_daemon(srv->daemon);
    for (int i = 0; i < 500 && atomic_load(&srv->active) > 0; i++) {
        struct timespec ts = { 0, 10 * 1000000L };
        nanosleep(&ts, NULL);
    }
    poisk_mhd_stop_daemon(srv->daemon);
    srv->daemon = NULL;
}

static int serve_start(server *srv, struct sockaddr_storage *addr)
{
    struct sockaddr_storage ss = *addr;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ITC |
                     MHD_USE_ERROR_LOG | (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0);
    /* The read buffer must hold the longest URI we answer with our own JSON 414, plus
     * headers; anything longer gets libmicrohttpd's own error. */
    size_t mem = srv->cfg.max_uri * 2 + 32768;
    srv->daemon = poisk_mhd_start_daemon(
        flags, 0, NULL, NULL, access_handler, srv,
        MHD_OPTION_EXTERNAL_LOGGER, mhd_log, srv,   /* must come first to catch everything */
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_THREAD_POOL_SIZE, srv->cfg.threads,
        MHD_OPTION_CONNECTION_LIMIT, srv->cfg.max_connections + srv->cfg.max_connections / 4 + 8,
        MHD_OPTION_CONNECTION_TIMEOUT, srv->cfg.timeout_s,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, mem,
        MHD_OPTION_URI_LOG_CALLBACK, uri_log, srv,
        MHD_OPTION_NOTIFY_COMPLETED, request_completed, srv,
        MHD_OPTION_NOTIFY_CONNECTION, connection_notify, srv,
        MHD_OPTION_END);
    if (!srv->daemon) {
        fprintf(stderr, "searcher serve: cannot listen on %s: %s (address in use or not local?)\n",
                srv->cfg.listen, strerror(errno));
        return 1;
    }
    const union MHD_DaemonInfo *di =
        poisk_mhd_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    char host[256];
    snprintf(host, sizeof host, "%.*s", (int)(strrchr(srv->cfg.listen, ':') - srv->cfg.listen),
             srv->cfg.listen);
    fprintf(stderr, "searcher: listening on http://%s:%u/ (%u threads), index %s\n", host,
            di ? di->port : 0, srv->cfg.threads, srv->cfg.dir);
    return 0;
}

int poisk_serve_main(int argc, char **argv)
{
    server srv;
    memset(&srv, 0, sizeof srv);
    int rc = serve_parse_args(argc, argv, &srv.cfg);
    if (rc >= 0)
        return rc;
    poisk_serve_stats_init(&srv.stats);
    atomic_init(&srv.connections, 0);
    atomic_init(&srv.active, 0);
    srv.started = time(NULL);

    /* Block the control signals before any thread exists, so every worker inherits the
     * mask and only sigtimedwait() in the main thread ever sees them. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct sockaddr_storage addr;
    socklen_t addrlen;
    if (!parse_listen(srv.cfg.listen, &addr, &addrlen)) {
        fprintf(stderr, "searcher serve: cannot parse --listen '%s'; expected ADDR:PORT such as "
                "127.0.0.1:8765\n", srv.cfg.listen);
        return 2;
    }
    char why[600];
    if (poisk_mhd_load(why, sizeof why) != 0) {
        fprintf(stderr, "searcher serve: cannot load the HTTP library: %s\n", why);
        return 1;
    }
    poisk_error err = { 0 };
    if (poisk_serve_slot_open(srv.cfg.dir, &srv.slot, &err) != POISK_OK) {
        fprintf(stderr, "searcher serve: %s\n", err.message[0] ? err.message : poisk_strerror(err.rc));
        return 1;
    }
    if ((rc = serve_start(&srv, &addr)) != 0) {
        poisk_serve_slot_close(srv.slot);
        return rc;
    }
    serve_control_loop(&srv, &sigs);
    serve_stop(&srv);
    poisk_serve_slot_close(srv.slot);
    if (!srv.cfg.quiet)
        fprintf(stderr, "searcher: stopped after %llu queries\n",
                (unsigned long long)atomic_load(&srv.stats.queries));
    return 0;
}
