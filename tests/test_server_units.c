/* test_server_units.c: the HTTP server's building blocks, without a socket: request
 * parameters and limits (serve_request.c), JSON escaping and UTF-8 checks (serve_json.c),
 * the latency histogram (serve_stats.c). */
#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <string.h>

#include "serve_json.h"
#include "serve_request.h"
#include "serve_stats.h"

static const poisk_serve_limits lim = { 64, 100 };

static int set(poisk_serve_query *sq, const char *k, const char *v, poisk_error *err)
{
    return poisk_serve_query_set(sq, k, strlen(k), v, v ? strlen(v) : 0, &lim, err);
}

Test(serve_request, get_parameters_fill_the_options)
{
    poisk_serve_query sq;
    poisk_serve_query_init(&sq);
    poisk_error err = { 0 };
    cr_assert_eq(set(&sq, "q", "телемедицин*", &err), POISK_OK);
    cr_assert_eq(set(&sq, "k", "7", &err), POISK_OK);
    cr_assert_eq(set(&sq, "region", "stavropol", &err), POISK_OK);
    cr_assert_eq(set(&sq, "region", "tambov", &err), POISK_OK);
    cr_assert_eq(set(&sq, "section", "proekty", &err), POISK_OK);
    cr_assert_eq(set(&sq, "count", NULL, &err), POISK_OK);          /* bare flag */
    cr_assert_eq(set(&sq, "all", "true", &err), POISK_OK);
    cr_assert_eq(set(&sq, "explain", "0", &err), POISK_OK);
    cr_assert_eq(poisk_serve_query_set(&sq, "", 0, "", 0, &lim, &err), POISK_OK);  /* "&&" */
    cr_assert_eq(poisk_serve_query_check(&sq, &err), POISK_OK);
    poisk_search_options o;
    memset(&o, 0, sizeof o);
    poisk_serve_query_options(&sq, &lim, &o);
    cr_assert_eq(o.k, 7);
    cr_assert(o.count && o.all && !o.explain && !o.by_region);
    cr_assert_str_eq(o.regions[0], "stavropol");
    cr_assert_str_eq(o.regions[1], "tambov");
    cr_assert_null(o.regions[2]);
    cr_assert_str_eq(o.sections[0], "proekty");
    cr_assert_null(o.sections[1]);
    cr_assert_null(o.sectors);
    cr_assert_eq(o.max_k, 100);
    cr_assert_eq(o.max_query_bytes, 64);
    poisk_serve_query_free(&sq);
}

Test(serve_request, bad_values_and_limits_are_errors_with_codes)
{
    poisk_serve_query sq;
    poisk_serve_query_init(&sq);
    poisk_error err = { 0 };
    cr_assert_eq(poisk_serve_query_check(&sq, &err), POISK_EINVAL);   /* no q */
    cr_assert_eq(set(&sq, "k", "0", &err), POISK_EINVAL);
    cr_assert_eq(set(&sq, "k", "-3", &err), POISK_EINVAL);
    cr_assert_eq(set(&sq, "k", "12abc", &err), POISK_EINVAL);
    cr_assert_eq(set(&sq, "k", "101", &err), POISK_ETOOLONG);
    cr_assert_eq(set(&sq, "k", "99999999999999999999", &err), POISK_ETOOLONG);
    cr_assert_eq(set(&sq, "count", "maybe", &err), POISK_EINVAL);
    cr_assert_eq(set(&sq, "regoin", "x", &err), POISK_EINVAL);
    cr_assert(strstr(err.message, "regoin"));
    cr_assert_eq(set(&sq, "region", "", &err), POISK_EINVAL);
    char longq[100];
    memset(longq, 'a', 99);
    longq[99] = 0;
    cr_assert_eq(set(&sq, "q", longq, &err), POISK_ETOOLONG);
    cr_assert_eq(set(&sq, "q", "\xff\xfe", &err), POISK_EINVAL);
    cr_assert_eq(poisk_serve_query_set(&sq, "q", 1, "a\0b", 3, &lim, &err), POISK_EINVAL);
    for (int i = 0; i < 64; i++)
        cr_assert_eq(set(&sq, "sector", "health", &err), POISK_OK);
    cr_assert_eq(set(&sq, "sector", "health", &err), POISK_ETOOLONG);
    poisk_serve_query_free(&sq);
}

Test(serve_request, json_body_uses_the_same_names)
{
    poisk_serve_query sq;
    poisk_serve_query_init(&sq);
    poisk_error err = { 0 };
    const char *body = "{\"q\":\"цифровой помощник\",\"k\":3,\"region\":[\"a\",\"b\"],"
                       "\"sector\":\"edu\",\"by_region\":true,\"count\":1,\"explain\":null}";
    cr_assert_eq(poisk_serve_query_from_json(&sq, body, strlen(body), &lim, &err), POISK_OK,
                 "%s", err.message);
    cr_assert_str_eq(sq.q, "цифровой помощник");
    cr_assert_eq(sq.k, 3);
    cr_assert(sq.by_region && sq.count && !sq.explain);
    cr_assert_eq(sq.n_filters[2], 2);
    cr_assert_eq(sq.n_filters[1], 1);
    poisk_serve_query_free(&sq);

    static const char *const bad[] = {
        "", "[1,2]", "{\"q\":", "{\"q\":\"x\",\"k\":2.5}", "{\"q\":\"x\",\"k\":-1}",
        "{\"q\":[\"x\"]}", "{\"q\":\"x\",\"region\":[1]}", "{\"q\":{}}", "{\"zz\":1}",
        "{\"q\":\"x\",\"k\":1e300}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        poisk_serve_query_init(&sq);
        int rc = poisk_serve_query_from_json(&sq, bad[i], strlen(bad[i]), &lim, &err);
        cr_assert_eq(rc, POISK_EINVAL, "accepted %s", bad[i]);
        cr_assert(err.message[0]);
        poisk_serve_query_free(&sq);
    }
}

Test(serve_json, escaping_always_gives_parsable_json)
{
    const char raw[] = "a\"b\\c\n\t\x01 Ст\xff\xd0 end";
    poisk_strbuf b = { 0 };
    poisk_strbuf_puts(&b, "{\"s\":");
    poisk_strbuf_json_string(&b, raw, sizeof raw - 1);
    poisk_strbuf_puts(&b, "}");
    size_t len;
    char *s = poisk_strbuf_take(&b, &len);
    cr_assert_not_null(s);
    cr_assert(poisk_utf8_valid(s, len), "escaped output must be valid UTF-8: %s", s);
    cJSON *j = cJSON_Parse(s);
    cr_assert_not_null(j, "%s", s);
    const char *v = cJSON_GetObjectItem(j, "s")->valuestring;
    cr_assert(strncmp(v, "a\"b\\c\n\t\x01 Ст", strlen("a\"b\\c\n\t\x01 Ст")) == 0);
    cr_assert(strstr(v, "\xEF\xBF\xBD"), "bad bytes become U+FFFD");
    cJSON_Delete(j);
    free(s);

    char *e = poisk_json_error("syntax", "unbalanced \" in query", &len);
    j = cJSON_Parse(e);
    cr_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "error"), "code")->valuestring,
                     "syntax");
    cJSON_Delete(j);
    free(e);
}

Test(serve_json, utf8_validator_rejects_malformed_sequences)
{
    cr_assert(poisk_utf8_valid("телемедицина", strlen("телемедицина")));
    cr_assert(poisk_utf8_valid("\xF0\x9F\x98\x80", 4));
    cr_assert_not(poisk_utf8_valid("\xC0\xAF", 2));           /* overlong '/' */
    cr_assert_not(poisk_utf8_valid("\xED\xA0\x80", 3));       /* surrogate */
    cr_assert_not(poisk_utf8_valid("\xF4\x90\x80\x80", 4));   /* above U+10FFFF */
    cr_assert_not(poisk_utf8_valid("\xD0", 1));               /* truncated */
    cr_assert_not(poisk_utf8_valid("a\0b", 3));
}

Test(serve_stats, percentiles_come_from_the_histogram)
{
    static poisk_serve_stats s;
    poisk_serve_stats_init(&s);
    cr_assert_eq(poisk_serve_stats_percentile(&s, 0.5), 0);
    for (uint64_t us = 1; us <= 1000; us++)
        poisk_serve_stats_record(&s, us);
    uint64_t p50 = poisk_serve_stats_percentile(&s, 0.50);
    uint64_t p99 = poisk_serve_stats_percentile(&s, 0.99);
    cr_assert(p50 >= 500 && p50 <= 500 * 1.13, "p50 %llu", (unsigned long long)p50);
    cr_assert(p99 >= 990 && p99 <= 1000, "p99 %llu", (unsigned long long)p99);
    cr_assert_eq(poisk_serve_stats_percentile(&s, 1.0), 1000);
    poisk_serve_stats_record(&s, UINT64_MAX / 2);              /* off the scale: no overflow */
    cr_assert_eq(atomic_load(&s.max_us), UINT64_MAX / 2);
}
