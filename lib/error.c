/*
 * error.c: the messages behind poisk's result codes (include/poisk/poisk.h).
 * The short names are part of the scripting interface (JSON errors, --batch, the server):
 * never rename one.
 */
#include "poisk/poisk.h"

static const struct { const char *name, *message; } errors[POISK_RC_COUNT] = {
    [POISK_OK]         = { "ok",             "success" },
    [POISK_ENOMEM]     = { "no_memory",      "out of memory" },
    [POISK_EIO]        = { "io",             "input/output error" },
    [POISK_ECORRUPT]   = { "corrupt_index",  "index file is damaged or truncated; rebuild it with indexer -o DIR" },
    [POISK_EVERSION]   = { "index_version",  "index has another format version; rebuild it with this indexer" },
    [POISK_ESETTINGS]  = { "index_settings", "index was built with other analyzer settings; rebuild it with this indexer" },
    [POISK_ENOINDEX]   = { "no_index",       "no index there; build one with indexer -o DIR INPUT..." },
    [POISK_EINVAL]     = { "invalid",        "invalid argument" },
    [POISK_ESYNTAX]    = { "syntax",         "query syntax error" },
    [POISK_ESTOPWORDS] = { "stopwords_only", "query has only stop words; add a content word" },
    [POISK_EFILTER]    = { "unknown_filter", "unknown filter or filter value" },
    [POISK_ETOOLONG]   = { "too_long",       "over a limit" },
    [POISK_EEMPTY]     = { "empty_input",    "nothing indexable in the input" },
    [POISK_EINPUT]     = { "bad_input",      "bad input document" },
};

const char *poisk_strerror(int rc)
{
    if (rc < 0 || rc >= POISK_RC_COUNT)
        return "unknown error";
    return errors[rc].message;
}

const char *poisk_errcode_name(int rc)
{
    if (rc < 0 || rc >= POISK_RC_COUNT)
        return "internal";
    return errors[rc].name;
}

#include <stdarg.h>
#include <stdio.h>

int poisk_error_set(poisk_error *err, int rc, const char *fmt, ...)
{
    if (!err)
        return rc;
    err->rc = rc;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return rc;
}
