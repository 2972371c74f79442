/*
 * fuzz_serve_request.c: the server's request handling above HTTP (searcher/serve_request.c,
 * serve_json.c): a GET query string (split on & and =, percent-decoded as libmicrohttpd
 * hands it over) or a POST JSON body becomes a checked poisk_serve_query, and any text is
 * escaped into JSON.  Promises: no crash or leak on any bytes; every accepted request
 * respects the limits (q and every filter value within max_query_bytes and valid UTF-8,
 * 1 <= k <= max_k, at most 64 values per filter); an error always carries a message; the
 * JSON escaping of any bytes is valid UTF-8 that cJSON parses back.
 */
#include "fuzz_common.h"
#include "serve_request.h"
#include "serve_json.h"
#include <cjson/cJSON.h>

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* In-place percent and '+' decoding, like MHD_http_unescape. @return : new length */
static size_t unescape(char *s, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n + 0 && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            s[o++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        } else {
            s[o++] = s[i] == '+' ? ' ' : s[i];
        }
    }
    return o;
}

static void check_query(const poisk_serve_query *sq, const poisk_serve_limits *lim)
{
    FUZZ_CHECK(sq->k >= 1 && sq->k <= lim->max_k);
    if (sq->q)
        FUZZ_CHECK(strlen(sq->q) <= lim->max_query_bytes && poisk_utf8_valid(sq->q, strlen(sq->q)));
    for (int f = 0; f < 3; f++) {
        FUZZ_CHECK(sq->n_filters[f] <= 64);
        for (size_t i = 0; i < sq->n_filters[f]; i++) {
            const char *v = sq->filters[f][i];
            FUZZ_CHECK(v && strlen(v) > 0 && strlen(v) <= lim->max_query_bytes);
        }
        if (sq->n_filters[f])
            FUZZ_CHECK(sq->filters[f][sq->n_filters[f]] == NULL);
    }
}

static void check_json_escape(const char *s, size_t n)
{
    poisk_strbuf b = { 0 };
    poisk_strbuf_json_string(&b, s, n);
    size_t len;
    char *out = poisk_strbuf_take(&b, &len);
    FUZZ_CHECK(out && len >= 2 && out[0] == '"' && out[len - 1] == '"');
    FUZZ_CHECK(poisk_utf8_valid(out, len));
    cJSON *j = cJSON_ParseWithLength(out, len);
    FUZZ_CHECK(j && cJSON_IsString(j));
    cJSON_Delete(j);
    free(out);
    char *e = poisk_json_error("syntax", s, &len);   /* s is NUL-terminated by the caller */
    FUZZ_CHECK(e);
    cJSON *je = cJSON_ParseWithLength(e, len);
    FUZZ_CHECK(je && cJSON_IsObject(je));
    cJSON_Delete(je);
    free(e);
}

static int fuzz_serve_request(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    poisk_serve_limits lim = { .max_query_bytes = 64 + data[0] * 4u, .max_k = 1000 };
    char *s = malloc(size);
    memcpy(s, data + 1, size - 1);
    s[size - 1] = 0;
    size_t n = size - 1;
    poisk_serve_query sq;
    poisk_serve_query_init(&sq);
    poisk_error err = { 0 };
    int rc = POISK_OK;
    if (data[0] & 1) {
        rc = poisk_serve_query_from_json(&sq, s, n, &lim, &err);
    } else {
        /* GET: key=value pairs separated by '&', decoded one by one. */
        char *copy = malloc(n + 1);
        memcpy(copy, s, n + 1);
        size_t i = 0;
        while (i <= n && rc == POISK_OK) {
            size_t j = i;
            while (j < n && copy[j] != '&')
                j++;
            size_t eq = i;
            while (eq < j && copy[eq] != '=')
                eq++;
            size_t klen = unescape(copy + i, eq - i);
            const char *val = NULL;
            size_t vlen = 0;
            if (eq < j) {
                vlen = unescape(copy + eq + 1, j - eq - 1);
                val = copy + eq + 1;
            }
            rc = poisk_serve_query_set(&sq, copy + i, klen, val, vlen, &lim, &err);
            i = j + 1;
        }
        free(copy);
    }
    if (rc == POISK_OK) {
        check_query(&sq, &lim);
        if (poisk_serve_query_check(&sq, &err) != POISK_OK)
            FUZZ_CHECK(err.message[0] != 0);
    } else {
        FUZZ_CHECK(err.rc == rc && err.message[0] != 0);
    }
    poisk_serve_query_free(&sq);
    check_json_escape(s, strlen(s));
    free(s);
    return 0;
}

POISK_FUZZ_ENTRY(fuzz_serve_request)
