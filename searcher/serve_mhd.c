/*
 * serve_mhd.c: libmicrohttpd loaded with dlopen() when `searcher serve` starts (stage:
 * output, for services).  Linking it would make every bin/searcher process — one CLI query
 * each — map and relocate it and its TLS chain (gnutls, nettle, hogweed, gmp, p11-kit,
 * libidn2, libunistring, libtasn1, libffi): about 3 ms of a 20 ms start-up, for code only
 * the server runs.  The functions are looked up once per process (pthread_once) into a
 * table that never changes afterwards, and each poisk_mhd_ wrapper calls through it.
 */
#include "serve_mhd.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* the library's file name, from its SONAME at build time (Makefile) */
#ifndef POISK_MHD_SONAME
#define POISK_MHD_SONAME "libmicrohttpd.so.12"
#endif

typedef struct mhd_table {
    __typeof__(MHD_start_daemon_va) *start_daemon_va;
    __typeof__(MHD_stop_daemon) *stop_daemon;
    __typeof__(MHD_quiesce_daemon) *quiesce_daemon;
    __typeof__(MHD_get_daemon_info) *get_daemon_info;
    __typeof__(MHD_create_response_from_buffer) *create_response_from_buffer;
    __typeof__(MHD_add_response_header) *add_response_header;
    __typeof__(MHD_queue_response) *queue_response;
    __typeof__(MHD_destroy_response) *destroy_response;
    __typeof__(MHD_get_connection_info) *get_connection_info;
    __typeof__(MHD_get_connection_values_n) *get_connection_values_n;
    __typeof__(MHD_lookup_connection_value) *lookup_connection_value;
} mhd_table;

/* Written once under pthread_once, read-only afterwards (like a bound symbol). */
static mhd_table mhd;
static char mhd_error[512];
static pthread_once_t mhd_once = PTHREAD_ONCE_INIT;

static void *mhd_sym(void *h, const char *name)
{
    void *p = dlsym(h, name);
    if (!p && !mhd_error[0])
        snprintf(mhd_error, sizeof mhd_error, "%s has no %s", POISK_MHD_SONAME, name);
    return p;
}

#define MHD_BIND(h, field, name) (*(void **)&mhd.field = mhd_sym(h, name))

static void mhd_load_once(void)
{
    void *h = dlopen(POISK_MHD_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *why = dlerror();
        snprintf(mhd_error, sizeof mhd_error, "%s (install libmicrohttpd)",
                 why ? why : POISK_MHD_SONAME);
        return;
    }
    MHD_BIND(h, start_daemon_va, "MHD_start_daemon_va");
    MHD_BIND(h, stop_daemon, "MHD_stop_daemon");
    MHD_BIND(h, quiesce_daemon, "MHD_quiesce_daemon");
    MHD_BIND(h, get_daemon_info, "MHD_get_daemon_info");
    MHD_BIND(h, create_response_from_buffer, "MHD_create_response_from_buffer");
    MHD_BIND(h, add_response_header, "MHD_add_response_header");
    MHD_BIND(h, queue_response, "MHD_queue_response");
    MHD_BIND(h, destroy_response, "MHD_destroy_response");
    MHD_BIND(h, get_connection_info, "MHD_get_connection_info");
    MHD_BIND(h, get_connection_values_n, "MHD_get_connection_values_n");
    MHD_BIND(h, lookup_connection_value, "MHD_lookup_connection_value");
    /* the handle stays open for the life of the process: the server's threads run in it */
}

int poisk_mhd_load(char *msg, size_t cap)
{
    pthread_once(&mhd_once, mhd_load_once);
    if (!mhd_error[0])
        return 0;
    snprintf(msg, cap, "%s", mhd_error);
    return -1;
}

struct MHD_Daemon *poisk_mhd_start_daemon(unsigned int flags, uint16_t port,
                                          MHD_AcceptPolicyCallback apc, void *apc_cls,
                                          MHD_AccessHandlerCallback dh, void *dh_cls, ...)
{
    va_list ap;
    va_start(ap, dh_cls);
    struct MHD_Daemon *d = mhd.start_daemon_va(flags, port, apc, apc_cls, dh, dh_cls, ap);
    va_end(ap);
    return d;
}

void poisk_mhd_stop_daemon(struct MHD_Daemon *d)
{
    mhd.stop_daemon(d);
}

MHD_socket poisk_mhd_quiesce_daemon(struct MHD_Daemon *d)
{
    return mhd.quiesce_daemon(d);
}

const union MHD_DaemonInfo *poisk_mhd_get_daemon_info(struct MHD_Daemon *d,
                                                      enum MHD_DaemonInfoType what)
{
    return mhd.get_daemon_info(d, what);
}

struct MHD_Response *poisk_mhd_create_response_from_buffer(size_t size, void *buffer,
                                                           enum MHD_ResponseMemoryMode mode)
{
    return mhd.create_response_from_buffer(size, buffer, mode);
}

enum MHD_Result poisk_mhd_add_response_header(struct MHD_Response *r, const char *header,
                                              const char *content)
{
    return mhd.add_response_header(r, header, content);
}

enum MHD_Result poisk_mhd_queue_response(struct MHD_Connection *c, unsigned int status,
                                         struct MHD_Response *r)
{
    return mhd.queue_response(c, status, r);
}

void poisk_mhd_destroy_response(struct MHD_Response *r)
{
    mhd.destroy_response(r);
}

const union MHD_ConnectionInfo *poisk_mhd_get_connection_info(struct MHD_Connection *c,
                                                              enum MHD_ConnectionInfoType what)
{
    return mhd.get_connection_info(c, what);
}

int poisk_mhd_get_connection_values_n(struct MHD_Connection *c, enum MHD_ValueKind kind,
                                      MHD_KeyValueIteratorN it, void *it_cls)
{
    return mhd.get_connection_values_n(c, kind, it, it_cls);
}

const char *poisk_mhd_lookup_connection_value(struct MHD_Connection *c,
                                              enum MHD_ValueKind kind, const char *key)
{
    return mhd.lookup_connection_value(c, kind, key);
}
