/*
 * serve_mhd.h: the libmicrohttpd functions `searcher serve` calls, loaded at run time
 * (stage: output, for services).  Same signatures as <microhttpd.h>, prefixed poisk_mhd_.
 * bin/searcher does not link libmicrohttpd: a CLI query would otherwise pay for loading it
 * and its TLS chain (gnutls, nettle, p11-kit, ...) at every process start.
 */
#ifndef POISK_SERVE_MHD_H
#define POISK_SERVE_MHD_H

#include <stddef.h>
#include <microhttpd.h>

/*! poisk_mhd_load() : load libmicrohttpd once per process (thread-safe; later calls return
 *  the first answer).  Every other poisk_mhd_ function needs it to have succeeded.
 *  @return : 0, or -1 with the reason in msg (cap bytes) */
int poisk_mhd_load(char *msg, size_t cap);

struct MHD_Daemon *poisk_mhd_start_daemon(unsigned int flags, uint16_t port,
                                          MHD_AcceptPolicyCallback apc, void *apc_cls,
                                          MHD_AccessHandlerCallback dh, void *dh_cls, ...);
void poisk_mhd_stop_daemon(struct MHD_Daemon *d);
MHD_socket poisk_mhd_quiesce_daemon(struct MHD_Daemon *d);
const union MHD_DaemonInfo *poisk_mhd_get_daemon_info(struct MHD_Daemon *d,
                                                      enum MHD_DaemonInfoType what);
struct MHD_Response *poisk_mhd_create_response_from_buffer(size_t size, void *buffer,
                                                           enum MHD_ResponseMemoryMode mode);
enum MHD_Result poisk_mhd_add_response_header(struct MHD_Response *r, const char *header,
                                              const char *content);
enum MHD_Result poisk_mhd_queue_response(struct MHD_Connection *c, unsigned int status,
                                         struct MHD_Response *r);
void poisk_mhd_destroy_response(struct MHD_Response *r);
const union MHD_ConnectionInfo *poisk_mhd_get_connection_info(struct MHD_Connection *c,
                                                              enum MHD_ConnectionInfoType what);
int poisk_mhd_get_connection_values_n(struct MHD_Connection *c, enum MHD_ValueKind kind,
                                      MHD_KeyValueIteratorN it, void *it_cls);
const char *poisk_mhd_lookup_connection_value(struct MHD_Connection *c,
                                              enum MHD_ValueKind kind, const char *key);

#endif
