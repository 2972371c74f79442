/*
 * query.c: the query language parser (stage: query text -> query tree -> evaluator).
 *
 * Grammar (docs/QUERY.md), lowest precedence first:
 *   query   := seq
 *   seq     := or_expr+                   juxtaposition: the default operator (OR, or AND
 *                                         with --all), with +required / -excluded operands
 *   or_expr := and_expr ("OR" and_expr)*
 *   and_expr:= unary ("AND" unary)*       AND binds tighter than OR
 *   unary   := ["+" | "-"] primary
 *   primary := word | word* | =word | "phrase" | key:value | "(" seq ")"
 * Filters (section:, sector:, region:) apply to the whole query wherever they are written;
 * several values of one kind are ORed, a "-" negates one.  Words are analysed later
 * (poisk_query_analyze) so that this grammar needs no index and no analyzer.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "query.h"
#include "poisk/document.h"
#include "regions.h"

const char *const poisk_query_sectors[] = {
    "edu", "health", "urban", "transport", "gov", "social", "security", "industry",
    "ecology", "agri", "sport", "tourism", "construction", "finance", NULL
};

typedef struct parser {
    const char *s;
    size_t len, at;
    int all;
    unsigned depth, max_depth;
    poisk_query *q;
    poisk_error *err;
} parser;

/* ---- tree helpers ---------------------------------------------------------------------- */

void poisk_qnode_free(poisk_qnode *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->n_cl; i++)
        poisk_qnode_free(n->cl[i].node);
    for (size_t i = 0; i < n->n_pos; i++)
        free(n->pos[i].alt);
    free(n->pos);
    free(n->cl);
    free(n->text);
    free(n);
}

void poisk_query_free(poisk_query *q)
{
    if (!q)
        return;
    poisk_qnode_free(q->root);
    for (size_t i = 0; i < q->n_filters; i++)
        free(q->filters[i].value);
    free(q->filters);
    for (size_t i = 0; i < q->n_terms; i++)
        free(q->terms[i].text);
    free(q->terms);
    free(q);
}

static poisk_qnode *node_new(poisk_qnode_kind kind, const char *text, size_t len, size_t off)
{
    poisk_qnode *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->kind = kind;
    n->offset = off;
    if (text) {
        n->text = malloc(len + 1);
        if (!n->text) {
            free(n);
            return NULL;
        }
        memcpy(n->text, text, len);
        n->text[len] = 0;
        n->len = len;
    }
    return n;
}

static int node_add(poisk_qnode *b, poisk_occur occ, poisk_qnode *child)
{
    poisk_qclause *cl = realloc(b->cl, (b->n_cl + 1) * sizeof *cl);
    if (!cl)
        return POISK_ENOMEM;
    b->cl = cl;
    b->cl[b->n_cl].occ = occ;
    b->cl[b->n_cl].node = child;
    b->n_cl++;
    return POISK_OK;
}

size_t poisk_query_term(poisk_query *q, const char *text, size_t len, int exact)
{
    for (size_t i = 0; i < q->n_terms; i++)
        if (q->terms[i].exact == exact && q->terms[i].len == len &&
            memcmp(q->terms[i].text, text, len) == 0)
            return i;
    if (q->n_terms == q->cap_terms) {
        size_t cap = q->cap_terms ? q->cap_terms * 2 : 8;
        poisk_qterm *t = realloc(q->terms, cap * sizeof *t);
        if (!t)
            return (size_t)-1;
        q->terms = t;
        q->cap_terms = cap;
    }
    char *copy = malloc(len + 1);
    if (!copy)
        return (size_t)-1;
    memcpy(copy, text, len);
    copy[len] = 0;
    q->terms[q->n_terms] = (poisk_qterm){ copy, len, exact };
    return q->n_terms++;
}

/* ---- filters --------------------------------------------------------------------------- */

static int section_from_value(const char *v)
{
    int s = poisk_section_from_id(v);
    if (s >= 0)
        return s;
    /* Template numbers 1-8 are what analysts see in the documents. */
    if (v[0] >= '1' && v[0] <= '8' && v[1] == 0)
        return v[0] - '1';
    return -1;
}

int poisk_query_add_filter(poisk_query *q, poisk_qfilter_kind kind, const char *value,
                           int negated, poisk_error *err)
{
    size_t vlen = strlen(value);
    const char *canon = value;
    int section = -1;
    char lower[64];
    if (kind == QF_SECTION || kind == QF_SECTOR) {
        if (vlen == 0 || vlen >= sizeof lower)
            return poisk_error_set(err, POISK_EFILTER, "unknown %s '%.60s'",
                                   kind == QF_SECTION ? "section" : "sector", value);
        for (size_t i = 0; i <= vlen; i++)
            lower[i] = (char)tolower((unsigned char)value[i]);
        canon = lower;
    }
    if (kind == QF_SECTION) {
        section = section_from_value(lower);
        if (section < 0)
            return poisk_error_set(err, POISK_EFILTER,
                                   "unknown section '%.60s'; use one of osnovnye kartochka "
                                   "prioritety problemy vzaimosvyaz proekty pokazateli resursy "
                                   "prilozhenie other, or 1-8", value);
        canon = poisk_section_id((poisk_section)section);
    } else if (kind == QF_SECTOR) {
        size_t i = 0;
        while (poisk_query_sectors[i] && strcmp(poisk_query_sectors[i], lower) != 0)
            i++;
        if (!poisk_query_sectors[i])
            return poisk_error_set(err, POISK_EFILTER,
                                   "unknown sector '%.60s'; use one of edu health urban "
                                   "transport gov social security industry ecology agri sport "
                                   "tourism construction finance", value);
    } else {
        const poisk_region *r = vlen ? poisk_region_lookup(value, vlen) : NULL;
        if (!r)
            return poisk_error_set(err, POISK_EFILTER,
                                   "unknown region '%.100s'; use a slug (stavropol) or a name "
                                   "(Ставропольский край)", value);
        canon = r->slug;
    }
    poisk_qfilter *f = realloc(q->filters, (q->n_filters + 1) * sizeof *f);
    if (!f)
        return POISK_ENOMEM;
    q->filters = f;
    char *copy = strdup(canon);
    if (!copy)
        return POISK_ENOMEM;
    q->filters[q->n_filters++] = (poisk_qfilter){ kind, negated, copy, section };
    return POISK_OK;
}

/* ---- lexing ---------------------------------------------------------------------------- */

static int is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

static void skip_space(parser *p)
{
    while (p->at < p->len && is_space((unsigned char)p->s[p->at]))
        p->at++;
}

/* A word runs to the next space, parenthesis or quote. */
static size_t word_end(const parser *p, size_t from)
{
    size_t i = from;
    while (i < p->len && !is_space((unsigned char)p->s[i]) && p->s[i] != '(' &&
           p->s[i] != ')' && p->s[i] != '"')
        i++;
    return i;
}

static int keyword_at(const parser *p, const char *kw)
{
    size_t n = strlen(kw);
    if (p->at + n > p->len || memcmp(p->s + p->at, kw, n) != 0)
        return 0;
    return word_end(p, p->at) == p->at + n;
}

static int syntax(parser *p, size_t at, const char *what)
{
    return poisk_error_set(p->err, POISK_ESYNTAX, "query syntax error at byte %zu: %s", at,
                           what);
}

static int parse_seq(parser *p, poisk_qnode **out);

/* key:value where key is ASCII letters: a filter.  Returns 1 when one was parsed. */
static int parse_filter(parser *p, int negated, int *rc)
{
    size_t k = p->at;
    while (k < p->len && ((p->s[k] >= 'a' && p->s[k] <= 'z') || (p->s[k] >= 'A' && p->s[k] <= 'Z')))
        k++;
    if (k == p->at || k >= p->len || p->s[k] != ':' || k + 1 >= p->len ||
        is_space((unsigned char)p->s[k + 1]) || p->s[k + 1] == ')')
        return 0;
    size_t key_at = p->at, key_len = k - p->at;
    size_t v = k + 1, v_end;
    const char *val;
    size_t val_len;
    if (p->s[v] == '"') {
        const char *close = memchr(p->s + v + 1, '"', p->len - v - 1);
        if (!close) {
            *rc = syntax(p, v, "unbalanced quote in a filter value");
            return 1;
        }
        val = p->s + v + 1;
        val_len = (size_t)(close - val);
        v_end = (size_t)(close - p->s) + 1;
    } else {
        v_end = word_end(p, v);
        val = p->s + v;
        val_len = v_end - v;
    }
    static const char *const keys[QF_KINDS] = { "section", "sector", "region" };
    int kind = -1;
    for (int i = 0; i < QF_KINDS; i++)
        if (strlen(keys[i]) == key_len && strncasecmp(keys[i], p->s + key_at, key_len) == 0)
            kind = i;
    if (kind < 0) {
        *rc = poisk_error_set(p->err, POISK_EFILTER,
                              "unknown filter '%.*s:' at byte %zu; filters are section:, "
                              "sector:, region:", (int)(key_len > 40 ? 40 : key_len),
                              p->s + key_at, key_at);
        return 1;
    }
    char *value = strndup(val, val_len);
    if (!value) {
        *rc = POISK_ENOMEM;
        return 1;
    }
    *rc = poisk_query_add_filter(p->q, (poisk_qfilter_kind)kind, value, negated, p->err);
    free(value);
    p->at = v_end;
    return 1;
}

/* primary; *out is NULL for a filter (it went to the filter list). */
static int parse_primary(parser *p, int negated, poisk_qnode **out)
{
    *out = NULL;
    size_t start = p->at;
    char c = p->s[p->at];
    if (c == '(') {
        if (++p->depth > p->max_depth)
            return poisk_error_set(p->err, POISK_ETOOLONG,
                                   "query nests parentheses deeper than %u", p->max_depth);
        p->at++;
        int rc = parse_seq(p, out);
        if (rc)
            return rc;
        skip_space(p);
        if (p->at >= p->len || p->s[p->at] != ')') {
            poisk_qnode_free(*out);
            *out = NULL;
            return syntax(p, start, "unbalanced parenthesis");
        }
        p->at++;
        p->depth--;
        if ((*out)->n_cl == 0) {   /* only filters inside */
            poisk_qnode_free(*out);
            *out = NULL;
        } else if ((*out)->n_cl == 1 && (*out)->cl[0].occ != Q_NOT) {
            /* (x) is x: one clause matches and scores like its node */
            poisk_qnode *inner = (*out)->cl[0].node;
            (*out)->n_cl = 0;
            poisk_qnode_free(*out);
            *out = inner;
        }
        return POISK_OK;
    }
    if (c == ')')
        return syntax(p, start, "unbalanced parenthesis");
    if (c == '"') {
        const char *close = memchr(p->s + p->at + 1, '"', p->len - p->at - 1);
        if (!close)
            return syntax(p, start, "unbalanced quote");
        size_t n = (size_t)(close - (p->s + p->at + 1));
        *out = node_new(QN_PHRASE, p->s + p->at + 1, n, start);
        if (!*out)
            return POISK_ENOMEM;
        p->at = (size_t)(close - p->s) + 1;
        return POISK_OK;
    }
    int rc = POISK_OK;
    if (parse_filter(p, negated, &rc))
        return rc;
    size_t end = word_end(p, p->at);
    const char *w = p->s + p->at;
    size_t n = end - p->at;
    poisk_qnode_kind kind = QN_WORD;
    if (w[0] == '=') {
        kind = QN_EXACT;
        w++, n--;
    }
    if (n && w[n - 1] == '*') {
        if (kind == QN_EXACT)
            return syntax(p, start, "=word* is not allowed: use word* or =word");
        kind = QN_PREFIX;
        while (n && w[n - 1] == '*')
            n--;
    }
    for (size_t i = 0; i < n; i++)
        if (w[i] == '*')
            return syntax(p, start + i, "'*' is allowed only at the end of a word");
    if (n == 0)
        return syntax(p, start, kind == QN_PREFIX ? "'*' needs a prefix before it"
                                                  : "'=' needs a word after it");
    *out = node_new(kind, w, n, start);
    if (!*out)
        return POISK_ENOMEM;
    p->at = end;
    return POISK_OK;
}

/* unary: [+|-] primary.  *occ gets Q_MUST / Q_NOT / -1 (no sign). */
static int parse_unary(parser *p, int *occ, poisk_qnode **out)
{
    *occ = -1;
    *out = NULL;
    skip_space(p);
    if (p->at >= p->len)
        return syntax(p, p->at, "an operand is missing at the end");
    char c = p->s[p->at];
    if ((c == '+' || c == '-') && p->at + 1 < p->len && !is_space((unsigned char)p->s[p->at + 1])) {
        *occ = c == '+' ? Q_MUST : Q_NOT;
        p->at++;
        if (p->s[p->at] == '+' || p->s[p->at] == '-')
            return syntax(p, p->at, "two signs in a row");
    }
    if (keyword_at(p, "AND") || keyword_at(p, "OR"))
        return syntax(p, p->at, "AND/OR needs an operand on both sides");
    return parse_primary(p, *occ == Q_NOT, out);
}

static int bool_only_nots(const poisk_qnode *b)
{
    for (size_t i = 0; i < b->n_cl; i++)
        if (b->cl[i].occ != Q_NOT)
            return 0;
    return b->n_cl > 0;
}

/* and_expr: unary (AND unary)*.  A single operand is returned as is with its sign. */
static int parse_and(parser *p, int *occ, poisk_qnode **out)
{
    poisk_qnode *first;
    size_t start = p->at;
    int rc = parse_unary(p, occ, &first);
    if (rc)
        return rc;
    skip_space(p);
    if (!keyword_at(p, "AND")) {
        *out = first;
        return POISK_OK;
    }
    poisk_qnode *b = node_new(QN_BOOL, NULL, 0, start);
    if (!b || (first && node_add(b, *occ == Q_NOT ? Q_NOT : Q_MUST, first))) {
        poisk_qnode_free(first);
        poisk_qnode_free(b);
        return POISK_ENOMEM;
    }
    while (skip_space(p), keyword_at(p, "AND")) {
        p->at += 3;
        int o;
        poisk_qnode *n;
        if ((rc = parse_unary(p, &o, &n))) {
            poisk_qnode_free(b);
            return rc;
        }
        if (n && node_add(b, o == Q_NOT ? Q_NOT : Q_MUST, n)) {
            poisk_qnode_free(n);
            poisk_qnode_free(b);
            return POISK_ENOMEM;
        }
    }
    if (bool_only_nots(b)) {
        poisk_qnode_free(b);
        return syntax(p, start, "an AND of exclusions only matches nothing to rank");
    }
    *occ = -1;
    *out = b;
    return POISK_OK;
}

/* or_expr: and_expr (OR and_expr)*. */
static int parse_or(parser *p, int *occ, poisk_qnode **out)
{
    size_t start = p->at;
    int rc = parse_and(p, occ, out);
    if (rc)
        return rc;
    skip_space(p);
    if (!keyword_at(p, "OR"))
        return POISK_OK;
    if (*occ != -1) {
        poisk_qnode_free(*out);
        *out = NULL;
        return syntax(p, start, "+/- cannot mark an operand of OR; use parentheses");
    }
    poisk_qnode *b = node_new(QN_BOOL, NULL, 0, start);
    if (!b || (*out && node_add(b, Q_SHOULD, *out))) {
        poisk_qnode_free(*out);
        poisk_qnode_free(b);
        *out = NULL;
        return POISK_ENOMEM;
    }
    *out = NULL;
    while (skip_space(p), keyword_at(p, "OR")) {
        p->at += 2;
        int o;
        poisk_qnode *n;
        size_t at = p->at;
        if ((rc = parse_and(p, &o, &n))) {
            poisk_qnode_free(b);
            return rc;
        }
        if (o != -1) {
            poisk_qnode_free(n);
            poisk_qnode_free(b);
            return syntax(p, at, "+/- cannot mark an operand of OR; use parentheses");
        }
        if (n && node_add(b, Q_SHOULD, n)) {
            poisk_qnode_free(n);
            poisk_qnode_free(b);
            return POISK_ENOMEM;
        }
    }
    *out = b;
    return POISK_OK;
}

static int parse_seq(parser *p, poisk_qnode **out)
{
    poisk_qnode *b = node_new(QN_BOOL, NULL, 0, p->at);
    if (!b)
        return POISK_ENOMEM;
    size_t start = p->at;
    for (;;) {
        skip_space(p);
        if (p->at >= p->len || p->s[p->at] == ')')
            break;
        /* A lone + or - between spaces is punctuation, not an operator. */
        if ((p->s[p->at] == '+' || p->s[p->at] == '-') &&
            (p->at + 1 == p->len || is_space((unsigned char)p->s[p->at + 1]))) {
            p->at++;
            continue;
        }
        int occ;
        poisk_qnode *n;
        int rc = parse_or(p, &occ, &n);
        if (rc) {
            poisk_qnode_free(b);
            return rc;
        }
        if (!n)
            continue;
        poisk_occur o = occ == Q_MUST ? Q_MUST : occ == Q_NOT ? Q_NOT
                      : p->all ? Q_MUST : Q_SHOULD;
        if (node_add(b, o, n)) {
            poisk_qnode_free(n);
            poisk_qnode_free(b);
            return POISK_ENOMEM;
        }
    }
    if (bool_only_nots(b)) {
        poisk_qnode_free(b);
        return syntax(p, start, "a query of exclusions only (-word) has nothing to rank; "
                                "add a word to search for");
    }
    *out = b;
    return POISK_OK;
}

int poisk_query_parse(const char *text, size_t len, int all, const poisk_query_limits *lim,
                      poisk_query **out, poisk_error *err)
{
    *out = NULL;
    size_t max_bytes = lim && lim->max_query_bytes ? lim->max_query_bytes : 8192;
    if (len > max_bytes)
        return poisk_error_set(err, POISK_ETOOLONG,
                               "query is %zu bytes, over the limit of %zu", len, max_bytes);
    if (memchr(text, 0, len))
        return poisk_error_set(err, POISK_ESYNTAX, "query syntax error: NUL byte in the query");
    poisk_query *q = calloc(1, sizeof *q);
    if (!q)
        return POISK_ENOMEM;
    parser p = { text, len, 0, all, 0, lim && lim->max_depth ? lim->max_depth : 32, q, err };
    int rc = parse_seq(&p, &q->root);
    if (!rc && p.at < p.len)
        rc = syntax(&p, p.at, "unbalanced parenthesis");
    if (!rc && q->root->n_cl == 0)
        rc = poisk_error_set(err, POISK_ESYNTAX, "query syntax error: no word to search for%s",
                             q->n_filters ? " (filters alone select, they do not rank)" : "");
    if (rc) {
        poisk_query_free(q);
        return rc;
    }
    *out = q;
    return POISK_OK;
}

/* ---- analysis -------------------------------------------------------------------------- */

typedef struct tokpos {
    uint32_t position;
    size_t term;
} tokpos;

/* Analyse a text into (position, term) pairs. */
static int analyze_text(poisk_query *q, poisk_analyzer *a, const char *text, size_t len,
                        tokpos **out, size_t *n_out)
{
    size_t n = 0, cap = 0;
    tokpos *v = NULL;
    poisk_token tok;
    poisk_analyzer_reset(a, text, len);
    while (poisk_analyzer_next(a, &tok)) {
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            tokpos *nv = realloc(v, cap * sizeof *nv);
            if (!nv) {
                free(v);
                return POISK_ENOMEM;
            }
            v = nv;
        }
        size_t t = poisk_query_term(q, tok.term, tok.term_len, 0);
        if (t == (size_t)-1) {
            free(v);
            return POISK_ENOMEM;
        }
        v[n++] = (tokpos){ tok.position, t };
    }
    *out = v;
    *n_out = n;
    return POISK_OK;
}

/* Turn a WORD or PHRASE into TERM (one position, one term) or PHRASE (positions with
 * alternatives).  Returns 0 tokens via *empty when everything was a stop word. */
static int analyze_words(poisk_query *q, poisk_analyzer *a, poisk_qnode *n, int *empty)
{
    tokpos *v;
    size_t nv;
    int rc = analyze_text(q, a, n->text, n->len, &v, &nv);
    if (rc)
        return rc;
    *empty = nv == 0;
    if (nv == 0)
        return POISK_OK;
    if (nv == 1) {
        n->kind = QN_TERM;
        n->term = v[0].term;
        free(v);
        return POISK_OK;
    }
    /* Group by position: tokens flagged SAME_POSITION share the previous one's position. */
    size_t npos = 0;
    for (size_t i = 0; i < nv; i++)
        if (i == 0 || v[i].position != v[i - 1].position)
            npos++;
    poisk_qpos *pos = calloc(npos, sizeof *pos);
    if (!pos) {
        free(v);
        return POISK_ENOMEM;
    }
    size_t k = (size_t)-1;
    for (size_t i = 0; i < nv; i++) {
        if (i == 0 || v[i].position != v[i - 1].position) {
            k++;
            pos[k].offset = v[i].position - v[0].position;
        }
        size_t *alt = realloc(pos[k].alt, (pos[k].n_alt + 1) * sizeof *alt);
        if (!alt) {
            for (size_t j = 0; j <= k; j++)
                free(pos[j].alt);
            free(pos);
            free(v);
            return POISK_ENOMEM;
        }
        pos[k].alt = alt;
        int dup = 0;
        for (size_t j = 0; j < pos[k].n_alt; j++)
            dup |= alt[j] == v[i].term;
        if (!dup)
            alt[pos[k].n_alt++] = v[i].term;
    }
    free(v);
    if (npos == 1 && pos[0].n_alt == 1) {
        n->kind = QN_TERM;
        n->term = pos[0].alt[0];
        free(pos[0].alt);
        free(pos);
        return POISK_OK;
    }
    n->kind = QN_PHRASE;
    n->pos = pos;
    n->n_pos = npos;
    return POISK_OK;
}

char *poisk_query_fold(const char *s, size_t len, size_t *out_len)
{
    char *o = malloc(len + 1);
    if (!o)
        return NULL;
    size_t j = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            o[j++] = (char)tolower(c);
        } else if (c == 0xD0 && i + 1 < len) {
            unsigned char d = (unsigned char)s[i + 1];
            i++;
            if (d == 0x81 || d == 0x95) {            /* Ё -> е */
                o[j++] = (char)0xD0; o[j++] = (char)0xB5;
            } else if (d >= 0x90 && d <= 0x9F) {     /* А-П -> а-п */
                o[j++] = (char)0xD0; o[j++] = (char)(d + 0x20);
            } else if (d >= 0xA0 && d <= 0xAF) {     /* Р-Я -> р-я */
                o[j++] = (char)0xD1; o[j++] = (char)(d - 0x20);
            } else {
                o[j++] = (char)c; o[j++] = (char)d;
            }
        } else if (c == 0xD1 && i + 1 < len && (unsigned char)s[i + 1] == 0x91) {
            o[j++] = (char)0xD0; o[j++] = (char)0xB5;  /* ё -> е */
            i++;
        } else {
            o[j++] = (char)c;
        }
    }
    o[j] = 0;
    *out_len = j;
    return o;
}

/* The normalised exact form of a single word: the analyzer's when it keeps the word,
 * otherwise (stop word, punctuation) the folded text. */
static int exact_form(poisk_analyzer *a, const char *w, size_t n, char **out, size_t *out_len)
{
    poisk_token tok;
    poisk_analyzer_reset(a, w, n);
    if (poisk_analyzer_next(a, &tok) && tok.byte_start == 0 && tok.byte_end == n) {
        *out = strndup(tok.exact, tok.exact_len);
        *out_len = tok.exact_len;
        return *out ? POISK_OK : POISK_ENOMEM;
    }
    *out = poisk_query_fold(w, n, out_len);
    return *out ? POISK_OK : POISK_ENOMEM;
}

/* Analyse the tree in place; stop-word-only leaves drop out of their BOOL.
 * *kept counts leaves that survived; *words counts leaves seen. */
static int analyze_node(poisk_query *q, poisk_analyzer *a, poisk_qnode *n, int *empty,
                        poisk_error *err)
{
    *empty = 0;
    switch (n->kind) {
    case QN_WORD:
        return analyze_words(q, a, n, empty);
    case QN_PHRASE: {
        int rc = analyze_words(q, a, n, empty);
        if (!rc && *empty)
            return poisk_error_set(err, POISK_ESTOPWORDS,
                                   "the phrase \"%.100s\" has only stop words; add a content word",
                                   n->text);
        return rc;
    }
    case QN_EXACT: {
        char *form;
        size_t len;
        int rc = exact_form(a, n->text, n->len, &form, &len);
        if (rc)
            return rc;
        size_t t = len ? poisk_query_term(q, form, len, 1) : (size_t)-1;
        free(form);
        if (!len) {
            *empty = 1;
            return POISK_OK;
        }
        if (t == (size_t)-1)
            return POISK_ENOMEM;
        n->kind = QN_TERM;
        n->term = t;
        return POISK_OK;
    }
    case QN_PREFIX: {
        char *form;
        size_t len;
        int rc = exact_form(a, n->text, n->len, &form, &len);
        if (rc)
            return rc;
        free(n->text);
        n->text = form;
        n->len = len;
        *empty = len == 0;
        return POISK_OK;
    }
    case QN_BOOL: {
        size_t j = 0;
        for (size_t i = 0; i < n->n_cl; i++) {
            int e;
            int rc = analyze_node(q, a, n->cl[i].node, &e, err);
            if (rc) {
                /* keep the tree consistent for freeing */
                for (size_t k = i; k < n->n_cl; k++)
                    n->cl[j++] = n->cl[k];
                n->n_cl = j;
                return rc;
            }
            if (e)
                poisk_qnode_free(n->cl[i].node);
            else
                n->cl[j++] = n->cl[i];
        }
        n->n_cl = j;
        *empty = j == 0;
        if (!*empty && bool_only_nots(n))
            *empty = 1;   /* its positive words were stop words: nothing left to rank */
        if (*empty) {
            for (size_t i = 0; i < n->n_cl; i++)
                poisk_qnode_free(n->cl[i].node);
            n->n_cl = 0;
        }
        return POISK_OK;
    }
    default:
        return POISK_OK;
    }
}

int poisk_query_analyze(poisk_query *q, poisk_analyzer *a, poisk_error *err)
{
    int empty;
    int rc = analyze_node(q, a, q->root, &empty, err);
    if (rc)
        return rc;
    if (empty)
        return poisk_error_set(err, POISK_ESTOPWORDS,
                               "the query has only stop words; add a content word");
    return POISK_OK;
}
