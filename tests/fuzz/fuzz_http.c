/*
 * fuzz_http.c: any bytes sent to a running `searcher serve` (searcher/serve*.c on
 * libmicrohttpd) over a loopback TCP connection.  The server runs in this process, on a
 * seed index, in a thread; the first input byte picks how the rest is framed: raw bytes
 * (malformed HTTP, huge headers), the query string of `GET /search?`, or the JSON body of
 * `POST /search`.  Promises: the server never crashes or leaks memory into invalid reads,
 * and after every input it still answers `GET /health` with 200.  tests/test_regress.c
 * replays the seeds and past findings through this harness in `make test`.
 */
#include "fuzz_index_common.h"
#include "serve.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/time.h>

static int fh_port;

static void *fh_server(void *arg)
{
    char **argv = arg;
    int argc = 0;
    while (argv[argc])
        argc++;
    int rc = poisk_serve_main(argc, argv);
    fprintf(stderr, "fuzz_http: the server stopped (exit %d)\n", rc);
    abort();                                   /* it must never stop by itself */
    return NULL;
}

static int fh_connect(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    FUZZ_CHECK(s >= 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)fh_port) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct timeval tv = { 5, 0 };
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int one = 1;                                       /* no Nagle/delayed-ACK stalls */
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(s, (struct sockaddr *)&a, sizeof a) != 0) {
        close(s);
        return -1;
    }
    return s;
}

/* Send a request, read the answer until the server closes (or 5 s); @return bytes read */
static size_t fh_exchange(const void *req, size_t n, char *resp, size_t cap)
{
    int s = fh_connect();
    FUZZ_CHECK(s >= 0);
    size_t off = 0;
    while (off < n) {
        ssize_t w = send(s, (const char *)req + off, n - off, MSG_NOSIGNAL);
        if (w <= 0)
            break;                             /* the server may close early: fine */
        off += (size_t)w;
    }
    shutdown(s, SHUT_WR);
    size_t got = 0;
    char sink[4096];
    for (;;) {
        char *dst = got < cap ? resp + got : sink;
        size_t room = got < cap ? cap - got : sizeof sink;
        ssize_t r = recv(s, dst, room, 0);
        if (r <= 0)
            break;
        if (got < cap)
            got += (size_t)r;
    }
    close(s);
    return got;
}

static void fh_start(void)
{
    if (fh_port)
        return;
    const char *dir = fuzz_index_dir();
    int s = socket(AF_INET, SOCK_STREAM, 0);            /* ask the kernel for a free port */
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = 0 };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    FUZZ_CHECK(bind(s, (struct sockaddr *)&a, sizeof a) == 0);
    FUZZ_CHECK(getsockname(s, (struct sockaddr *)&a, &al) == 0);
    fh_port = ntohs(a.sin_port);
    close(s);
    static char listen_arg[64];
    snprintf(listen_arg, sizeof listen_arg, "127.0.0.1:%d", fh_port);
    static char *argv[] = { "serve", "-i", NULL, "--listen", NULL, "--quiet", "--threads", "2",
                            "--timeout", "3", "--max-body", "4096", "--max-uri", "4096",
                            "--reload-interval", "0", NULL };
    argv[2] = (char *)dir;
    argv[4] = listen_arg;
    pthread_t t;
    FUZZ_CHECK(pthread_create(&t, NULL, fh_server, argv) == 0);
    pthread_detach(t);
    for (int i = 0; i < 500; i++) {                     /* up to 5 s to come up */
        int c = fh_connect();
        if (c >= 0) {
            close(c);
            return;
        }
        usleep(10000);
    }
    FUZZ_CHECK(!"the server did not start");
}

static void fh_health(void)
{
    static const char req[] = "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    char resp[256];
    size_t n = fh_exchange(req, sizeof req - 1, resp, sizeof resp - 1);
    resp[n] = 0;
    FUZZ_CHECK(n > 12 && strncmp(resp, "HTTP/1.1 200", 12) == 0);
}

static int fuzz_http(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    fh_start();
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    char *req = malloc(n + 256);
    size_t len = 0;
    switch (data[0] % 3) {
    case 0:                                             /* raw bytes */
        memcpy(req, p, n);
        len = n;
        break;
    case 1:                                             /* a query string */
        len = (size_t)sprintf(req, "GET /search?");
        memcpy(req + len, p, n);
        len += n;
        len += (size_t)sprintf(req + len, " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        break;
    default:                                            /* a JSON body */
        len = (size_t)sprintf(req, "POST /search HTTP/1.1\r\nHost: x\r\nContent-Type: "
                              "application/json\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n", n);
        memcpy(req + len, p, n);
        len += n;
        break;
    }
    char resp[512];
    size_t got = fh_exchange(req, len, resp, sizeof resp - 1);
    resp[got] = 0;
    if (got >= 12 && data[0] % 3)                       /* framed requests get HTTP answers */
        FUZZ_CHECK(strncmp(resp, "HTTP/1.", 7) == 0);
    free(req);
    fh_health();
    return 0;
}

POISK_FUZZ_ENTRY(fuzz_http)
