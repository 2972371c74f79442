/*
 * poisk.h: what every part of poisk shares: result codes and their messages.
 *
 * Every fallible poisk_* function returns an int: POISK_OK (0) or one of the codes below.
 * poisk_strerror() turns a code into a sentence for people; poisk_errcode_name() into the
 * short stable string that scripts see in JSON errors ("syntax", "stopwords_only", ...).
 * The library keeps no global mutable state: two indexes may be open at once, and each
 * handle may be used by one thread at a time unless its header says otherwise.
 */
#ifndef POISK_POISK_H
#define POISK_POISK_H

#define POISK_VERSION "0.1.0"

enum poisk_rc {
    POISK_OK = 0,
    POISK_ENOMEM,          /* out of memory */
    POISK_EIO,             /* read/write/fsync/rename failed: see errno */
    POISK_ECORRUPT,        /* an index file is damaged or truncated */
    POISK_EVERSION,        /* an index file has another format version */
    POISK_ESETTINGS,       /* index built with other analyzer settings: rebuild it */
    POISK_ENOINDEX,        /* no index at the path (no CURRENT file) */
    POISK_EINVAL,          /* bad argument from the caller */
    POISK_ESYNTAX,         /* query syntax error */
    POISK_ESTOPWORDS,      /* query made only of stop words */
    POISK_EFILTER,         /* unknown filter or filter value */
    POISK_ETOOLONG,        /* query or value over a limit */
    POISK_EEMPTY,          /* nothing indexable in the input */
    POISK_EINPUT,          /* bad input document (e.g. duplicate JSON-lines id) */
    POISK_RC_COUNT
};

/* Where a message must name a file or a query position, functions also take an optional
 * poisk_error* (may be NULL) that they fill on failure. */
typedef struct poisk_error {
    int rc;               /* the poisk_rc returned */
    char message[512];    /* one line: what failed, on which file, what to do */
} poisk_error;

/*! poisk_error_set() : fill *err (if not NULL) with rc and a printf-style message. @return : rc */
int poisk_error_set(poisk_error *err, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*! poisk_strerror() : a one-line message for people. @return : static string */
const char *poisk_strerror(int rc);

/*! poisk_errcode_name() : the short stable code used in JSON errors. @return : static string */
const char *poisk_errcode_name(int rc);

#endif
